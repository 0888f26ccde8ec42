"""Industrial symbiosis core: registry rules, named errors, matching LP, Ulsan reference case."""

from __future__ import annotations

import numpy as np
import pytest

from zeropark.errors import (
    FlowExceedsSource,
    IncompatibleGrade,
    NegativeDistance,
    SymbiosisError,
    UnlicensedHazardousSink,
)
from zeropark.symbiosis import ulsan
from zeropark.symbiosis.matching import (
    Candidate,
    LinkCost,
    MatchingOptions,
    Objective,
    candidate_links,
    components,
    match,
    representative_days,
    representative_hours,
)
from zeropark.symbiosis.registry import (
    Exchange,
    Location,
    Sink,
    Source,
    StreamKind,
    check_compatible,
    check_exchanges,
    distance_km,
)


def _steam(id_: str, grade: str, q: float = 10.0, x: float = 0.0) -> Source:
    return Source(id_, StreamKind.STEAM, grade, (q, q), Location(x, 0.0))


def _user(id_: str, grade: str, q: float = 10.0, x: float = 1.0, cost: float = 100.0) -> Sink:
    return Sink(
        id_,
        StreamKind.STEAM,
        grade,
        (q, q),
        Location(x, 0.0),
        alternative_cost_cny_per_unit=cost,
        displaced_tco2_per_unit=0.06,
    )


def test_grades_are_ordered_and_kinds_must_match() -> None:
    check_compatible(_steam("s", "MP"), _user("k", "LP"))  # 1.0–2.5 MPa serves a < 1.0 MPa user
    with pytest.raises(IncompatibleGrade, match="below"):
        check_compatible(_steam("s", "LP"), _user("k", "MP"))
    water = Sink("w", StreamKind.WATER, "reclaimed", (1.0, 1.0))
    with pytest.raises(IncompatibleGrade, match="cannot serve"):
        check_compatible(_steam("s", "HP"), water)


def test_hazardous_waste_needs_a_licensed_sink() -> None:
    oil = Source("oil", StreamKind.SOLID_WASTE, "900-249-08", (5.0,), hazardous_class="HW08")
    plant = Sink("kiln", StreamKind.SOLID_WASTE, "", (5.0,), accepts=("900-249-08",))
    with pytest.raises(UnlicensedHazardousSink, match="HW08"):
        check_compatible(oil, plant)
    check_compatible(
        oil,
        Sink(
            "kiln2", StreamKind.SOLID_WASTE, "", (5.0,), accepts=("900-249-08",), licensed_classes=("HW08",)
        ),
    )
    with pytest.raises(IncompatibleGrade, match="not among"):
        check_compatible(
            oil, Sink("x", StreamKind.SOLID_WASTE, "", (5.0,), accepts=("slag",), licensed_classes=("HW08",))
        )


def test_realised_exchanges_are_checked() -> None:
    s, k = _steam("s", "MP", q=10.0), _user("k", "LP")
    check_exchanges([s], [k], [Exchange("x1", "s", "k", (6.0, 10.0), distance_km=1.0)])
    with pytest.raises(FlowExceedsSource, match="period 1"):
        two = [Exchange("x1", "s", "k", (6.0, 7.0)), Exchange("x2", "s", "k", (4.0, 4.0))]
        check_exchanges([s], [k], two)
    with pytest.raises(NegativeDistance, match="-2"):
        check_exchanges([s], [k], [Exchange("x1", "s", "k", (1.0, 1.0), distance_km=-2.0)])
    with pytest.raises(IncompatibleGrade):
        check_exchanges([_steam("s", "LP")], [_user("k", "HP")], [Exchange("x", "s", "k", (1.0, 1.0))])
    with pytest.raises(SymbiosisError, match="unknown sink"):
        check_exchanges([s], [k], [Exchange("x", "s", "nope", (1.0, 1.0))])


def test_negative_distance_in_a_candidate_is_named() -> None:
    with pytest.raises(NegativeDistance):
        match([_steam("s", "MP")], [_user("k", "LP")], [1.0, 1.0], candidates=[Candidate("s", "k", -0.5)])


