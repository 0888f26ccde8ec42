"""The evidence ledger as use cases (证据账本): signed tree heads, proofs, the full check, the export.

Every reading batch, import batch, evidence document (a kept report file), factor set, inventory
run and sign-off is appended to an RFC 6962 Merkle log in the transaction that stores it
(:mod:`zeropark.store.ledger`). This module is the one path of the CLI (``zeropark ledger``) and
the API (``/api/v1/ledger``):

- :func:`head` signs the tree as appended so far (when no head covers it yet) with the
  deployment's Ed25519 key (:func:`signing_key`, ``ZEROPARK_LEDGER_KEY``) and returns the newest
  signed tree head — heads are signed on demand, as a CT log issues tree heads after the fact;
- :func:`proof` — the inclusion proof of an object's newest leaf in the newest signed head;
- :func:`verify` re-hashes every recorded object from the database and compares it with its
  leaf, recomputes every leaf hash and the root of every head, checks each head's signature and
  the consistency proof between consecutive heads, and names each altered or removed object;
- :func:`export` — leaves, heads, consistency proofs, the public key and the objects' content
  hashes as they are now, for ``python -m zeropark.ledger.offline`` (no database);
- :func:`check_evidence` raises :class:`~zeropark.errors.EvidenceChanged` for a kept file whose
  bytes no longer hash to its leaf.

Who may read the ledger: admin, verifier, park manager (hashes and object ids only; the objects
themselves stay behind their own scope rules).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from sqlalchemy import Engine

from zeropark.errors import DataError, EvidenceChanged, NotFound, PermissionDenied
from zeropark.ledger.entry import (
    KINDS,
    LeafRecord,
    content_hash,
    field_hashes,
    public_key_pem,
    sign_tree_head,
    verify_tree_head,
)
from zeropark.ledger.merkle import MerkleTree, ProofError, verify_consistency, verify_inclusion
from zeropark.model import Role
from zeropark.settings import get_settings
from zeropark.store import ledger as store
from zeropark.store.db import read_connection
from zeropark.store.schema import LedgerHeadRow, LedgerLeafRow
from zeropark.store.scope import Scope

__all__ = [
    "EXPORT_FORMAT",
    "LeafProof",
    "LedgerCheck",
    "Problem",
    "TreeHead",
    "check_evidence",
    "check_import_file",
    "export",
    "head",
    "key_path",
    "proof",
    "public_key",
    "signing_key",
    "verify",
]

#: The ``format`` of an export (checked by the offline verifier).
EXPORT_FORMAT = "zeropark-ledger-export/1"
#: Roles that may read the ledger.
READERS = (Role.ADMIN, Role.VERIFIER, Role.PARK_MANAGER)
ENTITY = "ledger"

_KEYS: dict[Path, Ed25519PrivateKey] = {}


# --- the key ------------------------------------------------------------------------------------


def key_path() -> Path:
    """Where the signing key lives: ``ZEROPARK_LEDGER_KEY``, else the user's data directory."""
    configured = get_settings().ledger_key
    if configured:
        return Path(configured).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "zeropark" / "ledger-ed25519.pem"


def signing_key() -> Ed25519PrivateKey:
    """The Ed25519 key that signs tree heads; generated on first use (file mode 0600).

    Raises
    ------
    DataError
        The key file exists but is not an Ed25519 private key in PEM.
    """
    path = key_path()
    if path in _KEYS:
        return _KEYS[path]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise DataError(
            f"{path}: the ledger key is not an Ed25519 private key; point ZEROPARK_LEDGER_KEY elsewhere"
        )
    _KEYS[path] = loaded
    return loaded


def public_key() -> str:
    """The public key (PEM) verifiers check tree heads with."""
    return public_key_pem(signing_key().public_key())


def _key_id() -> str:
    der = signing_key().public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A signed tree head: size [leaves], root (hex), timestamp [ms since 1970 UTC], signature (hex)."""

    tree_size: int
    root_hash: str
    timestamp_ms: int
    signature: str
    key_id: str

    @classmethod
    def of_row(cls, row: LedgerHeadRow) -> TreeHead:
        """From a stored head."""
        return cls(int(row.tree_size), row.root_hash, int(row.timestamp_ms), row.signature, row.key_id)


@dataclass(frozen=True, slots=True)
class LeafProof:
    """An object's newest leaf and its RFC 6962 inclusion proof (hex, leaf upwards) in ``head``."""

    kind: str
    object_id: str
    leaf_index: int
    content_sha256: str
    created_at: str
    leaf_hash: str
    audit_path: tuple[str, ...]
    head: TreeHead


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of :func:`verify`: what (kind, id, leaf index) and what differs."""

    kind: str
    object_id: str
    leaf_index: int | None
    what: str

    def __str__(self) -> str:
        at = "" if self.leaf_index is None else f" (leaf #{self.leaf_index})"
        return f"{self.kind} {self.object_id}{at}: {self.what}"


@dataclass(frozen=True, slots=True)
class LedgerCheck:
    """Outcome of :func:`verify`: counts and every problem found (``ok`` when none)."""

    tree_size: int
    root_hash: str
    leaves_checked: int
    objects_checked: int
    heads_checked: int
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Nothing altered or removed."""
        return not self.problems


