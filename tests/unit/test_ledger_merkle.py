"""RFC 6962 Merkle tree: published vectors, an independent recursive implementation, RFC 9162 checks.

Published vectors: transparency-dev/merkle (Go), testonly/constants.go (LeafInputs, RootHashes)
and proof/verify_test.go (inclusionProofs, consistencyProofs; their leaf numbers are 1-based),
https://github.com/transparency-dev/merkle — the same vectors as certificate-transparency's C++
merkle_tree_test.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from zeropark.ledger.entry import canonical_json, leaf_data, tree_head_bytes
from zeropark.ledger.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    frontier_append,
    frontier_root,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [  # by tree size 0..8 (testonly.RootHashes)
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index 0-based, tree size, path) from proof/verify_test.go inclusionProofs
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
# (size1, size2, proof) from proof/verify_test.go consistencyProofs
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip


# --- an independent, literal transcription of RFC 6962 §2.1 (recursion on lists of data) ---------


def _h(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def _tree(data: list[bytes]) -> MerkleTree:
    t = MerkleTree()
    for x in data:
        t.append(x)
    return t


def test_published_roots() -> None:
    t = _tree(LEAVES)
    assert [t.root(n).hex() for n in range(9)] == ROOTS
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert [mth(LEAVES[:n]).hex() for n in range(9)] == ROOTS  # the reference agrees too


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_published_inclusion_proofs(index: int, size: int, expected: list[str]) -> None:
    t = _tree(LEAVES)
    proof = t.inclusion_proof(index, size)
    assert [p.hex() for p in proof] == expected
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY)
def test_published_consistency_proofs(first: int, second: int, expected: list[str]) -> None:
    t = _tree(LEAVES)
    proof = t.consistency_proof(first, second)
    assert [p.hex() for p in proof] == expected
    verify_consistency(first, second, bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second]), proof)


def test_against_the_reference_for_every_size_up_to_40() -> None:
    data = [i.to_bytes(4, "big") for i in range(40)]
    t = _tree(data)
    frontier: list[bytes] = []
    size = 0
    for n in range(1, 41):
        size = frontier_append(frontier, size, leaf_hash(data[n - 1]))
        assert frontier_root(frontier) == t.root(n) == mth(data[:n])
        for m in range(n):
            assert t.inclusion_proof(m, n) == path(m, data[:n])
            verify_inclusion(m, n, leaf_hash(data[m]), t.inclusion_proof(m, n), t.root(n))
        for m in range(1, n):
            assert t.consistency_proof(m, n) == subproof(m, data[:n], True)
            verify_consistency(m, n, t.root(m), t.root(n), t.consistency_proof(m, n))


def test_corrupted_proofs_fail() -> None:
    data = [i.to_bytes(4, "big") for i in range(37)]
    t = _tree(data)
    rng = random.Random(6962)
    for _ in range(200):
        n = rng.randint(2, 37)
        m = rng.randrange(n)
        proof = t.inclusion_proof(m, n)
        leaf, root = leaf_hash(data[m]), t.root(n)
        with pytest.raises(ProofError):
            verify_inclusion(m, n, leaf_hash(b"other"), proof, root)
        with pytest.raises(ProofError):
            verify_inclusion(m, 2 * n, leaf, proof, root)  # a tree one level deeper
        with pytest.raises(ProofError):
            verify_inclusion(m, n, leaf, [*proof, root], root)
        if proof:
            bad = list(proof)
            bad[rng.randrange(len(bad))] = bytes(32)
            with pytest.raises(ProofError):
                verify_inclusion(m, n, leaf, bad, root)
            with pytest.raises(ProofError):
                verify_inclusion(m, n, leaf, proof[:-1], root)
        first = rng.randint(1, n - 1)
        cp = t.consistency_proof(first, n)
        with pytest.raises(ProofError):
            verify_consistency(first, n, t.root(n), t.root(first), cp)  # swapped roots
        with pytest.raises(ProofError):
            verify_consistency(first, n, t.root(first), t.root(n), cp[:-1])
        with pytest.raises(ProofError):
            verify_consistency(first, n, t.root(first), t.root(n), [])


def test_trivial_consistency() -> None:
    r = bytes(range(32))
    verify_consistency(0, 5, r, EMPTY_ROOT, [])
    verify_consistency(3, 3, r, r, [])
    with pytest.raises(ProofError):
        verify_consistency(3, 3, r, EMPTY_ROOT, [])
    with pytest.raises(ProofError):
        verify_consistency(4, 2, r, r, [])


def test_canonical_leaf_and_tree_head_bytes() -> None:
    # sorted keys, no spaces; 0.1 is written as the shortest round-trip decimal
    assert canonical_json({"b": 0.1, "a": [1, "碳"]}) == '{"a":[1,"碳"],"b":0.1}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
    assert leaf_data("sign_off", "7", "ab", "2026-01-01T00:00:00.000000Z") == (
        b'{"content_sha256":"ab","created_at":"2026-01-01T00:00:00.000000Z","id":"7","kind":"sign_off"}'
    )
    # RFC 6962 §3.5: version 0, type 1, uint64 timestamp 258, uint64 size 3, then the root
    head = tree_head_bytes(3, bytes(32), 258)
    assert head[:18] == bytes([0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 3])
    assert len(head) == 50


def test_the_offline_verifier_needs_no_database_or_store() -> None:
    import subprocess
    import sys

    code = (
        "import sys, zeropark.ledger.offline; "
        "print(sorted(m for m in sys.modules if m.startswith(('zeropark.store', 'zeropark.services', "
        "'sqlalchemy', 'psycopg', 'zeropark.settings'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_rewritten_log_fails_against_an_earlier_head() -> None:
    from zeropark.ledger.entry import LeafRecord
    from zeropark.ledger.offline import check_against

    def leaf(i: int, content: str) -> dict[str, object]:
        rec = LeafRecord("sign_off", str(i), content, "2026-01-01T00:00:00.000000Z")
        return {"kind": "sign_off", "id": str(i), "content_sha256": content, "created_at": rec.created_at}

    old = [leaf(i, f"{i:064x}") for i in range(5)]
    t = MerkleTree(LeafRecord(x["kind"], x["id"], x["content_sha256"], x["created_at"]).hash() for x in old)  # type: ignore[arg-type]
    earlier = {"heads": [{"tree_size": 5, "root_hash": t.root().hex()}]}
    assert check_against({"leaves": [*old, leaf(5, "f" * 64)]}, earlier) == []  # extended: fine
    rewritten = [*old[:2], leaf(2, "e" * 64), *old[3:]]
    assert check_against({"leaves": rewritten}, earlier) == [
        "earlier head of size 5: the log was rewritten (root differs)"
    ]
