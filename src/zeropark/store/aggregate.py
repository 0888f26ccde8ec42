"""Aggregation (汇总): readings and activity records → :class:`~zeropark.model.AccountingInput`.

Policy (DESIGN.md §4–5; the mapping is documented in docs/architecture.md):

- **Intervals in SQL.** The heavy work runs in the database, one ``GROUP BY meter`` per meter kind
  and local month, each a plain range on ``ts`` (on PostgreSQL: one partition, no per-row time-zone
  arithmetic; serial queries on two connections, so the float sums are reproducible): interval
  meters sum their values; cumulative registers are differenced inside the month with a window
  function (``lead``, in primary-key order) and the step into the next month is added in Python,
  with rollover and reset detection exactly as :func:`zeropark.timeseries.registers_to_intervals`
  (rollover when ``register_max − prev + cur`` lies in ``[0, register_max / 10]``, otherwise a
  reset whose interval is the new register).
  The multiplier (CT/PT ratio) is applied to the per-month sums.
- **Which period an interval belongs to** (as :mod:`zeropark.timeseries`): an interval meter's value
  at ``ts`` covers ``[ts − interval_s, ts)``; a register difference covers ``[ts_prev, ts)``. The
  interval belongs to the local (Asia/Shanghai) month / hour that contains its *start*. So the
  hourly value stamped 2025-01-31T16:00Z (= 2025-02-01 00:00 local) still belongs to January.
- **Completeness** of a meter-month = readings present / intervals expected (month length ÷
  ``interval_s``); of a quantity = Σ present / Σ expected over its meters.
- **Uncertainty** of a meter-month = the meter's accuracy class [%] (taken as the half-width of the
  95 % interval); of a sum of meters, uncorrelated propagation
  ``U = √Σ(q_i·U_i)² / Σq_i`` (IPCC 2006 GL Vol.1 ch.3 eq. 3.1).
- **Meters → flows** (:func:`meter_flow`): boundary IMPORT of electricity/heat → PURCHASED,
  EXPORT → EXPORTED, GENERATION of a renewable technology (pv, wind, hydro) → GENERATED,
  an enterprise's CONSUMPTION of electricity/heat → CONSUMED, or INTERNAL_PURCHASE when a park
  facility transfers that carrier to it (:class:`~zeropark.model.Transfer`); fossil fuel meters →
  COMBUSTION. A submeter whose parent has the same owner, carrier and direction is inside its
  parent and is not counted again.
- **Activity records** are spread over the local months of their period in proportion to days;
  only the part inside the year is kept.
- **Month summaries.** The per-(meter, month) SQL results are stored in ``meter_month_summary`` on
  first use and read from there afterwards; every write of readings deletes the windows it touches
  (:mod:`zeropark.store.readings`), so the stored rows are always what the SQL would return now.
  ``from_readings=True`` (the verifier's recomputation) ignores them and stores nothing.
"""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, Engine, bindparam, text

from zeropark.errors import DataError, UnitMismatch
from zeropark.model import (
    FOSSIL_FUELS,
    HEAT_CARRIERS,
    RENEWABLE_TECHNOLOGIES,
    AccountingInput,
    ActivityRecord,
    Carrier,
    ClaimKind,
    Direction,
    Enterprise,
    Flow,
    IndicatorData,
    Meter,
    MeterKind,
    MonthlyQuantity,
    Transfer,
)
from zeropark.store import repo
from zeropark.store.readings import SUMMARY_LOCK_KEY, sqlite_ts
from zeropark.timeseries import HOUR_COVERAGE_TOLERANCE_S, HourFlag
from zeropark.units import to_canonical

__all__ = [
    "FlowAssignment",
    "MeterMonth",
    "load_accounting_input",
    "meter_flow",
    "HourlySeries",
    "hourly_series",
    "meter_hourly",
    "meter_monthly",
    "spread_activity",
]

#: Register readings this long before the year are read so the first interval of the year has
#: its previous reading.
REGISTER_LOOKBACK = timedelta(days=7)
_HOUR = timedelta(hours=1)
_ENERGY_IN = frozenset({Carrier.ELECTRICITY}) | HEAT_CARRIERS


@dataclass(frozen=True, slots=True)
class MeterMonth:
    """One meter in one local month: energy [canonical unit, multiplier applied] and counts."""

    meter_id: str
    month: date  # first day of the local month
    quantity: float
    n_present: int
    n_expected: int
    n_flagged: int = 0
    n_rollover: int = 0
    n_reset: int = 0


@dataclass(frozen=True, slots=True)
class FlowAssignment:
    """How one meter enters the books: party, carrier, flow (``INTERNAL_PURCHASE`` decided later)."""

    enterprise_id: str | None
    carrier: Carrier
    flow: Flow


# --- time helpers -------------------------------------------------------------------------------


def _year_bounds(year: int, tz: str) -> tuple[datetime, datetime]:
    z = ZoneInfo(tz)
    return (
        datetime(year, 1, 1, tzinfo=z).astimezone(UTC),
        datetime(year + 1, 1, 1, tzinfo=z).astimezone(UTC),
    )


def _month_seconds(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1] * 86400


# --- SQL ----------------------------------------------------------------------------------------


