"""分时电价 as park data: stored versions, imports, price changes, and the electricity cost report.

A tariff version holds one tariff's four tables (:data:`zeropark.optimize.tariff.TABLE_COLUMNS`)
from a month on (``valid_from`` YYYY-MM): a new month's 代理购电 price is a new version. A version
is either global (``park_id`` None: every park of the installation; only an admin creates one)
or a park's own (``park_id`` set: a park manager's import or price change, for their park only).

The version in force for a park in a month is the park's own version with the latest
``valid_from`` ≤ that month (the highest version number among equals); when the park has none,
the global version chosen the same way; when nothing is stored, the bundled tables
(optimize/data). :func:`seed_bundled` stores the bundled tables as global version 1.

The same functions serve the CLI (``zeropark tariff …``), the API (``/api/v1/tariffs…``), the
page (/tariffs) and the optimiser (:func:`tariff_for`); the cost report is
:func:`electricity_cost`, the one source of its figures for every door.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from zeropark.errors import DataError, NotFound, PermissionDenied, RowError, TariffDataError
from zeropark.model import Carrier, Direction, Role
from zeropark.optimize.bill import ASSUMPTIONS, MonthBill, month_bill
from zeropark.optimize.tariff import (
    TABLE_COLUMNS,
    Tariff,
    TouPeriod,
    read_tariff_tables,
    tariffs_from_tables,
)
from zeropark.store import repo
from zeropark.store.aggregate import meter_hourly
from zeropark.store.db import transaction
from zeropark.store.schema import ParkRow, TariffVersionRow
from zeropark.store.scope import Scope

#: Reporting years the cost report accepts, as the API, the pages and the CLI do elsewhere.
YEAR_MIN, YEAR_MAX = 2000, 2100

#: Audit entity.
ENTITY = "tariff"
#: valid_from of the bundled tables when seeded (in force for every month).
BUNDLED_FROM = "2000-01"


@dataclass(frozen=True, slots=True)
class TariffVersion:
    """One stored version: who, when, from which month, for which park (None = global), the tariff."""

    tariff_id: str
    version: int
    province: str
    voltage: str
    valid_from: str
    note: str
    sha256: str
    created_at: datetime
    created_by: str | None
    tariff: Tariff
    tables: Mapping[str, list[dict[str, str]]]
    park_id: str | None = None


def _month(text: str, field: str = "valid_from") -> str:
    try:
        y, m = (int(x) for x in text.strip().split("-"))
        date(y, m, 1)
    except ValueError:
        raise DataError(f"{field} '{text}': give the month as YYYY-MM, e.g. 2026-03") from None
    return f"{y:04d}-{m:02d}"


def _restrict(
    tables: Mapping[str, Sequence[Mapping[str, str]]], tariff_id: str
) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for name in TABLE_COLUMNS:
        rows = [dict(r) for r in tables.get(name, [])]
        out[name] = (
            rows if name == "tariff_sources.csv" else [r for r in rows if r.get("tariff_id") == tariff_id]
        )
    used = {r.get("source_id", "") for n, rows in out.items() if n != "tariff_sources.csv" for r in rows}
    used |= {r.get("export_source_id", "") for r in out["tariffs.csv"]}
    out["tariff_sources.csv"] = [r for r in out["tariff_sources.csv"] if r.get("source_id") in used]
    return out


def _sha(tables: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(tables, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _view(row: TariffVersionRow) -> TariffVersion:
    label = f"tariff {row.tariff_id} v{row.version}"
    tariff = tariffs_from_tables(row.tables, {n: f"{label} {n}" for n in TABLE_COLUMNS})[row.tariff_id]
    return TariffVersion(
        row.tariff_id,
        row.version,
        row.province,
        row.voltage,
        row.valid_from,
        row.note,
        row.sha256,
        row.created_at,
        row.created_by,
        tariff,
        row.tables,
        row.park_id,
    )


def _store(
    scope: Scope,
    s: Session,
    tables: Mapping[str, list[dict[str, str]]],
    tariff: Tariff,
    valid_from: str,
    note: str,
    park_id: str | None,
) -> TariffVersionRow:
    latest = s.scalar(
        select(func.max(TariffVersionRow.version)).where(TariffVersionRow.tariff_id == tariff.id)
    )
    voltage = next((r.get("voltage", "") for r in tables["tariffs.csv"]), "")
    row = TariffVersionRow(
        tariff_id=tariff.id,
        version=(latest or 0) + 1,
        park_id=park_id,
        province=tariff.province,
        voltage=voltage,
        valid_from=valid_from,
        tables=dict(tables),
        note=note,
        sha256=_sha(tables),
        created_at=datetime.now(UTC),
        created_by=scope.user.username,
    )
    s.add(row)
    s.flush()
    scope.audit(
        s,
        "create",
        ENTITY,
        f"{tariff.id}@{row.version}",
        after={"valid_from": valid_from, "sha256": row.sha256, "note": note, "park_id": park_id},
    )
    return row


def _write_park(scope: Scope, park_id: str | None, global_version: bool, what: str) -> str | None:
    """The park a write is for (None = a global version), or refuse it (audited).

    A park manager writes their own park's versions (``park_id`` defaults to their park); only
    an admin writes a global version (``global_version=True``, or no park given).

    Raises
    ------
    PermissionDenied
        Not an admin or park manager, or a park manager asking for a global version.
    NotFound
        A park outside the scope (audited) or unknown.
    DataError
        Both a park and ``global_version`` given.
    """
    scope.require_manager(ENTITY, what)
    if global_version and park_id is not None:
        raise DataError(f"{what}: give either a park (--park) or a global version, not both")
    target = None if global_version else (park_id or scope.park_id)
    if target is None:
        if scope.user.role != Role.ADMIN:
            scope.deny(ENTITY, what, "only an admin may change a global tariff version")
            raise PermissionDenied(
                f"only an admin may change the global tariff '{what}' (every park uses it); "
                "a park manager changes it for their own park"
            )
        return None
    scope.check_park(target)
    with Session(scope.engine) as s:
        if s.get(ParkRow, target) is None:
            raise NotFound(f"park '{target}' not found; list parks with `zeropark park list`")
    return target


def import_tables(
    scope: Scope,
    directory: str | Path | None,
    *,
    valid_from: str = BUNDLED_FROM,
    note: str = "",
    park_id: str | None = None,
    global_version: bool = False,
) -> list[TariffVersion]:
    """Store every tariff of a directory with the four CSV files (None = the bundled ones) as a new version.

    The versions are ``park_id``'s (default: the user's park; global for an admin without one).
    All or nothing: the tables are validated first (:func:`tariffs_from_tables`).

    Raises
    ------
    PermissionDenied
        Not an admin or park manager, or a park manager writing a global version (audited).
    NotFound
        A park outside the scope.
    TariffDataError
        Naming file, row and column of each problem; nothing stored.
    """
    park_id = _write_park(scope, park_id, global_version, str(directory or "bundled"))
    start = _month(valid_from)
    tables, labels = read_tariff_tables(directory)
    tariffs = tariffs_from_tables(tables, labels)
    out = []
    with transaction(scope.engine) as s:
        for tid, tariff in tariffs.items():
            row = _store(
                scope,
                s,
                _restrict(tables, tid),
                tariff,
                start,
                note or f"imported from {directory or 'bundled tables'}",
                park_id,
            )
            out.append(_view(row))
    return out


def seed_bundled(scope: Scope) -> list[TariffVersion]:
    """Store the bundled tables as global version 1 when no global tariff is stored yet (else nothing)."""
    with Session(scope.engine) as s:
        if s.scalar(
            select(func.count()).select_from(TariffVersionRow).where(TariffVersionRow.park_id.is_(None))
        ):
            return []
    return import_tables(
        scope, None, valid_from=BUNDLED_FROM, note="bundled tables (optimize/data)", global_version=True
    )


def list_versions(
    scope: Scope, tariff_id: str | None = None, *, park_id: str | None = None
) -> list[TariffVersion]:
    """Every stored version (of one tariff) the user sees, newest valid_from first per tariff.

    A user confined to a park sees the global versions and their park's; ``park_id`` narrows
    the list the same way (global + that park's; NotFound outside the scope). An admin without
    ``park_id`` sees every park's versions.
    """
    stmt = select(TariffVersionRow).order_by(
        TariffVersionRow.tariff_id, TariffVersionRow.valid_from.desc(), TariffVersionRow.version.desc()
    )
    if tariff_id is not None:
        stmt = stmt.where(TariffVersionRow.tariff_id == tariff_id)
    if park_id is not None:
        scope.check_park(park_id)
        with Session(scope.engine) as s:
            if s.get(ParkRow, park_id) is None:
                raise NotFound(f"park '{park_id}' not found; see `zeropark park show` for the stored parks")
    park = park_id or scope.park_id
    if park is not None:
        stmt = stmt.where((TariffVersionRow.park_id.is_(None)) | (TariffVersionRow.park_id == park))
    with Session(scope.engine) as s:
        return [_view(r) for r in s.scalars(stmt)]


def in_force(
    engine: Engine, tariff_id: str, year: int, month: int, park_id: str | None = None
) -> TariffVersion | None:
    """The stored version of ``tariff_id`` in force for ``park_id`` in ``year``-``month``.

    The park's own latest version not after the month, else the global one (``park_id`` None:
    the global one only); None when neither is stored (the caller falls back to the bundled table).
    """
    key = f"{year:04d}-{month:02d}"
    base = (
        select(TariffVersionRow)
        .where(TariffVersionRow.tariff_id == tariff_id, TariffVersionRow.valid_from <= key)
        .order_by(TariffVersionRow.valid_from.desc(), TariffVersionRow.version.desc())
        .limit(1)
    )
    with Session(engine) as s:
        row = None
        if park_id is not None:
            row = s.scalars(base.where(TariffVersionRow.park_id == park_id)).first()
        if row is None:
            row = s.scalars(base.where(TariffVersionRow.park_id.is_(None))).first()
        return _view(row) if row is not None else None


def tariff_for(
    engine: Engine, tariff_id: str, when: date | None = None, park_id: str | None = None
) -> Tariff | None:
    """The optimiser's tariff: the version in force for ``park_id`` at ``when`` (default today), else None."""
    d = when or date.today()
    v = in_force(engine, tariff_id, d.year, d.month, park_id)
    return v.tariff if v is not None else None


