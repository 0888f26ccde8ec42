"""After-commit hooks (ingest/hooks.py): spans merge, listeners are told in order, errors propagate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zeropark.ingest.hooks import CommitHooks, Span, Spans, merge_span, merge_spans


def _t(hour: int) -> datetime:
    return datetime(2026, 3, 1, hour, tzinfo=UTC)


def test_merge_widens_each_meters_span() -> None:
    spans: dict[str, Span] = {}
    merge_span(spans, "E1", _t(8), _t(8))
    merge_span(spans, "E1", _t(6), _t(7))  # earlier: widens the start only
    merge_spans(spans, {"E1": (_t(7), _t(9)), "R1": (_t(1), _t(2))})
    assert spans == {"E1": (_t(6), _t(9)), "R1": (_t(1), _t(2))}


def test_listeners_are_told_in_order_and_not_for_nothing() -> None:
    told: list[tuple[str, Spans]] = []
    hooks = CommitHooks([lambda s: told.append(("first", s))])
    assert hooks and len(hooks) == 1
    hooks.register(lambda s: told.append(("second", s)))
    hooks.notify({})
    assert told == []  # no readings committed: nobody is told
    spans = {"E1": (_t(0), _t(1))}
    hooks.notify(spans)
    assert told == [("first", spans), ("second", spans)]
    assert not CommitHooks()


def test_a_failing_listener_stops_the_round_and_propagates() -> None:
    told: list[str] = []

    def broken(_spans: Spans) -> None:
        raise RuntimeError("rollups unavailable")

    hooks = CommitHooks([broken, lambda s: told.append("after")])
    with pytest.raises(RuntimeError, match="rollups unavailable"):
        hooks.notify({"E1": (_t(0), _t(0))})
    assert told == []
