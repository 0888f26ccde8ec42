"""The energy-sharing figures of the example registry, by hand.

X1 (the only heat exchange): incinerator steam (E01, marginal and disposal cost 0) → paper dryer
(E03, alternative cost 90 CNY/GJ, displaced 0.0616 tCO2/GJ, demand 2.5 GJ/h), sent [2.5, 2.0] GJ
per period, weights 4 380 h each, 0.8 km at 1 %/km (kept 0.992), price 60 CNY/GJ, split 50/50.

- sent 4 380 × 4.5 = 19 710 GJ/a; received 19 710 × 0.992 = 19 552.32 GJ/a
- CO2 avoided 19 552.32 × 0.0616 = 1 204.422912 t/a, 602.211456 t to each party
- supplier saving 19 710 × 60 = 1 182 600 CNY/a; receiver 19 552.32 × 90 − 1 182 600 = 577 108.8;
  saving 1 759 708.8 CNY/a
- per period: surplus [3 − 2.5, 2 − 2.0] = [0.5, 0]; shared [2.48, 1.984]; unmet [0.02, 0.516] GJ
"""

from __future__ import annotations

import pytest

from zeropark.services.symbiosis import example_registry, parse_registry, sharing
from zeropark.symbiosis.sharing import by_enterprise


def test_example_sharing_by_hand() -> None:
    got = sharing(parse_registry(example_registry()))
    assert [x.id for x in got.exchanges] == ["X1"]  # slag and water are not energy
    (x,) = got.exchanges
    assert x.sent_per_year == pytest.approx(19710.0) and x.delivered_per_year == pytest.approx(19552.32)
    assert x.avoided_t == pytest.approx(1204.422912)
    assert (x.supplier_saving_cny, x.receiver_saving_cny) == (
        pytest.approx(1182600.0),
        pytest.approx(577108.8),
    )
    assert got.saving_cny == pytest.approx(1759708.8)
    parties = by_enterprise(got)
    assert set(parties) == {"E01", "E03"}
    assert parties["E01"].supplied_gj == pytest.approx(19710.0) and parties["E01"].received_gj == 0.0
    assert parties["E03"].received_gj == pytest.approx(19552.32)
    assert parties["E01"].avoided_claimed_t == pytest.approx(602.211456)
    assert parties["E03"].avoided_claimed_t == pytest.approx(602.211456)
    assert sum(p.saving_cny for p in got.parties) == pytest.approx(got.saving_cny)
    assert got.surplus == pytest.approx((0.5, 0.0))
    assert got.shared == pytest.approx((2.48, 1.984))
    assert got.unmet == pytest.approx((0.02, 0.516))
