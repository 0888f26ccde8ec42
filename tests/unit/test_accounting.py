"""Unit tests of zeropark.accounting: special cases, claims, internal transfers, determinism, round trip.

Every expected value is worked by hand in a comment from the factors of CN-park-2025 (ACCOUNTING.md §2).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zeropark.accounting import (
    PUBLIC_FACILITIES,
    AccountingOptions,
    Category,
    ExportRule,
    GapKind,
    Inventory,
    NegativeNetInflow,
    OnsiteRenewables,
    ShareStatus,
    input_fingerprint,
    run,
)
from zeropark.accounting.reconcile import park_vs_parties
from zeropark.errors import AccountingError, DoubleClaim
from zeropark.factors import load_factor_set
from zeropark.model import (
    AccountingInput,
    Carrier,
    ClaimKind,
    Enterprise,
    Flow,
    GreenPowerClaim,
    Method,
    MonthlyQuantity,
    Park,
    Transfer,
)

YEAR = 2025
JAN = date(YEAR, 1, 1)
PARK = Park(id="P", name="测试园区", province="江苏", grid_region="华东", latitude=31.0, longitude=120.0)
FACTORS = load_factor_set("CN-park-2025")


def q(
    carrier: Carrier,
    flow: Flow,
    quantity: float,
    enterprise: str | None = None,
    month: date = JAN,
    **kw: object,
) -> MonthlyQuantity:
    return MonthlyQuantity(
        enterprise_id=enterprise,
        carrier=carrier,
        flow=flow,
        month=month,
        quantity=quantity,
        evidence=(f"m-{enterprise or 'park'}-{carrier.value}-{flow.value}",),
        **kw,  # type: ignore[arg-type]
    )


def ent(eid: str, zone: str | None = None, public: bool = False) -> Enterprise:
    return Enterprise(
        id=eid,
        park_id="P",
        name=eid,
        uscc=f"91320000{eid}",
        industry_code="C26",
        zone_id=zone,
        is_public_facility=public,
    )


def inputs(*quantities: MonthlyQuantity, **kw: object) -> AccountingInput:
    enterprises = kw.pop("enterprises", ())
    return AccountingInput(park=PARK, year=YEAR, enterprises=enterprises, quantities=quantities, **kw)  # type: ignore[arg-type]


def claim(cid: str, kind: ClaimKind, mwh: float, owner: str | None = None, **kw: object) -> GreenPowerClaim:
    base = GreenPowerClaim(cid, kind, mwh, date(YEAR, 1, 1), date(YEAR, 12, 31), owner, YEAR)
    return replace(base, **kw)  # type: ignore[arg-type]


# -- fuels -----------------------------------------------------------------------------------------
def test_fuel_default_ncv_cc_of() -> None:
    """Raw coal 1 000 t with defaults (ACCOUNTING.md §2.2): 1 000 × 20.908 GJ/t × 0.02637 tC/GJ × 0.94 × 44/12
    = 1 900.299 tCO2 (EF 1.9003 t/t, ACCOUNTING.md §2.2);
    energy 1 000 t × 0.7143 tce/t = 714.30 tce (GB/T 2589 Table A.1)."""
    inv = run(inputs(q(Carrier.RAW_COAL, Flow.COMBUSTION, 1000.0)), FACTORS)
    line = inv.lines[0]
    assert line.emissions_tco2e == pytest.approx(1000 * 20.908 * 0.02637 * 0.94 * 44 / 12, rel=1e-9)
    assert line.emissions_tco2e == pytest.approx(1900.30, abs=0.005)
    assert line.energy_tce == pytest.approx(714.30, abs=1e-6)
    assert "1 000 t × 20.908 GJ/t × 0.02637 tC/GJ × 0.94 × 44/12 = 1 900.30 tCO2" in line.formula


def test_fuel_measured_ncv_and_cc_override_defaults() -> None:
    """Measured (实测) NCV 22.5 GJ/t and CC 0.0265 tC/GJ override the defaults; OF stays 0.94:
    1 000 × 22.5 × 0.0265 × 0.94 × 44/12 = 2 055.08 tCO2; energy by measured NCV (GB/T 2589):
    1 000 × 22.5 / 29.3076 = 767.72 tce."""
    qty = q(Carrier.RAW_COAL, Flow.COMBUSTION, 1000.0, ncv_gj_per_unit=22.5, carbon_content_tc_per_gj=0.0265)
    inv = run(inputs(qty), FACTORS)
    line = inv.lines[0]
    assert line.emissions_tco2e == pytest.approx(2055.075, abs=1e-3)
    assert line.energy_tce == pytest.approx(767.72, abs=0.005)
    symbols = {f.symbol: f for f in line.factors}
    assert symbols["NCV"].source.startswith("实测") and symbols["CC"].source.startswith("实测")
    assert symbols["OF"].id == "fuel.raw_coal.of"


def test_feedstock_zero_co2_counted_in_energy() -> None:
    """Natural gas as feedstock (用作原料): 0 CO2 (核算方法 1.2a);
    energy 100 000 m³ × 1.2143 kgce/m³ = 121.43 tce."""
    inv = run(inputs(q(Carrier.NATURAL_GAS, Flow.FEEDSTOCK, 100_000.0)), FACTORS)
    assert inv.total_tco2e == 0.0
    assert inv.energy_tce == pytest.approx(121.43, abs=1e-6)
    assert inv.lines[0].category is Category.FEEDSTOCK


def test_international_bunker_listed_separately_not_deducted() -> None:
    """Kerosene for international flights, 10 t: 10 × 43.070 × 0.0196 × 0.98 × 44/12 = 30.33 tCO2, in the
    total and listed under international_bunker (核算方法 1.2a)."""
    inv = run(inputs(q(Carrier.KEROSENE, Flow.INTERNATIONAL_BUNKER, 10.0)), FACTORS)
    expected = 10 * 43.070 * 0.0196 * 0.98 * 44 / 12
    assert inv.international_bunker_tco2e == pytest.approx(expected, rel=1e-9)
    assert inv.total_tco2e == pytest.approx(expected, rel=1e-9)


def test_process_emissions() -> None:
    """Limestone 500 t × 0.440 tCO2/t = 220 tCO2 (NDRC steel guideline, process.limestone.cn)."""
    qty = q(Carrier.MATERIAL, Flow.PROCESS, 500.0, factor_id="process.limestone.cn")
    inv = run(inputs(qty), FACTORS)
    assert inv.by_source == {"process": pytest.approx(220.0)}
    assert inv.energy_tce == 0.0


def test_process_without_factor_is_an_error() -> None:
    with pytest.raises(AccountingError, match="needs factor_id"):
        run(inputs(q(Carrier.MATERIAL, Flow.PROCESS, 500.0)), FACTORS)


# -- electricity, claims ---------------------------------------------------------------------------
def test_location_vs_market_with_gec() -> None:
    """1 000 MWh from the grid, a 300 MWh GEC (2025 → 2023 factors, ACCOUNTING.md §2.4):
    location 1 000 × 0.5306 = 530.60 tCO2 (certificates ignored); market 300 × 0 + 700 × 0.6096
    = 426.72 tCO2. National: 700 × 0.8325 = 582.75 tCO2."""
    data = inputs(
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0), claims=(claim("GEC-1", ClaimKind.GEC, 300.0),)
    )
    g = run(data, FACTORS, AccountingOptions(method=Method.GHG))
    assert g.total_tco2e == pytest.approx(530.60, abs=1e-6)
    assert g.total_market_tco2e == pytest.approx(426.72, abs=1e-6)
    n = run(data, FACTORS)
    assert n.total_tco2e == pytest.approx(582.75, abs=1e-6)
    green = [li for li in n.lines if li.category is Category.GREEN_POWER]
    assert (
        len(green) == 1 and green[0].activity == pytest.approx(300_000.0) and green[0].emissions_tco2e == 0.0
    )


def test_claims_capped_at_grid_purchases_direct_first() -> None:
    """Grid 1 000 MWh; direct 600 MWh + GEC 700 MWh = 1 300 MWh > cap 1 000: direct counts fully, the GEC
    only 400 MWh; 300 MWh are reported in a claim_capped gap; electricity emissions 0."""
    data = inputs(
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0),
        claims=(claim("GEC-9", ClaimKind.GEC, 700.0), claim("DIR-1", ClaimKind.DIRECT, 600.0)),
    )
    inv = run(data, FACTORS)
    assert inv.total_tco2e == pytest.approx(0.0, abs=1e-9)
    capped = [g for g in inv.gaps if g.kind is GapKind.CLAIM_CAPPED]
    assert capped and capped[0].magnitude == pytest.approx(300.0) and capped[0].rows == ("GEC-9",)
    assert inv.electricity["green_applied_kwh"] == pytest.approx(1_000_000.0)


def test_certificate_claimed_twice_is_rejected() -> None:
    """ACCOUNTING.md §4.5 rule 3: the same MWh may be claimed once — the same GEC id held by two owners."""
    data = inputs(
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0, enterprise="E1"),
        enterprises=(ent("E1"), ent("E2")),
        claims=(
            claim("GEC-7", ClaimKind.GEC, 100.0, owner="E1"),
            claim("GEC-7", ClaimKind.GEC, 100.0, owner="E2"),
        ),
    )
    with pytest.raises(DoubleClaim, match="GEC-7.*appears 2 times"):
        run(data, FACTORS)


def test_certificate_outside_period_rejected() -> None:
    data = inputs(
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0),
        claims=(
            claim(
                "GEC-OLD", ClaimKind.GEC, 100.0, period_start=date(2023, 1, 1), period_end=date(2023, 12, 31)
            ),
        ),
    )
    with pytest.raises(DoubleClaim, match="outside reporting year 2025"):
        run(data, FACTORS)


def test_pv_self_consumption_not_also_sold_as_gec() -> None:
    """A GEC issued for the park's own PV meter duplicates the PV already counted as self-consumed."""
    pv = MonthlyQuantity(None, Carrier.ELECTRICITY, Flow.GENERATED, JAN, 100_000.0, evidence=("pv-1",))
    data = inputs(
        pv,
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0),
        claims=(claim("GEC-PV", ClaimKind.GEC, 100.0, source_meter_id="pv-1"),),
    )
    with pytest.raises(DoubleClaim, match="own generation meter pv-1"):
        run(data, FACTORS)


