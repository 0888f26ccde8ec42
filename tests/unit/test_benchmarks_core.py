"""The energy-limit table (标杆) and its pure functions: loading, checks, intensity, grades, ranks."""

from __future__ import annotations

import pytest

from zeropark.errors import ValidationError
from zeropark.roadmap.benchmarks import (
    Basis,
    EnergyLimit,
    Grade,
    Level,
    energy_limits,
    grade_of,
    level_of,
    limit_sources,
    parse_energy_limits,
    product_intensity,
    rank,
)


def _row(product: str) -> EnergyLimit:
    return next(r for r in energy_limits() if r.product == product)


def test_packaged_table_cites_each_standard_and_marks_unverified_rows() -> None:
    rows = energy_limits()
    assert len(rows) >= 7
    for r in rows:
        assert r.standard.startswith("GB ")
        assert r.url.startswith("https://openstd.samr.gov.cn/")
        assert r.issuer and r.issued
        # nothing in the table was read in the official text from here: every row says so
        assert r.is_uncertain
    assert {s.number for s in limit_sources()} == {"发改产业〔2023〕723号"}
    caustic = _row("caustic_soda_membrane_30")
    assert (caustic.grade_1, caustic.grade_2, caustic.grade_3) == (315.0, 340.0, 350.0)
    assert (caustic.benchmark, caustic.baseline) == (315.0, 350.0)
    assert _row("data_centre_pue").basis is Basis.ELECTRICITY


def test_intensity_grade_and_level_by_hand() -> None:
    caustic = _row("caustic_soda_membrane_30")
    # 13 200 tce × 1000 / 40 000 t = 330 kgce/t: above 1级 315, within 2级 340; between 标杆 315 and 基准 350
    value = product_intensity(caustic, 40_000.0, energy_tce=13_200.0, electricity_kwh=0.0)
    assert value == pytest.approx(330.0, rel=1e-12)
    assert grade_of(caustic, 330.0) is Grade.G2
    assert grade_of(caustic, 315.0) is Grade.G1  # the bound itself is in the grade
    assert grade_of(caustic, 350.0) is Grade.G3
    assert grade_of(caustic, 350.1) is Grade.ABOVE
    assert level_of(caustic, 330.0) is Level.BETWEEN
    assert level_of(caustic, 351.0) is Level.BELOW_BASELINE
    pue = _row("data_centre_pue")
    # 1 300 000 kWh consumed / 1 000 000 kWh IT = 1.30 → 2级 (≤ 1.30)
    assert product_intensity(pue, 1_000_000.0, energy_tce=9.9, electricity_kwh=1_300_000.0) == 1.3
    assert grade_of(pue, 1.3) is Grade.G2
    assert level_of(pue, 1.3) is None  # no 标杆/基准 for data centres
    ref = _row("refinery_energy_factor")
    assert product_intensity(ref, 1.0, energy_tce=1.0, electricity_kwh=1.0) is None
    assert product_intensity(caustic, 0.0, energy_tce=1.0, electricity_kwh=0.0) is None


def test_ranks_share_places_on_ties_and_give_percentiles() -> None:
    r = rank({"a": 3.0, "b": 5.0, "c": 5.0, "d": 1.0})
    # b and c tie for 1st; a is 3rd: (4 − 3) / 3 = 33.3 %; d is last: 0 %
    assert {k: v.place for k, v in r.items()} == {"a": 3, "b": 1, "c": 1, "d": 4}
    assert r["a"].percentile == pytest.approx(100.0 / 3.0)
    assert r["b"].percentile == 100.0 and r["d"].percentile == 0.0
    low = rank({"x": 0.2, "y": 0.1}, higher_is_better=False)
    assert low["y"].place == 1 and low["x"].place == 2
    assert rank({"only": 1.0})["only"].percentile == 100.0
    assert rank({"nan": float("nan")}) == {}


_HEADER = (
    "product,name_zh,name_en,division,indicator_zh,unit,basis,output_unit,grade_1,grade_2,grade_3,"
    "benchmark,baseline,standard,standard_title,issuer,issued,url,benchmark_source,confidence,note\n"
)


def test_bad_rows_are_named_with_line_and_column() -> None:
    text = _HEADER + (
        "x,X,X,26,i,kgce/t,energy,t,300,290,350,,,GB 1-2020,t,SAMR,2020,https://openstd.samr.gov.cn/x,,P,\n"
        "y,Y,Y,26,i,kgce/t,heat,t,1,2,3,,,GB 2-2020,t,SAMR,2020,http://elsewhere,,MAYBE,\n"
        "x,X,X,2,i,kgce/t,energy,t,,,,abc,5,,t,SAMR,2020,https://openstd.samr.gov.cn/x,,P,\n"
    )
    with pytest.raises(ValidationError) as info:
        parse_energy_limits(text, "limits.csv")
    msg = str(info.value)
    assert "row 2, column 'grade_1'" in msg and "1级 ≤ 2级 ≤ 3级" in msg
    assert "row 3, column 'basis'" in msg
    assert "row 3, column 'url'" in msg
    assert "row 3, column 'confidence'" in msg
    assert "row 4, column 'product'" in msg and "twice" in msg
    assert "row 4, column 'benchmark'" in msg and "not a number" in msg
    assert "row 4, column 'division'" in msg
    with pytest.raises(ValidationError, match="missing columns: note"):
        parse_energy_limits(_HEADER.replace(",note", ""), "limits.csv")
