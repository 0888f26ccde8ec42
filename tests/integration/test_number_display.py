"""No float artefact (``0.9400000000000001``) anywhere a factor is shown: web, PDF and CLI.

The demo's natural gas combustion line uses the carbon content 15.3 tC/TJ, kept canonically as
15.3 / 1000 = 0.015300000000000001 tC/GJ in binary; every door must show ``0.0153``.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from demo_parks import DemoPark, demo_park_fixture  # noqa: F401 - fixture used by name
from fastapi.testclient import TestClient
from pypdf import PdfReader
from test_web_pages import PAGES
from typer.testing import CliRunner

from conftest import login_form
from zeropark.model import Method
from zeropark.services.inventory import latest_view
from zeropark.store.scope import system_scope

#: Six or more 0s or 9s after a decimal digit, then one more digit: the tail of a binary artefact.
ARTEFACT = re.compile(r"\d\.\d*(?:0{6,}|9{6,})\d")


@pytest.fixture
def park(demo_park: DemoPark) -> tuple[TestClient, Any, str]:
    """The accounted small demo park (both backends), the manager logged in, the gas line's id."""
    from zeropark.app import create_app

    engine, generated = demo_park.engine, demo_park.generated
    view = latest_view(system_scope(engine, "test"), generated.park.id, generated.year, Method.NATIONAL)
    assert view is not None
    gas = next(li for li in view.inventory.lines if any(f.id == "fuel.natural_gas.cc" for f in li.factors))
    client = TestClient(create_app(engine))
    r = login_form(client, "demo-manager", demo_park.passwords["demo-manager"])
    assert r.status_code == 303 and "error" not in r.headers["location"]
    return client, generated, gas.id


def test_factor_values_show_their_cited_precision(park: tuple[TestClient, Any, str]) -> None:
    client, generated, gas_line = park
    year = generated.year
    pages = [client.get(f"/factors?kind=fuel&page={n}&year={year}").text for n in (1, 2, 3)]
    factors = "".join(pages)
    row = re.search(r'<tr id="factor-fuel\.natural_gas\.cc">.*?</tr>', factors, re.S)
    assert row is not None and '<td class="num">0.0153</td>' in row.group(0)
    # the grid factors cite the MEE announcement by its number, on the page and in the API
    assert "公告2024年第12号" in client.get(f"/factors?kind=grid_electricity&year={year}").text
    api = client.get("/api/v1/factor-sets/CN-park-2025?kind=grid_electricity").json()
    grid_2021 = next(f for f in api["factors"]["items"] if f["id"] == "grid.average.cn.2021")
    assert (grid_2021["source"]["number"], grid_2021["source"]["date"]) == ("公告2024年第12号", "2024-04-12")
    item = client.get(f"/inventory/items/{gas_line}?method=national&year={year}").text
    assert '<td class="num">0.0153</td>' in item
    pdf = client.get(f"/reports/annual.pdf?year={year}")
    assert pdf.status_code == 200
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for page, shown in (("factors", factors), ("item", item), ("pdf", text)):
        assert not ARTEFACT.search(shown), (page, ARTEFACT.findall(shown)[:5])
    # and on every page of the park manager's workspace
    for path in PAGES:
        if path.endswith(".xlsx"):
            continue
        sep = "&" if "?" in path else "?"
        html = client.get(f"{path}{sep}year={year}").text
        shown = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)  # chart data is not text
        assert not ARTEFACT.search(shown), (path, ARTEFACT.findall(shown)[:5])


def test_cli_shows_the_canonical_value_without_artefact() -> None:
    from zeropark.cli import app

    out = CliRunner().invoke(app, ["factors", "show", "fuel.natural_gas.cc"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "0.0153 tC/GJ" in out.output and not ARTEFACT.search(out.output)