def test_claim_for_other_year_not_applied_but_reported() -> None:
    data = inputs(
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0),
        claims=(claim("GEC-26", ClaimKind.GEC, 100.0, claimed_year=2026),),
    )
    inv = run(data, FACTORS)
    assert inv.total_tco2e == pytest.approx(1000 * 0.8325)  # no green attribute applied
    assert [g.kind for g in inv.gaps] == [GapKind.CLAIM_OTHER_YEAR]


def test_export_exceeding_net_inflow_is_floored_by_default() -> None:
    """Grid 100 MWh, PV 500 MWh, export 300 MWh: net inflow 100 − 300 < 0 → electricity 0 (floor),
    not −166.5; with negative_net_inflow=credit: (100 − 300) × 0.8325 = −166.50 tCO2."""
    data = inputs(
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 100_000.0),
        q(Carrier.ELECTRICITY, Flow.GENERATED, 500_000.0),
        q(Carrier.ELECTRICITY, Flow.EXPORTED, 300_000.0),
    )
    assert run(data, FACTORS).total_tco2e == pytest.approx(0.0, abs=1e-9)
    credit = run(data, FACTORS, AccountingOptions(negative_net_inflow=NegativeNetInflow.CREDIT))
    assert credit.total_tco2e == pytest.approx(-166.50, abs=1e-9)
    no_credit = run(data, FACTORS, AccountingOptions(export_rule=ExportRule.NO_CREDIT))
    assert no_credit.total_tco2e == pytest.approx(83.25, abs=1e-9)  # 100 MWh × 0.8325
    # energy: (100 + 500 − 300) MWh × 0.1229 = 36.87 tce; without on-site PV: 100 MWh − 0 = 12.29 tce
    assert no_credit.energy_tce == pytest.approx(36.87, abs=1e-9)
    excl = run(data, FACTORS, AccountingOptions(onsite_renewables=OnsiteRenewables.EXCLUDED))
    assert excl.energy_tce == pytest.approx(12.29, abs=1e-9)