def show(
    scope: Scope, tariff_id: str, month: str | None = None, *, park_id: str | None = None
) -> TariffVersion:
    """The version of ``tariff_id`` in force for a park in ``month`` (default: the latest in force).

    The park is ``park_id`` (default: the user's park; an admin without one sees global versions).

    Raises
    ------
    NotFound
        No stored version (names the stored tariffs), or a park outside the scope.
    """
    if park_id is not None:
        scope.check_park(park_id)
        with Session(scope.engine) as s:
            if s.get(ParkRow, park_id) is None:
                raise NotFound(f"park '{park_id}' not found; see `zeropark park show` for the stored parks")
    park = park_id or scope.park_id
    if month is None:
        found = [v for v in list_versions(scope, tariff_id, park_id=park) if v.park_id == park]
        found = found or [v for v in list_versions(scope, tariff_id, park_id=park) if v.park_id is None]
        if found:
            return found[0]
    else:
        y, m = (int(x) for x in _month(month, "month").split("-"))
        v = in_force(scope.engine, tariff_id, y, m, park)
        if v is not None:
            return v
    known = sorted({v.tariff_id for v in list_versions(scope)})
    raise NotFound(
        f"no stored tariff '{tariff_id}'{' in force in ' + month if month else ''}; stored: "
        f"{', '.join(known) or 'none — run `zeropark tariff import` (the bundled tables)'}"
    )


