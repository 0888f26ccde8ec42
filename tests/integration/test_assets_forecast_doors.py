"""配额缺口预测 on every door: the service, the API, ``zeropark assets forecasts`` and ``/assets/forecasts``.

The fixture park has January 2025 accounted. E-A gets a production plan (imported as CSV through
the API) and a CEA:2025 allocation, so its forecast is the plan method, checked by hand; E-B has no
plan and is forecast at the run rate. The four doors must show the same figures.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from datetime import date

import pytest
from api_support import ENT_A, ENT_B, PARK, make_api
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from test_assets_doors import _cli

from zeropark.accounting import AccountingOptions
from zeropark.formatting import num
from zeropark.model import Method
from zeropark.reports.pdf import render_annual_report
from zeropark.services import assets as service
from zeropark.services.asset_report import asset_chapter
from zeropark.services.inventory import account_year, latest_view
from zeropark.services.reporting import report_data
from zeropark.settings import get_settings
from zeropark.store.db import transaction
from zeropark.store.schema import ProductionPlanRow
from zeropark.store.scope import system_scope

PLAN = [100.0, 90.0, 110.0, 120.0, 100.0, 80.0, 100.0, 100.0, 130.0, 100.0, 90.0, 80.0]  # t of product


def _january(engine: Engine) -> tuple[dict[str, float], dict[str, float]]:
    view = latest_view(system_scope(engine, "t"), PARK, 2025, Method.NATIONAL)
    assert view is not None
    jan: dict[str, float] = defaultdict(float)
    annual: dict[str, float] = defaultdict(float)
    for line in view.inventory.lines:
        if line.enterprise_id is not None:
            (jan if line.month is not None else annual)[line.enterprise_id] += line.emissions_tco2e
    return jan, annual


def test_every_door_shows_the_same_forecast(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    api = make_api(engine)
    admin = system_scope(engine, "t")
    account_year(admin, PARK, 2025, AccountingOptions(method=Method.NATIONAL), get_settings().factor_set)
    manager = api.login("manager")
    csv_text = "enterprise_id,year,month,quantity,unit\n" + "".join(
        f"{ENT_A},2025,{m},{q},t\n" for m, q in enumerate(PLAN, start=1)
    )
    # a bad file: named row and field, nothing stored
    bad = csv_text.replace(f"{ENT_A},2025,3,", f"{ENT_A},2025,13,")
    r = manager.post(f"/api/v1/parks/{PARK}/production-plans/import", content=bad.encode(),
                     headers={"Content-Type": "text/csv"})  # fmt: skip
    assert r.status_code == 422 and "row 4, field month: 13" in r.text, r.text
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(ProductionPlanRow)) == 0
    r = manager.post(f"/api/v1/parks/{PARK}/production-plans/import", content=csv_text.encode(),
                     headers={"Content-Type": "text/csv"})  # fmt: skip
    assert r.status_code == 200 and r.json() == {"imported_months": 12}, r.text
    service.issue(admin, PARK, "CEA:2025", ENT_A, 40, on=date(2025, 3, 1),
                  movement=service.Movement.ALLOCATE)  # fmt: skip

    rows = service.gap_forecasts(admin, PARK, 2025)
    jan, annual = _january(engine)
    a = next(r for r in rows if r.enterprise_id == ENT_A)
    # plan method by hand: Jan CO2 / 100 t planned × (1 200 − 100) t planned for Feb–Dec, + Jan + annual
    assert a.gap.forecast.method.value == "plan"
    assert a.gap.forecast.year_end_tco2 == pytest.approx(jan[ENT_A] * 1200 / 100 + annual[ENT_A], rel=1e-12)
    assert (a.allocated_t, a.held_t) == (40, 40)
    assert a.gap.forecast.gap_tco2 == pytest.approx(a.gap.forecast.year_end_tco2 - 40, rel=1e-12)
    b = next(r for r in rows if r.enterprise_id == ENT_B)
    assert b.gap.forecast.method.value == "run_rate"

    from_service = [r.to_dict() for r in rows]
    from_api = manager.get(f"/api/v1/parks/{PARK}/assets/forecasts", params={"year": 2025}).json()
    code, out, err = _cli(engine, "forecasts", "--year", "2025", "--park", PARK, "--format", "json")
    assert code == 0, err
    assert from_api == json.loads(json.dumps(from_service)) == json.loads(out)
    page = manager.get("/assets/forecasts", params={"year": 2025}).text
    for d in from_api:
        row = re.search(rf'data-fc-row="{d["enterprise_id"]}">(.*?)</tr>', page, re.S)
        assert row is not None, d["enterprise_id"]
        cells = dict(re.findall(r"data-fc-([a-z-]+)>([^<]*)<", row.group(1)))
        assert cells["year-end"] == num(d["year_end_tco2"], 1)
        assert cells["interval"].startswith(f"{num(d['low_tco2'], 1)} – {num(d['high_tco2'], 1)}")
        assert cells["gap"] == ("" if d["gap_tco2"] is None else num(d["gap_tco2"], 1))
    # a forced method without its data is a named error on the API (422) and the page says so
    r = manager.get(f"/api/v1/parks/{PARK}/assets/forecasts", params={"year": 2025, "method": "seasonal"})
    assert r.status_code == 422 and "last_year" in r.text
    seasonal = manager.get("/assets/forecasts", params={"year": 2025, "method": "seasonal"}).text
    assert "data-fc-error" in seasonal
    # an enterprise user sees its own row only, and edits its own plan only
    ent_b = api.login("ent_b")
    mine = {"enterprise_id": ENT_B, "year": 2025, "months": {"1": 50, "2": 55}, "unit": "t"}
    r = ent_b.put(f"/api/v1/parks/{PARK}/production-plans", json=mine)
    assert r.status_code == 200 and [(p["month"], p["quantity"]) for p in r.json()] == [(1, 50.0), (2, 55.0)]
    r = ent_b.put(f"/api/v1/parks/{PARK}/production-plans",
                  json={"enterprise_id": ENT_A, "year": 2025, "months": {"1": 1}, "unit": "t"})  # fmt: skip
    assert r.status_code == 404
    assert {p["enterprise_id"] for p in ent_b.get(f"/api/v1/parks/{PARK}/production-plans").json()} == {ENT_B}
    assert [d["enterprise_id"] for d in ent_b.get(f"/api/v1/parks/{PARK}/assets/forecasts",
                                                 params={"year": 2025}).json()] == [ENT_B]  # fmt: skip

    # the PDF's asset chapter (one render in this module) shows the same figures and the surrender
    service.surrender(admin, PARK, ENT_A, "CEA:2025", 10, on=date(2025, 4, 1), compliance_year=2025,
                      deadline=date(2025, 12, 31))  # fmt: skip
    chapter = asset_chapter(admin, PARK, 2025)
    assert chapter["totals"] == {"CEA:2025": {"issued": 40, "retired": 10, "held": 30}}
    assert chapter["retired"] == [{"movement": "surrender", "asset": "CEA:2025", "quantity": 10}]
    assert [r["year_end_tco2"] for r in chapter["forecasts"]] == [d["year_end_tco2"] for d in from_api]
    pdf = render_annual_report(report_data(admin, PARK, 2025), lang="zh")
    text = "".join("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "碳资产" in text and "本年度清缴与注销" in text and "配额缺口预测" in text
    for d in from_api:
        assert num(d["year_end_tco2"], 1).replace(" ", "") in text
