"""核查包 The verification pack's JSON: what the sign-off signs, and its offline check.

A pack (``zeropark verification pack``) holds the engagement (with its sampling plan), the
checklist results, the findings, the corrective actions, the signed statement (the sign-off), the
run's fingerprint, the ledger's newest signed tree head and public key, and for every cited leaf
(the engagement, each finding and action, the sign-off, the run, each cited document and leaf)
its RFC 6962 inclusion proof in that head.

:func:`check_pack` needs no database (only this package, :mod:`zeropark.ledger` and
``cryptography``). It checks:

1. the tree head's Ed25519 signature (RFC 6962 §3.5 structure, :mod:`zeropark.ledger.entry`);
2. every leaf: its hash is the RFC 6962 leaf hash of its kind, id, content hash and time, its field
   hashes give its content hash, and its audit path leads to the head's root (RFC 9162 §2.1.3.2);
3. every object of the pack (engagement, findings, actions, sign-off) against its newest leaf,
   naming each field that differs (``verification_finding 3: severity altered``);
4. the sign-off: its section hashes against the pack's sections (names the section altered since
   the sign-off) and its Ed25519 signature of :func:`signoff_message` with the same key;
5. the run: its fingerprint is the engagement's and the sign-off's, and hashes to the run's leaf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature

from zeropark.ledger.entry import (
    LeafRecord,
    canonical_json,
    content_hash,
    field_hashes,
    read_public_key,
    verify_tree_head,
)
from zeropark.ledger.merkle import ProofError, verify_inclusion

__all__ = [
    "FORMAT",
    "KIND_ACTION",
    "KIND_ENGAGEMENT",
    "KIND_FINDING",
    "KIND_SIGNOFF",
    "SECTIONS",
    "check_pack",
    "section_hashes",
    "signoff_message",
]

#: The pack format this module writes and checks.
FORMAT = "zeropark-verification-pack/1"
#: Ledger leaf kinds of the verification objects.
KIND_ENGAGEMENT = "verification_engagement"
KIND_FINDING = "verification_finding"
KIND_ACTION = "verification_action"
KIND_SIGNOFF = "verification_signoff"
#: The pack's sections the sign-off signs (by hash).
SECTIONS = ("engagement", "checklist", "findings", "actions", "statement", "run")


def section_hashes(sections: Mapping[str, Any]) -> dict[str, str]:
    """SHA-256 (hex) of the canonical JSON of each of :data:`SECTIONS`."""
    return {k: hashlib.sha256(canonical_json(sections.get(k))).hexdigest() for k in SECTIONS}


def signoff_message(signoff: Mapping[str, Any]) -> bytes:
    """The bytes the verifier's sign-off signs: canonical JSON of its fields but the signature."""
    return b"zeropark-verification-signoff/1\n" + canonical_json(
        {k: v for k, v in signoff.items() if k != "signature"}
    )


def _leaf_problems(
    doc: Mapping[str, Any], root: bytes, size: int
) -> tuple[list[str], dict[tuple[str, str], Any]]:
    found: list[str] = []
    newest: dict[tuple[str, str], Any] = {}
    for leaf in doc.get("leaves", []):
        name = f"{leaf['kind']} {leaf['id']} (leaf #{leaf['index']})"
        h = LeafRecord(leaf["kind"], leaf["id"], leaf["content_sha256"], leaf["created_at"]).hash()
        if h.hex() != leaf["leaf_hash"]:
            found.append(f"{name}: leaf hash is not the hash of its content")
        if content_hash(leaf["fields"]) != leaf["content_sha256"]:
            found.append(f"{name}: its field hashes do not give its content hash")
        try:
            verify_inclusion(
                int(leaf["index"]), size, h, [bytes.fromhex(p) for p in leaf["audit_path"]], root
            )
        except (ProofError, ValueError) as exc:
            found.append(f"{name}: not included in the signed tree head of size {size} ({exc})")
        key = (leaf["kind"], str(leaf["id"]))
        if key not in newest or newest[key]["index"] < leaf["index"]:
            newest[key] = leaf
    return found, newest


