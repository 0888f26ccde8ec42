"""Cold storage (冷数据归档) as use cases: archive a park-month to Parquet, restore it, drop the hot rows.

The one path of ``zeropark cold …`` (and of any later door). Park managers and admins only; each
action is audited (entity ``cold_month``, id ``<park>/<YYYY-MM>``) with the file's SHA-256. The
storage rules (layout, manifest, what a restore does) are in :mod:`zeropark.store.cold`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from zeropark.store import audit
from zeropark.store.cold import ColdEntry, check_cold, drop_hot_month, export_month, restore_month
from zeropark.store.readings import WriteResult
from zeropark.store.scope import Scope

__all__ = ["ENTITY", "archive", "check", "drop_hot", "restore"]

ENTITY = "cold_month"


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
    _audit(scope, audit.CREATE, ident, {**dataclasses.asdict(entry), "directory": str(directory)})
    return entry


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


def check(directory: Path) -> list[str]:
    """The archive's problems: missing or changed files (empty: intact)."""
    return check_cold(directory)
