"""Offline check of a ledger export (离线核验): ``python -m zeropark.ledger.offline FILE``.

Needs no database and imports nothing of the platform but this pure package (and
``cryptography`` for Ed25519). Given the JSON of ``zeropark ledger export`` it checks:

1. every leaf: indices 0, 1, 2, … without a gap; its hash is RFC 6962's leaf hash of its kind,
   id, content hash and time; its field hashes give its content hash;
2. every signed tree head: its root is the root of the first ``tree_size`` leaves, its Ed25519
   signature verifies with the exported public key (RFC 6962 §3.5 structure);
3. every consistency proof between consecutive heads verifies (RFC 9162 §2.1.4.2) and the
   consecutive heads are all covered;
4. every object's content hash as the database gave it at export time equals its newest leaf's
   (naming the fields that differ; ``null``: the object was removed).

``python -m zeropark.ledger.offline NEW --against EARLIER`` also checks that every head of an
earlier export (kept by the verifier, away from the server) is a prefix of the new log, so a log
rewritten and re-signed on the server is caught.

Prints each finding and exits 0 when there is none, 1 otherwise (2: the file is unreadable).
The public key should be compared with the one the operator published out of band.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zeropark.ledger.entry import LeafRecord, content_hash, read_public_key, verify_tree_head
from zeropark.ledger.merkle import MerkleTree, ProofError, verify_consistency

__all__ = ["FORMAT", "check_against", "check_export", "check_file", "main"]

#: The export format this verifier reads.
FORMAT = "zeropark-ledger-export/1"


def _leaves(doc: dict[str, Any], tree: MerkleTree) -> tuple[list[str], dict[tuple[str, str], dict[str, Any]]]:
    found: list[str] = []
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for expected, leaf in enumerate(doc["leaves"]):
        name = f"{leaf['kind']} {leaf['id']} (leaf #{leaf['index']})"
        if leaf["index"] != expected:
            found.append(f"leaf #{expected} is missing (the next leaf is #{leaf['index']})")
        h = LeafRecord(leaf["kind"], leaf["id"], leaf["content_sha256"], leaf["created_at"]).hash()
        if h.hex() != leaf["leaf_hash"]:
            found.append(f"{name}: leaf hash {leaf['leaf_hash']} is not the hash of its content ({h.hex()})")
        if content_hash(leaf["fields"]) != leaf["content_sha256"]:
            found.append(f"{name}: its field hashes do not give its content hash")
        tree.append_hash(h)
        newest[(leaf["kind"], leaf["id"])] = leaf
    return found, newest


def _heads(doc: dict[str, Any], tree: MerkleTree) -> list[str]:
    found: list[str] = []
    key = read_public_key(doc["public_key"])
    heads = doc["heads"]
    for h in heads:
        name = f"tree head of size {h['tree_size']}"
        if h["tree_size"] > tree.size:
            found.append(f"{name}: covers more leaves than the export has ({tree.size})")
            continue
        root = bytes.fromhex(h["root_hash"])
        if tree.root(h["tree_size"]) != root:
            found.append(f"{name}: root {h['root_hash']} is not the root of the leaves")
        if not verify_tree_head(key, h["tree_size"], root, h["timestamp_ms"], bytes.fromhex(h["signature"])):
            found.append(f"{name}: the Ed25519 signature does not verify with the exported key")
    roots = {h["tree_size"]: bytes.fromhex(h["root_hash"]) for h in heads}
    pairs = {(c["first"], c["second"]): c["proof"] for c in doc.get("consistency", [])}
    for a, b in zip(heads, heads[1:], strict=False):
        first, second = a["tree_size"], b["tree_size"]
        proof = pairs.get((first, second))
        if proof is None:
            found.append(f"no consistency proof between the heads of size {first} and {second}")
            continue
        try:
            verify_consistency(first, second, roots[first], roots[second], [bytes.fromhex(p) for p in proof])
        except ProofError as exc:
            found.append(f"heads of size {first} and {second} are not consistent: {exc}")
    return found


def _objects(doc: dict[str, Any], newest: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for ref, now in doc.get("objects", {}).items():
        kind, _, oid = ref.partition("/")
        leaf = newest.get((kind, oid))
        if leaf is None:
            found.append(f"{kind} {oid}: not recorded in the ledger")
            continue
        name = f"{kind} {oid} (leaf #{leaf['index']})"
        if now is None:
            found.append(f"{name}: removed from the database")
            continue
        if (
            now["content_sha256"] == leaf["content_sha256"]
            and content_hash(now["fields"]) == now["content_sha256"]
        ):
            continue
        rec, cur = leaf["fields"], now["fields"]
        whats = [f"{k} removed" for k in sorted(rec.keys() - cur.keys())]
        whats += [f"{k} added" for k in sorted(cur.keys() - rec.keys())]
        whats += [f"{k} altered" for k in sorted(rec.keys() & cur.keys()) if rec[k] != cur[k]]
        found += [f"{name}: {w}" for w in whats or ["content altered"]]
    return found


def check_export(doc: dict[str, Any]) -> list[str]:
    """Every finding about an export (empty: the ledger and the objects check out)."""
    if doc.get("format") != FORMAT:
        return [f"not a ledger export of format {FORMAT} (format: {doc.get('format')!r})"]
    tree = MerkleTree()
    found, newest = _leaves(doc, tree)
    found += _heads(doc, tree)
    found += _objects(doc, newest)
    return found


def check_against(doc: dict[str, Any], earlier: dict[str, Any]) -> list[str]:
    """Findings when ``doc``'s log is not an extension of the heads an earlier export signed.

    Every signed head of ``earlier`` (kept by the verifier, away from the server) must be the root
    of the first ``tree_size`` leaves of ``doc``: a rewritten log fails here even when it was
    re-signed with the server's key.
    """
    tree = MerkleTree()
    for leaf in doc["leaves"]:
        tree.append_hash(
            LeafRecord(leaf["kind"], leaf["id"], leaf["content_sha256"], leaf["created_at"]).hash()
        )
    found: list[str] = []
    for h in earlier.get("heads", []):
        if h["tree_size"] > tree.size:
            found.append(f"earlier head of size {h['tree_size']}: the new export has only {tree.size} leaves")
        elif tree.root(h["tree_size"]).hex() != h["root_hash"]:
            found.append(f"earlier head of size {h['tree_size']}: the log was rewritten (root differs)")
    return found


def check_file(path: Path) -> list[str]:
    """:func:`check_export` of a JSON file."""
    return check_export(json.loads(path.read_text(encoding="utf-8")))


def main(argv: Sequence[str] | None = None) -> int:
    """Check the export named on the command line; 0 when clean, 1 with findings, 2 unreadable."""
    args = list(sys.argv[1:] if argv is None else argv)
    earlier_path: Path | None = None
    if len(args) == 3 and args[1] == "--against":
        earlier_path = Path(args[2])
        args = args[:1]
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(__doc__)  # noqa: T201
        return 2
    path = Path(args[0])
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        earlier = None if earlier_path is None else json.loads(earlier_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read the export: {exc}")  # noqa: T201
        return 2
    found = check_export(doc)
    if earlier is not None:
        found += check_against(doc, earlier)
    for f in found:
        print(f"✗ {f}")  # noqa: T201
    if found:
        print(f"{len(found)} finding(s) in {path}")  # noqa: T201
        return 1
    heads = doc["heads"]
    size = heads[-1]["tree_size"] if heads else 0
    n_leaves, n_objects = len(doc["leaves"]), len(doc["objects"])
    summary = f"{n_leaves} leaves, {len(heads)} signed heads (newest: {size} leaves), {n_objects} objects"
    print(f"✓ {summary} unchanged")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
