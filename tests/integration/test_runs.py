"""Inventory runs: save/get/list with pagination, sign-off freezes (API and database trigger), recompute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from zeropark.accounting import AccountingOptions, run
from zeropark.errors import NotFound, RunFrozen
from zeropark.factors import load_factor_set
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind, Method, Park, Reading
from zeropark.services.inventory import recompute
from zeropark.store import repo
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.readings import write_readings
from zeropark.store.runs import delete_run, get_run, list_runs, save_run, sign_off
from zeropark.store.scope import system_scope

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def _park(engine: Engine) -> None:
    repo.add_park(engine, Park("P", "园区", "江苏", "华东", 31.0, 120.0))
    repo.add_enterprise(engine, Enterprise("E1", "P", "甲", "91320000000000001A", "C26"))
    repo.add_meter(
        engine,
        Meter(
            "GRID", "P", Carrier.ELECTRICITY, "kWh", Direction.IMPORT, MeterKind.INTERVAL, accuracy_class=0.2
        ),
    )
    repo.add_meter(
        engine,
        Meter(
            "E1-EL",
            "P",
            Carrier.ELECTRICITY,
            "kWh",
            Direction.CONSUMPTION,
            MeterKind.INTERVAL,
            enterprise_id="E1",
        ),
    )
    rows = [Reading("GRID", T0 + timedelta(hours=h), 1000.0) for h in range(1, 25)]
    rows += [Reading("E1-EL", T0 + timedelta(hours=h), 900.0) for h in range(1, 25)]
    write_readings(engine, rows, source="test")


def _inventory(engine: Engine, method: Method = Method.NATIONAL):  # type: ignore[no-untyped-def]
    inputs = load_accounting_input(engine, "P", 2025)
    return run(inputs, load_factor_set(), AccountingOptions(method=method))


def test_save_get_list(engine: Engine) -> None:
    _park(engine)
    inv = _inventory(engine)
    # 24 h × 1000 kWh = 24 000 kWh bought at the boundary × 0.8325 tCO2/MWh (national fossil-power
    # factor, ACCOUNTING.md §1.3) = 19.98 tCO2; × 0.1229 kgce/kWh (GB/T 2589 当量值) = 2.9496 tce
    assert inv.total_tco2e == pytest.approx(19.98)
    assert inv.energy_tce == pytest.approx(2.9496)
    ids = [save_run(engine, inv, created_by="tester") for _ in range(3)]
    ids.append(save_run(engine, _inventory(engine, Method.GHG), created_by="tester", data_quality_score=97.5))
    stored = get_run(engine, ids[0])
    assert stored.inventory.to_json() == inv.to_json()  # the JSON round trip through the database is exact
    s = stored.summary
    assert (s.park_id, s.year, s.method, s.factor_set) == ("P", 2025, Method.NATIONAL, inv.factor_set_name)
    assert (s.input_fingerprint, s.total_tco2e, s.frozen) == (inv.input_fingerprint, inv.total_tco2e, False)
    page, total = list_runs(engine, "P", 2025, Method.NATIONAL, limit=2)
    assert total == 3 and [r.id for r in page] == [ids[2], ids[1]]  # newest first
    page2, _ = list_runs(engine, "P", 2025, Method.NATIONAL, limit=2, offset=2)
    assert [r.id for r in page2] == [ids[0]]
    ghg, n = list_runs(engine, "P", method=Method.GHG)
    assert n == 1 and ghg[0].data_quality_score == 97.5
    assert list_runs(engine, "P", 2024) == ([], 0)
    with pytest.raises(NotFound):
        get_run(engine, ids[0], enterprise_id="E1")  # a park run is not visible to an enterprise
    with pytest.raises(NotFound, match="inventory run 999 does not exist"):
        get_run(engine, 999)


def test_sign_off_freezes(engine: Engine) -> None:
    _park(engine)
    run_id = save_run(engine, _inventory(engine), created_by="tester")
    other = save_run(engine, _inventory(engine), created_by="tester")
    signed = sign_off(engine, run_id, "verifier-1", "核查无误")
    assert signed.frozen and signed.signed_off_by == "verifier-1" and signed.sign_off_note == "核查无误"
    with pytest.raises(RunFrozen, match="signed off by 'verifier-1' and is frozen"):
        sign_off(engine, run_id, "verifier-2")
    with pytest.raises(RunFrozen):
        delete_run(engine, run_id)
    # the database itself refuses changes from any client
    with pytest.raises(DBAPIError, match="signed off and frozen"), engine.begin() as c:
        c.execute(text("UPDATE inventory_run SET total_tco2e = 0 WHERE id = :i"), {"i": run_id})
    with pytest.raises(DBAPIError, match="signed off and frozen"), engine.begin() as c:
        c.execute(text("DELETE FROM inventory_run WHERE id = :i"), {"i": run_id})
    assert get_run(engine, run_id).summary.total_tco2e == get_run(engine, other).summary.total_tco2e
    delete_run(engine, other)  # an unsigned run can go
    with pytest.raises(NotFound):
        sign_off(engine, other, "verifier-1")


def test_recompute(engine: Engine) -> None:
    _park(engine)
    run_id = save_run(engine, _inventory(engine), created_by="tester")
    same = recompute(system_scope(engine, "test"), run_id)
    assert (same.fingerprint_match, same.totals_match, same.identical, same.differences) == (
        True,
        True,
        True,
        (),
    )
    # a late reading changes the input: the fingerprint and the totals no longer match
    write_readings(engine, [Reading("GRID", T0 + timedelta(days=2), 5000.0)], source="late")
    changed = recompute(system_scope(engine, "test"), run_id)
    assert not changed.fingerprint_match and not changed.identical
    assert not changed.totals_match
    assert changed.differences[0].startswith("input fingerprint: stored ")