def test_distance_planar_and_great_circle() -> None:
    assert distance_km(Location(0, 0), Location(3, 4)) == pytest.approx(5.0)
    # 1° of latitude = 2π·6371.0088/360 = 111.195 km
    one_degree = distance_km(Location(lat=30.0, lon=120.0), Location(lat=31.0, lon=120.0))
    assert one_degree == pytest.approx(111.195, abs=1e-3)


def test_lp_respects_losses_supply_and_demand() -> None:
    """One source of 10 GJ/period, two users 2 km and 5 km away; 1 %/km loss, cost 1000 CNY/km.

    Near user k1 (needs 4 GJ): sent = 4 / (1 − 0.02) = 4.0816; the rest 10 − 4.0816 = 5.9184 goes to
    k2 (5 km, 5 % loss) which needs 8: delivered 5.9184 × 0.95 = 5.6225 < 8 — the source is the limit.
    """
    costs = {StreamKind.STEAM: LinkCost(0.0, 1000.0, 0.0, 0.01, 0.0, 20.0)}
    src = Source("s", StreamKind.STEAM, "MP", (10.0,), Location(0, 0))
    k1 = Sink(
        "k1",
        StreamKind.STEAM,
        "LP",
        (4.0,),
        Location(2, 0),
        alternative_cost_cny_per_unit=100.0,
        displaced_tco2_per_unit=0.1,
    )
    k2 = Sink(
        "k2",
        StreamKind.STEAM,
        "LP",
        (8.0,),
        Location(5, 0),
        alternative_cost_cny_per_unit=100.0,
        displaced_tco2_per_unit=0.1,
    )
    res = match([src], [k1, k2], [100.0], MatchingOptions(link_costs=costs, discount_rate=0.0))
    by = {x.sink: x for x in res.exchanges}
    assert by["k1"].sent_per_year == pytest.approx(100 * 4 / 0.98, rel=1e-6)
    assert by["k2"].sent_per_year == pytest.approx(100 * (10 - 4 / 0.98), rel=1e-6)
    assert by["k2"].delivered_per_year == pytest.approx(100 * (10 - 4 / 0.98) * 0.95, rel=1e-6)
    # CO2 avoided = delivered × 0.1 t/GJ: (400 + 562.245) × 0.1 = 96.22 t/a
    assert res.co2_avoided_t_per_year == pytest.approx(0.1 * (400 + 100 * (10 - 4 / 0.98) * 0.95), rel=1e-6)


def test_grade_mismatch_is_never_matched_and_uneconomic_link_is_not_built() -> None:
    res = match([_steam("s", "LP")], [_user("k", "HP")], [1.0, 1.0])
    assert res.exchanges == () and res.candidates == 0
    # 2 GJ/a at 100 CNY/GJ saves 200 CNY/a; default pipe 0.5 M + 3 M/km: never pays → nothing built
    res = match([_steam("s", "MP", q=1.0)], [_user("k", "LP", q=1.0)], [1.0, 1.0])
    assert res.exchanges == ()


def test_co2_objective_builds_what_cost_would_not() -> None:
    s, k = _steam("s", "MP", q=1000.0), _user("k", "LP", q=1000.0)
    # 1 km: loss 1 %, delivered 2000 × 0.99 = 1980 GJ/a saves 198 000 CNY/a; capex 0.5 M + 3 M = 3.5 M,
    # annuity 3.5 M × CRF(6 %, 20 a) = 3.5 M × 0.087185 = 305 147 CNY/a > 198 000: cost says no
    assert match([s], [k], [1.0, 1.0], MatchingOptions(binary_build=True)).exchanges == ()
    res = match([s], [k], [1.0, 1.0], MatchingOptions(objective=Objective.CO2, binary_build=True))
    (x,) = res.exchanges
    assert x.co2_avoided_t_per_year == pytest.approx(1980 * 0.06)  # 118.8 t/a
    assert x.capex_cny == pytest.approx(3_500_000.0)
    assert x.payback_years == pytest.approx(3_500_000.0 / 198_000.0)  # 17.7 a