def _object_problems(
    kind: str, oid: str, obj: Mapping[str, Any], newest: Mapping[tuple[str, str], Any]
) -> list[str]:
    leaf = newest.get((kind, oid))
    if leaf is None:
        return [f"{kind} {oid}: no ledger leaf in the pack"]
    now = field_hashes(obj)
    rec: dict[str, str] = leaf["fields"]
    if content_hash(now) == leaf["content_sha256"]:
        return []
    name = f"{kind} {oid} (leaf #{leaf['index']})"
    whats = [f"{k} removed" for k in sorted(rec.keys() - now.keys())]
    whats += [f"{k} added" for k in sorted(now.keys() - rec.keys())]
    whats += [f"{k} altered" for k in sorted(rec.keys() & now.keys()) if rec[k] != now[k]]
    return [f"{name}: {w}" for w in whats or ["content altered"]]


def _signoff_problems(doc: Mapping[str, Any]) -> list[str]:
    so = doc.get("signoff")
    if not so:
        return ["the pack has no sign-off (the statement is not signed)"]
    found: list[str] = []
    now = section_hashes(doc)
    for k in SECTIONS:
        if so.get("sections", {}).get(k) != now[k]:
            found.append(f"section '{k}' altered since the sign-off (its hash differs from the signed one)")
    try:
        read_public_key(doc["public_key"]).verify(bytes.fromhex(so["signature"]), signoff_message(so))
    except (InvalidSignature, ValueError):
        found.append("the sign-off's Ed25519 signature does not verify with the pack's public key")
    return found


def _run_problems(doc: Mapping[str, Any], newest: Mapping[tuple[str, str], Any]) -> list[str]:
    run = doc.get("run") or {}
    fp = run.get("input_fingerprint")
    found: list[str] = []
    if fp != doc.get("engagement", {}).get("run_fingerprint"):
        found.append("run: input fingerprint differs from the engagement's")
    if fp != (doc.get("signoff") or {}).get("run_fingerprint"):
        found.append("run: input fingerprint differs from the one signed off")
    leaf = newest.get(("inventory_run", str(run.get("id"))))
    if leaf is None:
        found.append(f"run {run.get('id')}: no ledger leaf in the pack")
    elif field_hashes({"input_fingerprint": fp})["input_fingerprint"] != leaf["fields"].get(
        "input_fingerprint"
    ):
        found.append(f"run {run.get('id')} (leaf #{leaf['index']}): input fingerprint altered")
    return found


def check_pack(doc: Mapping[str, Any]) -> list[str]:
    """Every finding about a pack (empty: it checks out). See the module docstring for the checks."""
    if doc.get("format") != FORMAT:
        return [f"not a verification pack of format {FORMAT} (format: {doc.get('format')!r})"]
    found: list[str] = []
    head = doc["head"]
    root, size = bytes.fromhex(head["root_hash"]), int(head["tree_size"])
    key = read_public_key(doc["public_key"])
    if not verify_tree_head(key, size, root, int(head["timestamp_ms"]), bytes.fromhex(head["signature"])):
        found.append(f"tree head of size {size}: the Ed25519 signature does not verify")
    leaf_found, newest = _leaf_problems(doc, root, size)
    found += leaf_found
    eng = doc.get("engagement", {})
    found += _object_problems(KIND_ENGAGEMENT, str(eng.get("id")), eng, newest)
    for f in doc.get("findings", []):
        found += _object_problems(KIND_FINDING, str(f.get("id")), f, newest)
    for a in doc.get("actions", []):
        found += _object_problems(KIND_ACTION, str(a.get("id")), a, newest)
    so = doc.get("signoff")
    if so:
        found += _object_problems(KIND_SIGNOFF, str(so.get("engagement_id")), so, newest)
    found += _signoff_problems(doc)
    found += _run_problems(doc, newest)
    return found
