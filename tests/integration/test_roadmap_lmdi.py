"""``zeropark roadmap lmdi`` on two accounted years of the API fixture park (SQLite and PostgreSQL).

The fixture park (api_support.build_park: enterprises E-A, sector C26, and E-B, C33; 2025 electricity
readings and January gas/diesel) gets a 2024 of its own (other electricity readings, other fuel
quantities). 2024 is accounted with value added E-A 1000, E-B 500 (10⁴ CNY); the master data then
change to E-A 1200, E-B 450 and 2025 is accounted. The decomposition must read each year's value
added as it was accounted, its units' CO2 must be the enterprise runs' totals, its effects must add
up to the change, and the CLI's JSON, the API and the service must give the same figures.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from api_support import ENT_A, ENT_B, PARK, PASSWORD, invoke_cli, make_api
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from zeropark.accounting import AccountingOptions
from zeropark.errors import NotFound
from zeropark.formatting import num
from zeropark.model import Method
from zeropark.roadmap.lmdi import Effect
from zeropark.services import inventory
from zeropark.services.roadmap import By, MissingOutputValue, SameYear, lmdi
from zeropark.settings import get_settings
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import ActivityRecordRow, ReadingRow
from zeropark.store.scope import system_scope

NATIONAL = AccountingOptions(method=Method.NATIONAL)


def _add_2024(engine: Engine, year: int = 2024) -> None:
    t0 = datetime(year, 1, 1, tzinfo=UTC)
    with transaction(engine) as s:
        for meter, kwh in (("M-A", 8.0), ("M-B", 25.0), ("M-GRID", 33.0)):
            for h in range(24):
                s.add(
                    ReadingRow(meter_id=meter, park_id=PARK, ts=t0 + timedelta(hours=h), value=kwh, quality=0)
                )
        for rid, ent, carrier, qty, unit in (
            (f"AR-A0-{year}", ENT_A, "natural_gas", 1500.0, "m3"),
            (f"AR-B0-{year}", ENT_B, "diesel", 1.0, "t"),
        ):
            s.add(
                ActivityRecordRow(
                    id=rid,
                    park_id=PARK,
                    enterprise_id=ent,
                    carrier=carrier,
                    flow="combustion",
                    period_start=date(year, 1, 1),
                    period_end=date(year, 1, 31),
                    quantity=qty,
                    unit=unit,
                    evidence=f"发票 {year}",
                    uncertainty_pct=2.0,
                )
            )


def _set_value_added(engine: Engine, values: dict[str, float | None]) -> None:
    for ent, va in values.items():
        repo.upsert_enterprise(engine, replace(repo.get_enterprise(engine, ent), value_added_10k_cny=va))


@pytest.fixture
def two_years(engine: Engine) -> tuple[Engine, TestClient]:
    api = make_api(engine)
    _add_2024(engine)
    scope = system_scope(engine, "cli")
    fs = get_settings().factor_set
    inventory.account_year(scope, PARK, 2024, NATIONAL, fs)
    _set_value_added(engine, {ENT_A: 1200.0, ENT_B: 450.0})
    inventory.account_year(scope, PARK, 2025, NATIONAL, fs)
    client = api.login("admin")
    return engine, client


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = invoke_cli(engine, "roadmap", "lmdi", "--park", PARK, *args)
    return res.exit_code, res.stdout, res.stderr


def test_decomposition_of_two_accounted_years(two_years: tuple[Engine, TestClient]) -> None:
    engine, _ = two_years
    scope = system_scope(engine, "cli")
    out = lmdi(scope, PARK, 2024, 2025)
    # value added as accounted in each year, not today's master data
    assert {u.unit: u.output for u in out.before.units} == pytest.approx(
        {ENT_A: 1000.0, ENT_B: 500.0}, rel=1e-12
    )
    assert {u.unit: u.output for u in out.after.units} == pytest.approx(
        {ENT_A: 1200.0, ENT_B: 450.0}, rel=1e-12
    )
    # each unit's CO2 and energy are its own enterprise run's totals
    for fig in (out.before, out.after):
        for u in fig.units:
            view = inventory.latest_view(scope, PARK, fig.year, Method.NATIONAL, enterprise_id=u.unit)
            assert view is not None
            assert u.co2 == pytest.approx(view.inventory.total_tco2e, rel=1e-12)
            assert u.energy == pytest.approx(view.inventory.energy_tce, rel=1e-12)
            assert u.co2_electricity > 0 and u.co2_other > 0
    d = out.decomposition
    assert d.change != 0
    assert math.fsum(d.additive.values()) == pytest.approx(d.change, abs=1e-9)
    assert math.prod(d.multiplicative.values()) == pytest.approx(d.co2_to / d.co2_from, rel=1e-12)
    # activity: total output 1500 → 1650 (+10 %) raises CO2; Tapio from the totals
    assert d.additive[Effect.ACTIVITY] > 0
    assert out.decoupling is not None
    gc = (out.after.co2_t - out.before.co2_t) / out.before.co2_t
    assert out.decoupling.elasticity == pytest.approx(gc / (150.0 / 1500.0), rel=1e-12)
    # by sector: one enterprise per sector here, so the same effects under the sector codes
    sectors = lmdi(scope, PARK, 2024, 2025, by=By.SECTOR)
    assert [u.unit for u in sectors.decomposition.units] == ["C26", "C33"]
    assert sectors.decomposition.additive == pytest.approx(d.additive, abs=1e-9)


def test_cli_api_and_service_give_the_same_figures(two_years: tuple[Engine, TestClient]) -> None:
    engine, client = two_years
    service = lmdi(system_scope(engine, "cli"), PARK, 2024, 2025, by=By.SECTOR).to_dict()
    code, stdout, stderr = _cli(
        engine, "--from", "2024", "--to", "2025", "--by", "sector", "--format", "json"
    )
    assert code == 0, stderr
    r = client.get(f"/api/v1/parks/{PARK}/roadmap/lmdi", params={"from": 2024, "to": 2025, "by": "sector"})
    assert r.status_code == 200, r.text
    cli_json: dict[str, Any] = json.loads(stdout)
    assert cli_json == service
    assert r.json() == service
    code, stdout, _ = _cli(engine, "--from", "2024", "--to", "2025")
    assert code == 0 and "(LMDI)" in stdout and "C26" not in stdout and "E-A" in stdout and "Tapio" in stdout


def test_named_errors_and_exit_codes(two_years: tuple[Engine, TestClient]) -> None:
    engine, client = two_years
    scope = system_scope(engine, "cli")
    with pytest.raises(SameYear, match="both 2025"):
        lmdi(scope, PARK, 2025, 2025)
    assert _cli(engine, "--from", "2025", "--to", "2025")[0] == 2
    assert (
        client.get(f"/api/v1/parks/{PARK}/roadmap/lmdi", params={"from": 2025, "to": 2025}).status_code == 400
    )
    with pytest.raises(NotFound, match="no national-method inventory run of park 'P1' for 2023"):
        lmdi(scope, PARK, 2023, 2025)
    code, _, stderr = _cli(engine, "--from", "2023", "--to", "2025")
    assert code == 4 and "zeropark account --year 2023" in stderr
    assert (
        client.get(f"/api/v1/parks/{PARK}/roadmap/lmdi", params={"from": 2023, "to": 2025}).status_code == 404
    )
    # E-B's value added cleared, 2026 accounted: named, with what to enter
    _add_2024(engine, 2026)
    _set_value_added(engine, {ENT_B: None})
    inventory.account_year(scope, PARK, 2026, NATIONAL, get_settings().factor_set)
    with pytest.raises(
        MissingOutputValue, match=r"2026: no output value .* of E-B \(run #\d+\); enter it"
    ) as err:
        lmdi(scope, PARK, 2025, 2026)
    assert "E-A" not in str(err.value)
    # 2027 has no data: CO2 0, so even a value added entered cannot be read back — the message says so
    _set_value_added(engine, {ENT_B: 450.0})
    inventory.account_year(scope, PARK, 2027, NATIONAL, get_settings().factor_set)
    with pytest.raises(MissingOutputValue, match=r"E-A \(run #\d+ — its CO2 is 0"):
        lmdi(scope, PARK, 2025, 2027)
    assert _cli(engine, "--from", "2025", "--to", "2026")[0] == 3
    assert (
        client.get(f"/api/v1/parks/{PARK}/roadmap/lmdi", params={"from": 2025, "to": 2026}).status_code == 422
    )


def test_the_page_shows_the_service_figures_and_the_errors(two_years: tuple[Engine, TestClient]) -> None:
    engine, client = two_years
    d = lmdi(system_scope(engine, "cli"), PARK, 2024, 2025).decomposition
    r = client.get("/roadmap/lmdi", params={"from": 2024, "to": 2025, "lang": "en"})
    assert r.status_code == 200, r.text
    shown = dict(re.findall(r'data-lmdi-effect="([a-z_]+)">([-\d,\.]+)<', r.text))
    assert shown == {e.value: num(d.additive[e], 3) for e in Effect}
    assert 'data-chart="ch-lmdi-opt"' in r.text and "Grid-factor effect (tCO2)" in r.text
    assert "<script>" not in r.text.split("<body", 1)[1].replace('<script type="application/json"', "")
    r = client.get("/roadmap/lmdi", params={"from": 2025, "to": 2025})
    assert r.status_code == 400 and "data-lmdi-error" in r.text and "both 2025" in r.text
    r = client.get("/roadmap/lmdi", params={"from": 2023, "to": 2025})
    assert r.status_code == 404 and "zeropark account --year 2023" in r.text


def test_an_enterprise_user_gets_its_own_enterprise_only(two_years: tuple[Engine, TestClient]) -> None:
    engine, client = two_years
    api_client = TestClient(client.app)
    r = api_client.post("/api/v1/auth/login", json={"username": "ent_a", "password": PASSWORD})
    assert r.status_code == 200, r.text
    r = api_client.get(f"/api/v1/parks/{PARK}/roadmap/lmdi", params={"from": 2024, "to": 2025})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [u["unit"] for u in body["decomposition"]["units"]] == [ENT_A]
    own = inventory.latest_view(system_scope(engine, "cli"), PARK, 2025, Method.NATIONAL, enterprise_id=ENT_A)
    assert own is not None and body["to"]["co2_t"] == own.inventory.total_tco2e


def test_carbon_productivity_trend_names_a_year_without_a_run(two_years: tuple[Engine, TestClient]) -> None:
    engine, _ = two_years
    scope = system_scope(engine, "cli")
    _add_2024(engine, 2022)  # 2022 = the same data as 2024; 2023 is never accounted
    _set_value_added(engine, {ENT_A: 900.0, ENT_B: 500.0})
    inventory.account_year(scope, PARK, 2022, NATIONAL, get_settings().factor_set)
    out = lmdi(scope, PARK, 2022, 2025)
    assert [p.year for p in out.trend] == [2022, 2023, 2024, 2025]
    gap = out.trend[1]
    assert gap.run_id is None and gap.carbon_productivity is None
    assert "no national-method inventory run of park 'P1' for 2023" in gap.note
    for p, fig in ((out.trend[0], out.before), (out.trend[3], out.after)):
        assert p.carbon_productivity == fig.output / fig.co2_t
    # 2022 and 2024 have the same CO2; value added 1 400 vs 1 500 (10⁴ CNY)
    p2022, p2024 = out.trend[0], out.trend[2]
    assert p2022.co2_t == pytest.approx(p2024.co2_t, rel=1e-12)
    assert p2022.output_10k_cny == pytest.approx(1400.0, rel=1e-12)
    assert p2024.output_10k_cny == pytest.approx(1500.0, rel=1e-12)
    assert p2024.carbon_productivity == pytest.approx(p2022.carbon_productivity * 1500 / 1400, rel=1e-12)