def test_ulsan_reference_case() -> None:
    """Seed 000 表1: payback = investment / benefit per project; total 49.85 / 41.00 = 1.216 → 1.22."""
    sources, sinks, cands, weights = ulsan.case()
    res = match(sources, sinks, weights, MatchingOptions(discount_rate=0.08), candidates=cands)
    assert len(res.exchanges) == 6  # every project pays back within its life: all built
    got = {x.source: x.payback_years for x in res.exchanges}
    for i, (_name, _r, invest, benefit, printed) in enumerate(ulsan.PROJECTS, start=1):
        assert got[f"U{i}-src"] == pytest.approx(invest / benefit, rel=1e-6)
        assert abs(got[f"U{i}-src"] - printed) <= 0.125  # largest gap: 2.31 − 14.00/6.40 = 0.1225
    assert got["U1-src"] == pytest.approx(0.85 / 2.32) and round(got["U1-src"], 2) == 0.37
    assert res.capex_cny == pytest.approx(49.85e6)
    assert res.net_benefit_cny_per_year == pytest.approx(41.0e6)
    assert res.payback_years is not None and round(res.payback_years, 2) == ulsan.PRINTED_TOTAL_PAYBACK_YEARS
    # CO2: 227 000 t/a × 41.00 / 68.52 = 135 829.6 t/a (benefit-proportional share, an assumption)
    assert res.co2_avoided_t_per_year == pytest.approx(227_000 * 41.0 / 68.52, rel=1e-9)


def test_representative_days_keep_the_year_total() -> None:
    rng = np.random.default_rng(1)
    hourly = rng.uniform(0, 10, size=(3, 8760))
    prof, w = representative_days(hourly, 12)
    assert prof.shape == (3, 288) and w.sum() == pytest.approx(8760)
    assert np.allclose(prof @ w, hourly.sum(axis=1), rtol=1e-9)  # scaled to the year totals
    assert all(float(x).is_integer() and x >= 1 for x in w)  # each weight: the days of its cluster
    again = representative_days(hourly, 12)
    assert np.array_equal(again[0], prof) and np.array_equal(again[1], w)  # seeded: the same choice


def test_representative_hours_find_the_regimes() -> None:
    """Two parties, three regimes of the year (hours 0–2919: (1, 5); 2920–5839: (4, 1); the rest: (2, 2)).

    Three clusters must find the three regimes: each medoid one regime's values, each weight 2 920 h.
    """
    hourly = np.repeat(np.array([[1.0, 4.0, 2.0], [5.0, 1.0, 2.0]]), 2920, axis=1)
    prof, w = representative_hours(hourly, 3)
    assert sorted(w.tolist()) == [2920.0, 2920.0, 2920.0]
    assert sorted(map(tuple, prof.T.tolist())) == [(1.0, 5.0), (2.0, 2.0), (4.0, 1.0)]
    with pytest.raises(SymbiosisError):
        representative_hours(hourly, 0)


def test_independent_sub_networks_are_solved_apart_with_the_same_result() -> None:
    opts = MatchingOptions(link_costs={StreamKind.STEAM: LinkCost(0.0, 1000.0, 0.0, 0.01, 0.0, 20.0)})
    a = ([_steam("s1", "MP", x=0.0)], [_user("k1", "LP", x=1.0)])
    b = ([_steam("s2", "MP", x=50.0)], [_user("k2", "LP", x=51.0)])  # 49 km from a: beyond 10 km
    links = candidate_links([*a[0], *b[0]], [*a[1], *b[1]], opts)
    assert len(components(links)) == 2
    both = match([*a[0], *b[0]], [*a[1], *b[1]], [1.0, 1.0], opts)
    apart = [match(*a, [1.0, 1.0], opts), match(*b, [1.0, 1.0], opts)]
    assert both.net_benefit_cny_per_year == pytest.approx(sum(r.net_benefit_cny_per_year for r in apart))
    # each: 2 × 10 GJ sent, 1 % loss: 19.8 GJ × 100 CNY − 0 = 1 980 CNY/a
    assert both.net_benefit_cny_per_year == pytest.approx(2 * 1980.0)
