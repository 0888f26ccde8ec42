"""LMDI-I (Ang 2005), Tapio (2005) and carbon productivity against values computed by hand."""

from __future__ import annotations

import math

import pytest

from zeropark.roadmap.lmdi import Effect, NegativeQuantity, UnitYear, aggregate, decompose, log_mean
from zeropark.roadmap.tapio import DecouplingState, NoOutputChange, carbon_productivity, tapio


def test_log_mean() -> None:
    # L(2, 1) = (2 − 1) / ln 2 = 1.4426950408889634; L(a, a) = a
    assert log_mean(2.0, 1.0) == pytest.approx(1.4426950408889634, rel=1e-15)
    assert log_mean(5.0, 5.0) == 5.0
    # one ulp apart: ln a == ln b in floats, L → their mean (found on two demo years; no 0/0)
    b = 1e10
    a = math.nextafter(b, math.inf)
    assert a != b and math.log(a) == math.log(b)
    assert log_mean(a, b) == pytest.approx(1e10, rel=1e-15)


def test_one_unit_activity_and_grid_factor_by_hand() -> None:
    # One enterprise, Y 100 → 120 (10⁴ CNY); energy 10 + 10 → 12 + 12 tce (intensity and mix unchanged);
    # electricity CO2 30 → 33 t (factor 3 → 2.75 t/tce), other CO2 20 → 24 t (factor 2 unchanged).
    # ΔC = 57 − 50 = 7 t.
    # electricity group: L(33, 30) = 3 / ln 1.1 = 31.4760...; other group: L(24, 20) = 4 / ln 1.2.
    # activity = L(33,30)·ln 1.2 + L(24,20)·ln 1.2 = 3·ln1.2/ln1.1 + 4 = 9.73878542150274
    # grid     = L(33,30)·ln(2.75/3)                = 3·ln(11/12)/ln1.1 = −2.738785421502739
    # multiplicative: D = exp(effect / L(57, 50)) → D_act = 1.1999666120366006, D_grid = 0.9500264328731413
    d = decompose([UnitYear("A", 100, 10, 10, 30, 20)], [UnitYear("A", 120, 12, 12, 33, 24)])
    assert d.change == 7.0
    assert d.additive[Effect.ACTIVITY] == pytest.approx(9.73878542150274, rel=1e-12)
    assert d.additive[Effect.GRID_FACTOR] == pytest.approx(-2.738785421502739, rel=1e-12)
    for e in (Effect.STRUCTURE, Effect.INTENSITY, Effect.MIX, Effect.CARBON_FACTOR):
        assert d.additive[e] == pytest.approx(0.0, abs=1e-12)
    assert math.fsum(d.additive.values()) == pytest.approx(7.0, abs=1e-9)
    assert d.multiplicative[Effect.ACTIVITY] == pytest.approx(1.1999666120366006, rel=1e-12)
    assert d.multiplicative[Effect.GRID_FACTOR] == pytest.approx(0.9500264328731413, rel=1e-12)
    assert math.prod(d.multiplicative.values()) == pytest.approx(57 / 50, rel=1e-12)


def test_structure_only_with_zero_electricity_by_hand() -> None:
    # Two enterprises, total output 100 both years, no electricity (zeros → δ, Ang & Liu 2007).
    # A: intensity 1 tce/10⁴ CNY, 2 tCO2/tce; Y 50 → 30: C 100 → 60.
    # B: intensity 0.5, 1 tCO2/tce;           Y 50 → 70: C 25 → 35.   ΔC = 95 − 125 = −30 t.
    # Only the shares change: structure_A = L(60,100)·ln(30/50) = 40/ln(5/3)·ln 0.6 = −40,
    # structure_B = L(35,25)·ln(70/50) = 10/ln 1.4·ln 1.4 = +10; total −30; D_str = 95/125 = 0.76.
    before = [UnitYear("A", 50, 0, 50, 0, 100), UnitYear("B", 50, 0, 25, 0, 25)]
    after = [UnitYear("A", 30, 0, 30, 0, 60), UnitYear("B", 70, 0, 35, 0, 35)]
    d = decompose(before, after)
    assert d.additive[Effect.STRUCTURE] == pytest.approx(-30.0, abs=1e-9)
    by_unit = {u.unit: u.effects[Effect.STRUCTURE] for u in d.units}
    assert by_unit == pytest.approx({"A": -40.0, "B": 10.0}, abs=1e-9)
    for e in Effect:
        if e is not Effect.STRUCTURE:
            assert d.additive[e] == pytest.approx(0.0, abs=1e-9)
    assert d.multiplicative[Effect.STRUCTURE] == pytest.approx(0.76, rel=1e-12)


def test_no_residual_with_a_new_unit_and_every_factor_moving() -> None:
    # B exists only in the to-year: as δ → 0 its whole CO2 (20 + 3 t) is structure (its output
    # share goes from 0 to 40/150); A's effects add up to its own change 103 − 110 = −7 t.
    before = [UnitYear("A", 100, 8, 30, 40, 70)]
    after = [UnitYear("A", 110, 11, 26, 45, 58), UnitYear("B", 40, 5, 0, 20, 3)]
    d = decompose(before, after)
    assert math.fsum(d.additive.values()) == pytest.approx(d.change, abs=1e-9)
    assert d.change == pytest.approx(126 - 110)
    b = next(u for u in d.units if u.unit == "B")
    assert b.effects[Effect.STRUCTURE] == 23.0
    assert all(v == 0.0 for e, v in b.effects.items() if e is not Effect.STRUCTURE)
    assert math.prod(d.multiplicative.values()) == pytest.approx(126 / 110, rel=1e-9)
    for u in d.units:
        assert math.fsum(u.effects.values()) == pytest.approx(u.co2_to - u.co2_from, abs=1e-9)


