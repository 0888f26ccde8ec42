"""Grid-factor choices that used to be silent: year fallback, residual fallback, factors used and unused.

Factor values (ACCOUNTING.md §2.4, MEE/NBS 公告): national average (a) 2023 0.5306, 2022 0.5366;
residual proxy (b) 2023 0.6096, 2022 0.5856 tCO2/MWh. The built-in set holds the years 2021–2023.
"""

from __future__ import annotations

from datetime import date

import pytest

from zeropark.accounting import (
    AccountingOptions,
    FactorYearFallback,
    FactorYearRule,
    ResidualFallback,
    run,
)
from zeropark.errors import AccountingError, FactorNotFound
from zeropark.factors import is_builtin_factor, load_factor_set, parse_custom_csv, user_factors
from zeropark.model import AccountingInput, Carrier, Flow, Method, MonthlyQuantity, Park

PARK = Park(id="P", name="测试园区", province="江苏", grid_region="华东", latitude=31.0, longitude=120.0)
BUILTIN = load_factor_set("CN-park-2025")
HEADER = (
    "id,kind,key,parameter,value,unit,region,year,source_id,uncertainty_pct,note,"
    "source_title,source_issuer,source_year,source_table,source_url,source_confidence\n"
)


def _custom(rows: str) -> object:
    return parse_custom_csv(HEADER + rows, file="mine.csv", name="my-park", base=BUILTIN)


def _grid(year: int, mwh: float = 1000.0) -> AccountingInput:
    q = MonthlyQuantity(
        enterprise_id=None,
        carrier=Carrier.ELECTRICITY,
        flow=Flow.PURCHASED,
        month=date(year, 1, 1),
        quantity=mwh * 1000.0,  # kWh
        evidence=("M-GRID",),
    )
    return AccountingInput(park=PARK, year=year, enterprises=(), quantities=(q,))


GHG = AccountingOptions(method=Method.GHG)


def test_current_year_uses_the_newest_published_factor_and_says_so() -> None:
    """Reporting year 2026 asks for 2024 factors (Y−2), not published: 2023 is used.
    Location 1 000 MWh × 0.5306 = 530.6 t; market 1 000 MWh × 0.6096 = 609.6 t."""
    inv = run(_grid(2026), BUILTIN, GHG)
    assert inv.total_tco2e == pytest.approx(530.6, abs=1e-9)
    assert inv.total_market_tco2e == pytest.approx(609.6, abs=1e-9)
    fallbacks = [n for n in inv.notes if n.code == "factor_year_fallback"]
    assert len(fallbacks) == 2  # location (a) and residual (b)
    assert all(n.en.startswith("2023 factor used for 2026: the newest published") for n in fallbacks)
    assert "2023 factor used for 2026: the newest published" in inv.options_statement_en
    assert "2023年因子用于2026年核算" in inv.options_statement_zh
    # the options clause names the year used, not the unpublished one the rule asked for
    assert "GHG location-based: national average (2023)" in inv.options_statement_en
    assert "excl_market_nonfossil calibre (2023)" in inv.options_statement_en
    assert (
        "全国电网平均因子（2023年）" in inv.options_statement_zh
        and "（2024年）；" not in inv.options_statement_zh
    )


def test_year_fallback_error_and_explicit_year_do_not_fall_back() -> None:
    with pytest.raises(FactorNotFound, match="years available: 2021, 2022, 2023"):
        run(
            _grid(2026),
            BUILTIN,
            AccountingOptions(method=Method.GHG, ghg_factor_year_fallback=FactorYearFallback.ERROR),
        )
    explicit = AccountingOptions(
        method=Method.GHG, ghg_grid_year_rule=FactorYearRule.EXPLICIT, ghg_grid_year=2024
    )
    with pytest.raises(FactorNotFound):
        run(_grid(2026), BUILTIN, explicit)
    with pytest.raises(FactorNotFound):  # no earlier year to fall back to
        run(_grid(2020), BUILTIN, GHG)


def test_published_year_has_no_fallback_note() -> None:
    inv = run(_grid(2025), BUILTIN, GHG)
    assert not [
        n for n in inv.notes if n.code in ("factor_year_fallback", "residual_fallback", "factors_unused")
    ]
    assert (
        "grid electricity average 全国 2023 0.5306 tCO2/MWh (grid.average.cn.2023)"
        in inv.options_statement_en
    )


def test_builtin_rows_are_recognised_and_user_rows_are_not() -> None:
    custom = _custom(
        "my.grid.2022,grid_electricity,electricity,average,0.61,tCO2/MWh,全国,2022,supplier_2024,,supplier,供电公司函,某供电公司,2024,,,P\n"
    )
    assert user_factors(BUILTIN) == ()
    assert [f.id for f in user_factors(custom)] == ["my.grid.2022"]  # type: ignore[arg-type]
    assert is_builtin_factor(BUILTIN.get("grid.average.cn.2023"))