def test_exported_heat_net_inflow() -> None:
    """Steam bought 1 000 GJ, sent out 400 GJ: net inflow 600 GJ × 0.11 = 66 tCO2; energy (1 000 − 400)
    × 0.03412 = 20.472 tce."""
    data = inputs(q(Carrier.STEAM, Flow.PURCHASED, 1000.0), q(Carrier.STEAM, Flow.EXPORTED, 400.0))
    inv = run(data, FACTORS)
    assert inv.total_tco2e == pytest.approx(66.0)
    assert inv.energy_tce == pytest.approx(20.472)


# -- internal transfers ----------------------------------------------------------------------------
def chp_park() -> AccountingInput:
    """A public CHP burns 100 000 m³ gas and sells 2 000 GJ steam to enterprise E1; E1 buys 500 MWh from
    the grid on its own connection."""
    return inputs(
        q(Carrier.NATURAL_GAS, Flow.COMBUSTION, 100_000.0, enterprise="CHP"),
        q(Carrier.STEAM, Flow.INTERNAL_PURCHASE, 2000.0, enterprise="E1"),
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 500_000.0, enterprise="E1"),
        enterprises=(ent("CHP", public=True), ent("E1", zone="Z1")),
        transfers=(Transfer("T-1", "CHP", "E1", Carrier.STEAM, JAN, 2000.0),),
    )