def test_electricity_taken_up_goes_to_mix_by_hand() -> None:
    # One enterprise, output 100 both years; other energy 10 tce and 20 tCO2 both years; it takes up
    # 5 tce of electricity with 4 tCO2. ΔC = 24 − 20 = 4 t.
    # electricity group (0 → 4 t, no electricity before): the δ → 0 limit gives all 4 t to mix.
    # other group (20 → 20 t, L = 20): mix ln((10/15)/(10/10)) = ln(2/3), intensity ln(15/10) = ln 1.5
    #   → mix = 4 − 20·ln 1.5 = 4 − 8.109302162163289 = −4.109302162163289, intensity = +8.109302162163289
    d = decompose([UnitYear("A", 100, 0, 10, 0, 20)], [UnitYear("A", 100, 5, 10, 4, 20)])
    assert d.additive[Effect.MIX] == pytest.approx(-4.109302162163289, rel=1e-12)
    assert d.additive[Effect.INTENSITY] == pytest.approx(8.109302162163289, rel=1e-12)
    assert d.additive[Effect.ACTIVITY] == d.additive[Effect.GRID_FACTOR] == 0.0
    assert math.fsum(d.additive.values()) == pytest.approx(4.0, abs=1e-12)


def test_green_electricity_that_turns_grey_is_the_grid_factor() -> None:
    # 10 tce of electricity at 0 tCO2 (all green) → 5 tCO2: energy unchanged, the whole +5 t is the
    # grid (electricity carbon) factor.
    d = decompose([UnitYear("A", 100, 10, 10, 0, 20)], [UnitYear("A", 100, 10, 10, 5, 20)])
    assert d.additive[Effect.GRID_FACTOR] == 5.0
    assert all(v == 0.0 for e, v in d.additive.items() if e is not Effect.GRID_FACTOR)


def test_sector_aggregation_sums_enterprises() -> None:
    rows = [UnitYear("E1", 1, 2, 3, 4, 5), UnitYear("E2", 10, 20, 30, 40, 50), UnitYear("E3", 7, 0, 1, 0, 2)]
    out = aggregate(rows, {"E1": "C26", "E2": "C26", "E3": "C30"})
    assert out == [UnitYear("C26", 11, 22, 33, 44, 55), UnitYear("C30", 7, 0, 1, 0, 2)]


def test_negative_figure_is_named() -> None:
    with pytest.raises(NegativeQuantity, match=r"to-year, A: co2_electricity = -1.0"):
        decompose([UnitYear("A", 1, 1, 1, 1, 1)], [UnitYear("A", 1, 1, 1, -1.0, 1)])


@pytest.mark.parametrize(
    ("c0", "c1", "y0", "y1", "state"),
    [
        # e = (ΔC/C⁰)/(ΔY/Y⁰); Tapio 2005 Fig. 2, thresholds 0.8 and 1.2
        (100, 90, 100, 110, DecouplingState.STRONG_DECOUPLING),  # −0.1/0.1 = −1
        (100, 105, 100, 120, DecouplingState.WEAK_DECOUPLING),  # 0.05/0.2 = 0.25
        (100, 180, 100, 200, DecouplingState.EXPANSIVE_COUPLING),  # 0.8/1 = 0.8 (inclusive)
        (100, 220, 100, 200, DecouplingState.EXPANSIVE_COUPLING),  # 1.2/1 = 1.2 (inclusive)
        (100, 150, 100, 120, DecouplingState.EXPANSIVE_NEGATIVE_DECOUPLING),  # 0.5/0.2 = 2.5
        (100, 110, 100, 90, DecouplingState.STRONG_NEGATIVE_DECOUPLING),  # 0.1/−0.1 = −1
        (100, 98, 100, 80, DecouplingState.WEAK_NEGATIVE_DECOUPLING),  # −0.02/−0.2 = 0.1
        (100, 80, 100, 80, DecouplingState.RECESSIVE_COUPLING),  # −0.2/−0.2 = 1
        (100, 50, 100, 80, DecouplingState.RECESSIVE_DECOUPLING),  # −0.5/−0.2 = 2.5
    ],
)
def test_tapio_states(c0: float, c1: float, y0: float, y1: float, state: DecouplingState) -> None:
    assert tapio(c0, c1, y0, y1).state is state


def test_tapio_elasticity_value_and_undefined_case() -> None:
    # (105 − 100)/100 ÷ (120 − 100)/100 = 0.05 / 0.2 = 0.25
    assert tapio(100, 105, 100, 120).elasticity == pytest.approx(0.25, rel=1e-12)
    with pytest.raises(NoOutputChange, match="same in both years"):
        tapio(100, 105, 100, 100)


def test_carbon_productivity() -> None:
    # 12 000 × 10⁴ CNY / 3 000 tCO2 = 4 (10⁴ CNY per tCO2)
    assert carbon_productivity(12000, 3000) == 4.0
    assert carbon_productivity(12000, 0) is None
