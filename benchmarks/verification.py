"""Verification: the sampling plan and the offline pack check at size (prints figures and ratios).

    PYTHONPATH=src python benchmarks/verification.py [N_LINE_ITEMS]

Draws the plan over N line items (default 100 000; sizes log-normal, seeded) and times it against
a plain ``random.sample`` of the same n (the floor: no sizes, no risk); builds a pack-shaped log of
N leaves, cites 1 000 of them and times :func:`zeropark.verification.pack.check_pack` (inclusion
proofs of 1 000 leaves in a head of N).
"""

from __future__ import annotations

import random
import sys
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zeropark.ledger.entry import LeafRecord, content_hash, field_hashes, public_key_pem, sign_tree_head
from zeropark.ledger.merkle import MerkleTree
from zeropark.verification.engagement import Assurance
from zeropark.verification.pack import FORMAT, check_pack
from zeropark.verification.sampling import Risk, Unit, plan_sample


def main(n: int) -> None:
    """Run and print."""
    rng = random.Random(1)
    units = [
        Unit("line_item", f"L{i:07d}", rng.lognormvariate(0, 2), rng.choice(list(Risk))) for i in range(n)
    ]
    total = sum(u.tco2e for u in units)
    t0 = time.perf_counter()
    plan = plan_sample(
        units, kind="line_item", materiality_tco2e=0.05 * total, materiality_pct=5.0,
        assurance=Assurance.REASONABLE, seed=7,
    )  # fmt: skip
    t_plan = time.perf_counter() - t0
    t0 = time.perf_counter()
    random.Random(7).sample(units, plan.n_target)
    t_floor = time.perf_counter() - t0
    print(
        f"plan over {n} line items: {len(plan.selections)} drawn (n={plan.n_target}) in {t_plan * 1e3:.1f} ms"
    )  # noqa: T201
    print(f"  random.sample floor {t_floor * 1e3:.3f} ms; ratio {t_plan / max(t_floor, 1e-9):.0f}x")  # noqa: T201

    key = Ed25519PrivateKey.generate()
    tree, recs = MerkleTree(), []
    for i in range(n):
        hashes = field_hashes({"i": i})
        rec = LeafRecord("factor_set", str(i), content_hash(hashes), "2026-01-01T00:00:00.000000Z")
        tree.append_hash(rec.hash())
        recs.append((rec, hashes))
    size, root = tree.size, tree.root()
    cited = sorted(rng.sample(range(n), 1000))
    doc = {
        "format": FORMAT,
        "public_key": public_key_pem(key.public_key()),
        "head": {"tree_size": size, "root_hash": root.hex(), "timestamp_ms": 1,
                 "signature": sign_tree_head(key, size, root, 1).hex()},
        "leaves": [
            {"index": i, "kind": recs[i][0].kind, "id": recs[i][0].object_id,
             "content_sha256": recs[i][0].content_sha256, "created_at": recs[i][0].created_at,
             "leaf_hash": recs[i][0].hash().hex(), "fields": recs[i][1],
             "audit_path": [p.hex() for p in tree.inclusion_proof(i, size)]}
            for i in cited
        ],
    }  # fmt: skip
    t0 = time.perf_counter()
    found = check_pack(doc)
    t_check = time.perf_counter() - t0
    # expected findings: no engagement/sign-off/run in this synthetic pack (3–5 lines), no leaf problem
    assert not any("leaf #" in f for f in found), found
    print(f"check-pack: 1000 inclusion proofs in a head of {size} leaves in {t_check * 1e3:.1f} ms")  # noqa: T201


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
