"""Park-scoped tariff versions: a park manager's price is their park's only (#19 tenancy).

Two parks, each with one enterprise and one hourly electricity meter in July 2025 (1 kWh every
hour, 5 kWh on 3 July 09:00-10:00, 1 July 10:00-11:00 missing — the bill of
tests/unit/test_tariff_bill.py). July energy by period of the bundled 江苏 table: 谷 248, 峰 220,
平 217, 尖峰 62 kWh; maximum demand 5 kW × 40 CNY/(kW·month) = 200 CNY.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from api_support import OTHER_PARK, ApiModule, api_module, invoke_cli  # noqa: F401  (module-scoped fixture)
from api_support import PARK as API_PARK
from sqlalchemy import Engine, select

from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Reading, Role
from zeropark.optimize.tariff import TouPeriod
from zeropark.services import optimization, tariffs
from zeropark.store.db import transaction
from zeropark.store.readings import write_readings
from zeropark.store.schema import AuditLogRow, EnterpriseRow, MeterRow, ParkRow
from zeropark.store.scope import Principal, Scope, system_scope

JS = "CN-JS-large-industry-1-10kV"
A, B = "P-A", "P-B"
# bundled July: 248 × 0.3139 + 220 × 1.0697 + 217 × 0.6418 + 62 × 1.28364 + 200 = 732.03748
BUNDLED_JULY = 732.03748
# park A's 峰 1.2: 732.03748 + 220 × (1.2 − 1.0697) = 732.03748 + 28.666 = 760.70348
A_JULY = 760.70348
# the admin's global 峰 1.5: 732.03748 + 220 × (1.5 − 1.0697) = 826.70348
GLOBAL_JULY = 826.70348


def _parks(engine: Engine) -> None:
    t0 = datetime(2025, 6, 30, 16, tzinfo=UTC)  # 1 July 00:00 local
    rows = []
    for park in (A, B):
        with transaction(engine) as s:
            s.add(
                ParkRow(
                    id=park, name=park, province="江苏", grid_region="华东", latitude=31.0, longitude=120.0
                )
            )
            s.flush()
            s.add(
                EnterpriseRow(
                    id=f"E-{park}",
                    park_id=park,
                    name="甲",
                    uscc=f"9132000000000008{8 if park == A else 9}X",
                    industry_code="C26",
                )
            )
            s.flush()
            s.add(
                MeterRow(
                    id=f"M-{park}",
                    park_id=park,
                    enterprise_id=f"E-{park}",
                    name="总表",
                    carrier="electricity",
                    unit="kWh",
                    direction="import",
                    kind="interval",
                    interval_s=3600,
                )
            )
        for h in range(31 * 24):
            if h != 10:
                rows.append(
                    Reading(f"M-{park}", t0 + timedelta(hours=h + 1), 5.0 if h == 2 * 24 + 9 else 1.0)
                )
    write_readings(engine, rows, source="test")


def _scope(engine: Engine, role: Role, park: str | None, enterprise: str | None = None) -> Scope:
    return Scope(Principal(1, f"{role}-{park}", role, park, enterprise, "system"), engine, None)


def _july(engine: Engine, park: str) -> float:
    report = tariffs.electricity_cost(system_scope(engine, "t"), park, 2025, JS, months=(7,))
    return report.enterprises[0].months[0].total_cny


def test_a_park_price_leaves_the_other_park_alone(engine: Engine) -> None:
    _parks(engine)
    admin = system_scope(engine, "t")
    tariffs.seed_bundled(admin)  # global v1
    man_a = _scope(engine, Role.PARK_MANAGER, A)
    v = tariffs.set_prices(man_a, JS, "2025-07", prices={"peak": 1.2}, source_title="园区A 2025年7月合同电价")
    assert v.park_id == A and v.tariff.prices_cny_per_kwh[TouPeriod.PEAK] == 1.2
    assert _july(engine, A) == pytest.approx(A_JULY, abs=1e-6)
    assert _july(engine, B) == pytest.approx(BUNDLED_JULY, abs=1e-6)
    # the optimiser: park A's version in force, park B's the global one (bundled figures)
    assert (
        tariffs.tariff_for(engine, JS, date(2025, 7, 15), park_id=A).prices_cny_per_kwh[  # type: ignore[union-attr]
            TouPeriod.PEAK
        ]
        == 1.2
    )
    assert optimization._tariff(engine, JS, None, B).prices_cny_per_kwh[TouPeriod.PEAK] == 1.0697
    assert optimization._tariff(engine, JS, None, A).prices_cny_per_kwh[TouPeriod.PEAK] == (
        1.2 if date.today() >= date(2025, 7, 1) else 1.0697
    )
    # June: A's own version is not yet in force, the global one is
    assert tariffs.in_force(engine, JS, 2025, 6, A).park_id is None  # type: ignore[union-attr]
    # the admin's new global price reaches B; A keeps its own version
    g = tariffs.set_prices(admin, JS, "2025-07", prices={"peak": 1.5}, source_title="2025年7月代理购电价格表")
    assert g.park_id is None
    assert _july(engine, B) == pytest.approx(GLOBAL_JULY, abs=1e-6)
    assert _july(engine, A) == pytest.approx(A_JULY, abs=1e-6)
    # B's manager sees the global versions only, not A's
    man_b = _scope(engine, Role.PARK_MANAGER, B)
    assert {x.park_id for x in tariffs.list_versions(man_b, JS)} == {None}
    assert tariffs.show(man_b, JS).version == g.version
    assert tariffs.show(man_a, JS).version == v.version
    # refusals: another park (404), a global version (403), a manager of no park (403),
    # enterprise users and verifiers (403); nothing stored
    before = len(tariffs.list_versions(admin, JS))
    with pytest.raises(NotFound):
        tariffs.set_prices(man_a, JS, "2025-08", prices={"peak": 9.0}, source_title="x", park_id=B)
    with pytest.raises(PermissionDenied, match="only an admin"):
        tariffs.set_prices(man_a, JS, "2025-08", prices={"peak": 9.0}, source_title="x", global_version=True)
    with pytest.raises(PermissionDenied, match="only an admin"):
        tariffs.import_tables(_scope(engine, Role.PARK_MANAGER, None), None, valid_from="2025-08")
    for who in (_scope(engine, Role.ENTERPRISE, A, f"E-{A}"), _scope(engine, Role.VERIFIER, A)):
        with pytest.raises(PermissionDenied):
            tariffs.set_prices(who, JS, "2025-08", prices={"peak": 9.0}, source_title="x")
        with pytest.raises(PermissionDenied):
            tariffs.import_tables(who, None, valid_from="2025-08")
    assert len(tariffs.list_versions(admin, JS)) == before
    # a verifier of A reads A's version in force
    assert tariffs.show(_scope(engine, Role.VERIFIER, A), JS, "2025-07").version == v.version
    # a manager's import of the bundled tables is their park's too
    imported = tariffs.import_tables(man_a, None, valid_from="2025-09")
    assert {x.park_id for x in imported} == {A}
    assert _july(engine, B) == pytest.approx(GLOBAL_JULY, abs=1e-6)
    # the CLI (an admin's door): --park writes and shows park B's own version
    set_b = (
        "tariff",
        "set",
        JS,
        "--from",
        "2025-07",
        "--park",
        B,
        "--price",
        "peak=1.0",
        "--source",
        "B 合同",
    )
    made_b = invoke_cli(engine, *set_b)
    shown = invoke_cli(engine, "tariff", "show", JS, "--month", "2025-07", "--park", B)
    listed = invoke_cli(engine, "tariff", "list", "--park", B)
    assert made_b.exit_code == 0 and f"({B})" in made_b.output, made_b.output
    assert shown.exit_code == 0 and f"park {B}" in shown.output and "1 CNY/kWh" in shown.output
    assert listed.exit_code == 0 and A not in listed.output
    # B's July with 峰 1.0: 732.03748 + 220 × (1.0 − 1.0697) = 732.03748 − 15.334 = 716.70348
    assert _july(engine, B) == pytest.approx(716.70348, abs=1e-6)
    assert _july(engine, A) == pytest.approx(A_JULY, abs=1e-6)
    # audited: the park's versions with their park, the refusals as denied
    with transaction(engine) as s:
        made = s.scalars(
            select(AuditLogRow).where(AuditLogRow.entity == "tariff", AuditLogRow.action == "create")
        )
        parks = [r.after["park_id"] for r in made if r.after]
        denied = s.scalars(select(AuditLogRow).where(AuditLogRow.action == "denied")).all()
    assert parks.count(A) == 1 + len(imported) and None in parks
    # 1 global version + 1 manager of no park + 2 × (enterprise, verifier) = 6 tariff refusals; B's park 1
    assert sum(r.entity == "tariff" for r in denied) == 6
    assert [r.entity_id for r in denied if r.entity == "park"] == [B]


def test_doors_keep_a_managers_price_in_their_park(api_module: ApiModule) -> None:  # noqa: F811
    c = api_module.clients
    body = {"valid_from": "2025-07", "prices_cny_per_kwh": {"peak": 1.2}, "source": "园区 2025年7月合同电价"}
    # nothing stored: the manager's version starts from the bundled table, for their park only
    r = c["manager"].post(f"/api/v1/tariffs/{JS}/versions", json=body)
    assert r.status_code == 201 and r.json()["park_id"] == API_PARK, r.text
    assert (
        r.json()["prices_cny_per_kwh"]["peak"] == 1.2 and r.json()["prices_cny_per_kwh"]["valley"] == 0.3139
    )
    assert (
        c["manager"].post(f"/api/v1/tariffs/{JS}/versions", json={**body, "global_version": True}).status_code
        == 403
    )
    assert (
        c["manager"].post(f"/api/v1/tariffs/{JS}/versions", json={**body, "park_id": OTHER_PARK}).status_code
        == 404
    )
    for who in ("ent_a", "verifier", "device"):
        assert c[who].post(f"/api/v1/tariffs/{JS}/versions", json=body).status_code == 403
    # a verifier reads the park's version; the other park has none (bundled table)
    shown = c["verifier"].get(f"/api/v1/tariffs/{JS}?month=2025-07")
    assert shown.status_code == 200 and shown.json()["park_id"] == API_PARK
    assert c["admin"].get(f"/api/v1/tariffs/{JS}?month=2025-07&park_id={OTHER_PARK}").status_code == 404
    # the page: a manager's form offers no global version, and a forged one is refused
    page = c["manager"].get(f"/tariffs?tariff={JS}")
    assert page.status_code == 200 and 'value="global"' not in page.text and API_PARK in page.text
    forged = c["manager"].post(
        "/tariffs",
        data={
            "csrf_token": c["manager"].headers["X-CSRF-Token"],
            "tariff_id": JS,
            "valid_from": "2025-08",
            "price_peak": "2",
            "source": "x",
            "applies": "global",
        },
        follow_redirects=False,
    )
    assert forged.status_code == 403
    # the admin writes a global version (both park's lists show it)
    g = c["admin"].post(
        f"/api/v1/tariffs/{JS}/versions", json={**body, "park_id": None, "global_version": True}
    )
    assert g.status_code == 201 and g.json()["park_id"] is None
    assert (
        c["admin"].get(f"/api/v1/tariffs/{JS}?month=2025-07&park_id={OTHER_PARK}").json()["version"]
        == (g.json()["version"])
    )
    assert c["verifier"].get(f"/api/v1/tariffs/{JS}?month=2025-07").json()["park_id"] == API_PARK
