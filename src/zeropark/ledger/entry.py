"""What a ledger leaf says (账本条目) and what a tree head signs: canonical bytes, content hashes, Ed25519.

**Leaf content.** A leaf records one object the platform keeps as evidence: its ``kind`` (see
:data:`KINDS`), its ``id``, the SHA-256 of its content and when it was recorded. The leaf's data
is the canonical JSON of these four (:func:`leaf_data`); its hash is RFC 6962's leaf hash of them.

**Canonical JSON** (:func:`canonical_json`): keys sorted, no spaces, UTF-8, no NaN/Infinity; a
float is written as Python's ``repr`` — the shortest decimal that reads back to the same IEEE-754
double (as RFC 8785 §3.2.2.3 requires of JSON numbers), so one value has one spelling; integers
stay integers. Instants are written as ISO 8601 UTC with microseconds (``2026-01-01T00:00:00.000000Z``).

**Content hash** (:func:`content_hash`): the object's fields (each a JSON value) are hashed one by one
(:func:`field_hashes`, so a check can name the field that changed) and the content hash is SHA-256
of the canonical JSON of the field → hash map.

**Tree head** (:func:`tree_head_bytes`): the RFC 6962 §3.5 ``TreeHeadSignature`` structure —
version v1 (0), signature type ``tree_hash`` (1), timestamp [ms since the Unix epoch, uint64],
tree size [uint64], SHA-256 root hash — signed with Ed25519 (RFC 8032) instead of the ECDSA/RSA
of RFC 6962, through the ``cryptography`` library.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from zeropark.ledger.merkle import HASH_SIZE, leaf_hash

__all__ = [
    "KINDS",
    "LeafRecord",
    "canonical_json",
    "content_hash",
    "field_hashes",
    "instant",
    "leaf_data",
    "public_key_pem",
    "read_public_key",
    "sign_tree_head",
    "tree_head_bytes",
    "verify_tree_head",
]

#: The kinds of object a leaf records (the issue's list, plus a deletion that is allowed).
KINDS = (
    "reading_batch",  # readings stored by one write (their keys and stored values)
    "import_batch",  # an imported file (its SHA-256) and the activity records it stored
    "evidence",  # a kept evidence document (a generated report file): its bytes
    "factor_set",  # a stored factor set: its content as loaded
    "inventory_run",  # an inventory run: parameters, fingerprint, serialised result
    "sign_off",  # a verifier's sign-off of a run: who, when, note
    "inventory_run_deleted",  # an unsigned run deleted by a manager (so its absence is not tampering)
    # verifier workspace (#16): engagement, finding, corrective action, signed statement
    "verification_engagement",
    "verification_finding",
    "verification_action",
    "verification_signoff",
    # cold storage (#20): the manifest entry of one archived park-month (its file's SHA-256)
    "cold_month",
)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return instant(value)
    raise TypeError(f"not canonical JSON: {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    """The one UTF-8 spelling of a JSON value (sorted keys, no spaces, shortest round-trip floats).

    NaN and ±Infinity are refused (ValueError): JSON has no spelling for them.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_default
    ).encode()


def instant(ts: datetime) -> str:
    """An instant as ISO 8601 UTC with microseconds; a naive datetime is read as UTC (SQLite)."""
    ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def field_hashes(fields: Mapping[str, Any]) -> dict[str, str]:
    """SHA-256 (hex) of the canonical JSON of each field's value."""
    return {k: hashlib.sha256(canonical_json(v)).hexdigest() for k, v in fields.items()}


def content_hash(hashes: Mapping[str, str]) -> str:
    """The content hash of an object from its field hashes (SHA-256 hex of their canonical JSON)."""
    return hashlib.sha256(canonical_json(dict(hashes))).hexdigest()


class LeafRecord:
    """One leaf: kind, id, content hash (hex), recorded at (ISO UTC); its data and RFC 6962 leaf hash."""

    __slots__ = ("content_sha256", "created_at", "kind", "object_id")

    def __init__(self, kind: str, object_id: str, content_sha256: str, created_at: str) -> None:
        self.kind = kind
        self.object_id = object_id
        self.content_sha256 = content_sha256
        self.created_at = created_at

    def data(self) -> bytes:
        """The leaf's data (:func:`leaf_data`)."""
        return leaf_data(self.kind, self.object_id, self.content_sha256, self.created_at)

    def hash(self) -> bytes:
        """RFC 6962 leaf hash of :meth:`data`."""
        return leaf_hash(self.data())


def leaf_data(kind: str, object_id: str, content_sha256: str, created_at: str) -> bytes:
    """Canonical JSON of ``{"content_sha256", "created_at", "id", "kind"}`` — what a leaf hashes."""
    return canonical_json(
        {"kind": kind, "id": object_id, "content_sha256": content_sha256, "created_at": created_at}
    )


def tree_head_bytes(tree_size: int, root: bytes, timestamp_ms: int) -> bytes:
    """RFC 6962 §3.5 TreeHeadSignature: v1, tree_hash, timestamp [ms], tree_size, root (50 bytes)."""
    if len(root) != HASH_SIZE:
        raise ValueError(f"a root hash is {HASH_SIZE} bytes, not {len(root)}")
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root


def sign_tree_head(key: Ed25519PrivateKey, tree_size: int, root: bytes, timestamp_ms: int) -> bytes:
    """Ed25519 signature (64 bytes) of :func:`tree_head_bytes`."""
    return key.sign(tree_head_bytes(tree_size, root, timestamp_ms))


def verify_tree_head(
    public_key: Ed25519PublicKey, tree_size: int, root: bytes, timestamp_ms: int, signature: bytes
) -> bool:
    """Whether ``signature`` is the key's Ed25519 signature of this tree head."""
    try:
        public_key.verify(signature, tree_head_bytes(tree_size, root, timestamp_ms))
    except InvalidSignature:
        return False
    return True


def public_key_pem(key: Ed25519PublicKey) -> str:
    """The public key as PEM (SubjectPublicKeyInfo), what a verifier is given."""
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def read_public_key(pem: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (ValueError when it is another kind of key)."""
    key = load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the ledger's public key is not an Ed25519 key")
    return key
