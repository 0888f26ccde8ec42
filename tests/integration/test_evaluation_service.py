"""Evaluation runs on the API fixture park (SQLite and PostgreSQL): the 910 framework reproduces the
indicator table, items are traced to the run's line items, missing data are named, and an
enterprise user evaluates and sees only its own enterprise."""

from __future__ import annotations

import json

import pytest
from api_support import ENT_A, ENT_B, PARK, invoke_cli, make_api
from demo_parks import DemoPark, demo_park_fixture  # noqa: F401 - fixture used by name
from sqlalchemy import Engine

from zeropark.accounting import AccountingOptions
from zeropark.errors import NotFound, PermissionDenied
from zeropark.evaluation.rubric import WeightsDoNotSum
from zeropark.evaluation.scoring import Declaration, DeclarationWithoutEvidence, ItemStatus
from zeropark.model import Method, Role
from zeropark.services import evaluation, indicators, inventory
from zeropark.settings import get_settings
from zeropark.store.scope import Principal, Scope, system_scope

NATIONAL = AccountingOptions(method=Method.NATIONAL)


@pytest.fixture
def accounted(engine: Engine) -> Engine:
    make_api(engine)
    inventory.account_year(system_scope(engine, "cli"), PARK, 2025, NATIONAL, get_settings().factor_set)
    return engine


def _scope(engine: Engine, role: Role, enterprise_id: str | None = None) -> Scope:
    return Scope(Principal(7, f"{role}-user", role, PARK, enterprise_id, "session"), engine, "10.0.0.7")


def test_910_framework_reproduces_the_indicator_table(accounted: Engine) -> None:
    scope = system_scope(accounted, "cli")
    table = indicators.indicators(scope, PARK, 2025).table
    run = evaluation.evaluate(scope, PARK, 2025, "cn-ndrc-910-2025")
    for row in table.rows:
        item = run.scorecard.item(row.code)
        assert item.status.value == row.status.value, row.code
        assert item.value == pytest.approx(row.value) if row.value is not None else item.value is None
    # the core item is traced to the run and to line items of that run
    core = run.scorecard.item("core_intensity")
    view = inventory.view_of_run(scope, run.inventory_run_id)
    assert core.line_ids and set(core.line_ids) <= {li.id for li in view.inventory.lines}
    # stored and read back identically
    assert evaluation.get_run(scope, run.id).scorecard == run.scorecard
    assert [r.id for r in evaluation.list_runs(scope, PARK, year=2025)] == [run.id]


def test_missing_data_are_named_and_the_cgdf_grade_is_blocked(accounted: Engine) -> None:
    scope = system_scope(accounted, "cli")
    run = evaluation.evaluate(scope, PARK, 2025, "t-cgdf-00046-2024")
    card = run.scorecard
    # the fixture park has no water / solid-waste data and nothing declared: named, not scored
    water = card.item("water_reuse")
    assert water.status is ItemStatus.MISSING and water.earned is None and water.missing
    assert card.item("net_zero_offsets").missing == ("declaration_with_evidence",)
    assert card.score_open > 0
    assert any("[UNCERTAIN]" in u for u in card.uncertain)
    assert card.next_grade is not None and card.blockers


def test_an_enterprise_user_evaluates_and_sees_its_own_enterprise_only(accounted: Engine) -> None:
    ent_a = _scope(accounted, Role.ENTERPRISE, ENT_A)
    ent_b = _scope(accounted, Role.ENTERPRISE, ENT_B)
    own = evaluation.evaluate(ent_a, PARK, 2025, "eu-races-self-assessment")
    assert own.enterprise_id == ENT_A
    assert own.scorecard.item("waste_heat_utilisation").status is ItemStatus.NOT_APPLICABLE
    # asking for another enterprise gives its own view or NotFound, never the other's data
    with pytest.raises(NotFound):
        evaluation.evaluate(ent_a, PARK, 2025, "eu-races-self-assessment", enterprise_id=ENT_B)
    with pytest.raises(NotFound):
        evaluation.get_run(ent_b, own.id)
    assert evaluation.list_runs(ent_b, PARK) == []
    park_run = evaluation.evaluate(system_scope(accounted, "cli"), PARK, 2025, "cn-ndrc-910-2025")
    assert [r.id for r in evaluation.list_runs(ent_a, PARK)] == [own.id]
    with pytest.raises(NotFound):
        evaluation.get_run(ent_a, park_run.id)
    # a park framework is not for an enterprise
    with pytest.raises(evaluation.SubjectNotSupported):
        evaluation.evaluate(ent_a, PARK, 2025, "cn-ndrc-910-2025")
    # a declaration needs evidence
    with pytest.raises(DeclarationWithoutEvidence):
        evaluation.evaluate(
            ent_a,
            PARK,
            2025,
            "eu-races-self-assessment",
            declarations={"data_complete": Declaration(True, ())},
        )


