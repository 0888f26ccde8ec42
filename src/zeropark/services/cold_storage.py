"""Cold storage (冷数据归档) as use cases: archive a park-month to Parquet, restore it, drop the hot rows.

The one path of ``zeropark cold …`` (and of any later door). Park managers and admins only; each
action is audited (entity ``cold_month``, id ``<park>/<YYYY-MM>``) with the file's SHA-256. The
storage rules (layout, manifest, what a restore does) are in :mod:`zeropark.store.cold`.

**Tied to the evidence ledger.** When the deployment keeps a ledger (at least one leaf), archiving
a park-month appends a leaf of kind ``cold_month`` (id ``<park>/<YYYY-MM>``) whose fields are the
manifest entry — park, month, path, rows, first and last instant and the file's SHA-256 — in one
transaction. :func:`check` then re-hashes every file against the manifest *and* every manifest
entry against its newest leaf, so an archive whose file and manifest were both rewritten is still
caught: the leaf sits in a signed, append-only Merkle log (docs/ledger.md).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from zeropark.ledger.entry import field_hashes
from zeropark.store import audit
from zeropark.store import ledger as ledger_store
from zeropark.store.cold import (
    ColdEntry,
    check_cold,
    drop_hot_month,
    export_month,
    read_manifest,
    restore_month,
)
from zeropark.store.db import transaction
from zeropark.store.readings import WriteResult
from zeropark.store.scope import Scope

__all__ = ["ENTITY", "LEDGER_KIND", "archive", "check", "drop_hot", "restore"]

ENTITY = "cold_month"
#: The kind of the ledger leaf of an archived park-month (:data:`zeropark.ledger.entry.KINDS`).
LEDGER_KIND = "cold_month"


def _allowed(scope: Scope, park_id: str, year: int, month: int) -> str:
    scope.check_park(park_id)
    ident = f"{park_id}/{year:04d}-{month:02d}"
    scope.require_manager(ENTITY, ident)
    return ident


def _audit(scope: Scope, action: str, ident: str, after: dict[str, object]) -> None:
    audit.record_now(
        scope.engine,
        user=scope.user.username,
        role=scope.user.role,
        action=action,
        entity=ENTITY,
        entity_id=ident,
        after=after,
        ip=scope.ip,
    )


def archive(scope: Scope, park_id: str, year: int, month: int, directory: Path) -> ColdEntry:
    """Write the park-month to ``directory`` as Parquet and record it in the manifest (hot rows kept)."""
    ident = _allowed(scope, park_id, year, month)
    entry = export_month(scope.engine, park_id, year, month, directory)
    leaf = _record_in_ledger(scope, ident, entry)
    _audit(
        scope,
        audit.CREATE,
        ident,
        {**dataclasses.asdict(entry), "directory": str(directory), "ledger_leaf": leaf},
    )
    return entry


def _ledger_exists(scope: Scope) -> bool:
    return ledger_store.state(scope.engine)[0] > 0


def _record_in_ledger(scope: Scope, ident: str, entry: ColdEntry) -> int | None:
    """Append the entry as a ``cold_month`` leaf when the deployment keeps a ledger; its index."""
    if not _ledger_exists(scope):
        return None
    fields = dataclasses.asdict(entry)
    with transaction(scope.engine) as s:
        return ledger_store.append(s, LEDGER_KIND, ident, fields, locator={"entry": fields})


def restore(scope: Scope, park_id: str, year: int, month: int, directory: Path) -> WriteResult:
    """Write the archived park-month back into the store (hash checked; idempotent)."""
    ident = _allowed(scope, park_id, year, month)
    res = restore_month(scope.engine, directory, park_id, year, month)
    _audit(scope, audit.UPDATE, ident, {"restored": res.stored, "duplicates": res.duplicates})
    return res


def drop_hot(scope: Scope, park_id: str, year: int, month: int, directory: Path) -> int:
    """Delete the archived park-month's readings from the store (its file must be intact)."""
    ident = _allowed(scope, park_id, year, month)
    n = drop_hot_month(scope.engine, directory, park_id, year, month)
    _audit(scope, audit.DELETE, ident, {"readings_dropped": n, "directory": str(directory)})
    return n


def check(scope: Scope, directory: Path) -> list[str]:
    """The archive's problems (empty: intact).

    Missing or changed files, and — when a ledger exists — manifest entries that are not recorded
    in it or differ from their newest leaf.
    """
    problems = check_cold(directory)
    if not _ledger_exists(scope):
        return problems
    for e in read_manifest(directory):
        ident = f"{e.park_id}/{e.month}"
        leaf = ledger_store.latest_leaf(scope.engine, LEDGER_KIND, ident)
        if leaf is None:
            problems.append(f"{e.park_id} {e.month}: not recorded in the evidence ledger; archive it again")
            continue
        now = field_hashes(dataclasses.asdict(e))
        changed = sorted(k for k in now.keys() | leaf.fields.keys() if now.get(k) != leaf.fields.get(k))
        if changed:
            problems.append(
                f"{e.park_id} {e.month}: the manifest entry differs from ledger leaf #{leaf.idx} "
                f"in {', '.join(changed)} — the manifest was rewritten after archiving"
            )
    return problems