def _month_bounds_utc(year: int, tz: str) -> list[datetime]:
    """The 13 UTC instants at which the local months of ``year`` (and the next year) begin."""
    z = ZoneInfo(tz)
    return [datetime(year + (m // 12), m % 12 + 1, 1, tzinfo=z).astimezone(UTC) for m in range(13)]


_FLAGGED = "sum(CASE WHEN quality <> 0 THEN 1 ELSE 0 END)"


def _sql_interval_month(dialect: str) -> str:
    """Per-meter sums of one local month of an interval meter (a range on ``ts``, no per-row math).

    The month's intervals are the values stamped in ``[bound + interval, next bound + interval)``:
    on PostgreSQL that is the month's partition minus its first ``interval`` plus the first
    ``interval`` of the next partition (an index range of one reading per meter).

    The float sum adds a meter's readings in time order whatever their place on disk: on
    PostgreSQL ``sum(value ORDER BY ts)`` (the partition's primary key ``(meter_id, ts)`` gives
    that order), so a month deleted and restored from cold storage, or readings that arrived late,
    give the same bits as readings inserted in time order. SQLite's ``GROUP BY meter_id`` already
    walks the primary-key index ``(meter_id, ts)``; its statement is unchanged.
    """
    total = "sum(value ORDER BY ts)" if dialect == "postgresql" else "sum(value)"
    return (
        f"SELECT meter_id, {total} AS total, count(*) AS n, {_FLAGGED} AS n_flagged "
        "FROM reading WHERE park_id IN :parks AND meter_id IN :ids AND ts >= :lo AND ts < :hi "
        "GROUP BY meter_id"
    )


def _sql_register_month(dialect: str) -> str:
    """Per-meter register differences *inside* one local month, plus its first and last reading.

    ``lead`` over the month's readings (one partition on PostgreSQL, read in primary-key order so
    no sort is needed) gives every interval that starts and ends in the month; the interval from
    the month's last reading to the next month's first is added in Python (:func:`_register_months`).
    The meters of one query share their ``register_max`` (a parameter, so no join breaks the order).
    """
    rmax = "CAST(:rmax AS double precision)" if dialect == "postgresql" else ":rmax"
    rollover = "(rmax IS NOT NULL AND rmax - value + nxt >= 0 AND rmax - value + nxt <= rmax / 10.0)"
    return (
        "SELECT meter_id, "
        f"sum(CASE WHEN nxt IS NULL THEN 0 WHEN nxt - value >= 0 THEN nxt - value "
        f"WHEN {rollover} THEN rmax - value + nxt ELSE nxt END) AS total, "
        "count(nxt) AS n, "
        "sum(CASE WHEN nxt IS NOT NULL AND nxt_q <> 0 THEN 1 ELSE 0 END) AS n_flagged, "
        f"sum(CASE WHEN nxt - value < 0 AND {rollover} THEN 1 ELSE 0 END) AS n_rollover, "
        f"sum(CASE WHEN nxt - value < 0 AND NOT {rollover} THEN 1 ELSE 0 END) AS n_reset, "
        "max(CASE WHEN rn = 1 THEN value END) AS first_value, "
        "max(CASE WHEN rn = 1 THEN quality END) AS first_quality, "
        "max(CASE WHEN nxt IS NULL THEN value END) AS last_value "
        f"FROM (SELECT meter_id, value, quality, {rmax} AS rmax, "
        "lead(value) OVER w AS nxt, lead(quality) OVER w AS nxt_q, row_number() OVER w AS rn "
        "FROM reading WHERE park_id IN :parks AND meter_id IN :ids AND ts >= :lo AND ts < :hi "
        "WINDOW w AS (PARTITION BY meter_id ORDER BY ts)) x GROUP BY meter_id"
    )


@dataclass(slots=True)
class _Acc:
    """Counts of one meter-month as the SQL returns them (registers: plus first/last reading)."""

    total: float = 0.0
    n: int = 0
    n_flagged: int = 0
    n_rollover: int = 0
    n_reset: int = 0
    first_value: float | None = None
    first_quality: int = 0
    last_value: float | None = None


def _register_step(prev: float, cur: float, rmax: float | None) -> tuple[float, int, int]:
    """Interval of a register step ``prev → cur`` and whether it is a rollover or a reset.

    Same rule as the SQL and :func:`zeropark.timeseries.registers_to_intervals`.
    """
    d = cur - prev
    if d >= 0:
        return d, 0, 0
    if rmax is not None and rmax - prev + cur >= 0 and rmax - prev + cur <= rmax / 10.0:
        return rmax - prev + cur, 1, 0
    return cur, 0, 1


@dataclass(frozen=True, slots=True)
class _Meters:
    """Meter ids of one query and their parks.

    ``park_id IN parks`` confines the query to those parks' partitions of ``reading`` on
    PostgreSQL (the partition key leads with ``park_id``; without it every park's partitions of
    the month are probed).
    """

    ids: tuple[str, ...]
    parks: tuple[str, ...]

    @classmethod
    def of(cls, meters: Sequence[Meter]) -> _Meters:
        return cls(tuple(m.id for m in meters), tuple(sorted({m.park_id for m in meters})))

    def only(self, ids: Sequence[str]) -> _Meters:
        return _Meters(tuple(ids), self.parks)

    def params(self) -> dict[str, list[str]]:
        return {"ids": list(self.ids), "parks": list(self.parks)}


def _month_params(dialect: str, lo: datetime, hi: datetime) -> dict[str, Any]:
    if dialect == "postgresql":
        return {"lo": lo, "hi": hi}
    return {"lo": sqlite_ts(lo), "hi": sqlite_ts(hi)}


def _month_rows(
    conn: Connection,
    kind: MeterKind,
    rmax: float | None,
    ids: _Meters,
    lo: datetime,
    hi: datetime,
) -> dict[str, _Acc]:
    """Run the month SQL of one (meter kind, window) for ``ids`` on ``conn``."""
    dialect = conn.dialect.name
    sql = _sql_interval_month(dialect) if kind is MeterKind.INTERVAL else _sql_register_month(dialect)
    stmt = text(sql).bindparams(bindparam("ids", expanding=True), bindparam("parks", expanding=True))
    params = {**ids.params(), **_month_params(dialect, lo, hi)}
    if kind is MeterKind.CUMULATIVE:
        params["rmax"] = rmax
    return {
        row.meter_id: _acc(row, register=kind is MeterKind.CUMULATIVE) for row in conn.execute(stmt, params)
    }


def _acc(row: Any, *, register: bool = True) -> _Acc:
    """The counts of a month-SQL or month-summary row (interval meters: sum, count, flagged only)."""
    acc = _Acc(float(row.total or 0.0), int(row.n), int(row.n_flagged or 0))
    if register:
        acc.n_rollover = int(row.n_rollover or 0)
        acc.n_reset = int(row.n_reset or 0)
        acc.first_value = None if row.first_value is None else float(row.first_value)
        acc.first_quality = int(row.first_quality or 0)
        acc.last_value = None if row.last_value is None else float(row.last_value)
    return acc


def _month_query(
    engine: Engine,
    kind: MeterKind,
    rmax: float | None,
    ids: _Meters,
    lo: datetime,
    hi: datetime,
) -> dict[str, _Acc]:
    """One window aggregated from the readings (the verifier's path; nothing is stored)."""
    with engine.begin() as conn:
        _pg_settings(conn)
        return _month_rows(conn, kind, rmax, ids, lo, hi)


_SUMMARY_COLUMNS = (
    "meter_id, lo, hi, total, n, n_flagged, n_rollover, n_reset, first_value, first_quality, last_value"
)


#: Stored summaries by (meter, window start as the database returns it): (window end, counts or None).
_Stored = dict[tuple[str, Any], tuple[Any, "_Acc | None"]]


def _stored_summaries(engine: Engine, ids: Sequence[str], lo: datetime, hi: datetime) -> _Stored:
    """The month summaries of ``ids`` whose window starts in ``[lo, hi)``, in one query."""
    read = text(
        f"SELECT {_SUMMARY_COLUMNS} FROM meter_month_summary "
        "WHERE meter_id IN :ids AND lo >= :lo AND lo < :hi"
    ).bindparams(bindparam("ids", expanding=True))
    out: _Stored = {}
    with engine.connect() as conn:
        for row in conn.execute(read, {"ids": list(ids), **_month_params(engine.dialect.name, lo, hi)}):
            # an empty row: no readings in the window
            acc = _acc(row) if row.n or row.first_value is not None else None
            out[(row.meter_id, row.lo)] = (row.hi, acc)
    return out


def _summarised_month(
    engine: Engine,
    stored: _Stored,
    kind: MeterKind,
    rmax: float | None,
    ids: _Meters,
    lo: datetime,
    hi: datetime,
) -> dict[str, _Acc]:
    """One window from the stored month summaries; missing ones are computed and stored first.

    A summary holds exactly what :func:`_month_rows` returns for the meter and window (a meter
    with no readings there is stored as an empty row so it is not recomputed), so this path and
    :func:`_month_query` give the same numbers bit for bit.
    """
    dialect = engine.dialect.name
    window = _month_params(dialect, lo, hi)
    out: dict[str, _Acc] = {}
    missing: list[str] = []
    for mid in ids.ids:
        found = stored.get((mid, window["lo"]))
        if found is None or found[0] != window["hi"]:
            missing.append(mid)
        elif found[1] is not None:
            out[mid] = found[1]
    if not missing:
        return out
    stale = text("DELETE FROM meter_month_summary WHERE meter_id IN :ids AND lo = :lo").bindparams(
        bindparam("ids", expanding=True)
    )
    store = text(
        f"INSERT INTO meter_month_summary ({_SUMMARY_COLUMNS}) VALUES "
        "(:meter_id, :lo, :hi, :total, :n, :n_flagged, :n_rollover, :n_reset, :first_value, "
        ":first_quality, :last_value)"
    )
    with engine.begin() as conn:
        _pg_settings(conn)
        if dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SUMMARY_LOCK_KEY})
        # on SQLite this first write takes the database's write lock before the readings are read
        conn.execute(stale, {"ids": missing, "lo": window["lo"]})
        fresh = _month_rows(conn, kind, rmax, ids.only(missing), lo, hi)
        empty = _Acc()
        conn.execute(
            store,
            [
                {
                    "meter_id": mid,
                    **window,
                    "total": acc.total,
                    "n": acc.n,
                    "n_flagged": acc.n_flagged,
                    "n_rollover": acc.n_rollover,
                    "n_reset": acc.n_reset,
                    "first_value": acc.first_value,
                    "first_quality": acc.first_quality,
                    "last_value": acc.last_value,
                }
                for mid in missing
                for acc in (fresh.get(mid, empty),)
            ],
        )
    out.update(fresh)
    return out


def _pg_settings(conn: Connection) -> None:
    """Per-transaction PostgreSQL settings of the aggregation queries (no-op on SQLite).

    No parallel workers and no synchronized scans: each sum then adds its readings in the
    partition's physical order (readings are insert-only), so a recomputation gives the same
    float bits and the same input fingerprint; with parallel workers the partial sums are added
    in an order that varies between runs. The months run on ``workers`` connections instead.
    """
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    conn.execute(text("SET LOCAL synchronize_seqscans = off"))
    conn.execute(text("SET LOCAL work_mem = '64MB'"))  # hour groups and month windows sort in memory
    conn.execute(text("SET LOCAL jit = off"))  # compiling these short queries costs more than it saves


def _register_months(
    per_month: Sequence[dict[str, _Acc]], meters: Mapping[str, Meter]
) -> dict[tuple[str, int], _Acc]:
    """Add to each month the interval from its last reading to the next month's first reading."""
    out: dict[tuple[str, int], _Acc] = {}
    for mid, m in meters.items():
        months = [(k, acc[mid]) for k, acc in enumerate(per_month) if mid in acc]
        for j, (k, acc) in enumerate(months):
            if j + 1 < len(months):
                nxt = months[j + 1][1]
                assert acc.last_value is not None and nxt.first_value is not None
                d, ro, rs = _register_step(acc.last_value, nxt.first_value, m.register_max)
                acc.total += d
                acc.n += 1
                acc.n_flagged += 1 if nxt.first_quality != 0 else 0
                acc.n_rollover += ro
                acc.n_reset += rs
            if acc.n:
                out[(mid, k)] = acc
    return out


def meter_monthly(
    engine: Engine,
    park_id: str,
    year: int,
    *,
    meters: Sequence[Meter] | None = None,
    tz: str = "Asia/Shanghai",
    workers: int | None = None,
    from_readings: bool = False,
) -> list[MeterMonth]:
    """Energy of each meter in each local month of ``year`` [canonical unit, multiplier applied].

    One query per (meter kind and interval, local month), each a plain range on ``ts`` that
    PostgreSQL answers from that month's partition (no per-row time-zone
    arithmetic); registers add the interval that crosses into the next month afterwards.
    By default each (meter, month) comes from its stored month summary
    (:class:`~zeropark.store.schema.MeterMonthSummaryRow`), computed and stored on first use;
    ``from_readings`` recomputes everything from the readings and stores nothing (the
    verifier's path) — both give the same numbers bit for bit.

    Parameters
    ----------
    engine : Engine
        The store.
    park_id : str
        Park whose meters are aggregated.
    year : int
        Local calendar year.
    meters : sequence of Meter, optional
        Only these meters (default: all meters of the park).
    tz : str
        The park's time zone.
    workers : int, optional
        PostgreSQL: month queries run on this many connections at once (default 2, the cores;
        each query is serial so its sums are reproducible). SQLite: always one.
    from_readings : bool
        Ignore the month summaries and aggregate the readings (nothing is stored).

    Returns
    -------
    list of MeterMonth
        One per (meter, month) with at least one interval, ordered by meter and month.
    """
    chosen = list(meters) if meters is not None else repo.list_meters(engine, park_id)
    by_id = {m.id: m for m in chosen}
    bounds = _month_bounds_utc(year, tz)
    # interval meters grouped by interval, registers by register size (a query parameter)
    groups: dict[tuple[MeterKind, int, float], list[str]] = defaultdict(list)
    for m in chosen:
        if m.kind is MeterKind.INTERVAL:
            groups[(m.kind, m.interval_s, -1.0)].append(m.id)
        else:
            groups[(m.kind, 0, -1.0 if m.register_max is None else m.register_max)].append(m.id)
    Job = tuple[tuple[MeterKind, int, float], _Meters, datetime, datetime]
    jobs: list[Job] = []
    for key, ids in sorted(groups.items(), key=lambda kv: (kv[0][0].value, kv[0][1], kv[0][2])):
        shift = timedelta(seconds=key[1])
        group = _Meters.of([by_id[i] for i in ids])
        for k in range(12):
            jobs.append((key, group, bounds[k] + shift, bounds[k + 1] + shift))
    n_workers = 1 if engine.dialect.name != "postgresql" else max(1, workers or 2)
    stored: _Stored = {}
    if not from_readings and jobs:
        stored = _stored_summaries(
            engine, list(by_id), min(j[2] for j in jobs), max(j[2] for j in jobs) + _HOUR
        )

    def one(job: Job) -> dict[str, _Acc]:
        (kind, _, rmax), ids, lo, hi = job
        if from_readings:
            return _month_query(engine, kind, None if rmax < 0 else rmax, ids, lo, hi)
        return _summarised_month(engine, stored, kind, None if rmax < 0 else rmax, ids, lo, hi)

    if n_workers > 1:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            results = list(pool.map(one, jobs))
    else:
        results = [one(j) for j in jobs]
    cells: dict[tuple[str, int], _Acc] = {}
    per_group: dict[tuple[MeterKind, int, float], list[dict[str, _Acc]]] = defaultdict(list)
    for job, res in zip(jobs, results, strict=True):
        per_group[job[0]].append(res)
    for key, months in per_group.items():
        if key[0] is MeterKind.INTERVAL:
            for k, accs in enumerate(months):
                for mid, acc in accs.items():
                    cells[(mid, k)] = acc
        else:
            cells.update(_register_months(months, {i: by_id[i] for i in groups[key]}))
    out: list[MeterMonth] = []
    for (mid, k), acc in cells.items():
        m = by_id[mid]
        month = date(year, k + 1, 1)
        out.append(
            MeterMonth(
                meter_id=mid,
                month=month,
                quantity=acc.total * m.multiplier,
                n_present=acc.n,
                n_expected=_month_seconds(month) // max(m.interval_s, 1),
                n_flagged=acc.n_flagged,
                n_rollover=acc.n_rollover,
                n_reset=acc.n_reset,
            )
        )
    out.sort(key=lambda mm: (mm.meter_id, mm.month))
    return out


F64 = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True, slots=True, eq=False)
class HourlySeries:
    """Energy per hour [canonical unit] and the quality of each hour (:class:`HourFlag`).

    ``values`` is NaN wherever the hour is not completely metered; ``flags`` marks the hours
    metered only in part (``HourFlag.PARTIAL``), so a gap caused by a missing half-hour can be
    told from an hour with no reading at all.
    """

    values: F64
    flags: np.ndarray[Any, np.dtype[np.uint8]]

    @property
    def n_partial(self) -> int:
        """Hours metered only in part (gaps flagged ``PARTIAL``)."""
        return int(np.count_nonzero(self.flags & HourFlag.PARTIAL))