def test_chp_steam_sold_inside_park_counted_once() -> None:
    """Park view: gas 10 ×10⁴Nm³ × 21.6219 = 216.22 tCO2 (energy_conversion: the CHP sells steam) +
    E1 grid 500 × 0.8325 = 416.25 → 632.47 tCO2; the steam gives 0 and is listed as an elimination.
    E1's view: 2 000 GJ × 0.11 = 220 tCO2 purchased heat + 416.25 = 636.25 tCO2.
    Park = Σ parties − eliminations = (216.22 + 636.25) − 220 = 632.47."""
    data = chp_park()
    park = run(data, FACTORS)
    gas = 100_000 * 0.038931 * 0.0153 * 0.99 * 44 / 12
    assert park.by_source["energy_conversion"] == pytest.approx(gas)
    assert park.by_source["internal_transfer"] == 0.0
    assert park.total_tco2e == pytest.approx(gas + 416.25)
    assert len(park.eliminations) == 1 and park.eliminations[0].emissions_tco2e == pytest.approx(220.0)
    assert park.eliminations[0].energy_tce == pytest.approx(2000 * 0.03412)
    e1 = run(data, FACTORS, enterprise_id="E1")
    assert e1.total_tco2e == pytest.approx(636.25)
    assert e1.by_source["purchased_heat"] == pytest.approx(220.0)
    assert e1.by_zone == {"Z1": pytest.approx(636.25)}
    chp = run(data, FACTORS, enterprise_id="CHP")
    assert park.total_tco2e == pytest.approx(e1.total_tco2e + chp.total_tco2e - 220.0)
    assert not [g for g in park.gaps if g.kind is GapKind.PARK_VS_PARTIES]


def test_internal_pv_electricity_is_zero_carbon_for_buyer() -> None:
    """The park operator's PV (200 MWh in January) sells 150 MWh to E1: r = min(1, 200/150) = 1, so E1's
    internal electricity is 150 × (1 − 1) × 0.8325 = 0; it counts as clean for E1."""
    data = inputs(
        q(Carrier.ELECTRICITY, Flow.GENERATED, 200_000.0, enterprise=None),
        q(Carrier.ELECTRICITY, Flow.INTERNAL_PURCHASE, 150_000.0, enterprise="E1"),
        enterprises=(ent("E1"),),
        transfers=(Transfer("T-PV", None, "E1", Carrier.ELECTRICITY, JAN, 150_000.0),),
    )
    e1 = run(data, FACTORS, enterprise_id="E1")
    assert e1.total_tco2e == pytest.approx(0.0)
    assert e1.electricity["clean_kwh"] == pytest.approx(150_000.0)


