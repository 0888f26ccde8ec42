"""Product carbon footprint (ISO 14067:2018 cradle-to-gate) and CBAM SEE: hand-computed cases."""

from __future__ import annotations

import math

import pytest

from zeropark.accounting.lineitems import Category, FactorUse, LineItem, Scope2Basis
from zeropark.errors import AllocationExceeds, AllocationIncomplete, NotCbamGood, ValidationError
from zeropark.footprint import cbam
from zeropark.footprint.product import (
    Allocation,
    AllocationRule,
    EnterpriseInventory,
    MaterialFactor,
    MaterialUse,
    Part,
    Product,
    builtin_materials,
    check_shares,
    enterprise_inventory,
    footprint,
    footprint_sources,
    parse_materials,
    resolve_shares,
)
from zeropark.model import Carrier, Method

STEEL = MaterialFactor("steel", "钢材", "steel", 2.0, "tCO2e/t", 30.0, "cpcd_2022")
A = Product("A", "E1", "钢构件", "t")
INV = EnterpriseInventory(
    "E1",
    {Part.DIRECT: 1000.0, Part.ELECTRICITY: 500.0, Part.HEAT: 0.0},
    {Part.DIRECT: 5.0, Part.ELECTRICITY: 10.0, Part.HEAT: 0.0},
)


def test_mass_allocation_shares() -> None:
    # mass 300 t and 100 t: share A = 300 / 400 = 0.75, B = 0.25 (ISO 14067 §6.4.6.2 step 2)
    shares = resolve_shares(
        [Allocation("A", AllocationRule.MASS, basis=300.0), Allocation("B", AllocationRule.MASS, basis=100.0)]
    )
    assert shares["A"][Part.DIRECT] == pytest.approx(0.75)
    assert shares["B"][Part.HEAT] == pytest.approx(0.25)
    check_shares("E1", shares, complete=True)


def test_footprint_reference_case() -> None:
    """direct 1000 ±5 %, electricity 500 ±10 %, share 0.75, steel 100 t × 2.0 ±30 %, 300 t made.

    E = 0.75·1000 + 0.75·500 + 100·2.0 = 750 + 375 + 200 = 1325 tCO2e; per t = 1325/300 = 4.41667
    U = sqrt((0.05·750)² + (0.10·375)² + (0.30·200)²) = sqrt(1406.25 + 1406.25 + 3600) = 80.0781
      = 6.0436 % of 1325 (IPCC 2006 Vol.1 eq. 3.2)
    """
    shares = dict.fromkeys((Part.DIRECT, Part.ELECTRICITY, Part.HEAT), 0.75)
    fp = footprint(A, 2024, 300.0, AllocationRule.MASS, shares, INV, [MaterialUse("A", STEEL, 100.0)])
    assert fp.total_tco2e == pytest.approx(1325.0)
    assert fp.per_unit_tco2e == pytest.approx(1325.0 / 300.0)
    assert fp.half_width_pct == pytest.approx(100 * math.sqrt(6412.5) / 1325.0)
    assert fp.half_width_pct == pytest.approx(6.0436, abs=1e-4)
    assert fp.low_tco2e < fp.per_unit_tco2e < fp.high_tco2e
    assert [c.key for c in fp.contributions] == ["direct", "electricity", "material:steel"]
    d = fp.to_dict()
    assert d["per_unit_unit"] == "tCO2e/t" and d["functional_unit"] == "1 t"


def test_same_factor_is_one_correlated_error() -> None:
    # two steel purchases 50 t + 50 t are one term: 100 t × 2.0 = 200 ± 30 % (not ±21.2 %)
    uses = [MaterialUse("A", STEEL, 50.0), MaterialUse("A", STEEL, 50.0)]
    fp = footprint(A, 2024, 10.0, AllocationRule.METERED, {}, INV, uses)
    assert fp.total_tco2e == pytest.approx(200.0)
    assert fp.half_width_pct == pytest.approx(30.0)


