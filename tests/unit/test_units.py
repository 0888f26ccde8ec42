"""zeropark.units: unit strings, canonical conversion, coal equivalent, steam heat."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeropark.errors import UnitMismatch
from zeropark.model import CANONICAL_UNIT, Carrier
from zeropark.units import (
    GJ_PER_TCE,
    convert,
    gj_to_tce,
    hot_water_heat_gj,
    parse_unit,
    steam_enthalpy_kj_per_kg,
    steam_heat_gj,
    tce_to_gj,
    to_canonical,
    ureg,
)

amounts = st.floats(min_value=0.0, max_value=1e12, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("value", "unit", "carrier", "expected"),
    [
        (1.0, "kWh", Carrier.ELECTRICITY, 1.0),  # identity
        (2.0, "MWh", Carrier.ELECTRICITY, 2_000.0),  # 1 MWh = 1 000 kWh
        (1.5, "万kWh", Carrier.ELECTRICITY, 15_000.0),  # 万 = 10^4
        (3.0, "万千瓦时", Carrier.ELECTRICITY, 30_000.0),  # Chinese words
        (7.0, "度", Carrier.ELECTRICITY, 7.0),  # 1 度 = 1 kWh
        (100.0, "10^4 Nm3", Carrier.NATURAL_GAS, 1_000_000.0),  # worked example 4.1: 100 ×10⁴Nm³
        (1.0, "10⁴Nm³", Carrier.NATURAL_GAS, 10_000.0),  # superscripts as printed in the guidelines
        (1.0, "×10⁴ Nm³", Carrier.NATURAL_GAS, 10_000.0),
        (2.0, "1e4 m3", Carrier.NATURAL_GAS, 20_000.0),
        (2.0, "万Nm3", Carrier.NATURAL_GAS, 20_000.0),
        (2.0, "万立方米", Carrier.COKE_OVEN_GAS, 20_000.0),
        (5.0, "m³", Carrier.WATER, 5.0),
        (100.0, "吨", Carrier.DIESEL, 100.0),  # 吨 = t
        (2_500.0, "kg", Carrier.DIESEL, 2.5),  # 1 t = 1 000 kg
        (3.0, "公斤", Carrier.LPG, 0.003),
        (1_000.0, "MJ", Carrier.STEAM, 1.0),  # 1 GJ = 1 000 MJ
        (1.0, "MWh", Carrier.HOT_WATER, 3.6),  # 1 MWh = 3.6 GJ
        (2.0, "吉焦", Carrier.STEAM, 2.0),
        (1.0, "100kg", Carrier.DIESEL, 0.1),  # a scale that is not a power of ten: 100 kg
        (1.0, "100 kg", Carrier.DIESEL, 0.1),
        (1.0, "10 t", Carrier.DIESEL, 10.0),
        (1.0, "10⁸ kWh", Carrier.ELECTRICITY, 1e8),
        (1.0, "亿千瓦时", Carrier.ELECTRICITY, 1e8),  # 亿 = 10^8
        (2.0, "万吨", Carrier.RAW_COAL, 20_000.0),
        (1.0, "10**4 m^3", Carrier.NATURAL_GAS, 10_000.0),
    ],
)
def test_to_canonical(value: float, unit: str, carrier: Carrier, expected: float) -> None:
    assert to_canonical(value, unit, carrier) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("unit", "carrier", "match"),
    [
        ("t", Carrier.NATURAL_GAS, r"unit 't' cannot be converted to 'm3' \(carrier natural_gas\)"),
        ("m3", Carrier.DIESEL, "cannot be converted to 't'"),
        # coal equivalent is a result, never an amount of a carrier
        ("tce", Carrier.ELECTRICITY, "cannot be converted to 'kWh'"),
        # tonnes of steam need the heat: the formula in words, not a pointer to a Python function
        ("t", Carrier.STEAM, r"give GJ \(from a steam mass: GJ = t × \(enthalpy kJ/kg − 83\.74\) / 1000"),
        ("foobar", Carrier.ELECTRICITY, "unknown unit 'foobar'"),
        ("", Carrier.ELECTRICITY, "the unit is empty"),
    ],
)
def test_to_canonical_rejects(unit: str, carrier: Carrier, match: str) -> None:
    with pytest.raises(UnitMismatch, match=match):
        to_canonical(1.0, unit, carrier)


def test_every_canonical_unit_parses() -> None:
    for carrier, unit in CANONICAL_UNIT.items():
        assert to_canonical(1.0, unit, carrier) == 1.0


@pytest.mark.parametrize(
    ("value", "from_unit", "to_unit", "expected"),
    [
        # GB/T 2589-2020: electricity 当量值 0.1229 kgce/kWh = 0.0001229 tce/kWh
        (0.1229, "kgce/kWh", "tce/kWh", 0.0001229),
        # heat 当量值 0.03412 kgce/MJ = 0.03412 tce/GJ (kg/t and MJ/GJ cancel)
        (0.03412, "kgce/MJ", "tce/GJ", 0.03412),
        # natural gas NCV 389.31 GJ/10⁴Nm³ = 0.038931 GJ/m³
        (389.31, "GJ/10^4 Nm3", "GJ/m3", 0.038931),
        # MEE factor 0.5366 kgCO2/kWh = 0.5366 tCO2/MWh
        (0.5366, "kgCO2/kWh", "tCO2/MWh", 0.5366),
        # carbon content 15.3 tC/TJ = 0.0153 tC/GJ
        (15.3, "tC/TJ", "tC/GJ", 0.0153),
        (94.0, "%", "1", 0.94),
        (300.7, "gce/kWh", "tce/kWh", 0.0003007),
        (1.0, "万吨标准煤", "tce", 10_000.0),
    ],
)
def test_convert_factor_units(value: float, from_unit: str, to_unit: str, expected: float) -> None:
    assert convert(value, from_unit, to_unit) == pytest.approx(expected, rel=1e-12)


def test_carbon_is_not_co2() -> None:
    # tC → tCO2 goes through 44/12 in the formula, never through a unit conversion
    with pytest.raises(UnitMismatch):
        convert(1.0, "tC", "tCO2")


def test_gj_per_tce_is_gbt2589() -> None:
    # GB/T 2589-2020: 1 kgce = 29 307.6 kJ → 1 tce = 29 307.6 kJ × 1 000 = 29.3076 GJ
    assert GJ_PER_TCE == 29_307.6 * 1_000 / 1e6
    assert tce_to_gj(1.0) == 29.3076
    assert ureg.Quantity(1.0, "tce").to("GJ", "gbt2589").magnitude == pytest.approx(29.3076)
    # electricity 当量值: 3 600 kJ/kWh ÷ 29 307.6 kJ/kgce = 0.12284 kgce/kWh (standard prints 0.1229)
    assert gj_to_tce(3.6e-3) * 1_000 == pytest.approx(0.12284, abs=5e-6)


@given(amounts)
def test_mwh_kwh_round_trip(x: float) -> None:
    assert convert(convert(x, "MWh", "kWh"), "kWh", "MWh") == pytest.approx(x, rel=1e-12)
    assert convert(x, "MWh", "kWh") == pytest.approx(1_000 * x, rel=1e-12)


@given(amounts)
def test_1e4_nm3_round_trip(x: float) -> None:
    m3 = to_canonical(x, "10^4 Nm3", Carrier.NATURAL_GAS)
    assert m3 == pytest.approx(10_000 * x, rel=1e-12)
    assert convert(m3, "m3", "万Nm3") == pytest.approx(x, rel=1e-12)


@given(amounts)
def test_tce_gj_round_trip(x: float) -> None:
    assert gj_to_tce(tce_to_gj(x)) == pytest.approx(x, rel=1e-12)
    assert ureg.Quantity(x, "GJ").to("tce", "gbt2589").magnitude == pytest.approx(gj_to_tce(x), rel=1e-12)


@given(amounts, amounts)
def test_to_canonical_is_linear(a: float, b: float) -> None:
    # conversion of a sum = sum of conversions (no offsets in energy units)
    total = to_canonical(a + b, "万kWh", Carrier.ELECTRICITY)
    assert total == pytest.approx(
        to_canonical(a, "万kWh", Carrier.ELECTRICITY) + to_canonical(b, "万kWh", Carrier.ELECTRICITY),
        rel=1e-9,
        abs=1e-9,
    )


@given(st.sampled_from(["kWh", "MWh", "GJ", "MJ", "万kWh"]), amounts)
def test_energy_units_round_trip(unit: str, x: float) -> None:
    kwh = convert(x, unit, "kWh")
    assert convert(kwh, "kWh", unit) == pytest.approx(x, rel=1e-12)


def test_steam_enthalpy_matches_steam_tables() -> None:
    # Superheated steam 1.0 MPa, 250 °C: h = 2943.1 kJ/kg (Çengel & Boles, Table A-6, IAPWS-95);
    # IF97 gives 2943.2 — within 0.5 kJ/kg.
    assert steam_enthalpy_kj_per_kg(1.0, 250.0) == pytest.approx(2943.1, abs=0.5)
    # Saturated vapour at 1.0 MPa: h_g = 2777.1 kJ/kg (Çengel & Boles, Table A-5)
    assert steam_enthalpy_kj_per_kg(1.0) == pytest.approx(2777.1, abs=0.5)


def test_steam_heat_gj_guideline_formula() -> None:
    # AD = Ma × (En − 83.74) × 10⁻³ = 100 t × (2943.22 − 83.74) kJ/kg × 10⁻³ = 285.95 GJ
    h = steam_enthalpy_kj_per_kg(1.0, 250.0)
    assert steam_heat_gj(100.0, 1.0, 250.0) == pytest.approx(100.0 * (h - 83.74) * 1e-3)
    assert steam_heat_gj(100.0, 1.0, 250.0) == pytest.approx(285.95, abs=0.05)


def test_steam_rejects_liquid_and_bad_pressure() -> None:
    with pytest.raises(ValueError, match="liquid water, not steam"):
        steam_enthalpy_kj_per_kg(1.0, 100.0)
    with pytest.raises(ValueError, match="positive absolute pressure"):
        steam_enthalpy_kj_per_kg(-0.1, 200.0)


def test_hot_water_heat() -> None:
    # AD_w = Ma × (T − 20) × 4.1868 × 10⁻³ = 1 000 t × 70 K × 4.1868 × 10⁻³ = 293.076 GJ
    assert hot_water_heat_gj(1_000.0, 90.0) == pytest.approx(293.076)


def test_parse_unit_is_cached_and_scaled() -> None:
    q = parse_unit("10^4 Nm3")
    assert math.isclose(q.to("m3").magnitude, 10_000.0)
    assert parse_unit("10^4 Nm3") is q


@given(st.text(max_size=24))
def test_any_text_parses_or_raises_unit_mismatch(text: str) -> None:
    # user-typed units never crash with anything but a UnitMismatch naming the unit
    try:
        parse_unit(text)
    except UnitMismatch as exc:
        assert exc.unit == text


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("2**3**4", "chained powers"),  # 9**9**9 would make pint compute a 370-million-digit integer
        ("9**9**9", "powers of units may only be small numbers"),
        ("10**99999 kWh", "must be a positive number"),  # read as 1e99999 = inf
        ("m^x", "powers of units may only be small numbers"),
        ("0 kWh", "must be a positive number"),
        ("1e999 kWh", "must be a positive number"),
        ("kWh/0", "scale"),
        ("k" * 100, "at most 80 characters"),
    ],
)
def test_parse_unit_refuses_hostile_input(text: str, match: str) -> None:
    with pytest.raises(UnitMismatch, match=match):
        parse_unit(text)


def test_docstring_examples() -> None:
    import doctest

    import zeropark.units

    result = doctest.testmod(zeropark.units)
    assert result.attempted >= 8 and result.failed == 0