# -- reconciliation --------------------------------------------------------------------------------
def test_unassigned_boundary_electricity_is_a_gap() -> None:
    """Boundary meter 1 000 MWh, enterprise E1 metered 900 MWh: the park view counts 1 000 × 0.8325 =
    832.50 tCO2, the parties 900 × 0.8325 = 749.25; the 83.25 tCO2 difference (losses/unmetered) is found."""
    data = inputs(
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0),
        q(Carrier.ELECTRICITY, Flow.CONSUMED, 900_000.0, enterprise="E1"),
        enterprises=(ent("E1"),),
    )
    inv = run(data, FACTORS)
    gaps = [g for g in inv.gaps if g.kind is GapKind.PARK_VS_PARTIES]
    assert len(gaps) == 1
    assert gaps[0].magnitude == pytest.approx(83.25)
    assert "线损" in gaps[0].message_zh and "losses" in gaps[0].message_en


def test_transfer_mismatch_is_a_gap() -> None:
    data = replace(chp_park(), transfers=(Transfer("T-1", "CHP", "E1", Carrier.STEAM, JAN, 2500.0),))
    gaps = [g for g in run(data, FACTORS).gaps if g.kind is GapKind.TRANSFER_MISMATCH]
    assert len(gaps) == 1 and gaps[0].magnitude == pytest.approx(500.0)  # 2 500 sold − 2 000 metered
    assert "T-1" in gaps[0].rows


def test_incomplete_quantity_is_reported() -> None:
    inv = run(inputs(q(Carrier.ELECTRICITY, Flow.PURCHASED, 1000.0, completeness=0.9)), FACTORS)
    assert [g.kind for g in inv.gaps] == [GapKind.INCOMPLETE_DATA]


def test_quantity_outside_year_rejected() -> None:
    with pytest.raises(AccountingError, match="outside the reporting year 2025"):
        run(inputs(q(Carrier.DIESEL, Flow.COMBUSTION, 1.0, month=date(2024, 12, 1))), FACTORS)


# -- uncertainty -----------------------------------------------------------------------------------
def test_interval_propagation() -> None:
    """One grid line, 1 000 MWh with meter ±1 % and factor ±5 % (grid.fossil.cn.2022): IPCC eq. 3.1/3.2
    half-width = 832.5 × sqrt(0.01² + 0.05²) = 832.5 × 0.0509902 = 42.449 tCO2."""
    inv = run(inputs(q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0, uncertainty_pct=1.0)), FACTORS)
    half = 832.5 * (0.01**2 + 0.05**2) ** 0.5
    assert inv.interval_95.high_tco2e - inv.total_tco2e == pytest.approx(half, rel=1e-9)
    assert inv.interval_95.half_width_pct == pytest.approx(100 * half / 832.5, rel=1e-9)


def test_same_factor_is_correlated_across_months() -> None:
    """12 months × 100 MWh, meter ±0 %: the ±5 % grid factor error is one error → half-width
    5 % × 1 200 × 0.8325 = 49.95 tCO2 (not 5 %/√12)."""
    qs = [
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 100_000.0, month=date(YEAR, m, 1), uncertainty_pct=0.0)
        for m in range(1, 13)
    ]
    inv = run(inputs(*qs), FACTORS)
    assert inv.interval_95.high_tco2e - inv.total_tco2e == pytest.approx(49.95, rel=1e-9)


# -- hourly matching -------------------------------------------------------------------------------
def test_hourly_missing_is_missing_not_zero() -> None:
    inv = run(inputs(q(Carrier.ELECTRICITY, Flow.PURCHASED, 1000.0)), FACTORS)
    assert inv.hourly.status is ShareStatus.MISSING and inv.hourly.share is None
    assert "hourly_load_kwh" in inv.hourly.missing


