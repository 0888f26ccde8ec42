"""``zeropark symbiosis``: the CLI door gives what the service gives; bad registries are named errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zeropark.cli import app
from zeropark.commands.common import EXIT_DATA_ERROR
from zeropark.services import symbiosis

runner = CliRunner()


@pytest.fixture
def registry_file(tmp_path: Path) -> Path:
    path = tmp_path / "registry.json"
    res = runner.invoke(app, ["symbiosis", "example"])
    assert res.exit_code == 0, res.output
    path.write_text(res.stdout, encoding="utf-8")
    return path


def test_indicators_from_the_example_flows(registry_file: Path) -> None:
    res = runner.invoke(
        app, ["symbiosis", "indicators", str(registry_file), "--fresh-water-m3", "100000", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    rate = {r["code"]: r["rate_pct"] for r in got["indicators"]}
    # solid waste: 1.0 t × 8760 / (1.2 × 8760) = 83.33 %; waste heat: 4.5 × 4380 / (5 × 4380) = 90 %
    assert rate["solid_waste_utilisation"] == pytest.approx(100 / 1.2)
    assert rate["waste_heat_utilisation"] == pytest.approx(90.0)
    # water: 438 000 m³ × (1 − 0.71 × 0.005) = 436 445.1 reused; / (100 000 + 436 445.1) = 81.36 %
    assert rate["water_reuse"] == pytest.approx(100 * 436445.1 / 536445.1, rel=1e-6)
    assert {r["provenance"] for r in got["indicators"]} == {"flows"}
    # X1: 19 710 GJ × 0.992 × 0.0616 = 1 204.42 t split half/half; X2 438 t; X3 436 445.1 × 0.0003 = 130.93 t
    assert got["avoided_t_per_year"] == pytest.approx(
        {"X1": 1204.4230, "X2": 438.0, "X3": 130.9335}, abs=1e-3
    )
    assert got["total_avoided_t_per_year"] == pytest.approx(1204.4230 + 438.0 + 130.9335, abs=1e-3)
    service = symbiosis.indicators(symbiosis.load_registry(registry_file), fresh_water_m3=100000.0)
    assert service.total_avoided_t == pytest.approx(got["total_avoided_t_per_year"])  # the door agrees


def test_match_and_reference(registry_file: Path) -> None:
    res = runner.invoke(app, ["symbiosis", "match", str(registry_file), "--format", "json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    service = symbiosis.match_registry(symbiosis.load_registry(registry_file))
    assert got["co2_avoided_t_per_year"] == pytest.approx(service.co2_avoided_t_per_year)
    assert len(got["exchanges"]) == len(service.exchanges) == 3
    ref = json.loads(runner.invoke(app, ["symbiosis", "reference", "--format", "json"]).stdout)
    assert round(ref["payback_years"], 2) == 1.22  # 49.85 / 41.00 (seed 000 表1)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda r: r["exchanges"][0]["exchange"].update(sink="cement-mill"), "incompatible grade"),
        (lambda r: r["exchanges"][1]["exchange"].update(distance_km=-1.0), "negative"),
        (lambda r: r["exchanges"][0]["exchange"].update(quantity=[9.0, 2.0]), "only 3"),
        (lambda r: r["sources"][1].update(hazardous_class="HW08"), "HW08"),
        (lambda r: r["sources"][0].update(kind="plasma"), "kind"),
    ],
)
def test_bad_registries_are_refused_by_name(registry_file: Path, change, error: str) -> None:  # type: ignore[no-untyped-def]
    reg = json.loads(registry_file.read_text(encoding="utf-8"))
    change(reg)
    registry_file.write_text(json.dumps(reg), encoding="utf-8")
    res = runner.invoke(app, ["symbiosis", "match", str(registry_file)])
    assert res.exit_code == EXIT_DATA_ERROR, res.output
    assert error in res.output and "Traceback" not in res.output


def test_contract_states_parties_grade_price_metering_and_allocation(
    registry_file: Path, tmp_path: Path
) -> None:
    from docx import Document  # deferred: only this test reads Word files

    out = tmp_path / "x1.docx"
    res = runner.invoke(
        app, ["symbiosis", "contract", str(registry_file), "--exchange", "X1", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    cells = [c.text for t in Document(str(out)).tables for row in t.rows for c in row.cells]
    text = "\n".join(cells)
    assert "E01（垃圾焚烧厂余汽）" in text and "E03（造纸烘缸）" in text
    assert "中压蒸汽（1.0–2.5 MPa）" in text and "M-ST-01" in text and "60 CNY/GJ" in text
    # 19 710 GJ/a × 60 CNY = 1 182 600 CNY/a; split 50 %: 1 204.423 / 2 = 602.211 t each
    assert "1,182,600 CNY/a" in text and "按比例分摊（供方 50%）" in text
    assert cells.count("602.211") == 2
    missing = runner.invoke(
        app, ["symbiosis", "contract", str(registry_file), "--exchange", "X9", "--out", str(out)]
    )
    assert missing.exit_code == 4 and "X1, X2, X3" in missing.output