def test_a_park_adds_its_own_version_and_it_becomes_the_default(accounted: Engine) -> None:
    manager = _scope(accounted, Role.PARK_MANAGER)
    text = evaluation.get_framework(manager, PARK, "cn-ndrc-910-2025").text
    with pytest.raises(evaluation.FrameworkVersionExists):
        evaluation.add_framework(manager, PARK, text)
    edited = text.replace('version: "2025.1"', 'version: "2025.1-p1"').replace("value: 90 %", "value: 0.95")
    added = evaluation.add_framework(manager, PARK, edited)
    assert added.version == "2025.1-p1"
    assert evaluation.get_framework(manager, PARK, "cn-ndrc-910-2025").version == "2025.1-p1"
    assert evaluation.get_framework(manager, PARK, "cn-ndrc-910-2025", "2025.1").builtin
    assert evaluation.get_framework(manager, PARK, "cn-ndrc-910-2025").item("clean_energy_share").thresholds[
        0
    ].value == pytest.approx(95.0)  # 0.95 (dimensionless) = 95 %
    with pytest.raises(WeightsDoNotSum):
        evaluation.add_framework(
            manager,
            PARK,
            evaluation.get_framework(manager, PARK, "t-cgdf-00046-2024")
            .text.replace('version: "2024.1-uncertain"', 'version: "x"')
            .replace("weight: 20\n", "weight: 25\n", 1),
        )
    with pytest.raises(PermissionDenied):
        evaluation.add_framework(_scope(accounted, Role.ENTERPRISE, ENT_A), PARK, edited)
    with pytest.raises(PermissionDenied):
        evaluation.add_framework(_scope(accounted, Role.VERIFIER), PARK, edited.replace("p1", "p2"))


def _cli(engine: Engine, *args: str) -> tuple[int, str, str]:
    res = invoke_cli(engine, "evaluate", *args)
    return res.exit_code, res.stdout, res.stderr


def test_api_cli_and_service_agree_and_bad_input_is_named(engine: Engine) -> None:
    api = make_api(engine)
    inventory.account_year(system_scope(engine, "cli"), PARK, 2025, NATIONAL, get_settings().factor_set)
    admin = api.login("admin")
    r = admin.post(f"/api/v1/parks/{PARK}/evaluations", json={"year": 2025, "framework": "t-cgdf-00046-2024"})
    assert r.status_code == 201, r.text
    via_api = r.json()
    service_run = evaluation.get_run(system_scope(engine, "cli"), via_api["id"])
    assert via_api == json.loads(json.dumps(service_run.to_dict()))
    assert admin.get(f"/api/v1/evaluations/{via_api['id']}").json() == via_api
    code, out, err = _cli(engine, "show", str(via_api["id"]), "--format", "json")
    assert code == 0, err
    assert json.loads(out) == via_api
    code, out, _ = _cli(engine, "run", "--year", "2025", "--framework", "cn-ndrc-910-2025", "--park", PARK)
    assert code == 0 and "单位能耗碳排放" in out
    # a framework whose weights do not add up: 422, the error named, each fault with its field
    text = admin.get("/api/v1/frameworks/t-cgdf-00046-2024", params={"park_id": PARK}).json()["text"]
    bad = text.replace('version: "2024.1-uncertain"', 'version: "p1"').replace(
        "weight: 20\n", "weight: 25\n", 1
    )
    r = admin.post("/api/v1/frameworks", params={"park_id": PARK}, json={"text": bad})
    assert r.status_code == 422 and r.json()["error"] == "WeightsDoNotSum"
    assert r.json()["problems"][0]["field"] == "sections"
    code, _, err = _cli(engine, "frameworks", "add", "/dev/null", "--park", PARK)
    assert code != 0 and "empty" in err
    ok = text.replace('version: "2024.1-uncertain"', 'version: "p1"')
    assert admin.post("/api/v1/frameworks", params={"park_id": PARK}, json={"text": ok}).status_code == 201
    listed = admin.get("/api/v1/frameworks", params={"park_id": PARK}).json()
    assert [f["version"] for f in listed if f["code"] == "t-cgdf-00046-2024"] == ["2024.1-uncertain", "p1"]
    # an enterprise user: its own runs only; cannot add a framework
    ent = api.login("ent_a")
    assert ent.get(f"/api/v1/evaluations/{via_api['id']}").status_code == 404
    assert ent.get(f"/api/v1/parks/{PARK}/evaluations").json() == []
    r = ent.post(
        f"/api/v1/parks/{PARK}/evaluations", json={"year": 2025, "framework": "eu-races-self-assessment"}
    )
    assert r.status_code == 201 and r.json()["enterprise_id"] == ENT_A
    assert ent.post("/api/v1/frameworks", params={"park_id": PARK}, json={"text": ok}).status_code == 403
    assert (
        api.login("verifier")
        .post(f"/api/v1/parks/{PARK}/evaluations", json={"year": 2025, "framework": "cn-ndrc-910-2025"})
        .status_code
        == 403
    )