def hourly_series(
    meter: Meter, t_s: F64, values: F64, start_s: float, n_hours: int, *, slot_s: float = 3600.0
) -> HourlySeries:
    """One meter's energy per hour from ``start_s`` [canonical unit, multiplier applied].

    Pure. ``t_s`` are the reading instants [s since the Unix epoch, increasing], ``values`` the
    readings. An interval meter's value at ``t`` covers ``[t − interval_s, t)``; a register step
    covers ``[t_prev, t)`` and is differenced by :func:`_register_step`'s rule, vectorised
    (rollover when ``register_max − prev + cur`` lies in ``[0, register_max / 10]``, otherwise a
    backward step is a reset worth the new register). An interval belongs to the hour holding its
    start; the intervals of an hour are added in time order, then the multiplier is applied.

    ``slot_s`` bins into slots of another length [s] (e.g. 900 for the 15-minute records of the
    online-monitoring upload); "hour" below then reads "slot".

    An hour has a value only when it is completely metered: the intervals starting in it begin
    at the hour's start and cover 3 600 s (both within :data:`HOUR_COVERAGE_TOLERANCE_S`), e.g.
    two half-hours of a 30-minute meter, four quarter-hours of a 15-minute one. Otherwise it is a
    gap (NaN); a gap that some metered interval touches (one half-hour missing, a register step
    running past the hour's end, a meter reporting less often than hourly) is flagged
    ``HourFlag.PARTIAL``.
    """
    if meter.kind is MeterKind.INTERVAL:
        starts, amounts = t_s - meter.interval_s, values
        ends = t_s
    else:
        prev, cur = values[:-1], values[1:]
        d = cur - prev
        amounts = np.where(d >= 0, d, cur)
        if meter.register_max is not None:
            wrapped = meter.register_max - prev + cur
            rollover = (d < 0) & (wrapped >= 0) & (wrapped <= meter.register_max / 10.0)
            amounts = np.where(rollover, wrapped, amounts)
        starts, ends = t_s[:-1], t_s[1:]
    hour = np.floor((starts - start_s) / slot_s)
    keep = (hour >= 0) & (hour < n_hours)
    idx = hour[keep].astype(np.int64)
    total = np.bincount(idx, weights=amounts[keep], minlength=n_hours)
    covered = np.bincount(idx, weights=(ends - starts)[keep], minlength=n_hours)
    first = np.full(n_hours, np.inf)
    np.minimum.at(first, idx, starts[keep] - (start_s + slot_s * idx))
    tol = HOUR_COVERAGE_TOLERANCE_S
    complete = (np.abs(covered - slot_s) <= tol) & (first <= tol)
    # hours touched by any interval (also those a long interval runs into): partial when not complete
    h_first = np.clip(hour, 0, n_hours).astype(np.int64)
    h_last = np.clip(np.ceil((ends - start_s) / slot_s) - 1, -1, n_hours - 1).astype(np.int64)
    spans = h_first <= h_last
    diff = np.zeros(n_hours + 1, dtype=np.int64)
    np.add.at(diff, h_first[spans], 1)
    np.add.at(diff, h_last[spans] + 1, -1)
    touched = np.cumsum(diff[:n_hours]) > 0
    out: F64 = np.where(complete, total * meter.multiplier, np.nan)
    flags = np.where(touched & ~complete, np.uint8(HourFlag.PARTIAL), np.uint8(0)).astype(np.uint8)
    return HourlySeries(out, flags)


