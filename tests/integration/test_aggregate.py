"""Aggregation of a tiny park whose monthly quantities are worked out by hand (SQLite and PostgreSQL).

Conventions under test (zeropark.store.aggregate, as zeropark.timeseries): an interval meter's value
at ts covers [ts − 1 h, ts); a register difference covers [ts_prev, ts); an interval belongs to the
local (UTC+8) month / hour containing its start. Hour index 0 = 2025-01-01 00:00 local = 2024-12-31T16:00Z.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np
import pytest
from sqlalchemy import Engine, text

from zeropark.accounting.engine import input_fingerprint
from zeropark.model import (
    ActivityRecord,
    Carrier,
    Direction,
    Enterprise,
    Flow,
    Meter,
    MeterKind,
    MonthlyQuantity,
    Park,
    Reading,
    Transfer,
)
from zeropark.store import repo
from zeropark.store.aggregate import MeterMonth, load_accounting_input, meter_monthly
from zeropark.store.readings import bulk_load_readings, write_readings

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
EL = Carrier.ELECTRICITY


def z(y: int, mo: int, d: int, h: int) -> datetime:
    return datetime(y, mo, d, h, tzinfo=UTC)


def _meter(mid: str, carrier: Carrier, direction: Direction, kind: MeterKind, **kw: object) -> Meter:
    unit = {EL: "kWh", Carrier.STEAM: "GJ", Carrier.NATURAL_GAS: "m3", Carrier.WATER: "m3"}[carrier]
    return Meter(mid, "P", carrier, unit, direction, kind, **kw)  # type: ignore[arg-type]


def _park(engine: Engine) -> None:
    repo.add_park(engine, Park("P", "小园区", "江苏", "华东", 31.0, 120.0))
    repo.add_enterprise(engine, Enterprise("E1", "P", "甲", "91320000000000001A", "C26"))
    repo.add_enterprise(
        engine, Enterprise("PUB", "P", "园区公用", "91320000000000002B", "D44", is_public_facility=True)
    )
    IV, C = MeterKind.INTERVAL, MeterKind.CUMULATIVE
    meters = [
        _meter("GRID-IN", EL, Direction.IMPORT, IV, accuracy_class=0.2),
        _meter("GRID-OUT", EL, Direction.EXPORT, IV, accuracy_class=0.2),
        _meter("PV", EL, Direction.GENERATION, IV, enterprise_id="PUB", technology="pv", accuracy_class=0.5),
        _meter(
            "E1-EL",
            EL,
            Direction.CONSUMPTION,
            C,
            enterprise_id="E1",
            multiplier=40.0,
            register_max=100_000.0,
            accuracy_class=0.5,
        ),
        _meter("E1-EL2", EL, Direction.CONSUMPTION, IV, enterprise_id="E1", accuracy_class=1.0),
        _meter("E1-ST", Carrier.STEAM, Direction.CONSUMPTION, IV, enterprise_id="E1", accuracy_class=2.0),
        _meter("NG-A", Carrier.NATURAL_GAS, Direction.CONSUMPTION, C, enterprise_id="E1", accuracy_class=1.5),
        _meter("NG-B", Carrier.NATURAL_GAS, Direction.CONSUMPTION, C, enterprise_id="E1", accuracy_class=1.5),
        _meter("WA", Carrier.WATER, Direction.CONSUMPTION, C, enterprise_id="E1"),
    ]
    for m in meters:
        repo.add_meter(engine, m)
    # a submeter inside E1-EL (same owner, carrier, direction): never counted again
    repo.add_meter(
        engine, _meter("E1-EL-01", EL, Direction.CONSUMPTION, IV, enterprise_id="E1", parent_id="E1-EL")
    )
    readings = [
        # GRID-IN: 2024-12-31T16:00Z covers Dec 31 23:00 local → 2024, excluded;
        # 17:00Z covers Jan 1 00:00 local → Jan
        Reading("GRID-IN", z(2024, 12, 31, 16), 5.0),
        Reading("GRID-IN", z(2024, 12, 31, 17), 7.0),
        Reading("GRID-IN", z(2025, 1, 31, 15), 10.0),  # Jan 31 22:00 local → Jan
        Reading("GRID-IN", z(2025, 1, 31, 16), 20.0),  # stamped Feb 1 00:00 local, covers Jan 31 23:00 → Jan
        Reading("GRID-IN", z(2025, 1, 31, 17), 30.0),  # covers Feb 1 00:00 local → Feb (hour 744)
        Reading("GRID-IN", z(2025, 2, 1, 0), 50.0),  # covers Feb 1 07:00 local → Feb (hour 751)
        Reading("GRID-OUT", z(2025, 2, 1, 0), 4.0),
        Reading("PV", z(2025, 2, 1, 0), 6.0),
        # E1-EL register ×40, wraps at 100 000: 99990 → 99995 (+5, Jan) → 3 (rollover +8, Jan) → 10 (+7, Feb)
        Reading("E1-EL", z(2025, 1, 31, 14), 99_990.0),
        Reading("E1-EL", z(2025, 1, 31, 15), 99_995.0),
        Reading("E1-EL", z(2025, 1, 31, 16), 3.0),
        Reading("E1-EL", z(2025, 1, 31, 17), 10.0),
        Reading("E1-EL2", z(2025, 2, 10, 0), 120.0),
        Reading("E1-EL-01", z(2025, 2, 10, 0), 999.0),
        Reading("E1-ST", z(2025, 1, 15, 0), 2.5),
        # NG-A: previous reading from the 7-day lookback; +10 starts Dec 31 23:00 local (2024) → excluded
        Reading("NG-A", z(2024, 12, 31, 15), 100.0),
        Reading("NG-A", z(2024, 12, 31, 16), 110.0),
        Reading("NG-A", z(2024, 12, 31, 17), 130.0),  # +20, starts Jan 1 00:00 local → Jan
        Reading("NG-A", z(2024, 12, 31, 18), 135.0),  # +5 → Jan
        # NG-B without register_max: 500 → 520 (+20) → 15 (reset: +15) → 25 (+10), all March
        Reading("NG-B", z(2025, 3, 1, 0), 500.0),
        Reading("NG-B", z(2025, 3, 1, 1), 520.0),
        Reading("NG-B", z(2025, 3, 1, 2), 15.0),
        Reading("NG-B", z(2025, 3, 1, 3), 25.0),
        Reading("WA", z(2025, 1, 10, 0), 1.0),
        Reading("WA", z(2025, 1, 10, 1), 3.0),
    ]
    write_readings(engine, readings, source="test")
    repo.add_transfer(engine, "P", Transfer("T-ST", "PUB", "E1", Carrier.STEAM, JAN, 2.4))
    repo.add_transfer(engine, "P", Transfer("T-EL", "PUB", "E1", EL, FEB, 100.0))
    repo.add_activity_record(
        engine,
        "P",
        ActivityRecord(
            "DSL", "E1", Carrier.DIESEL, Flow.COMBUSTION, date(2024, 12, 1), date(2025, 1, 31), 6.2, "t"
        ),
    )
    repo.add_activity_record(
        engine,
        "P",
        ActivityRecord(
            "LIME",
            "E1",
            None,
            Flow.PROCESS,
            date(2025, 1, 1),
            date(2025, 12, 31),
            365.0,
            "t",
            factor_id="process.limestone.cn",
        ),
    )


def _q(
    quantities: tuple[MonthlyQuantity, ...], ent: str | None, carrier: Carrier, flow: Flow, month: date
) -> MonthlyQuantity:
    found = [
        q for q in quantities if (q.enterprise_id, q.carrier, q.flow, q.month) == (ent, carrier, flow, month)
    ]
    assert len(found) == 1, f"{ent}/{carrier}/{flow}/{month}: {found}"
    return found[0]


def test_meter_months_by_hand(engine: Engine) -> None:
    _park(engine)
    got = {(m.meter_id, m.month): m for m in meter_monthly(engine, "P", 2025)}
    assert got[("GRID-IN", JAN)].quantity == 37.0  # 7 + 10 + 20
    assert got[("GRID-IN", FEB)].quantity == 80.0  # 30 + 50
    assert (got[("GRID-IN", JAN)].n_present, got[("GRID-IN", JAN)].n_expected) == (3, 744)  # 31 × 24 h
    assert got[("E1-EL", JAN)].quantity == 520.0  # (5 + 8 rollover) × 40
    assert got[("E1-EL", JAN)].n_rollover == 1
    assert got[("E1-EL", FEB)].quantity == 280.0  # 7 × 40
    assert got[("NG-A", JAN)].quantity == 25.0  # 20 + 5; the +10 of Dec 31 23:00 local is 2024
    assert got[("NG-B", MAR)].quantity == 45.0  # 20 + 15 (reset) + 10
    assert got[("NG-B", MAR)].n_reset == 1
    assert ("GRID-IN", date(2024, 12, 1)) not in got


def test_accounting_input_by_hand(engine: Engine) -> None:
    _park(engine)
    inp = load_accounting_input(engine, "P", 2025)
    qs = inp.quantities
    jan_in = _q(qs, None, EL, Flow.PURCHASED, JAN)
    assert (jan_in.quantity, jan_in.evidence, jan_in.uncertainty_pct) == (37.0, ("GRID-IN",), 0.2)
    assert jan_in.completeness == pytest.approx(3 / 744)
    assert _q(qs, None, EL, Flow.EXPORTED, FEB).quantity == 4.0
    assert _q(qs, "PUB", EL, Flow.GENERATED, FEB).quantity == 6.0
    # E1 electricity Feb: E1-EL 280 + E1-EL2 120 = 400 (E1-EL-01 is inside E1-EL); 100 bought from PUB
    internal = _q(qs, "E1", EL, Flow.INTERNAL_PURCHASE, FEB)
    grid = _q(qs, "E1", EL, Flow.CONSUMED, FEB)
    assert (internal.quantity, grid.quantity) == (100.0, 300.0)
    assert grid.evidence == ("E1-EL", "E1-EL2")
    # U = √((280·0.5)² + (120·1.0)²) / 400 = √34000 / 400 = 0.46098 %
    assert grid.uncertainty_pct == pytest.approx(math.sqrt(34000) / 400)
    assert _q(qs, "E1", EL, Flow.CONSUMED, JAN).quantity == 520.0
    # steam from the park's heat network: all of it internal
    assert _q(qs, "E1", Carrier.STEAM, Flow.INTERNAL_PURCHASE, JAN).quantity == 2.5
    assert _q(qs, "E1", Carrier.NATURAL_GAS, Flow.COMBUSTION, JAN).quantity == 25.0
    assert _q(qs, "E1", Carrier.NATURAL_GAS, Flow.COMBUSTION, MAR).quantity == 45.0
    # activity: 6.2 t diesel over 62 days (Dec + Jan), January's 31 days → 3.1 t; December 2024 dropped
    assert _q(qs, "E1", Carrier.DIESEL, Flow.COMBUSTION, JAN).quantity == pytest.approx(3.1)
    lime = _q(qs, "E1", Carrier.MATERIAL, Flow.PROCESS, FEB)
    assert (lime.quantity, lime.factor_id, lime.evidence) == (
        pytest.approx(28.0),
        "process.limestone.cn",
        ("LIME",),
    )
    assert not [q for q in qs if q.carrier is Carrier.WATER]
    assert {t.id for t in inp.transfers} == {"T-ST", "T-EL"}
    # hourly: load = import − export + generation; hour 751 (Feb 1 07:00 local) = 50 − 4 + 6 = 52
    assert len(inp.hourly_load_kwh) == 8760
    assert inp.hourly_load_kwh[751] == 52.0
    assert inp.hourly_onsite_clean_kwh[751] == 6.0
    assert math.isnan(inp.hourly_load_kwh[744])  # export and PV meters have no interval that hour
    assert inp.hourly_direct_green_kwh == ()


def test_enterprise_scope(engine: Engine) -> None:
    _park(engine)
    inp = load_accounting_input(engine, "P", 2025, enterprise_id="E1")
    assert {q.enterprise_id for q in inp.quantities} == {"E1"}
    assert [e.id for e in inp.enterprises] == ["E1"]
    # E1's own load = E1-EL + E1-EL2; at Feb 10 07:00 local only E1-EL2 has an interval → the hour is missing
    assert inp.hourly_load_kwh[(31 + 9) * 24 + 7] == pytest.approx(float("nan"), nan_ok=True)


def test_register_across_months_by_hand(engine: Engine) -> None:
    """Month queries see one month each; the step from a month's last reading to the next one found
    (here across an empty February) is added to the month where it starts, with its reset and flag."""
    repo.add_park(engine, Park("Q", "跨月园区", "江苏", "华东", 31.0, 120.0))
    repo.add_enterprise(engine, Enterprise("EQ", "Q", "乙", "91320000000000003C", "C26"))
    ng = Meter(
        "NG-C",
        "Q",
        Carrier.NATURAL_GAS,
        "m3",
        Direction.CONSUMPTION,
        MeterKind.CUMULATIVE,
        enterprise_id="EQ",
    )
    el = Meter(
        "EL-Q",
        "Q",
        EL,
        "kWh",
        Direction.CONSUMPTION,
        MeterKind.CUMULATIVE,
        enterprise_id="EQ",
        register_max=1000.0,
        multiplier=2.0,
    )
    repo.add_meter(engine, ng)
    repo.add_meter(engine, el)
    write_readings(
        engine,
        [
            Reading("NG-C", z(2025, 1, 20, 0), 100.0),
            Reading("NG-C", z(2025, 1, 20, 1), 104.0),  # +4, Jan
            Reading("NG-C", z(2025, 3, 5, 0), 10.0, quality=1),  # 104 → 10: reset, interval 10, starts Jan
            Reading("NG-C", z(2025, 3, 5, 1), 16.0),  # +6, Mar
            # EL-Q wraps at 1000 across the April/May local boundary (Apr 30 16:00Z = May 1 00:00 local)
            Reading("EL-Q", z(2025, 4, 30, 15), 990.0),  # Apr 30 23:00 local
            Reading("EL-Q", z(2025, 4, 30, 16), 5.0),  # 1000 − 990 + 5 = 15 (≤ 100: rollover), April
            Reading("EL-Q", z(2025, 4, 30, 17), 9.0),  # +4, May
        ],
        source="test",
    )
    got = {(m.meter_id, m.month): m for m in meter_monthly(engine, "Q", 2025)}
    jan = got[("NG-C", JAN)]
    assert (jan.quantity, jan.n_present, jan.n_reset, jan.n_flagged) == (14.0, 2, 1, 1)  # 4 + 10
    assert ("NG-C", FEB) not in got
    assert (got[("NG-C", MAR)].quantity, got[("NG-C", MAR)].n_present) == (6.0, 1)
    apr, may = got[("EL-Q", date(2025, 4, 1))], got[("EL-Q", date(2025, 5, 1))]
    assert (apr.quantity, apr.n_rollover, apr.n_present) == (30.0, 1, 1)  # 15 × 2
    assert (may.quantity, may.n_present) == (8.0, 1)  # 4 × 2


# --- month summaries (maintained aggregates) vs the readings ------------------------------------


def _summary_windows(engine: Engine, meter_id: str) -> list[datetime]:
    with engine.connect() as c:
        rows = c.execute(
            text("SELECT lo FROM meter_month_summary WHERE meter_id = :m ORDER BY lo"), {"m": meter_id}
        )
        return [r.lo if isinstance(r.lo, datetime) else datetime.fromisoformat(r.lo) for r in rows]


def _months(engine: Engine, park: str, **kw: bool) -> dict[tuple[str, date], MeterMonth]:
    return {(m.meter_id, m.month): m for m in meter_monthly(engine, park, 2025, **kw)}


def test_summaries_give_the_readings_result_bit_for_bit(engine: Engine) -> None:
    _park(engine)
    raw = _months(engine, "P", from_readings=True)
    assert _summary_windows(engine, "GRID-IN") == []  # the verifier's path stores nothing
    built = _months(engine, "P")  # computes and stores the summaries
    assert len(_summary_windows(engine, "GRID-IN")) == 12  # one per local month (empty ones too)
    stored = _months(engine, "P")  # read back
    assert built == raw and stored == raw
    fp = {input_fingerprint(load_accounting_input(engine, "P", 2025, from_readings=r)) for r in (True, False)}
    assert len(fp) == 1


def test_a_late_reading_recomputes_only_its_window(engine: Engine) -> None:
    _park(engine)
    _months(engine, "P")
    before = len(_summary_windows(engine, "GRID-IN"))
    # a late interval value for 2025-01-10 08:00 local; and a register reading in E1-EL's February
    write_readings(
        engine,
        [Reading("GRID-IN", z(2025, 1, 10, 0), 100.0), Reading("E1-EL", z(2025, 2, 5, 0), 20.0)],
        source="late",
    )
    # January's window of GRID-IN is gone (one of 12), the others stay
    assert len(_summary_windows(engine, "GRID-IN")) == before - 1
    got = _months(engine, "P")
    assert got[("GRID-IN", JAN)].quantity == 137.0  # 7 + 10 + 20 + 100
    assert got[("GRID-IN", FEB)].quantity == 80.0
    # E1-EL February: 3 → 10 → 20 = (7 + 10) × 40 = 680; January keeps (5 + 8) × 40 = 520
    assert (got[("E1-EL", JAN)].quantity, got[("E1-EL", FEB)].quantity) == (520.0, 680.0)
    assert got == _months(engine, "P", from_readings=True)


def test_a_duplicate_keeps_the_summaries_and_a_meter_change_drops_them(engine: Engine) -> None:
    _park(engine)
    _months(engine, "P")
    write_readings(engine, [Reading("GRID-IN", z(2025, 1, 31, 15), 10.0)], source="again")  # duplicate
    assert len(_summary_windows(engine, "GRID-IN")) == 12
    meter = repo.get_meter(engine, "E1-EL")
    repo.upsert_meter(engine, replace(meter, multiplier=80.0))
    assert _summary_windows(engine, "E1-EL") == []
    assert _months(engine, "P")[("E1-EL", JAN)].quantity == 1040.0  # (5 + 8) × 80


def test_a_bulk_load_drops_the_windows_it_writes_into(engine: Engine) -> None:
    _park(engine)
    _months(engine, "P")
    bulk_load_readings(
        engine,
        np.array(["GRID-IN", "GRID-IN"], dtype=object),
        np.array(["2025-03-01T00:00", "2025-03-01T01:00"], dtype="datetime64[us]"),
        np.array([1.0, 2.0]),
    )
    assert len(_summary_windows(engine, "GRID-IN")) == 11
    assert _months(engine, "P")[("GRID-IN", MAR)].quantity == 3.0