def set_prices(
    scope: Scope,
    tariff_id: str,
    valid_from: str,
    *,
    prices: Mapping[str, float] | None = None,
    demand_charge: float | None = None,
    source_title: str,
    source_issuer: str = "",
    confidence: str = "S",
    park_id: str | None = None,
    global_version: bool = False,
) -> TariffVersion:
    """A new version from ``valid_from`` with some prices replaced (e.g. the month's 代理购电价格表).

    The figures set are cited to a new source row (``source_title``: the document number and
    date, e.g. 国网江苏电力 2026年3月代理购电价格表); the rest is copied from the version in force
    for the park then. The version is ``park_id``'s (default: the user's park); only an admin
    writes a global version (``global_version=True``, or an admin without a park).

    Raises
    ------
    PermissionDenied
        Not an admin or park manager, or a park manager writing a global version (audited).
    TariffDataError
        An unknown period or a negative price (named); nothing stored.
    NotFound
        No stored version of ``tariff_id`` in force then.
    """
    park = _write_park(scope, park_id, global_version, tariff_id)
    start = _month(valid_from)
    if not source_title.strip():
        raise DataError("--source: name the document (number and date) the new figures come from")
    y, m = (int(x) for x in start.split("-"))
    found = in_force(scope.engine, tariff_id, y, m, park)
    if found is not None:
        base_tables: Mapping[str, list[dict[str, str]]] = found.tables
    else:
        bundled, _labels = read_tariff_tables()
        if not any(r.get("tariff_id") == tariff_id for r in bundled["tariffs.csv"]):
            show(scope, tariff_id, start, park_id=park)  # raises NotFound naming the stored ones
        base_tables = _restrict(bundled, tariff_id)
    tables = {n: [dict(r) for r in rows] for n, rows in base_tables.items()}
    sid = f"USER-{tariff_id}-{start}{'-' + park if park else ''}"[:64]
    errors = []
    label = f"set {tariff_id} from {start}"
    for period, value in (prices or {}).items():
        try:
            TouPeriod(period)
        except ValueError:
            errors.append(
                RowError(label, None, None, "period", f"'{period}' is none of {[p.value for p in TouPeriod]}")
            )
            continue
        rows = [r for r in tables["tou_prices.csv"] if r["period"] == period]
        if not rows:
            row = {"tariff_id": tariff_id, "period": period, "price_cny_per_kwh": "", "note": ""}
            tables["tou_prices.csv"].append(row)
            rows = [row]
        for r in rows:
            r.update(price_cny_per_kwh=repr(float(value)), source_id=sid, confidence=confidence)
    if demand_charge is not None:
        for r in tables["tariffs.csv"]:
            r.update(
                demand_charge_cny_per_kw_month=repr(float(demand_charge)),
                source_id=sid,
                confidence=confidence,
            )
    if errors:
        raise TariffDataError(errors)
    tables["tariff_sources.csv"] = [r for r in tables["tariff_sources.csv"] if r["source_id"] != sid] + [
        {
            "source_id": sid,
            "title": source_title,
            "issuer": source_issuer,
            "year": start[:4],
            "url": "",
            "confidence": confidence,
            "note": f"set with `zeropark tariff set` by {scope.user.username}",
        }
    ]
    tariff = tariffs_from_tables(tables, {n: f"{label} {n}" for n in TABLE_COLUMNS})[tariff_id]
    with transaction(scope.engine) as s:
        return _view(_store(scope, s, tables, tariff, start, source_title, park))