def _series(conn: Connection, ids: _Meters, lo: datetime, hi: datetime) -> dict[str, tuple[F64, F64]]:
    """(instants [epoch s], values) of each meter's readings in ``[lo, hi)``, in time order."""
    stmt_pg = (
        "SELECT meter_id, array_agg(extract(epoch FROM ts)::float8 ORDER BY ts) AS epoch_s, "
        "array_agg(value ORDER BY ts) AS vals FROM reading "
        "WHERE park_id IN :parks AND meter_id IN :ids AND ts >= :lo AND ts < :hi GROUP BY meter_id"
    )
    stmt_sqlite = (
        # ts is UTC text 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds, then the fraction
        "SELECT meter_id, CAST(strftime('%s', ts) AS INTEGER) + CAST(substr(ts, 20) AS REAL) AS epoch_s, "
        "value AS vals FROM reading "
        "WHERE park_id IN :parks AND meter_id IN :ids AND ts >= :lo AND ts < :hi ORDER BY meter_id, ts"
    )
    pg = conn.dialect.name == "postgresql"
    stmt = text(stmt_pg if pg else stmt_sqlite).bindparams(
        bindparam("ids", expanding=True), bindparam("parks", expanding=True)
    )
    rows = conn.execute(stmt, {**ids.params(), **_month_params(conn.dialect.name, lo, hi)}).all()
    if pg:
        return {
            r.meter_id: (np.array(r.epoch_s, dtype=np.float64), np.array(r.vals, dtype=np.float64))
            for r in rows
        }
    out: dict[str, tuple[F64, F64]] = {}
    if rows:
        mid = np.array([r.meter_id for r in rows], dtype=object)
        t = np.array([r.epoch_s for r in rows], dtype=np.float64)
        v = np.array([r.vals for r in rows], dtype=np.float64)
        cuts = np.flatnonzero(mid[1:] != mid[:-1]) + 1
        for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), len(rows)], strict=True):
            out[str(mid[a])] = (t[a:b], v[a:b])
    return out


