"""The provincial view (#20) from per-park outcomes: exact totals, ranking, quartiles — whatever
order the parks come back in (a Dask cluster returns them as they finish). Hand-computed values."""

from __future__ import annotations

import itertools

from zeropark.ingest.batching import Delivery, decode_delivery
from zeropark.ingest.nats import NatsConfig
from zeropark.services.province import ParkOutcome, province_view


def _park(pid: str, tco2: float, tce: float, intensity: float | None) -> ParkOutcome:
    return ParkOutcome(pid, 1, tco2, tce, "fp", "d" + pid, (("core_intensity", intensity),), 0.1)


PARKS = [
    _park("P-A", 0.1, 1.0, 4.0),
    _park("P-B", 0.2, 2.0, 1.0),
    _park("P-C", 0.3, 3.0, None),  # not computable: left out of the distribution
    _park("P-D", 0.2, 4.0, 3.0),
]


def test_view_is_the_same_in_every_order() -> None:
    views = [province_view(2025, list(p)) for p in itertools.permutations(PARKS)]
    first = views[0]
    assert all(v.same_result(first) for v in views)
    # math.fsum: the correctly rounded 0.8, whatever the order (a plain float sum of these four
    # gives 0.8 or 0.7999999999999999 depending on the order)
    assert first.total_tco2e == 0.8 and first.energy_tce == 10.0
    # largest first, the tie 0.2 / 0.2 broken by park id
    assert first.ranking == (("P-C", 0.3), ("P-B", 0.2), ("P-D", 0.2), ("P-A", 0.1))
    (dist,) = first.distributions
    # values 1, 3, 4 (n = 3); inclusive quartiles: p25 = 1 + 0.5·(3 − 1) = 2, median 3,
    # p75 = 3 + 0.5·(4 − 3) = 3.5
    assert (dist.code, dist.n, dist.minimum, dist.p25, dist.median, dist.p75, dist.maximum) == (
        "core_intensity",
        3,
        1.0,
        2.0,
        3.0,
        3.5,
        4.0,
    )


def test_a_changed_bit_is_a_different_result() -> None:
    a = province_view(2025, PARKS)
    nudged = [*PARKS[:3], _park("P-D", 0.2 + 2.0**-55, 4.0, 3.0)]
    assert not province_view(2025, nudged).same_result(a)


def test_nats_subject_reads_as_the_mqtt_topic() -> None:
    assert NatsConfig(subject="zeropark.>").topic_depth == 4
    assert NatsConfig(subject="site.a.*.*.reading").topic_depth == 5
    msg = Delivery(
        0, 1, "zeropark.P1.E1.reading".replace(".", "/"), b'{"ts": "2026-03-01T00:00:00Z", "value": 2}', 0
    )
    group, bad = decode_delivery(msg, NatsConfig().topic_depth)
    assert bad is None and group == ("E1", "P1", [{"ts": "2026-03-01T00:00:00Z", "value": 2}])
