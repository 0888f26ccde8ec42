"""Build a reduced demo park into SQLite and PostgreSQL, rebuild it, and run both inventories on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from zeropark import demo
from zeropark.accounting import AccountingOptions, run
from zeropark.errors import DataError
from zeropark.factors import load_factor_set
from zeropark.model import Method, Park
from zeropark.services import symbiosis
from zeropark.store import repo
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.db import transaction
from zeropark.store.schema import MeterRow, ReadingRow
from zeropark.store.scope import system_scope

#: 7 tenants (includes the limestone plant), up to 3 workshop meters each, two weeks of January.
SIZE = demo.DemoSize(n_enterprises=7, max_submeters=3, days=14)


@pytest.fixture(scope="module")
def park() -> demo.DemoPark:
    return demo.generate(seed=11, size=SIZE)


def _count_readings(engine: Engine) -> int:
    with transaction(engine) as s:
        ids = select(MeterRow.id).where(MeterRow.park_id == demo.PARK_ID)
        return int(
            s.scalar(select(func.count()).select_from(ReadingRow).where(ReadingRow.meter_id.in_(ids))) or 0
        )


def test_build_rebuild_and_account(engine: Engine, park: demo.DemoPark) -> None:
    result = demo.write_demo(engine, park)
    assert result.n_stored == park.n_readings
    assert _count_readings(engine) == park.n_readings
    assert len(repo.list_meters(engine, demo.PARK_ID)) == len(park.meters)
    assert repo.get_park(engine, demo.PARK_ID).is_demo

    # rebuilding replaces the park: same counts, nothing doubled
    again = demo.write_demo(engine, park)
    assert again.n_stored == park.n_readings
    assert _count_readings(engine) == park.n_readings
    assert len(repo.list_claims(engine, demo.PARK_ID)) == len(park.claims)
    # the declared symbiosis registry (示例数据) is replaced with the park, not doubled
    reg = symbiosis.park_registry(system_scope(engine, "t"), demo.PARK_ID)
    assert (len(reg.sources), len(reg.sinks), len(reg.exchanges)) == (3, 3, 2)

    inputs = load_accounting_input(engine, demo.PARK_ID, park.year)
    factors = load_factor_set()
    national = run(inputs, factors, AccountingOptions(method=Method.NATIONAL))
    ghg = run(inputs, factors, AccountingOptions(method=Method.GHG))

    # the park's purchased electricity is exactly what the 15-min import meter recorded
    imported_kwh = park.series_of(f"{demo.PARK_ID}-EL-IMP").values.sum()
    purchased = sum(li.activity for li in national.lines if li.category.value == "purchased_electricity")
    assert purchased == pytest.approx(imported_kwh, rel=1e-9)
    # the limestone of the 钙业 plant is a process line: t × 0.44 tCO2/t (process.limestone.cn); the
    # demo writes one record per month it covers (January here), so all of it is in the year
    lime_t = sum(a.quantity for a in park.activities if a.factor_id == "process.limestone.cn")
    assert lime_t > 0
    assert national.by_source["process"] == pytest.approx(lime_t * 0.44, rel=1e-6)
    assert national.total_tco2e > 0 and national.energy_tce > 0
    assert (
        ghg.total_market_tco2e is not None and ghg.total_market_tco2e < ghg.total_tco2e
    )  # GECs + green trade
    assert ghg.by_scope["1"] == pytest.approx(
        sum(ghg.by_source.get(k, 0.0) for k in ("fuel_combustion", "energy_conversion", "process")), rel=1e-9
    )
    # a demo-size park in 江苏: between the grid-only (≈ 6.8) and an all-gas (≈ 1.8) tCO2/tce
    assert 1.5 < national.intensity_tco2_per_tce < 7.0


def test_bad_inputs_go_through_validation(engine: Engine, park: demo.DemoPark, tmp_path: Path) -> None:
    demo.write_demo(engine, park)
    outcome = demo.feed_bad_inputs(engine, park, tmp_path)
    r = outcome.readings
    assert r.rows == 5
    assert r.quarantined == 4  # unknown meter, NaN, future timestamp, 'abc'
    assert r.stored == 1 and r.flagged == 1  # the negative consumption: stored and flagged
    w = outcome.workbook
    assert w.stored == 0 and w.rejected == 5 and w.status == "rejected"
    assert any("already claimed" in e.message for e in w.errors)
    assert _count_readings(engine) == park.n_readings + 1


def test_refuses_to_replace_a_real_park(engine: Engine) -> None:
    repo.add_park(engine, Park(demo.PARK_ID, "真实园区", "江苏", "华东", 31.7, 119.95, is_demo=False))
    with pytest.raises(DataError, match="not a demo park"):
        demo.delete_demo_park(engine)
    assert not np.isnan(repo.get_park(engine, demo.PARK_ID).latitude)


def test_refuses_to_delete_a_signed_off_run(sqlite_engine: Engine) -> None:
    from zeropark.store.runs import save_run, sign_off

    small = demo.generate(seed=3, size=demo.DemoSize(n_enterprises=6, max_submeters=2, days=2))
    demo.write_demo(sqlite_engine, small)
    inputs = load_accounting_input(sqlite_engine, demo.PARK_ID, small.year)
    inv = run(inputs, load_factor_set(), AccountingOptions())
    run_id = save_run(sqlite_engine, inv, created_by="test")
    sign_off(sqlite_engine, run_id, "verifier-1")
    with pytest.raises(DataError, match=f"signed-off .*#{run_id}"):
        demo.write_demo(sqlite_engine, small)
    assert repo.get_park(sqlite_engine, demo.PARK_ID).is_demo  # nothing was deleted
