"""园区内部配额 (zeropark.market.quota): the three allocation methods, the cap and the fee by hand."""

from __future__ import annotations

import pytest

from zeropark.market.quota import EnterpriseBasis, QuotaRuleError, allocate, fee, rule_from_dict

BASIS = [
    EnterpriseBasis("E1", sector="C2613", base_tco2=1000.0, output=200.0, value_added_10k_cny=50.0),
    EnterpriseBasis("E2", sector="C3311", base_tco2=500.0, output=40.0, value_added_10k_cny=80.0),
]


def test_grandfathering() -> None:
    """r = 4 %: 1000 × 0.96 = 960 t, 500 × 0.96 = 480 t."""
    a = allocate(rule_from_dict({"method": "grandfathering", "reduction": 0.04}), BASIS)
    assert dict(a.quotas) == {"E1": 960, "E2": 480} and a.scale == 1.0


def test_benchmark_longest_prefix_and_cap() -> None:
    """C26 → 4 t/unit, but C2613 → 4.5: E1 4.5 × 200 = 900 t; C33 → 10: E2 10 × 40 = 400 t.
    Cap 1 040 t: scale 1040/1300 = 0.8 → 720 t and 320 t."""
    rule = {"method": "benchmark", "benchmarks": {"C26": 4.0, "C2613": 4.5, "C33": 10.0}}
    assert dict(allocate(rule_from_dict(rule), BASIS).quotas) == {"E1": 900, "E2": 400}
    capped = allocate(rule_from_dict({**rule, "cap_tco2": 1040}), BASIS)
    assert capped.scale == pytest.approx(0.8)
    assert dict(capped.quotas) == {"E1": 720, "E2": 320}


def test_intensity_floors_to_whole_tonnes() -> None:
    """I = 12.345 t/10⁴ CNY: 12.345 × 50 = 617.25 → 617 t; × 80 = 987.6 → 987 t."""
    a = allocate(rule_from_dict({"method": "intensity", "intensity": 12.345}), BASIS)
    assert dict(a.quotas) == {"E1": 617, "E2": 987}


def test_fee_on_excess_or_all() -> None:
    excess = rule_from_dict({"method": "grandfathering", "fee_cny_per_t": 50})
    assert fee(excess, 1100.0, 960.0) == pytest.approx(7000.0)  # 50 × (1100 − 960)
    assert fee(excess, 900.0, 960.0) == 0.0
    everything = rule_from_dict({"method": "grandfathering", "fee_cny_per_t": 50, "fee_on": "all"})
    assert fee(everything, 900.0, 960.0) == pytest.approx(45000.0)  # 50 × 900


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"method": "lottery"}, "method"),
        ({"method": "grandfathering", "reduction": 1.5}, "reduction"),
        ({"method": "grandfathering", "colour": "red"}, "unknown fields"),
        ({"method": "benchmark"}, "benchmarks"),
        ({"method": "benchmark", "benchmarks": {"C26": float("nan")}}, "benchmarks.C26"),
        ({"method": "intensity"}, "intensity"),
        ({"method": "grandfathering", "fee_on": "some"}, "fee_on"),
    ],
)
def test_bad_rules_are_named(data: dict[str, object], field: str) -> None:
    with pytest.raises(QuotaRuleError, match=field):
        rule_from_dict(data)


def test_missing_basis_is_named() -> None:
    with pytest.raises(QuotaRuleError, match="E3: no benchmark for sector 'C44'"):
        allocate(
            rule_from_dict({"method": "benchmark", "benchmarks": {"C26": 1.0}}),
            [EnterpriseBasis("E3", "C44")],
        )
    with pytest.raises(QuotaRuleError, match="E3: no base-year CO2"):
        allocate(rule_from_dict({"method": "grandfathering"}), [EnterpriseBasis("E3")])