def test_shares_over_100_pct_is_named() -> None:
    # metered direct shares 0.7 + 0.4 = 1.1 → 110 %
    shares = {"A": {Part.DIRECT: 0.7}, "B": {Part.DIRECT: 0.4}}
    with pytest.raises(
        AllocationExceeds, match=r"direct emissions allocated to products A, B add up to 110 %"
    ):
        check_shares("E1", shares, complete=False)


def test_shares_not_covering_is_named_when_computing() -> None:
    shares = {"A": {Part.DIRECT: 0.7, Part.ELECTRICITY: 1.0, Part.HEAT: 1.0}, "B": {Part.DIRECT: 0.2}}
    check_shares("E1", shares, complete=False)  # storing a partial allocation is fine
    with pytest.raises(AllocationIncomplete, match=r"direct emissions .* add up to 90 %"):
        check_shares("E1", shares, complete=True)


def test_production_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        footprint(A, 2024, 0.0, AllocationRule.MASS, {}, INV)


def _line(cat: Category, scope: int, emissions: float, activity: float, ent: str = "E1") -> LineItem:
    return LineItem(
        id=f"{cat}-{ent}",
        method=Method.GHG,
        category=cat,
        scope=scope,
        enterprise_id=ent,
        zone_id=None,
        carrier=Carrier.ELECTRICITY,
        month=None,
        activity=activity,
        activity_unit="kWh",
        factors=(FactorUse("f", "EF", 1.0, "x", "s", uncertainty_pct=None),),
        emissions_tco2e=emissions,
        energy_tce=0.0,
        formula="",
        activity_uncertainty_pct=2.0,
        basis=Scope2Basis.LOCATION if scope == 2 else None,
    )


def test_enterprise_inventory_from_line_items() -> None:
    lines = [
        _line(Category.FUEL_COMBUSTION, 1, 100.0, 0.0),
        _line(Category.PROCESS, 1, 50.0, 0.0),
        _line(Category.PURCHASED_ELECTRICITY, 2, 58.1, 100_000.0),
        _line(Category.PURCHASED_ELECTRICITY, 2, 999.0, 1.0, ent="E2"),  # another enterprise: ignored
    ]
    inv = enterprise_inventory(lines, "E1")
    assert inv.tco2e[Part.DIRECT] == pytest.approx(150.0)
    assert inv.tco2e[Part.ELECTRICITY] == pytest.approx(58.1)
    assert inv.electricity_mwh == pytest.approx(100.0)  # 100 000 kWh / 1000
    # direct: sqrt((0.02·100)² + (0.02·50)²) = sqrt(5) = 2.2361 → 1.4907 % of 150
    assert inv.half_width_pct[Part.DIRECT] == pytest.approx(100 * math.sqrt(5.0) / 150.0)


def test_builtin_materials_cite_a_source_and_say_uncertain() -> None:
    table = builtin_materials()
    assert {
        "steel_bof",
        "aluminium_primary",
        "cement_clinker",
        "caustic_soda",
        "pet_resin",
        "flat_glass",
    } <= set(table)
    sources = footprint_sources()
    for m in table.values():
        assert m.source_id in sources
        # every recalled value is flagged until it is checked at the source
        assert m.uncertain or sources[m.source_id].confidence.value != "UNCERTAIN"


def test_bad_material_table_is_named() -> None:
    text = "id,name_zh,name_en,value,unit,uncertainty_pct,source_id,note\nx,a,b,-1,tCO2e/t,,cpcd_2022,\n"
    with pytest.raises(ValidationError, match="column 'value'"):
        parse_materials(text, "m.csv", ["cpcd_2022"])


