"""Benchmark: the evidence ledger's Merkle log — append N leaves, produce and check K inclusion proofs.

The pure core (:mod:`zeropark.ledger.merkle`), no database: ``--leaves`` leaves (default 10 M) are
appended to a :class:`~zeropark.ledger.merkle.MerkleTree` (each leaf's data is the canonical leaf
JSON of a synthetic object, so the leaf hash costs what it costs in the store), then ``--proofs``
(default 10 k) random inclusion proofs are produced against the full tree and each is checked
with the RFC 9162 §2.1.3.2 algorithm; finally one consistency proof between half and the full tree.

Printed: leaves/s of appending (and of the compact-range append the store does per leaf, without
keeping the levels), the median and mean time to produce a proof and to check one [µs], the
proof length, peak memory [MB] — and the peer, a naive recompute-from-scratch root (RFC 6962
§2.1's recursive MTH over all leaf hashes, what a log without stored nodes would do per
append) on ``--naive`` leaves (default 100 k), as a per-append ratio.

If 10 M leaves do not fit your time or memory, pass a smaller ``--leaves``: the figures say the
size used and extrapolate to 10 M linearly (append) and logarithmically (proofs).

Usage::

    .venv/bin/python benchmarks/ledger_proofs.py                          # 10 M leaves, 10 k proofs
    .venv/bin/python benchmarks/ledger_proofs.py --leaves 2000000 --proofs 10000
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import resource
import statistics
import time

from zeropark.ledger.entry import leaf_data
from zeropark.ledger.merkle import (
    MerkleTree,
    frontier_append,
    frontier_root,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

TARGET = 10_000_000


def naive_root(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH by plain recursion over all leaf hashes (the peer)."""
    n = len(hashes)
    if n == 1:
        return hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(naive_root(hashes[:k]), naive_root(hashes[k:]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leaves", type=int, default=TARGET, help="leaves to append (default 10 000 000)")
    ap.add_argument("--proofs", type=int, default=10_000, help="inclusion proofs to produce and check")
    ap.add_argument("--naive", type=int, default=100_000, help="leaves of the naive recompute peer")
    ap.add_argument("--seed", type=int, default=6962)
    args = ap.parse_args()
    n = args.leaves
    prefix = leaf_data(
        "reading_batch", "{:032x}", hashlib.sha256(b"x").hexdigest(), "2026-01-01T00:00:00.000000Z"
    )

    tree = MerkleTree()
    t0 = time.perf_counter()
    for i in range(n):
        tree.append(prefix + i.to_bytes(8, "big"))
    t_append = time.perf_counter() - t0
    root = tree.root()

    # the store's per-leaf work: extend the compact range only (no levels kept)
    m = min(n, 1_000_000)
    frontier: list[bytes] = []
    size = 0
    t0 = time.perf_counter()
    for i in range(m):
        size = frontier_append(frontier, size, leaf_hash(prefix + i.to_bytes(8, "big")))
    t_frontier = time.perf_counter() - t0
    if m == n:
        assert frontier_root(frontier) == root

    rng = random.Random(args.seed)
    produce: list[float] = []
    check: list[float] = []
    length = 0
    for _ in range(args.proofs):
        i = rng.randrange(n)
        t1 = time.perf_counter()
        path = tree.inclusion_proof(i)
        t2 = time.perf_counter()
        verify_inclusion(i, n, tree.leaf(i), path, root)
        t3 = time.perf_counter()
        produce.append(t2 - t1)
        check.append(t3 - t2)
        length = max(length, len(path))
    half = n // 2
    t1 = time.perf_counter()
    cp = tree.consistency_proof(half, n)
    verify_consistency(half, n, tree.root(half), root, cp)
    t_cons = time.perf_counter() - t1

    k = min(args.naive, n)
    hashes = [tree.leaf(i) for i in range(k)]
    t1 = time.perf_counter()
    assert naive_root(hashes) == tree.root(k)
    t_naive = time.perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rate = n / t_append
    print(f"leaves appended           {n:,}" + ("" if n == TARGET else f"  (10 M not run; size used: {n:,})"))
    print(f"append (tree + levels)    {t_append:.2f} s   {rate:,.0f} leaves/s")
    print(
        f"append (compact range)    {m / t_frontier:,.0f} leaves/s  ({m:,} leaves: the store's per-leaf work)"
    )
    print(f"root                      {root.hex()}")
    print(f"inclusion proofs          {args.proofs:,}, path length ≤ {length}")
    print(
        f"  produce                 median {statistics.median(produce) * 1e6:.1f} µs, "
        f"mean {statistics.fmean(produce) * 1e6:.1f} µs, total {sum(produce):.2f} s"
    )
    print(
        f"  check (RFC 9162)        median {statistics.median(check) * 1e6:.1f} µs, "
        f"mean {statistics.fmean(check) * 1e6:.1f} µs, total {sum(check):.2f} s"
    )
    print(f"consistency {half:,} → {n:,}  {len(cp)} hashes, produced and checked in {t_cons * 1e3:.2f} ms")
    print(f"peak memory               {peak_mb:,.0f} MB (levels: {64 * n / 1e6:,.0f} MB of hashes)")
    per_append_naive = t_naive  # one append = one full recompute of the root
    per_append_tree = t_append / n
    print(
        f"peer: naive recompute     {k:,} leaves: {t_naive * 1e3:.1f} ms per root = per append; "
        f"incremental {per_append_tree * 1e6:.2f} µs per append "
        f"→ {per_append_naive / per_append_tree:,.0f}× faster (already at {k:,} leaves)"
    )
    if n != TARGET:
        scale = TARGET / n
        proof_scale = math.log2(TARGET) / math.log2(n) if n > 1 else 1.0
        print(
            f"extrapolated to 10 M      append {t_append * scale:.0f} s at the same rate; "
            f"proof produce ≈ {statistics.median(produce) * 1e6 * proof_scale**2:.1f} µs (O(log² n)), "
            f"check ≈ {statistics.median(check) * 1e6 * proof_scale:.1f} µs (O(log n)); "
            f"memory ≈ {64 * TARGET / 1e6:,.0f} MB of levels"
        )


if __name__ == "__main__":
    main()
