"""Product footprint and CBAM on the store (SQLite and PostgreSQL): isolation, errors, figures, export.

The fixture park (tests/integration/api_support.py) is accounted by the GHG method for 2025; the
enterprise E-A allocates its inventory to two products by metered shares.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from api_support import ENT_A, ENT_B, PARK, Api, invoke_cli, make_api
from pypdf import PdfReader
from sqlalchemy import Engine, select

from zeropark.accounting import AccountingOptions
from zeropark.errors import (
    AllocationExceeds,
    AllocationIncomplete,
    NotCbamGood,
    NotFound,
    PermissionDenied,
    UnknownMaterial,
    ValidationError,
)
from zeropark.footprint.product import Part
from zeropark.formatting import sig
from zeropark.model import Method
from zeropark.reports.cbam import FIELDS
from zeropark.reports.excel import FOOTPRINT_HEADERS
from zeropark.services import footprint as service
from zeropark.services import reporting
from zeropark.services.inventory import account_year
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow, FootprintAllocationRow
from zeropark.store.scope import Principal, Role, Scope, system_scope


def _scope(engine: Engine, role: Role, enterprise: str | None = None) -> Scope:
    return Scope(Principal(98, f"t-{role}-{enterprise}", role, PARK, enterprise, "session"), engine, None)


@pytest.fixture
def api(engine: Engine) -> Api:
    made = make_api(engine)
    account_year(
        system_scope(engine, "test"), PARK, 2025, AccountingOptions(method=Method.GHG), "CN-park-2025"
    )
    return made


@pytest.fixture
def accounted(api: Api) -> Engine:
    return api.engine


def _cli(engine: Engine, *args: str) -> tuple[int, str]:
    res = invoke_cli(engine, *args)
    return res.exit_code, res.stdout + res.stderr


def test_enterprise_products_footprint_and_cbam(accounted: Engine) -> None:
    engine = accounted
    ent_a, ent_b = _scope(engine, Role.ENTERPRISE, ENT_A), _scope(engine, Role.ENTERPRISE, ENT_B)
    service.add_product(
        ent_a, PARK, enterprise_id=None, product_id="A-coil", name="热轧卷", unit="t", cn_code="7208 51 20"
    )
    service.add_product(
        ent_a, PARK, enterprise_id=None, product_id="A-pe", name="PE 管", unit="t", cn_code="39172100"
    )
    # enterprise isolation: E-B sees none of E-A's products and cannot touch them
    assert [p.id for p in service.list_products(ent_b, PARK)] == []
    assert [p.id for p in service.list_products(ent_a, PARK)] == ["A-coil", "A-pe"]
    with pytest.raises(NotFound):
        service.allocate(ent_b, PARK, "A-coil", year=2025, production=1.0, rule="metered", share_pct=10)
    with pytest.raises(NotFound):
        service.compute(ent_b, PARK, "A-coil", year=2025)
    with pytest.raises(NotFound):  # an enterprise user cannot add a product for another enterprise
        service.add_product(ent_a, PARK, enterprise_id=ENT_B, product_id="x", name="x", unit="t")
    with pytest.raises(PermissionDenied):
        service.add_product(
            _scope(engine, Role.VERIFIER), PARK, enterprise_id=ENT_A, product_id="v", name="v", unit="t"
        )
    with pytest.raises(ValidationError, match="already has a product 'A-coil'"):
        service.add_product(ent_a, PARK, enterprise_id=None, product_id="A-coil", name="x", unit="t")

    service.allocate(
        ent_a,
        PARK,
        "A-coil",
        year=2025,
        production=100.0,
        rule="metered",
        direct_pct=70,
        electricity_pct=60,
        heat_pct=0,
    )
    # 70 % + 40 % of the direct line = 110 %: named, nothing stored
    with pytest.raises(
        AllocationExceeds, match="direct emissions allocated to products A-coil, A-pe add up to 110 %"
    ):
        service.allocate(ent_a, PARK, "A-pe", year=2025, production=5.0, rule="metered", direct_pct=40)
    with transaction(engine) as s:
        assert len(s.scalars(select(FootprintAllocationRow)).all()) == 1
    with pytest.raises(ValidationError, match="one rule holds per enterprise"):
        service.allocate(ent_a, PARK, "A-pe", year=2025, production=5.0, rule="mass", basis=5.0)
    # the direct line is covered only 70 % so far: no footprint yet
    with pytest.raises(AllocationIncomplete, match="direct emissions .* 70 %"):
        service.compute(ent_a, PARK, "A-coil", year=2025)
    service.allocate(
        ent_a, PARK, "A-pe", year=2025, production=5.0, rule="metered", direct_pct=30, electricity_pct=40
    )
    service.add_material(ent_a, PARK, "A-coil", year=2025, material_id="steel_bof", quantity=10.0)
    with pytest.raises(UnknownMaterial, match="steel_bof"):
        service.add_material(ent_a, PARK, "A-coil", year=2025, material_id="unobtainium", quantity=1.0)

    inv = service._inventory(ent_a, PARK, ENT_A, 2025)
    d, el = inv.tco2e[Part.DIRECT], inv.tco2e[Part.ELECTRICITY]
    assert d > 0 and el > 0 and inv.electricity_mwh == pytest.approx(0.24)  # fixture: 240 kWh of E-A
    fp = service.compute(ent_a, PARK, "A-coil", year=2025)
    # E = 0.7·d + 0.6·el + 10 t × 2.0 tCO2e/t (steel_bof); per t: / 100 t
    expected = 0.7 * d + 0.6 * el + 20.0
    assert fp.total_tco2e == pytest.approx(expected)
    assert fp.per_unit_tco2e == pytest.approx(expected / 100.0)
    assert fp.low_tco2e < fp.per_unit_tco2e < fp.high_tco2e and fp.uncertain

    # CBAM: hot-rolled coil 7208, definitive period: direct only counted
    res = service.cbam_see(ent_a, PARK, "A-coil", year=2025)
    # SEE_dir = 0.7·d / 100 t; SEE_indir = (0.6 · 0.24 MWh) × (el / 0.24 MWh) / 100 t = 0.6·el / 100
    assert res.see.direct == pytest.approx(0.7 * d / 100.0)
    assert res.see.indirect == pytest.approx(0.6 * el / 100.0)
    assert res.see.total == pytest.approx(res.see.direct) and not res.see.indirect_counted
    with pytest.raises(NotCbamGood, match="'39172100' is not a CBAM good"):
        service.cbam_see(ent_a, PARK, "A-pe", year=2025)
    default = service.cbam_see(ent_a, PARK, "A-coil", year=2025, basis="default")
    assert default.see.basis.value == "default" and default.see.uncertain

    # the communication workbook: the template's sheet names, the columns, the figures
    wb = openpyxl.load_workbook(io.BytesIO(service.cbam_export(ent_a, PARK, year=2025)))
    assert wb.sheetnames == ["A_InstData", "D_Processes", "E_PurchPrec", "Summary_Products", "Notes"]
    rows = list(wb["Summary_Products"].iter_rows(values_only=True))
    assert rows[0] == FIELDS["Summary_Products"]
    assert [(r[1], r[2]) for r in rows[1:]] == [("72085120", "热轧卷")]
    assert rows[1][4] == pytest.approx(round(res.see.direct, 6))
    assert list(wb["D_Processes"].iter_rows(values_only=True))[0] == FIELDS["D_Processes"]
    # E-B's export has none of E-A's goods
    wb_b = openpyxl.load_workbook(io.BytesIO(service.cbam_export(ent_b, PARK, year=2025)))
    assert wb_b["Summary_Products"].max_row == 1

    with transaction(engine) as s:
        entities = s.scalars(
            select(AuditLogRow.entity).where(AuditLogRow.entity.like("footprint%")).order_by(AuditLogRow.id)
        ).all()
    assert entities.count("footprint_product") >= 2 and "footprint_allocation" in entities
    assert "footprint_material" in entities


def test_cli_api_and_service_agree(api: Api, tmp_path: Path) -> None:
    engine = api.engine
    ent_a = api.login("ent_a")
    r = ent_a.post(
        f"/api/v1/parks/{PARK}/products", json={"product_id": "K1", "name": "熟料", "cn_code": "25231000"}
    )
    assert r.status_code == 201, r.text
    body = {"production": 50.0, "rule": "metered", "share_pct": 100.0}
    assert ent_a.put(f"/api/v1/parks/{PARK}/products/K1/allocation/2025", json=body).status_code == 200
    # over 100 %: a second product claiming 10 % of every line → exit 3 / 422 naming the error
    code, out = _cli(
        engine, "footprint", "product", "add", "K2", "--enterprise", ENT_A, "--name", "x", "--park", PARK
    )
    assert code == 0, out
    code, out = _cli(
        engine, "footprint", "product", "allocate", "K2", "--year", "2025", "--production", "1",
        "--rule", "metered", "--share-pct", "10", "--park", PARK,
    )  # fmt: skip
    assert code == 3 and "110 %" in out, out
    r = ent_a.put(f"/api/v1/parks/{PARK}/products/K2/allocation/2025", json=body | {"share_pct": 10.0})
    assert r.status_code == 422 and r.json()["error"] == "AllocationExceeds", r.text
    code, out = _cli(
        engine, "footprint", "product", "material", "K1", "--year", "2025", "--material", "quicklime",
        "--quantity", "2", "--park", PARK,
    )  # fmt: skip
    assert code == 0, out

    service_fp = service.compute(system_scope(engine, "t"), PARK, "K1", year=2025).to_dict()
    api_fp = ent_a.get(f"/api/v1/parks/{PARK}/products/K1/footprint/2025").json()
    code, out = _cli(
        engine, "footprint", "product", "compute", "K1", "--year", "2025", "--park", PARK, "--format", "json"
    )
    assert code == 0, out
    cli_fp = json.loads(out)
    assert api_fp["per_unit_tco2e"] == cli_fp["per_unit_tco2e"] == service_fp["per_unit_tco2e"]
    assert api_fp["contributions"] == cli_fp["contributions"] == service_fp["contributions"]
    # another enterprise's user: 404 through the API
    assert api.login("ent_b").get(f"/api/v1/parks/{PARK}/products/K1/footprint/2025").status_code == 404

    service_see = service.cbam_see(system_scope(engine, "t"), PARK, "K1", year=2025).to_dict()
    api_see = ent_a.get(f"/api/v1/parks/{PARK}/products/K1/cbam/2025").json()
    code, out = _cli(engine, "cbam", "see", "K1", "--year", "2025", "--park", PARK, "--format", "json")
    assert code == 0, out
    assert api_see["see_total_tco2e_per_t"] == json.loads(out)["see_total_tco2e_per_t"]
    assert api_see["see_total_tco2e_per_t"] == service_see["see_total_tco2e_per_t"]
    assert api_see["indirect_counted"] is True  # cement: direct + indirect
    assert ent_a.get("/api/v1/cbam/goods/39011000").json()["error"] == "NotCbamGood"
    code, out = _cli(engine, "cbam", "goods", "39011000")
    assert code == 3 and "not a CBAM good" in out
    xlsx = tmp_path / "c.xlsx"
    code, out = _cli(engine, "cbam", "export", "--out", str(xlsx), "--year", "2025", "--park", PARK)
    assert code == 0, out
    r = ent_a.get(f"/api/v1/parks/{PARK}/cbam/2025/communication.xlsx")
    assert r.status_code == 200
    cli_rows = list(openpyxl.load_workbook(xlsx)["Summary_Products"].iter_rows(values_only=True))
    api_rows = list(
        openpyxl.load_workbook(io.BytesIO(r.content))["Summary_Products"].iter_rows(values_only=True)
    )
    assert cli_rows == api_rows and cli_rows[1][1] == "25231000"

    # the page shows the same figure to E-A, nothing of E-A to E-B
    html = ent_a.get("/footprint?year=2025").text
    assert 'data-product="K1"' in html and sig(service_fp["per_unit_tco2e"]) in html
    assert 'data-cbam-product="K1"' in html
    assert 'data-product="K1"' not in api.login("ent_b").get("/footprint?year=2025").text
    assert ent_a.get("/footprint/cbam.xlsx?year=2025").content[:2] == b"PK"
    for user in ("admin", "manager", "verifier"):
        page = api.login(user).get("/footprint?year=2025")
        assert page.status_code == 200 and 'data-product="K1"' in page.text, user

    # the Excel workbook's 产品碳足迹 sheet shows the same total (GHG workbook of E-A)
    data = reporting.report_data(system_scope(engine, "t"), PARK, 2025, enterprise_id=ENT_A)
    wb = openpyxl.load_workbook(
        io.BytesIO(reporting.render(data, reporting.ReportKind.XLSX, method=Method.GHG))
    )
    sheet = list(wb["产品碳足迹"].iter_rows(values_only=True))
    assert sheet[1] == FOOTPRINT_HEADERS
    totals = [r for r in sheet[2:] if str(r[6]).startswith("合计")]
    assert [(r[0], r[7]) for r in totals] == [("熟料", pytest.approx(service_fp["total_tco2e"]))]

    # the PDF report's annex lists the product with its per-unit footprint (needs the national run)
    account_year(
        system_scope(engine, "test"), PARK, 2025, AccountingOptions(method=Method.NATIONAL), "CN-park-2025"
    )
    data = reporting.report_data(system_scope(engine, "t"), PARK, 2025, enterprise_id=ENT_A)
    text = "".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(reporting.render(data, reporting.ReportKind.PDF))).pages
    )
    assert "产品碳足迹" in text and "熟料" in text