# --- CBAM -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cn", "sector", "category"),
    [
        ("7208 51 20", "iron_steel", "iron_steel_products"),  # heading 7208, Annex I
        ("72071111", "iron_steel", "crude_steel"),
        ("25231000", "cement", "cement_clinker"),
        ("31021010", "fertilisers", "urea"),  # 3102 10 beats 3102
        ("76011000", "aluminium", "unwrought_aluminium"),
        ("28041000", "hydrogen", "hydrogen"),
        ("27160000", "electricity", "electricity"),
    ],
)
def test_cn_code_to_cbam_good(cn: str, sector: str, category: str) -> None:
    good = cbam.cbam_good(cn)
    assert (good.sector, good.category) == (sector, category)


@pytest.mark.parametrize("cn", ["31056000", "7615 10 10", "3901", "abc", "72"])
def test_cn_code_outside_cbam_is_named(cn: str) -> None:
    # 3105 60 00 is carved out of Annex I; 7615 (household articles of aluminium) is not listed
    with pytest.raises(NotCbamGood, match="is not a CBAM good"):
        cbam.cbam_good(cn)


def test_see_steel_by_hand() -> None:
    """Hot-rolled coil 7208: AL 1000 t, AttrEm_dir 1800 t, slab precursor 1050 t (2.0 / 0.3), 150 MWh × 0.581.

    SEE_dir = (1800 + 1050·2.0) / 1000 = 3.9 tCO2e/t
    SEE_indir = (150·0.581 + 1050·0.3) / 1000 = (87.15 + 315) / 1000 = 0.40215 tCO2e/t
    definitive period: steel counts direct only → 3.9; transitional: 3.9 + 0.40215 = 4.30215
    """
    good = cbam.cbam_good("72085120")
    slab = cbam.Precursor("72071111", 1050.0, 2.0, 0.3)
    kw = {
        "activity_level_t": 1000.0,
        "attributed_direct_tco2e": 1800.0,
        "electricity_mwh": 150.0,
        "ef_el_tco2_per_mwh": 0.581,
        "precursors": [slab],
    }
    see = cbam.specific_embedded_emissions(good, **kw)  # type: ignore[arg-type]
    assert see.direct == pytest.approx(3.9)
    assert see.indirect == pytest.approx(0.40215)
    assert not see.indirect_counted and see.total == pytest.approx(3.9)
    trans = cbam.specific_embedded_emissions(good, period=cbam.Period.TRANSITIONAL, **kw)  # type: ignore[arg-type]
    assert trans.total == pytest.approx(4.30215)


def test_see_cement_clinker_by_hand() -> None:
    """Clinker: AL 10 000 t, AttrEm_dir 8500 t, 600 MWh × 0.581 tCO2/MWh.

    SEE_dir = 8500 / 10000 = 0.85; SEE_indir = 348.6 / 10000 = 0.03486; cement counts both: 0.88486
    """
    see = cbam.specific_embedded_emissions(
        cbam.cbam_good("25231000"),
        activity_level_t=10_000.0,
        attributed_direct_tco2e=8500.0,
        electricity_mwh=600.0,
        ef_el_tco2_per_mwh=0.581,
    )
    assert (see.direct, see.indirect) == (pytest.approx(0.85), pytest.approx(0.03486))
    assert see.indirect_counted and see.total == pytest.approx(0.88486)
    assert see.electricity_mwh_per_t == pytest.approx(0.06)


def test_default_values_are_data_and_uncertain() -> None:
    defaults = cbam.builtin_defaults()
    d = cbam.default_see("72085120", defaults)
    assert d is not None and d.prefix == "7208" and d.uncertain
    see = cbam.default_emissions(cbam.cbam_good("72085120"), d, activity_level_t=1.0)
    assert see.basis is cbam.Basis.DEFAULT and see.total == pytest.approx(d.direct)
    assert cbam.default_see("27160000", defaults) is None
    with pytest.raises(ValidationError, match="direct_tco2e_per_t"):
        cbam.parse_defaults(
            "cn,direct_tco2e_per_t,indirect_tco2e_per_t,source_id,note\n7208,x,1,eu_2023_956,\n", "d"
        )
