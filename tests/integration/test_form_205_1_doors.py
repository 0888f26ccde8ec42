"""205-1 能源购进、消费与库存 through every door, and read back (SQLite and PostgreSQL).

The API fixture park (api_support.build_park) is accounted for 2025; the form of each enterprise is
its own national run's line items through :func:`zeropark.accounting.form_205_1.form_rows`. The
service, the CLI (``zeropark report --kind 205-1``), the API (``POST …/reports`` kind ``205-1``) and
the page (``/reports/form-205-1.xlsx``) must give workbooks with the same figures, that read back
to those rows; an enterprise user gets its own sheet only.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from api_support import ENT_A, ENT_B, PARK, cli_database, make_api
from sqlalchemy import Engine
from typer.testing import CliRunner

from zeropark.accounting import AccountingOptions
from zeropark.accounting.form_205_1 import form_rows, total_tce
from zeropark.cli import app as cli
from zeropark.errors import DataError, ValidationError
from zeropark.model import Method
from zeropark.reports.form_205_1 import HEADER_ROW, read_workbook
from zeropark.services import imports, reporting
from zeropark.services.inventory import account_year, latest_view
from zeropark.settings import get_settings
from zeropark.store.scope import system_scope


def _expected(engine: Engine) -> dict[str, list[tuple[float | None, ...]]]:
    scope = system_scope(engine, "t")
    out = {}
    for ent in (ENT_A, ENT_B):
        view = latest_view(scope, PARK, 2025, Method.NATIONAL, enterprise_id=ent)
        assert view is not None
        out[ent] = [r.values for r in form_rows(view.inventory.lines)]
    return out


def _read(content: bytes) -> dict[str, list[tuple[float | None, ...]]]:
    return {sheet: [r.values for r in form.rows] for sheet, form in read_workbook(content).items()}


def _close(
    a: dict[str, list[tuple[float | None, ...]]], b: dict[str, list[tuple[float | None, ...]]]
) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert len(a[k]) == len(b[k])
        for x, y in zip(a[k], b[k], strict=True):
            assert [v is None for v in x] == [v is None for v in y]
            assert [v for v in x if v is not None] == pytest.approx([v for v in y if v is not None], rel=1e-6)


def test_every_door_gives_the_same_form(engine: Engine, tmp_path: Path) -> None:
    api = make_api(engine)
    account_year(
        system_scope(engine, "cli"),
        PARK,
        2025,
        AccountingOptions(method=Method.NATIONAL),
        get_settings().factor_set,
    )
    want = _expected(engine)
    assert any(rows for rows in want.values())
    made = reporting.create_report(system_scope(engine, "t"), PARK, 2025, reporting.ReportKind.FORM_205_1)
    assert made.file_name == f"{PARK}-2025-205-1.xlsx"
    _close(_read(made.content), want)
    # the total row: an Excel formula Σ col4 × col10 (its value is what form_rows sum to)
    ws = openpyxl.load_workbook(io.BytesIO(made.content))[ENT_A]
    n = len(want[ENT_A])
    assert ws.cell(HEADER_ROW + n + 1, 3).value == "40"
    assert str(ws.cell(HEADER_ROW + n + 1, 7).value).startswith("=SUMPRODUCT(")
    view = latest_view(system_scope(engine, "t"), PARK, 2025, Method.NATIONAL, enterprise_id=ENT_A)
    assert view is not None
    assert total_tce(form_rows(view.inventory.lines)) > 0

    # CLI
    with cli_database(engine):
        out = tmp_path / "f.xlsx"
        res = CliRunner().invoke(
            cli, ["report", "--park", PARK, "--year", "2025", "--kind", "205-1", "--output", str(out)]
        )
    assert res.exit_code == 0, res.output
    _close(_read(out.read_bytes()), want)

    # API: generate, then download the stored file
    admin = api.login("admin")
    r = admin.post(f"/api/v1/parks/{PARK}/reports", json={"year": 2025, "kind": "205-1"})
    assert r.status_code == 201, r.text
    file = admin.get(f"/api/v1/reports/{r.json()['id']}/download")
    assert file.status_code == 200
    _close(_read(file.content), want)

    # page, as the park manager and as enterprise A (its own sheet only)
    page = api.login("manager").get("/reports/form-205-1.xlsx?year=2025")
    assert page.status_code == 200
    _close(_read(page.content), want)
    own = api.login("ent_a").get("/reports/form-205-1.xlsx?year=2025")
    assert own.status_code == 200
    _close(_read(own.content), {ENT_A: want[ENT_A]})


def test_a_filed_form_with_bad_cells_is_rejected_by_row_and_column() -> None:
    with pytest.raises(ValidationError, match="not an .xlsx workbook"):
        read_workbook(b"\x00\xff not a zip", file_name="bad.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "改过名的表"  # a renamed sheet still reads: the header row finds the table
    ws.cell(HEADER_ROW, 1, "能源名称")
    ws.cell(HEADER_ROW, 3, "代码")
    ws.append(["原煤", "吨", "01", 5, 20, None, 18, 16, 0, 2, 0, 7, 0.7143])  # 4 = 5 + 7, 9 = 1 + 2 − 4
    ws.append(["电力", "万千瓦时", "33", None, 10, None, "十", 10, 0, 0, 0, None, 1.229])
    ws.append(["天然气", "万立方米", "15", None, None, None, 3, 2, 0, 0, 0, None, 12.143])
    ws.append(["某能源", "吨", "99", None, None, None, 1, 1, 0, 0, 0, None, 1])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ValidationError) as err:
        read_workbook(buf.getvalue(), file_name="filed.xlsx")
    text = str(err.value)
    assert "filed.xlsx, sheet '改过名的表', row 10, column '消费量合计': '十' is not a number" in text
    assert "row 11: row 15: column 4 消费量合计 3 ≠ column 5 工业生产消费 2" in text
    assert "row 12, column '代码': '99'" in text
    assert len(err.value.errors) == 3


def test_a_filed_form_loads_as_the_year_it_reports(engine: Engine, tmp_path: Path) -> None:
    """Enterprise A's 2025 form, filed again as 2024 (报告期 rewritten), imports as A's 2024 activity
    records; accounting 2024 then gives the same form back (same consumption, same coefficients)."""
    make_api(engine)
    scope = system_scope(engine, "cli")
    national = AccountingOptions(method=Method.NATIONAL)
    account_year(scope, PARK, 2025, national, get_settings().factor_set)
    made = reporting.create_report(scope, PARK, 2025, reporting.ReportKind.FORM_205_1, enterprise_id=ENT_A)
    wb = openpyxl.load_workbook(io.BytesIO(made.content))
    wb[ENT_A]["B6"] = "2024年"
    path = tmp_path / "甲公司-205-1.xlsx"
    wb.save(path)
    assert imports.detect_kind(path) is imports.ImportKind.FORM_205_1
    outcome = imports.import_file(scope, path)
    assert outcome.status == "stored", outcome.errors
    account_year(scope, PARK, 2024, national, get_settings().factor_set)
    view = latest_view(scope, PARK, 2024, Method.NATIONAL, enterprise_id=ENT_A)
    assert view is not None
    again = [r.values for r in form_rows(view.inventory.lines)]
    _close({ENT_A: again}, {ENT_A: _expected(engine)[ENT_A]})
    # two enterprises in one file: refused, nothing stored
    both = reporting.create_report(scope, PARK, 2025, reporting.ReportKind.FORM_205_1)
    two = tmp_path / "park.xlsx"
    two.write_bytes(both.content)
    with pytest.raises(DataError, match="2 filled 205-1 forms"):
        imports.import_file(scope, two)