def test_hourly_matching() -> None:
    """Load 10 kWh every hour; PV 20 kWh in half of the hours (day), 0 at night: matched = min(10, 20) in
    4 380 hours → 43 800 / 87 600 = 0.5 (the annual PV energy would cover 100 %)."""
    n = 8760
    load = tuple(10.0 for _ in range(n))
    pv = tuple(20.0 if h % 24 < 12 else 0.0 for h in range(n))
    inv = run(
        inputs(
            q(Carrier.ELECTRICITY, Flow.PURCHASED, 1000.0), hourly_load_kwh=load, hourly_onsite_clean_kwh=pv
        ),
        FACTORS,
    )
    assert inv.hourly.status is ShareStatus.OK and inv.hourly.share == pytest.approx(0.5)
    assert "hourly_direct_green_kwh" in inv.hourly.missing  # named as not provided


# -- determinism, fingerprint, round trip ----------------------------------------------------------
def test_same_input_same_output_any_order() -> None:
    data = chp_park()
    shuffled = replace(
        data, quantities=tuple(reversed(data.quantities)), enterprises=tuple(reversed(data.enterprises))
    )
    a, b = run(data, FACTORS), run(shuffled, FACTORS)
    assert a.input_fingerprint == b.input_fingerprint == input_fingerprint(data)
    assert a.to_json() == b.to_json()
    changed = replace(
        data, quantities=(*data.quantities[:-1], replace(data.quantities[-1], quantity=500_001.0))
    )
    assert input_fingerprint(changed) != a.input_fingerprint


def test_json_round_trip() -> None:
    for method in Method:
        inv = run(chp_park(), FACTORS, AccountingOptions(method=method))
        text = inv.to_json()
        back = Inventory.from_dict(json.loads(text))
        assert back == inv
        assert back.to_json() == text
    assert inv.code_version and inv.factor_set_name == "CN-park-2025"


def test_options_round_trip_and_statement() -> None:
    opts = AccountingOptions(method=Method.GHG, export_rule=ExportRule.NO_CREDIT, national_grid_year=2023)
    assert AccountingOptions.from_dict(opts.to_dict()) == opts
    assert "外送不抵扣" in opts.statement_zh(2025) and "2023 年" not in opts.statement_zh(2025)
    with pytest.raises(ValueError, match="unknown accounting option"):
        AccountingOptions.from_dict({"export": "x"})


# -- property: park = Σ parties − eliminations -----------------------------------------------------
FUELS = [Carrier.NATURAL_GAS, Carrier.DIESEL, Carrier.RAW_COAL]
amount = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def parks(draw: st.DrawFn) -> AccountingInput:
    n = draw(st.integers(min_value=1, max_value=4))
    eids = [f"E{i}" for i in range(n)]
    quantities: list[MonthlyQuantity] = []
    transfers: list[Transfer] = []
    for eid in eids:
        for month in draw(st.sets(st.integers(1, 12), max_size=3)):
            m = date(YEAR, month, 1)
            quantities.append(q(draw(st.sampled_from(FUELS)), Flow.COMBUSTION, draw(amount), eid, m))
            quantities.append(q(Carrier.ELECTRICITY, Flow.PURCHASED, draw(amount), eid, m))
            quantities.append(q(Carrier.STEAM, Flow.PURCHASED, draw(amount) / 100, eid, m))
            if draw(st.booleans()):
                steam = draw(amount) / 100
                quantities.append(q(Carrier.STEAM, Flow.INTERNAL_PURCHASE, steam, eid, m))
                transfers.append(Transfer(f"T-{eid}-{month}", None, eid, Carrier.STEAM, m, steam))
    quantities.append(q(Carrier.NATURAL_GAS, Flow.COMBUSTION, draw(amount), None, JAN))  # public CHP
    return inputs(*quantities, enterprises=tuple(ent(e) for e in eids), transfers=tuple(transfers))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=parks(), method=st.sampled_from(list(Method)))
def test_park_total_equals_parties_minus_eliminations(data: AccountingInput, method: Method) -> None:
    """DESIGN.md §4: park total = Σ enterprises + public facilities − internal transfers (tCO2 and tce)."""
    opts = AccountingOptions(method=method)
    park = run(data, FACTORS, opts)
    parties = [run(data, FACTORS, opts, enterprise_id=e.id) for e in data.enterprises]
    parties.append(run(data, FACTORS, opts, enterprise_id=PUBLIC_FACILITIES))
    elim = sum(e.emissions_tco2e for e in park.eliminations)
    assert park.total_tco2e == pytest.approx(sum(p.total_tco2e for p in parties) - elim, rel=1e-9, abs=1e-6)
    elim_tce = sum(e.energy_tce for e in park.eliminations)
    assert park.energy_tce == pytest.approx(sum(p.energy_tce for p in parties) - elim_tce, rel=1e-9, abs=1e-6)
    assert park_vs_parties(park, parties) == []


