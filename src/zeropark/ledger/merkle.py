"""RFC 6962 Merkle tree (证据账本的默克尔树): hashes, an append-only tree, inclusion and consistency proofs.

Everything here follows RFC 6962 §2.1 (Certificate Transparency, https://www.rfc-editor.org/rfc/rfc6962)
with SHA-256:

- leaf hash ``SHA-256(0x00 ‖ data)``, interior node ``SHA-256(0x01 ‖ left ‖ right)``;
- the Merkle Tree Hash of ``n > 1`` leaves splits at ``k``, the largest power of two ``< n``;
  the hash of the empty tree is ``SHA-256("")``;
- the audit path (inclusion proof) ``PATH(m, D[n])`` of §2.1.1 and the consistency proof
  ``PROOF(m, D[n])`` / ``SUBPROOF`` of §2.1.2, listed from the leaf upwards;
- verification by the algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency)
  (https://www.rfc-editor.org/rfc/rfc9162), which check a proof without the tree.

:class:`MerkleTree` keeps every complete subtree hash level by level in contiguous ``bytearray``
(32 bytes a node), so appending is amortised O(1) hashes and a proof is O(log² n) lookups; the
*compact range* (frontier: the roots of the maximal complete subtrees, left to right) is what the
store keeps to append without re-reading the leaves (:func:`frontier_append`, :func:`frontier_root`).
Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "ProofError",
    "frontier_append",
    "frontier_root",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion",
    "verify_consistency",
    "verify_inclusion",
]

#: Size of a SHA-256 digest [bytes].
HASH_SIZE = 32
#: MTH({}) = SHA-256() (RFC 6962 §2.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof does not verify, or its sizes or indices are impossible (says which and why)."""


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 ‖ d) (RFC 6962 §2.1)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right) (RFC 6962 §2.1)."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n ≥ 2``): RFC 6962's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


