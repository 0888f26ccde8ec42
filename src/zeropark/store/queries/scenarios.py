"""Stored scenarios (情景) and their years: insert in the caller's transaction, list, read, delete.

No scope check here: :mod:`zeropark.services.scenarios` checks the scope before calling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from zeropark.errors import NotFound
from zeropark.store.db import session_factory
from zeropark.store.schema import ScenarioRow, ScenarioYearRow

__all__ = [
    "StoredScenario",
    "StoredYear",
    "delete_scenario",
    "get_scenario",
    "insert_scenario",
    "list_scenarios",
]


@dataclass(frozen=True, slots=True)
class StoredYear:
    """One stored year of a scenario (units as in :class:`~zeropark.store.schema.ScenarioYearRow`)."""

    year: int
    total_tco2e: float
    energy_tce: float
    core_tco2_per_tce: float | None
    captured_tco2: float
    net_tco2e: float | None
    grid_factor: float
    figures: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredScenario:
    """A stored scenario's row (its years only when read with :func:`get_scenario`)."""

    id: int
    park_id: str
    name: str
    kind: str
    base_run_id: int
    base_year: int
    horizon: int
    base_fingerprint: str
    factor_set: str
    factor_set_version: str
    assumptions: dict[str, Any]
    summary: dict[str, Any]
    code_version: str
    created_at: datetime
    created_by: str | None
    years: tuple[StoredYear, ...] = ()


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _of(row: ScenarioRow, years: Sequence[ScenarioYearRow] = ()) -> StoredScenario:
    return StoredScenario(
        id=row.id,
        park_id=row.park_id,
        name=row.name,
        kind=row.kind,
        base_run_id=row.base_run_id,
        base_year=row.base_year,
        horizon=row.horizon,
        base_fingerprint=row.base_fingerprint,
        factor_set=row.factor_set,
        factor_set_version=row.factor_set_version,
        assumptions=dict(row.assumptions),
        summary=dict(row.summary),
        code_version=row.code_version,
        created_at=_aware(row.created_at),
        created_by=row.created_by,
        years=tuple(
            StoredYear(
                y.year,
                y.total_tco2e,
                y.energy_tce,
                y.core_tco2_per_tce,
                y.captured_tco2,
                y.net_tco2e,
                y.grid_factor,
                dict(y.figures),
            )
            for y in sorted(years, key=lambda y: y.year)
        ),
    )


def insert_scenario(session: Session, scenario: StoredScenario) -> int:
    """Add a scenario and its years to ``session`` (the caller's transaction); its new id."""
    row = ScenarioRow(
        park_id=scenario.park_id,
        name=scenario.name,
        kind=scenario.kind,
        base_run_id=scenario.base_run_id,
        base_year=scenario.base_year,
        horizon=scenario.horizon,
        base_fingerprint=scenario.base_fingerprint,
        factor_set=scenario.factor_set,
        factor_set_version=scenario.factor_set_version,
        assumptions=scenario.assumptions,
        summary=scenario.summary,
        code_version=scenario.code_version,
        created_at=scenario.created_at,
        created_by=scenario.created_by,
    )
    session.add(row)
    session.flush()
    session.add_all(
        ScenarioYearRow(
            scenario_id=row.id,
            year=y.year,
            total_tco2e=y.total_tco2e,
            energy_tce=y.energy_tce,
            core_tco2_per_tce=y.core_tco2_per_tce,
            captured_tco2=y.captured_tco2,
            net_tco2e=y.net_tco2e,
            grid_factor=y.grid_factor,
            figures=y.figures,
        )
        for y in scenario.years
    )
    session.flush()
    return row.id


def list_scenarios(engine: Engine, park_id: str) -> list[StoredScenario]:
    """The park's scenarios, newest first, without their years."""
    with session_factory(engine)() as s:
        rows = s.scalars(
            select(ScenarioRow).where(ScenarioRow.park_id == park_id).order_by(ScenarioRow.id.desc())
        ).all()
        return [_of(r) for r in rows]


def get_scenario(engine: Engine, scenario_id: int) -> StoredScenario:
    """A scenario with its years.

    Raises
    ------
    NotFound
        No such scenario.
    """
    with session_factory(engine)() as s:
        row = s.get(ScenarioRow, scenario_id)
        if row is None:
            raise NotFound(f"scenario '{scenario_id}' not found")
        years = s.scalars(select(ScenarioYearRow).where(ScenarioYearRow.scenario_id == scenario_id)).all()
        return _of(row, years)


def delete_scenario(session: Session, scenario_id: int) -> None:
    """Delete a scenario and its years in ``session``."""
    session.execute(delete(ScenarioYearRow).where(ScenarioYearRow.scenario_id == scenario_id))
    session.execute(delete(ScenarioRow).where(ScenarioRow.id == scenario_id))