# --- use cases ----------------------------------------------------------------------------------


def _require_reader(scope: Scope, what: str) -> None:
    if scope.user.role not in READERS:
        scope.deny(ENTITY, what, f"role '{scope.user.role}' may not read the evidence ledger")
        raise PermissionDenied(
            f"role '{scope.user.role}' may not read the evidence ledger; "
            "an admin, a verifier or a park manager may"
        )


def sign_pending(engine: Engine) -> TreeHead | None:
    """Sign the tree as appended so far unless a head of that size exists; the newest head (None: empty)."""
    size, root, _ = store.state(engine)
    existing = store.heads(engine)
    if size and (not existing or existing[-1].tree_size < size):
        ts = int(time.time() * 1000)
        sig = sign_tree_head(signing_key(), size, bytes.fromhex(root), ts)
        store.insert_head(engine, size, root, ts, sig.hex(), _key_id())
        existing = store.heads(engine)
    return TreeHead.of_row(existing[-1]) if existing else None


def head(scope: Scope) -> TreeHead:
    """The newest signed tree head (signing one first when leaves were appended since).

    Raises
    ------
    PermissionDenied
        Not an admin, verifier or park manager.
    NotFound
        The ledger is empty.
    """
    _require_reader(scope, "head")
    got = sign_pending(scope.engine)
    if got is None:
        raise NotFound("the evidence ledger is empty: nothing has been recorded yet")
    return got


def _tree(rows: list[LedgerLeafRow]) -> MerkleTree:
    return MerkleTree(bytes.fromhex(r.leaf_hash) for r in rows)


def proof(scope: Scope, kind: str, object_id: str) -> LeafProof:
    """The inclusion proof of the newest leaf of ``kind``/``object_id`` in the newest signed head.

    Raises
    ------
    DataError
        ``kind`` is not one the ledger records (says which are).
    NotFound
        Nothing of that kind and id is recorded.
    PermissionDenied
        Not an admin, verifier or park manager.
    """
    _require_reader(scope, f"{kind}/{object_id}")
    if kind not in KINDS:
        raise DataError(f"kind '{kind}' is not recorded in the ledger; use one of {', '.join(KINDS)}")
    leaf = store.latest_leaf(scope.engine, kind, object_id)
    if leaf is None:
        raise NotFound(f"no {kind} '{object_id}' is recorded in the evidence ledger")
    th = sign_pending(scope.engine)
    assert th is not None  # a leaf exists, so a head does
    rows = [r for r in store.leaves(scope.engine) if r.idx < th.tree_size]
    tree = _tree(rows)
    path = tree.inclusion_proof(int(leaf.idx), th.tree_size)
    verify_inclusion(
        int(leaf.idx), th.tree_size, bytes.fromhex(leaf.leaf_hash), path, bytes.fromhex(th.root_hash)
    )
    return LeafProof(
        kind=kind,
        object_id=object_id,
        leaf_index=int(leaf.idx),
        content_sha256=leaf.content_sha256,
        created_at=leaf.created_at,
        leaf_hash=leaf.leaf_hash,
        audit_path=tuple(p.hex() for p in path),
        head=th,
    )


def _reading_details(leaf: LedgerLeafRow, now: dict[str, Any]) -> list[str]:
    """Which readings of a batch changed: named by meter and instant, with the recorded and current value."""
    recorded = (leaf.locator or {}).get("readings", {})
    out: list[str] = []
    for meter, rows in recorded.items():
        name = f"meter:{meter}"
        if field_hashes({name: rows})[name] != leaf.fields.get(name):
            out.append(f"meter {meter}: readings differ (the recorded values are not available to compare)")
            continue
        current = {r[0]: r for r in now.get(name, [])}
        for ts, value, quality in rows:
            got = current.get(ts)
            if got is None:
                out.append(f"reading {meter} @ {ts} removed (recorded value {value!r})")
            elif got[1] != value or got[2] != quality:
                out.append(f"reading {meter} @ {ts}: value recorded {value!r}, now {got[1]!r}")
    return out