def test_custom_grid_factor_of_another_year_is_loaded_but_unused() -> None:
    """A custom national average for 2022 while the GHG method of 2025 picks 2023: the run uses the
    built-in 2023 factor (1 000 MWh × 0.5306 = 530.6 t) and says the 2022 row was loaded but unused."""
    custom = _custom(
        "my.grid.2022,grid_electricity,electricity,average,0.61,tCO2/MWh,全国,2022,supplier_2024,,supplier,供电公司函,某供电公司,2024,,,P\n"
    )
    inv = run(_grid(2025), custom, GHG)  # type: ignore[arg-type]
    assert inv.total_tco2e == pytest.approx(530.6, abs=1e-9)
    unused = [n for n in inv.notes if n.code == "factors_unused"]
    assert len(unused) == 1 and "my.grid.2022" in unused[0].en and "loaded but unused" in unused[0].en
    assert "my.grid.2022" in inv.options_statement_en and "已载入但未使用" in inv.options_statement_zh
    # with the year given explicitly the custom row is used: 1 000 MWh × 0.61 = 610 t
    explicit = AccountingOptions(
        method=Method.GHG, ghg_grid_year_rule=FactorYearRule.EXPLICIT, ghg_grid_year=2022
    )
    inv22 = run(_grid(2025), custom, explicit)  # type: ignore[arg-type]
    assert inv22.total_tco2e == pytest.approx(610.0, abs=1e-9)
    assert not [n for n in inv22.notes if n.code == "factors_unused"]


def test_residual_fallback_is_stated_and_selectable() -> None:
    """A custom set with a supplier grid average for 2023 (0.55) and no residual row of its own:
    builtin → market 1 000 × 0.6096 = 609.6 t (built-in (b) 2023), stated;
    grid_average → market 1 000 × 0.55 = 550 t (the run's location factor), stated;
    error → AccountingError naming the row to add."""
    custom = _custom(
        "my.grid.2023,grid_electricity,electricity,average,0.55,tCO2/MWh,全国,2023,supplier_2025,,supplier,供电公司函,某供电公司,2025,,,P\n"
    )
    builtin = run(_grid(2025), custom, GHG)  # type: ignore[arg-type]
    assert builtin.total_tco2e == pytest.approx(550.0, abs=1e-9)
    assert builtin.total_market_tco2e == pytest.approx(609.6, abs=1e-9)
    note = next(n for n in builtin.notes if n.code == "residual_fallback")
    assert "grid.excl_market_nonfossil.cn.2023" in note.en and "residual_fallback=builtin" in note.en
    assert note.en in builtin.options_statement_en

    avg = run(
        _grid(2025),
        custom,
        AccountingOptions(method=Method.GHG, residual_fallback=ResidualFallback.GRID_AVERAGE),
    )  # type: ignore[arg-type]
    assert avg.total_market_tco2e == pytest.approx(550.0, abs=1e-9)
    assert (
        "residual_fallback=grid_average" in avg.options_statement_en
        and "my.grid.2023" in avg.options_statement_en
    )

    with pytest.raises(AccountingError, match="no residual-mix factor of its own for 2023"):
        run(
            _grid(2025),
            custom,
            AccountingOptions(method=Method.GHG, residual_fallback=ResidualFallback.ERROR),
        )  # type: ignore[arg-type]

    # the user's own residual row is used as it is, no fallback: 1 000 × 0.64 = 640 t
    own = _custom(
        "my.grid.2023,grid_electricity,electricity,average,0.55,tCO2/MWh,全国,2023,supplier_2025,,supplier,供电公司函,某供电公司,2025,,,P\n"
        "my.res.2023,grid_electricity,electricity,excl_market_nonfossil,0.64,tCO2/MWh,全国,2023,supplier_2025,,,,,,,,\n"
    )
    mine = run(
        _grid(2025), own, AccountingOptions(method=Method.GHG, residual_fallback=ResidualFallback.ERROR)
    )  # type: ignore[arg-type]
    assert mine.total_market_tco2e == pytest.approx(640.0, abs=1e-9)
    assert not [n for n in mine.notes if n.code == "residual_fallback"]


def test_built_in_set_never_states_a_residual_fallback() -> None:
    inv = run(
        _grid(2025), BUILTIN, AccountingOptions(method=Method.GHG, residual_fallback=ResidualFallback.ERROR)
    )
    assert inv.total_market_tco2e == pytest.approx(609.6, abs=1e-9)


def test_options_round_trip_with_the_new_choices() -> None:
    opts = AccountingOptions(
        method=Method.GHG,
        ghg_factor_year_fallback=FactorYearFallback.ERROR,
        residual_fallback=ResidualFallback.GRID_AVERAGE,
    )
    assert AccountingOptions.from_dict(opts.to_dict()) == opts
    assert opts.to_dict()["residual_fallback"] == "grid_average"
    assert "报错" in opts.statement_zh(2025) and "location-based grid-average" in opts.statement_en(2025)


def test_residual_error_names_the_year_actually_sought() -> None:
    """Reporting year 2026 falls back to the 2023 factors; the residual error names 2023, the year whose
    row the user has to add (not the unpublished 2024)."""
    custom = _custom(
        "my.grid.2023,grid_electricity,electricity,average,0.55,tCO2/MWh,全国,2023,supplier_2025,,supplier,"
        "供电公司函,某供电公司,2025,,,P\n"
    )
    opts = AccountingOptions(method=Method.GHG, residual_fallback=ResidualFallback.ERROR)
    with pytest.raises(AccountingError, match="for 2023 .*year 2023"):
        run(_grid(2026), custom, opts)  # type: ignore[arg-type]
