"""Units and conversions: one pint registry ``ureg`` at the boundary, floats in canonical units inside.

Policy (DESIGN.md §3, STYLE.md §4): meters, workbooks and factor tables state their units as short
strings (``"kWh"``, ``"10^4 Nm3"``, ``"万kWh"``, ``"吨"``, ``"kgce/kWh"``). They are parsed once,
here, with the one registry ``ureg``, and converted to the canonical unit of the carrier
(:data:`zeropark.model.CANONICAL_UNIT`): electricity kWh, heat GJ, solid and liquid fuels t, gaseous
fuels m³. The core never sees a unit string again.

Units added to pint's defaults:

- ``tce`` (吨标准煤), ``kgce``, ``gce``: coal equivalent, a dimension of its own (``[coal_equivalent]``)
  so that an amount of coal equivalent is never silently taken for measured energy of a carrier.
  GB/T 2589-2020 §3 defines 1 kgce = 29 307.6 kJ (7 000 kcal); :func:`tce_to_gj` / :func:`gj_to_tce`
  and the pint context ``"gbt2589"`` apply that definition where it is meant.
- ``tCO2`` / ``tCO2e`` / ``kgCO2`` (dimension ``[co2]``) and ``tC`` / ``kgC`` (``[carbon]``): kept
  apart so that carbon is converted to CO2 only through the stoichiometric 44/12 of the guidelines.
- ``Nm3`` (标准立方米): a normal cubic metre. Gas volumes are metered and invoiced at standard
  conditions; the canonical ``m3`` of a gaseous fuel *is* a normal cubic metre, so ``Nm3`` = ``m**3``.

Chinese unit words are understood: 万 (10⁴), 吨, 千克/公斤, 立方米, 标立方米, 千瓦时/度, 兆瓦时, 吉焦,
兆焦, 吨标准煤/吨标煤, 千克标准煤, and the written forms ``10^4``, ``10⁴``, ``×10⁴``, ``1e4``.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import pint
from pint.facets.plain import PlainQuantity

from zeropark.errors import UnitMismatch, UnknownUnit
from zeropark.model import CANONICAL_UNIT, Carrier

__all__ = [
    "CO2_PER_C",
    "GJ_PER_TCE",
    "HOT_WATER_REFERENCE_C",
    "KJ_PER_KGCE",
    "STEAM_REFERENCE_ENTHALPY_KJ_PER_KG",
    "WATER_SPECIFIC_HEAT_KJ_PER_KG_K",
    "convert",
    "gj_to_tce",
    "hot_water_heat_gj",
    "parse_unit",
    "steam_enthalpy_kj_per_kg",
    "steam_heat_gj",
    "tce_to_gj",
    "to_canonical",
    "ureg",
]

#: Heat value of one kilogram of coal equivalent [kJ/kgce] (GB/T 2589-2020 §3.3: 29 307.6 kJ = 7 000 kcal).
KJ_PER_KGCE = 29_307.6
#: Heat value of one tonne of coal equivalent [GJ/tce] (GB/T 2589-2020; 29 307.6 kJ/kgce × 1 000 kg/t).
GJ_PER_TCE = 29.3076
#: Mass ratio of CO2 to carbon (44/12), the oxidation factor of every fuel-combustion guideline formula.
CO2_PER_C = 44.0 / 12.0
#: Enthalpy of the reference feed water [kJ/kg] in the purchased-steam formula of the NDRC industry
#: guidelines, ``AD = Ma × (En − 83.74) × 10⁻³`` (water at 20 °C).
STEAM_REFERENCE_ENTHALPY_KJ_PER_KG = 83.74
#: Reference temperature [°C] of the purchased hot-water formula ``AD = Ma × (T − 20) × 4.1868 × 10⁻³``.
HOT_WATER_REFERENCE_C = 20.0
#: Specific heat of water [kJ/(kg·K)] used by the same formula.
WATER_SPECIFIC_HEAT_KJ_PER_KG_K = 4.1868

ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(cache_folder=None)
"""The one pint registry of zeropark (FlexMeasures keeps one registry ``ur`` in ``unit_utils.py``)."""

for _definition in (
    "tonne_coal_equivalent = [coal_equivalent] = tce",
    "kilogram_coal_equivalent = 1e-3 * tce = kgce",
    "gram_coal_equivalent = 1e-6 * tce = gce",
    "tonne_co2 = [co2] = tCO2 = tCO2e",
    "kilogram_co2 = 1e-3 * tCO2 = kgCO2 = kgCO2e",
    "tonne_carbon = [carbon] = tC",
    "kilogram_carbon = 1e-3 * tC = kgC",
    "normal_cubic_meter = meter ** 3 = Nm3",
    "cubic_meter_short = meter ** 3 = m3",
    # evaluation slice: money, for carbon productivity [10⁴ CNY/tCO2] in evaluation formulas
    "yuan = [currency] = CNY",
    "ten_thousand_yuan = 1e4 * CNY = wanCNY",
):
    ureg.define(_definition)


def _tce_to_energy(
    ureg: pint.UnitRegistry[Any], value: PlainQuantity[Any], **kwargs: Any
) -> PlainQuantity[Any]:
    converted: PlainQuantity[Any] = value * ureg.Quantity(GJ_PER_TCE, "GJ / tce")
    return converted


def _energy_to_tce(
    ureg: pint.UnitRegistry[Any], value: PlainQuantity[Any], **kwargs: Any
) -> PlainQuantity[Any]:
    converted: PlainQuantity[Any] = value / ureg.Quantity(GJ_PER_TCE, "GJ / tce")
    return converted


_gbt2589 = pint.Context("gbt2589")
_gbt2589.add_transformation("[coal_equivalent]", "[energy]", _tce_to_energy)
_gbt2589.add_transformation("[energy]", "[coal_equivalent]", _energy_to_tce)
ureg.add_context(_gbt2589)

# Longest words first, so that 万千瓦时 is read before 千瓦时 and 吨标准煤 before 吨.
_WORDS: tuple[tuple[str, str], ...] = (
    ("吨标准煤", " tce "),
    ("吨标煤", " tce "),
    ("千克标准煤", " kgce "),
    ("公斤标准煤", " kgce "),
    ("千克标煤", " kgce "),
    ("克标准煤", " gce "),
    ("标准立方米", " Nm3 "),
    ("标立方米", " Nm3 "),
    ("标方", " Nm3 "),
    ("立方米", " m3 "),
    ("千瓦时", " kWh "),
    ("兆瓦时", " MWh "),
    ("吉瓦时", " GWh "),
    ("度", " kWh "),
    ("吉焦", " GJ "),
    ("兆焦", " MJ "),
    ("千焦", " kJ "),
    ("千克", " kg "),
    ("公斤", " kg "),
    ("吨", " t "),
    ("万", " 1e4 "),
    ("亿", " 1e8 "),
)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _normalise(text: str) -> str:
    """Rewrite a human unit string into pint syntax (Chinese words, 10^4 forms, m³)."""
    s = text.strip()
    for word, replacement in _WORDS:
        s = s.replace(word, replacement)
    s = re.sub(r"10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: f" 1e{m.group(1).translate(_SUPERSCRIPTS)} ", s)  # 10⁴
    s = s.translate(_SUPERSCRIPTS).replace("×", " ").replace("·", " * ")  # m³ → m3
    s = re.sub(r"10\s*(\^|\*\*)\s*(-?\d+)", r" 1e\2 ", s)  # 10^4, 10**4 → 1e4
    s = re.sub(r"\b(N?m)\s*\^?\s*3\b", r"\g<1>3", s)  # m^3, m 3 → m3
    s = re.sub(r"\s+", " ", s).strip()
    return s


_POWER = re.compile(r"(\*\*|\^)\s*\(?\s*([-+]?[\d.]*)")
_MAX_UNIT_LENGTH = 80


def _check_powers(norm: str, original: str) -> None:
    """Refuse exponent towers and huge exponents before pint evaluates them (``9**9**9`` hangs)."""
    for match in _POWER.finditer(norm):
        exponent = match.group(2)
        try:
            ok = bool(exponent) and abs(float(exponent)) <= 4
        except ValueError:
            ok = False
        if not ok:
            raise UnknownUnit(original, "powers of units may only be small numbers such as m**3 or m^2")
        rest = norm[match.end() :].lstrip(" )")
        if rest.startswith(("**", "^")):
            raise UnknownUnit(original, "chained powers such as 2**3**4 are not allowed")


def _parse_part(text: str, original: str) -> pint.Quantity[Any]:
    norm = _normalise(text)
    if not norm:
        return ureg.Quantity(1.0, "dimensionless")
    _check_powers(norm, original)
    try:
        parsed = ureg.parse_expression(norm)
    except Exception as exc:  # pint's parser raises many exception types on arbitrary text
        reason = str(exc) or type(exc).__name__
        raise UnknownUnit(original, f"cannot read '{text.strip()}': {reason}") from exc
    quantity = parsed if isinstance(parsed, ureg.Quantity) else ureg.Quantity(parsed, "dimensionless")
    try:
        scale = float(quantity.magnitude)
    except (TypeError, ValueError, OverflowError) as exc:
        raise UnknownUnit(original, f"'{text.strip()}' is not a unit with a numeric scale") from exc
    if not math.isfinite(scale) or scale <= 0:
        raise UnknownUnit(original, f"the scale {scale:g} of '{text.strip()}' must be a positive number")
    return quantity


@lru_cache(maxsize=512)
def parse_unit(unit: str) -> pint.Quantity[Any]:
    """Parse a unit string, with an optional scale, into a pint quantity of magnitude 1 × scale.

    Parameters
    ----------
    unit : str
        E.g. ``"kWh"``, ``"万kWh"``, ``"10^4 Nm3"``, ``"10⁴Nm³"``, ``"GJ/10^4 Nm3"``, ``"kgce/kWh"``,
        ``"吨"``. One ``/`` separates numerator and denominator (each may carry a scale).

    Returns
    -------
    pint.Quantity
        The unit as a quantity, e.g. ``"万kWh"`` → ``10000 kWh``.

    Raises
    ------
    UnknownUnit
        If the string is empty or names a unit the registry does not know.

    Examples
    --------
    >>> parse_unit("10^4 Nm3").to("m3").magnitude
    10000.0
    """
    if not unit or not unit.strip():
        raise UnknownUnit(unit, "the unit is empty")
    if len(unit) > _MAX_UNIT_LENGTH:
        raise UnknownUnit(unit[:20] + "…", f"a unit is at most {_MAX_UNIT_LENGTH} characters")
    numerator, sep, denominator = unit.partition("/")
    q = _parse_part(numerator, unit)
    if sep:
        try:
            q = q / _parse_part(denominator, unit)
        except (ArithmeticError, pint.errors.PintError) as exc:
            raise UnknownUnit(unit, f"cannot divide by '{denominator.strip()}'") from exc
    try:
        scale = float(q.magnitude)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
        raise UnknownUnit(unit, "its scale is not a number") from exc
    if not math.isfinite(scale) or scale <= 0:
        raise UnknownUnit(unit, "its scale is not a positive finite number")
    return q


def convert(value: float, from_unit: str, to_unit: str, context: str = "") -> float:
    """Convert ``value`` from ``from_unit`` to ``to_unit``.

    Parameters
    ----------
    value : float
        Amount in ``from_unit``.
    from_unit, to_unit : str
        Unit strings as accepted by :func:`parse_unit`.
    context : str
        Where the value comes from, quoted in the error message.

    Returns
    -------
    float
        Amount in ``to_unit``.

    Raises
    ------
    UnitMismatch
        If the two units have different dimensions (e.g. ``t`` → ``m3``).

    Examples
    --------
    >>> convert(1.0, "MWh", "kWh")
    1000.0
    """
    source = parse_unit(from_unit)
    target = parse_unit(to_unit)
    try:
        ratio = (source / target).to("dimensionless").magnitude
    except pint.errors.DimensionalityError as exc:
        raise UnitMismatch(from_unit, to_unit, context) from exc
    return float(value * ratio)


def to_canonical(value: float, unit: str, carrier: Carrier) -> float:
    """Convert a quantity of ``carrier`` into its canonical unit (:data:`zeropark.model.CANONICAL_UNIT`).

    Parameters
    ----------
    value : float
        Quantity in ``unit``.
    unit : str
        Unit as stated by the meter or document, e.g. ``"10^4 Nm3"``, ``"万kWh"``, ``"吨"``.
    carrier : Carrier
        The energy carrier; fixes the target unit (kWh, GJ, t or m³).

    Returns
    -------
    float
        Quantity in ``CANONICAL_UNIT[carrier]``.

    Raises
    ------
    UnitMismatch
        If ``unit`` is of another dimension than the canonical unit (e.g. tonnes of steam: convert
        them with :func:`steam_heat_gj` first; tce: coal equivalent is a result, not an amount of a
        carrier).

    Examples
    --------
    >>> to_canonical(100.0, "10^4 Nm3", Carrier.NATURAL_GAS)
    1000000.0
    >>> to_canonical(2.0, "MWh", Carrier.ELECTRICITY)
    2000.0
    """
    target = CANONICAL_UNIT[carrier]
    hint = f"carrier {carrier.value}"
    if carrier in (Carrier.STEAM, Carrier.HOT_WATER):
        hint += (
            "; steam and hot water are accounted as heat — give GJ (from a steam mass: "
            "GJ = t × (enthalpy kJ/kg − 83.74) / 1000; hot water: GJ = t × (°C − 20) × 4.1868 / 1000)"
        )
    return convert(value, unit, target, hint)


def tce_to_gj(tce: float) -> float:
    """Heat value of an amount of coal equivalent [GJ] (GB/T 2589-2020: 1 tce = 29.3076 GJ).

    Examples
    --------
    >>> tce_to_gj(1.0)
    29.3076
    """
    return tce * GJ_PER_TCE


def gj_to_tce(gj: float) -> float:
    """Coal equivalent of an amount of heat [tce] (GB/T 2589-2020: 1 tce = 29.3076 GJ)."""
    return gj / GJ_PER_TCE


def steam_enthalpy_kj_per_kg(pressure_mpa: float, temperature_c: float | None = None) -> float:
    """Specific enthalpy of steam [kJ/kg] from IAPWS-IF97 (library ``iapws``).

    Parameters
    ----------
    pressure_mpa : float
        Absolute pressure [MPa] (gauge pressure + 0.101325).
    temperature_c : float, optional
        Temperature [°C]. ``None`` = saturated vapour (quality 1) at ``pressure_mpa``.

    Returns
    -------
    float
        Specific enthalpy [kJ/kg].

    Raises
    ------
    ValueError
        If the state is outside IAPWS-IF97 or is not steam (temperature below saturation).

    References
    ----------
    .. [1] IAPWS R7-97(2012), Revised Release on the IAPWS Industrial Formulation 1997.

    Examples
    --------
    >>> round(steam_enthalpy_kj_per_kg(1.0, 250.0), 1)
    2943.2
    """
    from iapws import IAPWS97  # pulls in scipy (≈ 0.2 s): loaded on the first steam conversion only

    if pressure_mpa <= 0 or not math.isfinite(pressure_mpa):
        raise ValueError(
            f"steam pressure must be a positive absolute pressure in MPa, {pressure_mpa} was given"
        )
    if temperature_c is None:
        state = IAPWS97(P=pressure_mpa, x=1.0)
    else:
        state = IAPWS97(P=pressure_mpa, T=temperature_c + 273.15)
        if state.region == 1:
            raise ValueError(
                f"{temperature_c} °C at {pressure_mpa} MPa is liquid water, not steam; "
                "check the pressure (absolute, MPa) and the temperature, or use hot_water_heat_gj"
            )
    if not state.status or state.h is None:  # IAPWS97.status: 0 = not calculable, 1 = solved
        raise ValueError(f"state {pressure_mpa} MPa, {temperature_c} °C is outside IAPWS-IF97")
    return float(state.h)


def steam_heat_gj(mass_t: float, pressure_mpa: float, temperature_c: float | None = None) -> float:
    """Heat of purchased steam [GJ] from its mass, pressure and temperature.

    Parameters
    ----------
    mass_t : float
        Steam mass [t].
    pressure_mpa : float
        Absolute pressure [MPa].
    temperature_c : float, optional
        Temperature [°C]; ``None`` = saturated steam.

    Returns
    -------
    float
        Heat [GJ].

    Notes
    -----
    AD_st = Ma_st × (En_st − 83.74) × 10⁻³ with Ma_st in t and En_st in kJ/kg (NDRC 2013–2015 industry
    guidelines, purchased heat); En_st from IAPWS-IF97.

    Examples
    --------
    >>> round(steam_heat_gj(100.0, 1.0, 250.0), 3)
    285.948
    """
    enthalpy = steam_enthalpy_kj_per_kg(pressure_mpa, temperature_c)
    return mass_t * (enthalpy - STEAM_REFERENCE_ENTHALPY_KJ_PER_KG) * 1e-3


def hot_water_heat_gj(mass_t: float, temperature_c: float) -> float:
    """Heat of purchased hot water [GJ]: AD_w = Ma_w × (T_w − 20) × 4.1868 × 10⁻³ (NDRC guidelines).

    Parameters
    ----------
    mass_t : float
        Hot-water mass [t].
    temperature_c : float
        Supply temperature [°C].

    Examples
    --------
    >>> round(hot_water_heat_gj(1000.0, 90.0), 3)
    293.076
    """
    return mass_t * (temperature_c - HOT_WATER_REFERENCE_C) * WATER_SPECIFIC_HEAT_KJ_PER_KG_K * 1e-3
