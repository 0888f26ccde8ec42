"""Stored factor sets: each (name, version) once, immutable, with its full CSV content and sha256.

An inventory run records the name and version of its FactorSet; :func:`get_factor_set` gives the
exact same set back (its content is re-hashed and checked against the recorded sha256), so a run
can be recomputed bit-for-bit long after the built-in data changed (DESIGN.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from zeropark.errors import DataError, NotFound
from zeropark.factors import BUILTIN_SET, FactorSet, load_factor_set, set_from_content
from zeropark.store import ledger
from zeropark.store.db import transaction
from zeropark.store.schema import FactorSetRow

__all__ = [
    "StoredFactorSet",
    "ensure_builtin_factor_set",
    "get_factor_set",
    "list_factor_sets",
    "save_factor_set",
]


@dataclass(frozen=True, slots=True)
class StoredFactorSet:
    """One stored factor set as listed (without its content)."""

    name: str
    version: str
    sha256: str
    description: str
    is_builtin: bool
    created_at: datetime
    created_by: str | None


def _as_stored(row: FactorSetRow) -> StoredFactorSet:
    created_at = row.created_at
    if created_at.tzinfo is None:  # SQLite returns naive datetimes; they were stored in UTC
        created_at = created_at.replace(tzinfo=UTC)
    return StoredFactorSet(
        name=row.name,
        version=row.version,
        sha256=row.sha256,
        description=row.description,
        is_builtin=row.is_builtin,
        created_at=created_at,
        created_by=row.created_by,
    )


def save_factor_set(
    engine: Engine, factor_set: FactorSet, *, is_builtin: bool = False, created_by: str | None = None
) -> StoredFactorSet:
    """Store ``factor_set`` under its name and version (idempotent for identical content).

    Parameters
    ----------
    engine : Engine
        Migrated database.
    factor_set : FactorSet
        The set; its :meth:`FactorSet.content_csv` is stored verbatim.
    is_builtin : bool
        Whether this is a set shipped with zeropark.
    created_by : str, optional
        User name recorded with the set.

    Returns
    -------
    StoredFactorSet
        The stored (or already present) set.

    Raises
    ------
    DataError
        If the same name and version are already stored with other content: versions are
        immutable, so load the changed factors under a new name or version.
    """
    with transaction(engine) as session:
        existing = session.get(FactorSetRow, (factor_set.name, factor_set.version))
        if existing is not None:
            if existing.sha256 != factor_set.sha256:
                raise DataError(
                    f"factor set {factor_set.label} is already stored with sha256 {existing.sha256}, "
                    f"not {factor_set.sha256}; stored versions are immutable — use a new name or version"
                )
            return _as_stored(existing)
        description = factor_set.description
        if factor_set.base and factor_set.base not in description:
            description = f"{description} (base {factor_set.base})".strip()
        row = FactorSetRow(
            name=factor_set.name,
            version=factor_set.version,
            description=description,
            is_builtin=is_builtin,
            sha256=factor_set.sha256,
            created_at=datetime.now(UTC),
            created_by=created_by,
            content_csv=factor_set.content_csv(),
        )
        session.add(row)
        session.flush()
        # evidence ledger (#16): the set's leaf, in this transaction
        ledger.record(session, "factor_set", f"{row.name}@{row.version}")
        return _as_stored(row)


def ensure_builtin_factor_set(engine: Engine, name: str = BUILTIN_SET) -> StoredFactorSet:
    """Store the built-in set ``name`` at its current version if it is not stored yet."""
    return save_factor_set(engine, load_factor_set(name), is_builtin=True)


def get_factor_set(engine: Engine, name: str, version: str | None = None) -> FactorSet:
    """Load a stored factor set (the latest stored version of ``name`` when ``version`` is None).

    Raises
    ------
    NotFound
        If no such set is stored.
    ValidationError
        If the stored content no longer matches its sha256.
    """
    with transaction(engine) as session:
        if version is not None:
            row = session.get(FactorSetRow, (name, version))
        else:
            row = session.scalars(
                select(FactorSetRow)
                .where(FactorSetRow.name == name)
                .order_by(FactorSetRow.created_at.desc())
                .limit(1)
            ).first()
        if row is None:
            what = f"{name}@{version}" if version else name
            raise NotFound(
                f"factor set '{what}' is not stored; `zeropark factors sets` lists the stored sets"
            )
        content, sha, description, stored_version = row.content_csv, row.sha256, row.description, row.version
    return set_from_content(content, name=name, version=stored_version, sha256=sha, description=description)


def list_factor_sets(engine: Engine) -> list[StoredFactorSet]:
    """All stored factor sets, by name then creation time."""
    with transaction(engine) as session:
        rows = session.scalars(
            select(FactorSetRow).order_by(FactorSetRow.name, FactorSetRow.created_at)
        ).all()
        return [_as_stored(r) for r in rows]