# --- the electricity cost report -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnterpriseCost:
    """One enterprise's months."""

    enterprise_id: str
    enterprise_name: str
    months: tuple[MonthBill, ...]

    @property
    def total_cny(self) -> float:
        """The year's cost [CNY]."""
        return math.fsum(b.total_cny for b in self.months)


@dataclass(frozen=True, slots=True)
class CostReport:
    """电费报表: per enterprise per month, energy and cost by TOU period and the demand charge."""

    park_id: str
    year: int
    tariff_id: str
    enterprises: tuple[EnterpriseCost, ...]
    assumptions: tuple[str, ...] = ASSUMPTIONS


def electricity_cost(
    scope: Scope,
    park_id: str,
    year: int,
    tariff_id: str,
    *,
    enterprise_id: str | None = None,
    months: Sequence[int] = tuple(range(1, 13)),
) -> CostReport:
    """Electricity cost of each visible enterprise per month of ``year`` from its readings.

    The energy is the hourly energy of the enterprise's top-level electricity import/consumption
    meters (:func:`zeropark.store.aggregate.meter_hourly`; a submeter under another meter of the
    same enterprise is not added again); each month is billed with the tariff version in force
    in it for the park (:func:`in_force`: the park's own version, else the global one, else the
    bundled table) by :func:`zeropark.optimize.bill.month_bill`.

    Raises
    ------
    NotFound
        Unknown park/enterprise (or outside the scope), or an unknown tariff.
    """
    scope.check_park(park_id)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise DataError(f"year {year}: give a reporting year from {YEAR_MIN} to {YEAR_MAX}")
    if scope.is_enterprise:
        enterprise_id = scope.enterprise_id
    enterprises = repo.list_enterprises(scope.engine, park_id, enterprise_id=enterprise_id)
    if enterprise_id is not None and not enterprises:
        raise NotFound(f"enterprise '{enterprise_id}' not found in park '{park_id}'")
    meters = [
        m
        for m in repo.list_meters(scope.engine, park_id, carrier=Carrier.ELECTRICITY)
        if m.direction in (Direction.IMPORT, Direction.CONSUMPTION) and m.enterprise_id is not None
    ]
    by_ent: dict[str, list[str]] = {}
    for e in enterprises:
        mine = [m for m in meters if m.enterprise_id == e.id]
        ids = {m.id for m in mine}
        by_ent[e.id] = [m.id for m in mine if m.parent_id not in ids]
    wanted = [m for m in meters if any(m.id in v for v in by_ent.values())]
    hourly = meter_hourly(scope.engine, park_id, year, wanted) if wanted else {}
    bundled = None
    tariffs: dict[int, tuple[Tariff, int]] = {}
    for m in months:
        v = in_force(scope.engine, tariff_id, year, m, park_id)
        if v is None:
            if bundled is None:
                try:
                    bundled = tariffs_from_tables(*read_tariff_tables())[tariff_id]
                except KeyError:
                    raise NotFound(
                        f"no tariff '{tariff_id}' stored or bundled; list them with `zeropark tariff list`"
                    ) from None
            tariffs[m] = (bundled, 0)
        else:
            tariffs[m] = (v.tariff, v.version)
    out = []
    for e in enterprises:
        bills = []
        for m in months:
            h0 = (date(year, m, 1) - date(year, 1, 1)).days * 24
            n = ((date(year + (m == 12), m % 12 + 1, 1) - date(year, m, 1)).days) * 24
            total = [0.0] * n
            for mid in by_ent[e.id]:
                vals = hourly[mid].values[h0 : h0 + n]
                total = [a + float(b) for a, b in zip(total, vals, strict=True)]
            if not by_ent[e.id]:
                total = [math.nan] * n
            t, ver = tariffs[m]
            bills.append(month_bill(t, year, m, total, version=ver))
        out.append(EnterpriseCost(e.id, e.name, tuple(bills)))
    return CostReport(park_id, year, tariff_id, tuple(out))