def _object_problems(leaf: LedgerLeafRow, now: dict[str, Any] | None) -> list[Problem]:
    kind, oid, idx = leaf.kind, leaf.object_id, int(leaf.idx)
    if now is None:
        return [Problem(kind, oid, idx, "removed from the database (its rows are gone)")]
    hashes = field_hashes(now)
    if content_hash(hashes) == leaf.content_sha256:
        return []
    if kind == "reading_batch":
        details = _reading_details(leaf, now)
        if details:
            return [Problem(kind, oid, idx, d) for d in details]
    recorded: dict[str, str] = leaf.fields
    whats = [f"{k} removed" for k in sorted(recorded.keys() - hashes.keys())]
    whats += [f"{k} added" for k in sorted(hashes.keys() - recorded.keys())]
    whats += [f"{k} altered" for k in sorted(recorded.keys() & hashes.keys()) if recorded[k] != hashes[k]]
    return [Problem(kind, oid, idx, w) for w in whats or ["content altered"]]


def _current(engine: Engine, rows: list[LedgerLeafRow]) -> list[LedgerLeafRow]:
    """The newest leaf of each recorded object that no allowed deletion followed."""
    newest: dict[tuple[str, str], LedgerLeafRow] = {}
    for r in rows:
        newest[(r.kind, r.object_id)] = r
    out = []
    for (kind, oid), r in newest.items():
        gone = newest.get((f"{kind}_deleted", oid))
        if kind.endswith("_deleted") or (gone is not None and gone.idx > r.idx):
            continue
        out.append(r)
    return sorted(out, key=lambda r: r.idx)


def verify(scope: Scope, *, progress: Callable[[int, int], None] | None = None) -> LedgerCheck:
    """Check the whole ledger against the database; name every altered or removed object.

    1. every leaf row: its index follows the previous one (a deleted leaf leaves a gap), its hash
       is RFC 6962's hash of its kind, id, content hash and time, its field hashes give its content hash;
    2. the tree of the recomputed leaf hashes: the root of every signed head, each head's Ed25519
       signature, the consistency proof between consecutive heads (RFC 9162 §2.1.4.2), the stored state;
    3. every recorded object re-hashed from its rows now (:func:`zeropark.store.ledger.current_fields`).

    Raises
    ------
    PermissionDenied
        Not an admin, verifier or park manager.
    """
    _require_reader(scope, "verify")
    engine = scope.engine
    sign_pending(engine)
    rows = store.leaves(engine)
    heads_ = store.heads(engine)
    problems: list[Problem] = []
    tree = MerkleTree()
    for expected, r in enumerate(rows):
        if r.idx != expected:
            problems.append(Problem("ledger", f"leaf #{expected}", expected, "leaf removed (gap in the log)"))
        h = LeafRecord(r.kind, r.object_id, r.content_sha256, r.created_at).hash()
        if h.hex() != r.leaf_hash:
            problems.append(
                Problem(r.kind, r.object_id, int(r.idx), "leaf altered (its hash does not match it)")
            )
        if content_hash(r.fields) != r.content_sha256:
            problems.append(Problem(r.kind, r.object_id, int(r.idx), "leaf's field hashes altered"))
        tree.append_hash(h)
    problems += _check_heads(tree, heads_)
    size, root, _ = store.state(engine)
    if size != tree.size or (size and tree.root(size).hex() != root):
        problems.append(
            Problem("ledger", "state", None, f"stored tree state ({size} leaves, root {root}) differs")
        )
    objects = _current(engine, rows)
    with read_connection(engine) as conn:
        for i, leaf in enumerate(objects):
            now = store.current_fields(conn, leaf.kind, leaf.object_id, leaf.locator)
            problems += _object_problems(leaf, now)
            if progress is not None:
                progress(i + 1, len(objects))
    return LedgerCheck(
        tree_size=tree.size,
        root_hash=tree.root().hex(),
        leaves_checked=len(rows),
        objects_checked=len(objects),
        heads_checked=len(heads_),
        problems=tuple(problems),
    )