def test_the_page_shows_the_service_scorecard_and_names_bad_frameworks(engine: Engine) -> None:
    api = make_api(engine)
    inventory.account_year(system_scope(engine, "cli"), PARK, 2025, NATIONAL, get_settings().factor_set)
    web = api.login("manager")
    csrf = web.cookies["csrf_token"]
    r = web.post(
        "/evaluation/runs",
        data={"csrf_token": csrf, "framework": "cn-ndrc-910-2025", "year": "2025"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    run_id = int(r.headers["location"].split("run=")[1].split("&")[0])
    run = evaluation.get_run(system_scope(engine, "cli"), run_id)
    page = web.get(f"/evaluation?run={run_id}&year=2025&trace=core_intensity")
    assert page.status_code == 200
    html = page.text
    core = run.scorecard.item("core_intensity")
    assert f'data-eval-run="{run_id}"' in html
    assert f'data-eval-status="{core.status.value}"' in html
    assert 'data-eval-trace="core_intensity"' in html and "data-eval-trace-items" in html
    assert core.line_ids[0] in html  # the trace lists the run's line items
    assert "[UNCERTAIN]" in html
    # a framework with an unknown indicator: 422, the fault listed with its field, nothing stored
    text = evaluation.get_framework(system_scope(engine, "cli"), PARK, "cn-ndrc-910-2025").text
    bad = text.replace('version: "2025.1"', 'version: "w1"').replace(
        "formula: water_reuse", "formula: water_reuse_pct"
    )
    r = web.post("/evaluation/frameworks", data={"csrf_token": csrf, "text": bad})
    assert r.status_code == 422
    assert 'data-eval-problem="unknown_indicator"' in r.text and "sections[1].items[4].formula" in r.text
    assert [
        f.version
        for f in evaluation.list_frameworks(system_scope(engine, "cli"), PARK)
        if f.code == "cn-ndrc-910-2025"
    ] == ["2025.1"]
    assert web.get("/evaluation/frameworks/new?from=cn-ndrc-910-2025").status_code == 200
    # an enterprise user does not see the park's run
    ent = api.login("ent_a")
    assert ent.get(f"/evaluation?run={run_id}").status_code == 404


def test_on_the_demo_park_910_matches_the_indicators_and_the_report_has_the_chapter(
    demo_park: DemoPark,
) -> None:
    import io

    import openpyxl
    from pypdf import PdfReader

    from zeropark.formatting import num
    from zeropark.services import reporting

    # the demo park accounted with both methods (demo_parks.build_accounted_demo)
    scope = system_scope(demo_park.engine, "test")
    park, year = demo_park.park_id, demo_park.year
    table = indicators.indicators(scope, park, year).table
    run = evaluation.evaluate(scope, park, year, "cn-ndrc-910-2025")
    for row in table.rows:
        item = run.scorecard.item(row.code)
        assert (item.status.value, item.value) == (row.status.value, row.value), row.code
    cgdf = evaluation.evaluate(scope, park, year, "t-cgdf-00046-2024")
    data = reporting.report_data(scope, park, year)
    assert [e.run_id for e in data.evaluations] == [cgdf.id, run.id]
    text = "".join(
        "".join((p.extract_text() or "").split())
        for p in PdfReader(io.BytesIO(reporting.render(data, reporting.ReportKind.PDF))).pages
    )
    assert "评价结果" in text and "[UNCERTAIN]" in text
    assert f"{num(cgdf.scorecard.score, 2)}/100" in text
    wb = openpyxl.load_workbook(io.BytesIO(reporting.render(data, reporting.ReportKind.XLSX)))
    cells = [str(c.value) for row in wb["评价"].iter_rows() for c in row if c.value is not None]
    assert any(f"{cgdf.scorecard.score:.2f} / 100" in c for c in cells)
    assert any("[UNCERTAIN]" in c for c in cells)