def cost_rows(report: CostReport) -> list[dict[str, Any]]:
    """The report as flat rows (CSV, JSON, the page table): one per enterprise and month."""
    rows = []
    for e in report.enterprises:
        for b in e.months:
            row: dict[str, Any] = {
                "enterprise_id": e.enterprise_id,
                "enterprise": e.enterprise_name,
                "month": f"{b.year}-{b.month:02d}",
                "tariff": f"{b.tariff_id}@{b.tariff_version}"
                if b.tariff_version
                else f"{b.tariff_id}@bundled",
            }
            for p in TouPeriod:
                row[f"{p.value}_kwh"] = round(b.energy_kwh.get(p, 0.0), 3)
                row[f"{p.value}_cny"] = round(b.energy_cost_cny.get(p, 0.0), 2)
            row.update(
                max_demand_kw=round(b.max_demand_kw, 3),
                demand_cny=round(b.demand_cost_cny, 2),
                total_kwh=round(b.total_kwh, 3),
                total_cny=round(b.total_cny, 2),
                missing_hours=b.missing_hours,
            )
            rows.append(row)
    return rows


__all__ = [
    "BUNDLED_FROM",
    "CostReport",
    "EnterpriseCost",
    "TariffVersion",
    "cost_rows",
    "electricity_cost",
    "import_tables",
    "in_force",
    "list_versions",
    "seed_bundled",
    "set_prices",
    "show",
    "tariff_for",
]