def _check_heads(tree: MerkleTree, heads_: list[LedgerHeadRow]) -> list[Problem]:
    out: list[Problem] = []
    pub = signing_key().public_key()
    prev: LedgerHeadRow | None = None
    for h in heads_:
        name = f"size {h.tree_size}"
        root = bytes.fromhex(h.root_hash)
        if h.tree_size > tree.size:
            out.append(
                Problem("tree_head", name, None, f"covers {h.tree_size} leaves but only {tree.size} exist")
            )
            continue
        if tree.root(h.tree_size) != root:
            out.append(
                Problem("tree_head", name, None, "root differs from the leaves' root (a leaf was altered)")
            )
        if not verify_tree_head(pub, h.tree_size, root, h.timestamp_ms, bytes.fromhex(h.signature)):
            out.append(Problem("tree_head", name, None, "Ed25519 signature does not verify"))
        if prev is not None:
            try:
                cp = tree.consistency_proof(prev.tree_size, h.tree_size)
                verify_consistency(prev.tree_size, h.tree_size, bytes.fromhex(prev.root_hash), root, cp)
            except ProofError as exc:
                out.append(
                    Problem("tree_head", name, None, f"not consistent with size {prev.tree_size}: {exc}")
                )
        prev = h
    return out


def export(scope: Scope) -> dict[str, Any]:
    """The ledger as JSON for the offline verifier: leaves, heads, consistency proofs, key, objects now.

    ``objects`` maps ``kind/id`` of every current object to its content hash and field hashes as
    the database gives them now (None: removed), so the offline check can tell what changed.
    """
    _require_reader(scope, "export")
    engine = scope.engine
    sign_pending(engine)
    rows = store.leaves(engine)
    heads_ = store.heads(engine)
    tree = _tree(rows)
    consistency = []
    for a, b in zip(heads_, heads_[1:], strict=False):
        cp = tree.consistency_proof(int(a.tree_size), int(b.tree_size))
        consistency.append(
            {"first": int(a.tree_size), "second": int(b.tree_size), "proof": [p.hex() for p in cp]}
        )
    objects: dict[str, Any] = {}
    with read_connection(engine) as conn:
        for leaf in _current(engine, rows):
            now = store.current_fields(conn, leaf.kind, leaf.object_id, leaf.locator)
            hashes = None if now is None else field_hashes(now)
            objects[f"{leaf.kind}/{leaf.object_id}"] = (
                None if hashes is None else {"content_sha256": content_hash(hashes), "fields": hashes}
            )
    return {
        "format": EXPORT_FORMAT,
        "public_key": public_key(),
        "leaves": [
            {
                "index": int(r.idx),
                "kind": r.kind,
                "id": r.object_id,
                "content_sha256": r.content_sha256,
                "created_at": r.created_at,
                "leaf_hash": r.leaf_hash,
                "fields": r.fields,
            }
            for r in rows
        ],
        "heads": [
            {
                "tree_size": int(h.tree_size),
                "root_hash": h.root_hash,
                "timestamp_ms": int(h.timestamp_ms),
                "signature": h.signature,
                "key_id": h.key_id,
            }
            for h in heads_
        ],
        "consistency": consistency,
        "objects": objects,
    }


def check_evidence(engine: Engine, kind: str, object_id: str, content: bytes) -> None:
    """Refuse a kept file whose bytes no longer hash to its newest leaf (nothing recorded: no check).

    Raises
    ------
    EvidenceChanged
        The file's SHA-256 differs from the one recorded (names the object and both hashes).
    """
    leaf = store.latest_leaf(engine, kind, object_id)
    if leaf is None:
        return
    now = hashlib.sha256(content).hexdigest()
    if field_hashes({"content_sha256": now})["content_sha256"] != leaf.fields.get("content_sha256"):
        raise EvidenceChanged(kind, object_id, f"(leaf #{leaf.idx})", now)


def check_import_file(scope: Scope, batch_id: int, content: bytes) -> str:
    """Check that a file is, byte for byte, the one imported as batch ``batch_id``; its SHA-256 (hex).

    The batch's recorded fields must still hash to its leaf (so the SHA-256 stored with the batch
    is the one recorded), and the file must hash to it.

    Raises
    ------
    NotFound
        No import batch ``batch_id`` is recorded in the ledger.
    EvidenceChanged
        The file differs from the one imported, or the batch's row was altered since.
    PermissionDenied
        Not an admin, verifier or park manager.
    """
    _require_reader(scope, f"import_batch/{batch_id}")
    oid = str(batch_id)
    leaf = store.latest_leaf(scope.engine, "import_batch", oid)
    if leaf is None:
        raise NotFound(f"import batch {batch_id} is not recorded in the evidence ledger")
    now = hashlib.sha256(content).hexdigest()
    with read_connection(scope.engine) as conn:
        fields = store.current_fields(conn, "import_batch", oid, None)
    if fields is None or field_hashes({"batch": fields["batch"]})["batch"] != leaf.fields.get("batch"):
        raise EvidenceChanged("import_batch", oid, f"(leaf #{leaf.idx}; the batch row was altered)", now)
    recorded = str(fields["batch"]["sha256"])
    if recorded != now:
        raise EvidenceChanged("import_batch", oid, recorded, now)
    return now
