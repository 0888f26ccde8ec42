"""Write the demo park to the store, replace it, and feed its bad inputs through validation (I/O).

Metadata, activity data, claims, transfers and indicator data go through the store's
repositories (``zeropark.store.repo``); readings through its bulk path
(``zeropark.store.readings.bulk_load_readings``). Only a park marked ``is_demo`` is ever deleted or
replaced.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, delete, select, update

from zeropark.demo.meters import MeterSeries
from zeropark.demo.park import DemoPark
from zeropark.demo.site import DEMO_LABEL, PARK_ID
from zeropark.demo.symbiosis import DEMO_NOTE, demo_registry
from zeropark.errors import DataError
from zeropark.model import Meter
from zeropark.services import symbiosis
from zeropark.services.imports import ReadingsImport, WorkbookImport, import_readings, import_workbook
from zeropark.store import production, repo
from zeropark.store import readings as readings_store
from zeropark.store import schema as sc
from zeropark.store.db import transaction
from zeropark.store.scope import system_scope

ProgressFn = Callable[[str, int, int], None]
READINGS_CHUNK = 500_000


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What :func:`write_demo` stored."""

    park_id: str
    fingerprint: str
    n_meters: int
    n_readings: int
    n_stored: int
    n_activities: int
    n_claims: int
    n_transfers: int
    steps_s: dict[str, float]


def _noop(step: str, done: int, total: int) -> None:
    return None


