"""The tamper-evident evidence ledger (防篡改证据账本): an RFC 6962 Merkle log of what the platform keeps.

Pure core: the tree and its proofs (:mod:`~zeropark.ledger.merkle`), what a leaf and a tree head
are (:mod:`~zeropark.ledger.entry`), and the offline check of an export
(:mod:`~zeropark.ledger.offline`, ``python -m zeropark.ledger.offline FILE``). The store keeps the
leaves (``zeropark.store.ledger``); ``zeropark.services.ledger`` signs heads and verifies. See
docs/ledger.md.
"""
