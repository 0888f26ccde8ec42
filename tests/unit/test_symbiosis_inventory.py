"""Symbiosis claims in the accounting: a memo line per claim, each exchange counted once, per view.

The CHP park of test_accounting (the CHP sells steam to E1). Its registry (the service's
:func:`accounting_claims`) has one realised steam exchange CHP → E1 split 40/60.
Hand computation: weights 2 × 4 380 h; sent q = [2.0, 1.0] GJ/h → Σ w q = 4 380 × 3 = 13 140 GJ/a;
loss 0.01/km × 0.5 km = 0.005 → delivered 13 074.3 GJ/a; displaced 0.0616 tCO2/GJ (the receiver's
gas boiler steam) → E = 13 074.3 × 0.0616 = 805.37688 tCO2/a; the CHP (supplier) claims
0.4 E = 322.150752, E1 (receiver) 0.6 E = 483.226128.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_accounting import FACTORS, chp_park

from zeropark.accounting import Inventory, run, run_views
from zeropark.accounting.engine import input_fingerprint
from zeropark.errors import DoubleCountedSaving
from zeropark.services.symbiosis import accounting_claims, parse_registry

REGISTRY = {
    "weights": [4380.0, 4380.0],
    "sources": [
        {"id": "chp-steam", "kind": "steam", "grade": "MP", "quantity": [3.0, 3.0], "enterprise_id": "CHP"}
    ],
    "sinks": [
        {"id": "e1-dryer", "kind": "steam", "grade": "LP", "demand": [2.0, 2.0], "enterprise_id": "E1",
         "displaced_tco2_per_unit": 0.0616}
    ],
    "exchanges": [
        {"exchange": {"id": "XS", "source": "chp-steam", "sink": "e1-dryer", "quantity": [2.0, 1.0],
                      "distance_km": 0.5, "loss_per_km": 0.01, "basis": "metered", "metering_point": "M-ST",
                      "from_year": 2024},
         "allocation": "split", "supplier_share": 0.4}
    ],
}  # fmt: skip
E = 4380.0 * 3.0 * (1 - 0.005) * 0.0616


def test_claims_are_memo_lines_counted_once_per_view() -> None:
    claims = accounting_claims(parse_registry(REGISTRY), 2025)
    assert E == pytest.approx(805.37688)
    assert [(c.enterprise_id, c.role, round(c.tco2, 6)) for c in claims] == [
        ("CHP", "supplier", 322.150752),
        ("E1", "receiver", 483.226128),
    ]
    assert claims[0].delivered == pytest.approx(13074.3) and claims[0].metering_point == "M-ST"
    base = chp_park()
    data = replace(base, symbiosis=claims)
    views = run_views(data, FACTORS)
    plain = run(base, FACTORS)
    # memo: the park's total is not changed by the saving; the park shows both claims, once
    assert views.park.total_tco2e == plain.total_tco2e
    assert views.park.symbiosis_avoided_tco2 == pytest.approx(E)
    by_view = {v.enterprise_id: v.symbiosis_avoided_tco2 for v in views.enterprises}
    assert by_view == {"CHP": pytest.approx(0.4 * E), "E1": pytest.approx(0.6 * E)}
    assert sum(by_view.values()) == pytest.approx(views.park.symbiosis_avoided_tco2)
    assert any(n.code == "symbiosis_avoided" and "XS" in n.zh for n in views.park.notes)
    # the claims are in the fingerprint; an input without them keeps the old one
    assert input_fingerprint(data) != input_fingerprint(base)
    assert "symbiosis" not in plain.to_dict()
    assert Inventory.from_dict(views.park.to_dict()) == views.park
    # the same saving claimed twice (both parties taking the whole) is refused by name
    twice = replace(base, symbiosis=(claims[0], replace(claims[1], tco2=E)))
    with pytest.raises(DoubleCountedSaving, match="XS"):
        run(twice, FACTORS)
    # outside the exchange's years: no claim
    assert accounting_claims(parse_registry(REGISTRY), 2023) == ()