# --- compact range (frontier) -----------------------------------------------------------------


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> int:
    """Append the leaf hash ``leaf`` to the compact range of a tree of ``size`` leaves, in place.

    ``frontier`` holds the roots of the maximal complete subtrees, largest (leftmost) first, one
    per set bit of ``size``. Returns the new size.
    """
    h, n = leaf, size
    while n & 1:
        h = node_hash(frontier.pop(), h)
        n >>= 1
    frontier.append(h)
    return size + 1


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the tree whose compact range is ``frontier`` (RFC 6962 §2.1).

    Folding right to left is RFC 6962's split: the leftmost complete subtree is ``D[0:k]``.
    """
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for h in reversed(frontier[:-1]):
        root = node_hash(h, root)
    return root


# --- the tree ----------------------------------------------------------------------------------


class MerkleTree:
    """An append-only RFC 6962 tree that keeps every complete subtree hash (for proofs).

    ``levels[k]`` holds, 32 bytes each, the hashes of the complete subtrees of ``2**k`` leaves
    aligned on multiples of ``2**k`` (level 0: the leaf hashes).
    """

    __slots__ = ("levels", "size")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[bytearray] = [bytearray()]
        self.size = 0
        for h in leaf_hashes:
            self.append_hash(h)

    def append(self, data: bytes) -> int:
        """Append a leaf with content ``data``; returns its index."""
        return self.append_hash(leaf_hash(data))

    def append_hash(self, h: bytes) -> int:
        """Append a leaf by its leaf hash; returns its index (amortised one node hash a leaf)."""
        if len(h) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(h)}")
        index = self.size
        levels = self.levels
        levels[0] += h
        self.size = n = index + 1
        level = 0
        while n & 1 == 0:  # the node just completed a subtree of 2**(level+1) leaves
            row = levels[level]
            parent = node_hash(bytes(row[-64:-32]), bytes(row[-32:]))
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += parent
            n >>= 1
        return index

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        return bytes(self.levels[0][index * 32 : index * 32 + 32])

    def _node(self, level: int, index: int) -> bytes:
        return bytes(self.levels[level][index * 32 : index * 32 + 32])

    def _mth(self, start: int, n: int) -> bytes:
        """MTH(D[start:start+n]) for the ranges RFC 6962's recursion visits (``start`` aligned)."""
        if n & (n - 1) == 0:  # a complete subtree: stored
            return self._node(n.bit_length() - 1, start >> (n.bit_length() - 1))
        k = _split(n)
        return node_hash(self._mth(start, k), self._mth(start + k, n - k))

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[0:size]) (the current tree when ``size`` is None)."""
        n = self.size if size is None else size
        self._check_size(n)
        return EMPTY_ROOT if n == 0 else self._mth(0, n)

    def _check_size(self, n: int) -> None:
        if not 0 <= n <= self.size:
            raise ProofError(f"tree size {n} is outside 0..{self.size}")

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]) (RFC 6962 §2.1.1), from the leaf's sibling up to the root's child."""
        n = self.size if size is None else size
        self._check_size(n)
        if not 0 <= index < n:
            raise ProofError(f"leaf index {index} is outside a tree of {n} leaves")
        path: list[bytes] = []
        start, m = 0, index
        # Descend from the root; RFC 6962 appends each sibling after the deeper path: collect and reverse.
        while n > 1:
            k = _split(n)
            if m < k:
                path.append(self._mth(start + k, n - k))
                n = k
            else:
                path.append(self._mth(start, k))
                start, m, n = start + k, m - k, n - k
        path.reverse()
        return path

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(first, D[0:second]) (RFC 6962 §2.1.2); empty when ``first`` is 0 or equals ``second``."""
        n = self.size if second is None else second
        self._check_size(n)
        if not 0 <= first <= n:
            raise ProofError(f"first tree size {first} is outside 0..{n}")
        if first in (0, n):
            return []
        proof: list[bytes] = []
        start, m, complete = 0, first, True
        while m != n:  # SUBPROOF(m, D[start:start+n], complete), iteratively
            k = _split(n)
            if m <= k:
                proof.append(self._mth(start + k, n - k))
                n = k
            else:
                proof.append(self._mth(start, k))
                start, m, n, complete = start + k, m - k, n - k, False
        if not complete:
            proof.append(self._mth(start, m))
        proof.reverse()
        return proof


# --- verification (RFC 9162 §2.1.3.2, §2.1.4.2) --------------------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–5, without the comparison).

    Raises
    ------
    ProofError
        Index outside the tree, a proof of the wrong length, or a hash that is not 32 bytes.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        raise ProofError(f"every hash of a proof is {HASH_SIZE} bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError(f"inclusion proof of leaf {index} in {size} leaves is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"inclusion proof of leaf {index} in {size} leaves is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` leaves with ``root`` (RFC 9162 §2.1.3.2).

    Raises
    ------
    ProofError
        The proof does not lead to ``root`` (or is malformed).
    """
    got = root_from_inclusion(index, size, leaf, proof)
    if got != root:
        raise ProofError(
            f"inclusion proof of leaf {index} leads to root {got.hex()}, not {root.hex()} (tree of {size})"
        )


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``first`` leaves is a prefix of the tree of ``second`` (RFC 9162 §2.1.4.2).

    ``first == second`` needs equal roots and an empty proof; ``first == 0`` is consistent with
    anything (with an empty proof).

    Raises
    ------
    ProofError
        The proof does not show consistency (or is malformed).
    """
    if not 0 <= first <= second:
        raise ProofError(f"tree size {first} cannot be a prefix of a tree of {second}")
    if first == 0 or first == second:
        if proof:
            raise ProofError(f"consistency of {first} and {second} leaves needs an empty proof")
        if first == second and first_root != second_root:
            raise ProofError(
                f"two roots for the same tree size {first}: {first_root.hex()} ≠ {second_root.hex()}"
            )
        return
    if not proof:
        raise ProofError(f"empty consistency proof between {first} and {second} leaves")
    if any(len(p) != HASH_SIZE for p in proof):
        raise ProofError(f"every hash of a proof is {HASH_SIZE} bytes")
    path = list(proof)
    if first & (first - 1) == 0:  # step 2: an exact power of 2
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof between {first} and {second} leaves is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"consistency proof between {first} and {second} leaves is too short")
    if fr != first_root:
        raise ProofError(f"consistency proof does not lead to the {first}-leaf root {first_root.hex()}")
    if sr != second_root:
        raise ProofError(f"consistency proof does not lead to the {second}-leaf root {second_root.hex()}")
