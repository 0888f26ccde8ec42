"""Carbon assets (碳资产): the double-entry asset ledger, compliance positions and 碳普惠 points (pure core).

Not to be confused with :mod:`zeropark.ledger`, the evidence ledger (a Merkle tree of stored objects).
"""