def test_fingerprint_fast_path_covers_every_quantity_field() -> None:
    """The fast canonical encoder of MonthlyQuantity follows the dataclass (a new field changes the hash)."""
    import dataclasses

    from zeropark.accounting.engine import _canon_quantity

    qty = q(Carrier.DIESEL, Flow.COMBUSTION, 1.0, factor_id="x", ncv_gj_per_unit=1.0)
    assert list(_canon_quantity(qty)) == [f.name for f in dataclasses.fields(MonthlyQuantity)]


def test_park_pv_plant_delivers_to_park_grid() -> None:
    """A park PV plant (party F-PV, only generation: 400 MWh) feeds the park grid; E1 meters 1 000 MWh from
    the park grid; the boundary imports 600 MWh. Park: consumed 600 + 400 = 1 000 MWh → 122.9 tce, emissions
    600 × 0.8325 = 499.50 tCO2. F-PV's own view counts no consumption (0 tce); E1's view 1 000 MWh × 0.8325
    = 832.50 tCO2 (no Transfer record → valued as grid power). The gap found states the clean-electricity
    difference: park 400 MWh vs parties 0."""
    data = inputs(
        q(Carrier.ELECTRICITY, Flow.PURCHASED, 600_000.0),
        q(Carrier.ELECTRICITY, Flow.GENERATED, 400_000.0, enterprise="F-PV"),
        q(Carrier.ELECTRICITY, Flow.CONSUMED, 1_000_000.0, enterprise="E1"),
        enterprises=(ent("E1"), ent("F-PV", public=True)),
    )
    park = run(data, FACTORS)
    assert park.energy_tce == pytest.approx(122.9) and park.total_tco2e == pytest.approx(499.5)
    pv = run(data, FACTORS, enterprise_id="F-PV")
    assert pv.energy_tce == 0.0 and pv.electricity["consumed_kwh"] == 0.0
    assert run(data, FACTORS, enterprise_id="E1").total_tco2e == pytest.approx(832.5)
    (gap,) = [g for g in park.gaps if g.kind is GapKind.PARK_VS_PARTIES]
    assert gap.magnitude == pytest.approx(499.5 - 832.5)
    assert "park 400.000 MWh, parties 0.000 MWh" in gap.message_en


def test_hourly_partial_and_wrong_length() -> None:
    """Load 1 kWh/h, supply 2 kWh/h, one NaN hour: matched 8 759 / 8 759 = 1.0, partial, 1 hour missing.
    A 24-value array is refused with the expected length in the message."""
    from zeropark.errors import DataError

    load = [1.0] * 8760
    load[100] = float("nan")
    supply = tuple([2.0] * 8760)
    inv = run(inputs(hourly_load_kwh=tuple(load), hourly_direct_green_kwh=supply), FACTORS)
    assert inv.hourly.status is ShareStatus.PARTIAL and inv.hourly.hours_missing == 1
    assert inv.hourly.share == pytest.approx(1.0)
    with pytest.raises(DataError, match="8760 expected"):
        run(inputs(hourly_load_kwh=(1.0,) * 24, hourly_direct_green_kwh=(1.0,) * 24), FACTORS)


def test_ghg_regional_location_factor() -> None:
    """ghg_grid_area=regional uses the park's grid (华东) average of 2023: 1 000 MWh × 0.5500 = 550 tCO2
    (ACCOUNTING.md §2.4 regional table)."""
    from zeropark.accounting import GridArea

    data = inputs(q(Carrier.ELECTRICITY, Flow.PURCHASED, 1_000_000.0))
    inv = run(data, FACTORS, AccountingOptions(method=Method.GHG, ghg_grid_area=GridArea.REGIONAL))
    assert inv.total_tco2e == pytest.approx(550.0)
    assert "regional" in inv.options_statement_en