def meter_hourly(
    engine: Engine, park_id: str, year: int, meters: Sequence[Meter], *, tz: str = "Asia/Shanghai"
) -> dict[str, HourlySeries]:
    """Energy of each of ``meters`` per local hour of ``year`` [canonical unit]; NaN = not completely metered.

    Hour 0 starts at local 1 January 00:00; the readings are read once per meter kind (registers
    from :data:`REGISTER_LOOKBACK` before the year so the first step has its previous reading;
    interval values up to a day after it, which may still start inside) and binned by
    :func:`hourly_series`.
    """
    return meter_slots(engine, park_id, year, meters, tz=tz, slot_s=3600)


def meter_slots(
    engine: Engine,
    park_id: str,
    year: int,
    meters: Sequence[Meter],
    *,
    slot_s: int,
    tz: str = "Asia/Shanghai",
) -> dict[str, HourlySeries]:
    """Energy of each of ``meters`` per slot of ``slot_s`` seconds of ``year`` (see :func:`meter_hourly`).

    ``slot_s`` divides a day (900, 1 800, 3 600); a slot has a value only when completely metered,
    so a meter reporting hourly has no 15-minute values.
    """
    if 86400 % slot_s:
        raise ValueError(f"slot_s {slot_s} does not divide a day")
    n_hours = (date(year + 1, 1, 1) - date(year, 1, 1)).days * (86400 // slot_s)
    start, end = _year_bounds(year, tz)
    empty: F64 = np.zeros(0)
    out: dict[str, HourlySeries] = {}
    with engine.begin() as conn:
        _pg_settings(conn)
        for kind, lo, hi in (
            (MeterKind.INTERVAL, start, end + timedelta(days=1)),
            (MeterKind.CUMULATIVE, start - REGISTER_LOOKBACK, end),
        ):
            chosen = [m for m in meters if m.kind is kind]
            series = _series(conn, _Meters.of(chosen), lo, hi) if chosen else {}
            for m in chosen:
                t, v = series.get(m.id, (empty, empty))
                out[m.id] = hourly_series(m, t, v, start.timestamp(), n_hours, slot_s=slot_s)
    return out


# --- meters → flows -----------------------------------------------------------------------------


def meter_flow(meter: Meter, parent: Meter | None, children: Sequence[Meter] = ()) -> FlowAssignment | None:
    """The flow a meter's energy books as, or ``None`` when it gives no quantity.

    ``None`` for: water; a submeter whose parent has the same owner, carrier and direction (its
    energy is inside the parent's); a park-owned (no enterprise) consumption meter with children
    (a distribution feeder); a fuel IMPORT meter with fuel CONSUMPTION meters below it (the
    combustion is booked where the fuel is burned; the difference is a meter-tree loss that
    monitoring reports); generation that is not renewable (CHP output: its fuel is counted);
    fuels leaving the park.
    """
    c, d = meter.carrier, meter.direction
    if c in (Carrier.WATER, Carrier.MATERIAL):
        return None
    if (
        parent is not None
        and parent.enterprise_id == meter.enterprise_id
        and parent.carrier is c
        and parent.direction is d
    ):
        return None
    owner = meter.enterprise_id
    if c in FOSSIL_FUELS:
        burned_below = any(k.carrier is c and k.direction is Direction.CONSUMPTION for k in children)
        if d is Direction.IMPORT and burned_below:
            return None
        if d in (Direction.IMPORT, Direction.CONSUMPTION):
            return FlowAssignment(owner, c, Flow.COMBUSTION)
        return None
    if d is Direction.IMPORT:
        return FlowAssignment(owner, c, Flow.PURCHASED)
    if d is Direction.EXPORT:
        return FlowAssignment(owner, c, Flow.EXPORTED)
    if d is Direction.GENERATION:
        if c is Carrier.ELECTRICITY and meter.technology in RENEWABLE_TECHNOLOGIES:
            return FlowAssignment(owner, c, Flow.GENERATED)
        return None
    # consumption of electricity or heat
    if owner is None and children:
        return None
    return FlowAssignment(owner, c, Flow.CONSUMED)


def _uncertainty_pct(parts: Iterable[tuple[float, float]]) -> float:
    """Relative 95 % half-width of a sum of uncorrelated parts (q_i, U_i %) (IPCC 2006 Vol.1 eq. 3.1)."""
    items = list(parts)
    total = math.fsum(q for q, _ in items)
    if total == 0.0:
        return max((u for _, u in items), default=0.0)
    return math.sqrt(math.fsum((q * u) ** 2 for q, u in items)) / abs(total)


@dataclass
class _Cell:
    quantity: float = 0.0
    present: int = 0
    expected: int = 0
    parts: list[tuple[float, float]] | None = None
    evidence: set[str] | None = None

    def add(self, mm: MeterMonth, accuracy_pct: float, evidence: str) -> None:
        self.quantity += mm.quantity
        self.present += mm.n_present
        self.expected += mm.n_expected
        (self.parts if self.parts is not None else self._init_parts()).append((mm.quantity, accuracy_pct))
        (self.evidence if self.evidence is not None else self._init_evidence()).add(evidence)

    def _init_parts(self) -> list[tuple[float, float]]:
        self.parts = []
        return self.parts

    def _init_evidence(self) -> set[str]:
        self.evidence = set()
        return self.evidence


def _meter_quantities(
    meters: Sequence[Meter],
    months: Sequence[MeterMonth],
    transfers: Sequence[Transfer],
    enterprises: Mapping[str, Enterprise],
    year: int,
) -> list[MonthlyQuantity]:
    by_id = {m.id: m for m in meters}
    assignments = _assignments(meters)
    # internal supply: (buyer, carrier) → months with a transfer from a park facility
    internal: dict[tuple[str, Carrier], dict[date, float]] = defaultdict(dict)
    for t in transfers:
        seller = enterprises.get(t.from_enterprise_id) if t.from_enterprise_id else None
        if t.from_enterprise_id is None or (seller is not None and seller.is_public_facility):
            per_month = internal[(t.to_enterprise_id, t.carrier)]
            per_month[t.month] = per_month.get(t.month, 0.0) + t.quantity
    cells: dict[tuple[str | None, Carrier, Flow, date], _Cell] = defaultdict(_Cell)
    for mm in months:
        if mm.month.year != year:
            continue
        a = assignments.get(mm.meter_id)
        if a is None:
            continue
        cells[(a.enterprise_id, a.carrier, a.flow, mm.month)].add(
            mm, by_id[mm.meter_id].accuracy_class, mm.meter_id
        )
    out: list[MonthlyQuantity] = []
    for (ent, carrier, flow, month), cell in sorted(
        cells.items(), key=lambda kv: (kv[0][0] or "", kv[0][1].value, kv[0][2].value, kv[0][3])
    ):
        parts = cell.parts or []
        unc = _uncertainty_pct(parts)
        completeness = min(1.0, cell.present / cell.expected) if cell.expected else 1.0
        evidence = tuple(sorted(cell.evidence or ()))
        supplied = internal.get((ent, carrier)) if ent is not None and flow is Flow.CONSUMED else None
        if supplied:
            if carrier in HEAT_CARRIERS:
                # one heat network: all metered heat of the year comes from the park facility
                out.append(
                    MonthlyQuantity(
                        ent,
                        carrier,
                        Flow.INTERNAL_PURCHASE,
                        month,
                        cell.quantity,
                        evidence,
                        unc,
                        completeness,
                    )
                )
                continue
            # electricity: mixed supply — the transferred amount is internal, the rest from the grid
            inside = min(cell.quantity, supplied.get(month, 0.0))
            if inside > 0.0:
                out.append(
                    MonthlyQuantity(
                        ent, carrier, Flow.INTERNAL_PURCHASE, month, inside, evidence, unc, completeness
                    )
                )
            if cell.quantity - inside > 0.0:
                out.append(
                    MonthlyQuantity(
                        ent,
                        carrier,
                        Flow.CONSUMED,
                        month,
                        cell.quantity - inside,
                        evidence,
                        unc,
                        completeness,
                    )
                )
            continue
        out.append(MonthlyQuantity(ent, carrier, flow, month, cell.quantity, evidence, unc, completeness))
    return out


# --- activity records ---------------------------------------------------------------------------


def spread_activity(record: ActivityRecord, year: int) -> list[MonthlyQuantity]:
    """Spread an activity record over the local months of its period, in proportion to days.

    Only the months of ``year`` are returned; a record of 2024-12-01..2025-01-31 gives January
    2025 31/62 of its quantity. The quantity is converted to the canonical unit of its carrier
    (process activities without a carrier: ``Carrier.MATERIAL``, tonnes).

    Raises
    ------
    DataError
        If the record's unit does not convert to the canonical unit (names the record).
    """
    carrier = record.carrier if record.carrier is not None else Carrier.MATERIAL
    try:
        quantity = to_canonical(record.quantity, record.unit, carrier)
    except UnitMismatch as exc:
        raise DataError(f"activity record '{record.id}': {exc}") from exc
    total_days = (record.period_end - record.period_start).days + 1
    out: list[MonthlyQuantity] = []
    for month in range(1, 13):
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        lo, hi = max(first, record.period_start), min(last, record.period_end)
        days = (hi - lo).days + 1
        if days <= 0:
            continue
        out.append(
            MonthlyQuantity(
                enterprise_id=record.enterprise_id,
                carrier=carrier,
                flow=record.flow,
                month=first,
                quantity=quantity * days / total_days,
                evidence=(record.id,),
                uncertainty_pct=record.uncertainty_pct,
                completeness=1.0,
                factor_id=record.factor_id,
                ncv_gj_per_unit=record.ncv_gj_per_unit,
                carbon_content_tc_per_gj=record.carbon_content_tc_per_gj,
            )
        )
    return out


# --- hourly arrays ------------------------------------------------------------------------------


def _hourly_sum(series: Sequence[HourlySeries], signs: Sequence[float]) -> tuple[float, ...]:
    if not series:
        return ()
    total = np.zeros_like(series[0].values)
    for s, sign in zip(series, signs, strict=True):
        total = total + sign * s.values  # NaN (hour not completely metered) makes the hour missing
    return tuple(float(x) for x in total)


def _partial_hours(series: Sequence[HourlySeries]) -> int:
    """Hours that some of ``series`` metered only in part (``HourFlag.PARTIAL``)."""
    if not series:
        return 0
    flags = np.zeros_like(series[0].flags)
    for s in series:
        flags |= s.flags
    return int(np.count_nonzero(flags & HourFlag.PARTIAL))


def _hourly_arrays(
    engine: Engine,
    park_id: str,
    year: int,
    tz: str,
    meters: Sequence[Meter],
    enterprise_id: str | None,
    direct_ids: set[str],
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], int]:
    by_id = {m.id: m for m in meters}
    assignments = _assignments(meters)
    counted: list[tuple[Meter, FlowAssignment]] = []
    for m in meters:
        a = assignments[m.id]
        if m.carrier is Carrier.ELECTRICITY and a is not None:
            counted.append((m, a))
    if enterprise_id is None:
        load = [(m, 1.0) for m, a in counted if a.flow is Flow.PURCHASED]
        load += [(m, -1.0) for m, a in counted if a.flow is Flow.EXPORTED]
        # all on-site generation is consumed in the park unless exported (already subtracted)
        load += [
            (m, 1.0)
            for m in meters
            if m.carrier is Carrier.ELECTRICITY
            and m.direction is Direction.GENERATION
            and not (
                m.parent_id
                and by_id.get(m.parent_id) is not None
                and by_id[m.parent_id].direction is Direction.GENERATION
                and by_id[m.parent_id].enterprise_id == m.enterprise_id
            )
        ]
        clean = [m for m, a in counted if a.flow is Flow.GENERATED]
    else:
        load = [(m, 1.0) for m, a in counted if a.enterprise_id == enterprise_id and a.flow is Flow.CONSUMED]
        clean = [m for m, a in counted if a.enterprise_id == enterprise_id and a.flow is Flow.GENERATED]
    direct = [by_id[i] for i in sorted(direct_ids) if i in by_id]
    wanted = {m.id: m for m in [*(m for m, _ in load), *clean, *direct]}
    series = meter_hourly(engine, park_id, year, list(wanted.values()), tz=tz)
    return (
        _hourly_sum([series[m.id] for m, _ in load], [s for _, s in load]),
        _hourly_sum([series[m.id] for m in clean], [1.0] * len(clean)),
        _hourly_sum([series[m.id] for m in direct], [1.0] * len(direct)),
        _partial_hours([series[m.id] for m in wanted.values()]),
    )