def write_demo(engine: Engine, demo: DemoPark, *, progress: ProgressFn = _noop) -> BuildResult:
    """Store ``demo``, replacing an earlier demo park with the same id, and say what was stored.

    Metadata, activity data, claims, transfers and indicator data go through
    ``zeropark.store.repo`` in one transaction; readings through the store's bulk path
    ``zeropark.store.readings.bulk_load_readings`` (binary COPY on PostgreSQL) in chunks of
    :data:`READINGS_CHUNK` rows — the old demo park's readings are deleted first, so the load is
    always fresh.

    Raises
    ------
    DataError
        If the park id belongs to a park that is not a demo park (nothing is deleted then).
    """
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    progress("metadata", 0, 1)
    delete_demo_park(engine, demo.park.id)
    _write_metadata(engine, demo)
    progress("metadata", 1, 1)
    steps["metadata"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    stored = _write_readings(engine, demo, progress)
    steps["readings"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    _write_activity(engine, demo)
    _write_symbiosis(engine, demo)
    progress("activity", 1, 1)
    steps["activity"] = time.perf_counter() - t0
    return BuildResult(
        demo.park.id,
        demo.fingerprint(),
        len(demo.meters),
        demo.n_readings,
        stored,
        len(demo.activities),
        len(demo.claims),
        len(demo.transfers),
        steps,
    )


def _write_symbiosis(engine: Engine, demo: DemoPark) -> None:
    """The declared symbiosis registry (示例数据), through the same use case as an import (no solver run)."""
    payload = demo_registry(symbiosis.example_registry(), demo.enterprises)
    symbiosis.store_registry(
        system_scope(engine, "demo"), demo.park.id, payload, file="demo registry", note=DEMO_NOTE
    )


def _write_metadata(engine: Engine, demo: DemoPark) -> None:
    """The park, its zones, enterprises and meters (parents first), in one transaction."""
    with transaction(engine) as s:
        repo.add_park(s, demo.park)
        for z in demo.zones:
            repo.add_zone(s, z)
        for e in demo.enterprises:
            repo.add_enterprise(s, e)
        for m in _parents_first(demo.meters):
            repo.add_meter(s, m)


def _write_readings(engine: Engine, demo: DemoPark, progress: ProgressFn) -> int:
    """Every series through the bulk path, :data:`READINGS_CHUNK` readings at a time.

    Returns the number of readings stored.
    """
    total = demo.n_readings
    done = 0
    stored = 0
    for chunk in _chunks(demo.series, READINGS_CHUNK):
        ids = np.concatenate([np.full(len(c.values), c.meter_id, dtype=object) for c in chunk])
        ts = np.concatenate([c.ts_utc for c in chunk])
        vals = np.concatenate([c.values for c in chunk])
        stored += readings_store.bulk_load_readings(engine, ids, ts, vals, source="demo")
        done += len(vals)
        progress("readings", done, total)
    return stored


def _chunks(series: Sequence[MeterSeries], min_readings: int) -> list[list[MeterSeries]]:
    """Consecutive series grouped until a group holds ``min_readings`` readings (the last: the rest)."""
    out: list[list[MeterSeries]] = []
    chunk: list[MeterSeries] = []
    for k, s in enumerate(series, start=1):
        chunk.append(s)
        if sum(len(c.values) for c in chunk) >= min_readings or k == len(series):
            out.append(chunk)
            chunk = []
    return out


def _write_activity(engine: Engine, demo: DemoPark) -> None:
    """Activity records, green power claims, transfers and the year's indicator data."""
    with transaction(engine) as s:
        for a in demo.activities:
            repo.add_activity_record(s, demo.park.id, a)
        for c in demo.claims:
            repo.add_claim(s, demo.park.id, c, evidence=f"{DEMO_LABEL}: {c.id}")
        for t in demo.transfers:
            repo.add_transfer(s, demo.park.id, t)
        repo.put_indicator_data(s, demo.park.id, demo.year, demo.indicator_data)
        for ent_id in sorted({p.enterprise_id for p in demo.products}):
            mine = [p for p in demo.products if p.enterprise_id == ent_id]
            production.replace_product_outputs(s, demo.park.id, ent_id, demo.year, mine)


def delete_demo_park(engine: Engine, park_id: str = PARK_ID) -> bool:
    """Delete a demo park and everything hanging off it (readings, rollups, runs, ...).

    Only a park marked ``is_demo`` is ever deleted; returns whether one was.

    Raises
    ------
    DataError
        If ``park_id`` is a real (non-demo) park (rebuilding the demo never touches real data), or
        if one of its inventory runs is signed off (frozen).
    """
    with transaction(engine) as s:
        park = s.get(sc.ParkRow, park_id)
        if park is None:
            return False
        if not park.is_demo:
            raise DataError(
                f"park '{park_id}' is not a demo park; refusing to replace it with the demo "
                "(use another database via ZEROPARK_DATABASE_URL)"
            )
        frozen = s.scalars(
            select(sc.InventoryRunRow.id).where(
                sc.InventoryRunRow.park_id == park_id, sc.InventoryRunRow.signed_off_at.is_not(None)
            )
        ).all()
        if frozen:
            raise DataError(
                f"the demo park has signed-off (frozen) inventory runs {', '.join(f'#{i}' for i in frozen)}; "
                "they cannot be deleted — keep this demo, or build the demo into another database "
                "(--database-url)"
            )
        meter_ids = select(sc.MeterRow.id).where(sc.MeterRow.park_id == park_id)
        ent_ids = select(sc.EnterpriseRow.id).where(sc.EnterpriseRow.park_id == park_id)
        s.execute(delete(sc.ReadingRow).where(sc.ReadingRow.meter_id.in_(meter_ids)))
        s.execute(delete(sc.RollupRow).where(sc.RollupRow.meter_id.in_(meter_ids)))
        s.execute(delete(sc.ReadingConflictRow).where(sc.ReadingConflictRow.meter_id.in_(meter_ids)))
        s.execute(delete(sc.QuarantineRow).where(sc.QuarantineRow.park_id == park_id))
        s.execute(delete(sc.QuarantineRow).where(sc.QuarantineRow.meter_id.in_(meter_ids)))
        s.execute(delete(sc.ReportRow).where(sc.ReportRow.park_id == park_id))
        s.execute(delete(sc.InventoryRunRow).where(sc.InventoryRunRow.park_id == park_id))
        s.execute(delete(sc.AlarmRow).where(sc.AlarmRow.park_id == park_id))
        s.execute(delete(sc.AlarmRuleRow).where(sc.AlarmRuleRow.park_id == park_id))
        s.execute(delete(sc.NotifyChannelRow).where(sc.NotifyChannelRow.park_id == park_id))
        s.execute(delete(sc.ActivityRecordRow).where(sc.ActivityRecordRow.park_id == park_id))
        s.execute(delete(sc.GreenPowerClaimRow).where(sc.GreenPowerClaimRow.park_id == park_id))
        s.execute(delete(sc.TransferRow).where(sc.TransferRow.park_id == park_id))
        s.execute(delete(sc.IndicatorDataRow).where(sc.IndicatorDataRow.park_id == park_id))
        s.execute(delete(sc.ProductOutputRow).where(sc.ProductOutputRow.park_id == park_id))
        s.execute(delete(sc.AdmissionRow).where(sc.AdmissionRow.park_id == park_id))
        s.execute(delete(sc.ImportBatchRow).where(sc.ImportBatchRow.park_id == park_id))
        # industrial symbiosis (#18): the demo's registry and its matching results
        for model in (
            sc.SymbiosisMatchRow,
            sc.SymbiosisExchangeRow,
            sc.SymbiosisSinkRow,
            sc.SymbiosisSourceRow,
            sc.SymbiosisSettingsRow,
        ):
            s.execute(delete(model).where(model.park_id == park_id))
        s.execute(update(sc.UserRow).where(sc.UserRow.enterprise_id.in_(ent_ids)).values(enterprise_id=None))
        # children before parents in the meter tree
        for level in (3, 2, 1, 0):
            s.execute(delete(sc.MeterRow).where(sc.MeterRow.park_id == park_id, sc.MeterRow.level >= level))
        s.execute(delete(sc.EnterpriseRow).where(sc.EnterpriseRow.park_id == park_id))
        s.execute(delete(sc.ZoneRow).where(sc.ZoneRow.park_id == park_id))
        s.execute(delete(sc.GatewayRow).where(sc.GatewayRow.park_id == park_id))
        s.execute(delete(sc.ParkRow).where(sc.ParkRow.id == park_id))
    return True


def _parents_first(meters: Sequence[Meter]) -> list[Meter]:
    """Meters ordered so that every parent precedes its children (foreign keys)."""
    return sorted(meters, key=lambda m: m.level)


@dataclass(frozen=True, slots=True)
class BadInputOutcome:
    """What the platform did with the demo's bad inputs."""

    readings: ReadingsImport
    workbook: WorkbookImport
    expected: tuple[str, ...]


def feed_bad_inputs(engine: Engine, demo: DemoPark, workdir: Path) -> BadInputOutcome:
    """Feed the bad inputs through the file-import use case (validation → quarantine; audited as ``demo``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = workdir / "示例_错误读数.csv"
    csv_path.write_text(demo.bad_inputs.readings_csv, encoding="utf-8")
    scope = system_scope(engine, "demo")
    readings = import_readings(scope, csv_path)
    json_path = workdir / "示例_错误填报.json"
    json_path.write_text(
        json.dumps(demo.bad_inputs.enterprise_data, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    workbook = import_workbook(scope, json_path, partial=True)
    return BadInputOutcome(readings, workbook, demo.bad_inputs.expected)


_DEMO_BATCH_KIND = "demo"


def stored_fingerprint(eng: Engine, park_id: str) -> str | None:
    """Fingerprint of the demo park stored by the last build (recorded as an import batch)."""
    with transaction(eng) as s:
        if s.get(sc.ParkRow, park_id) is None:
            return None
        row = s.scalars(
            select(sc.ImportBatchRow)
            .where(sc.ImportBatchRow.park_id == park_id, sc.ImportBatchRow.kind == _DEMO_BATCH_KIND)
            .order_by(sc.ImportBatchRow.id.desc())
        ).first()
        return row.sha256 if row is not None else None


def record_build(eng: Engine, park_id: str, fingerprint: str, n_readings: int) -> None:
    """Record a demo build (its fingerprint, as an import batch) so a rebuild of the same data is skipped."""
    with transaction(eng) as s:
        s.add(
            sc.ImportBatchRow(
                park_id=park_id,
                file_name="zeropark demo（示例数据）",
                sha256=fingerprint,
                kind=_DEMO_BATCH_KIND,
                status="stored",
                n_rows=n_readings,
                n_stored=n_readings,
                n_rejected=0,
                errors=[],
                created_at=datetime.now(UTC),
                created_by="demo",
            )
        )