# --- the whole input ----------------------------------------------------------------------------


def load_accounting_input(
    engine: Engine,
    park_id: str,
    year: int,
    enterprise_id: str | None = None,
    *,
    hourly_of: str | None = None,
    from_readings: bool = False,
) -> AccountingInput:
    """Everything one accounting run needs for ``park_id`` and local ``year``, from the store.

    Parameters
    ----------
    engine : Engine
        The store.
    park_id : str
        The park (accounting boundary).
    year : int
        Local calendar year (Asia/Shanghai).
    enterprise_id : str, optional
        An enterprise scope: only that enterprise's meters, records, claims and transfers (tenant
        isolation); the hourly load is its own consumption.
    hourly_of : str, optional
        Whose hourly profile to load into the park's input: None = the park's (boundary load,
        on-site clean generation), an enterprise id = that enterprise's own load and generation
        (an enterprise's own run; ``AccountingInput.hourly_of``). A scoped input (``enterprise_id``)
        always has its enterprise's profile.
    from_readings : bool
        Aggregate the readings again instead of reading the stored month summaries (the verifier's
        recomputation, :func:`zeropark.services.inventory.recompute`); same result.

    Returns
    -------
    AccountingInput
        Monthly quantities (meters and activity records), claims, transfers, indicator data and
        the hourly arrays (park load, on-site clean generation, direct green power).

    Raises
    ------
    NotFound
        If the park (or the scoped enterprise) does not exist.
    """
    park = repo.get_park(engine, park_id)
    if enterprise_id is not None:
        repo.get_enterprise(engine, enterprise_id)
    enterprises = repo.list_enterprises(engine, park_id)
    all_meters = repo.list_meters(engine, park_id)
    transfers = repo.list_transfers(engine, park_id, year=year, enterprise_id=enterprise_id)
    claims = repo.list_claims(engine, park_id, year=year, enterprise_id=enterprise_id)
    records = repo.list_activity_records(engine, park_id, year=year, enterprise_id=enterprise_id)

    counted_ids = _counted_meter_ids(all_meters, enterprise_id)
    months = meter_monthly(
        engine,
        park_id,
        year,
        meters=[m for m in all_meters if m.id in counted_ids],
        tz=park.timezone,
        from_readings=from_readings,
    )
    quantities = _meter_quantities(
        all_meters,
        months,
        repo.list_transfers(engine, park_id, year=year),
        {e.id: e for e in enterprises},
        year,
    )
    if enterprise_id is not None:
        quantities = [q for q in quantities if q.enterprise_id == enterprise_id]
    for r in records:
        quantities.extend(spread_activity(r, year))
    quantities.sort(key=lambda q: (q.enterprise_id or "", q.carrier.value, q.flow.value, q.month, q.evidence))

    if enterprise_id is not None:
        hourly_of = enterprise_id
    elif hourly_of is not None:
        repo.get_enterprise(engine, hourly_of)
    direct_ids = {
        c.source_meter_id
        for c in claims
        if c.kind is ClaimKind.DIRECT
        and c.source_meter_id
        and (hourly_of is None or c.owner_enterprise_id == hourly_of)
    }
    hourly_load, hourly_clean, hourly_direct, partial_hours = _hourly_arrays(
        engine, park_id, year, park.timezone, all_meters, hourly_of, direct_ids
    )
    scoped_enterprises = [e for e in enterprises if enterprise_id is None or e.id == enterprise_id]
    return AccountingInput(
        park=park,
        year=year,
        enterprises=tuple(scoped_enterprises),
        quantities=tuple(quantities),
        claims=tuple(claims),
        transfers=tuple(transfers),
        indicator_data=repo.get_indicator_data(engine, park_id, year)
        if enterprise_id is None
        else IndicatorData(),
        hourly_load_kwh=hourly_load,
        hourly_onsite_clean_kwh=hourly_clean,
        hourly_direct_green_kwh=hourly_direct,
        hourly_partial_hours=partial_hours,
        zones=tuple(repo.list_zones(engine, park_id)),
        hourly_of=hourly_of,
    )


def _counted_meter_ids(meters: Sequence[Meter], enterprise_id: str | None) -> set[str]:
    """Meters whose monthly energy is needed (those that map to a flow, within the scope)."""
    return {
        mid
        for mid, a in _assignments(meters).items()
        if a is not None and (enterprise_id is None or a.enterprise_id == enterprise_id)
    }


def _assignments(meters: Sequence[Meter]) -> dict[str, FlowAssignment | None]:
    """:func:`meter_flow` of every meter of a park (parents and children looked up in ``meters``)."""
    by_id = {m.id: m for m in meters}
    children: dict[str, list[Meter]] = defaultdict(list)
    for m in meters:
        if m.parent_id is not None:
            children[m.parent_id].append(m)
    return {
        m.id: meter_flow(m, by_id.get(m.parent_id) if m.parent_id else None, children.get(m.id, ()))
        for m in meters
    }
