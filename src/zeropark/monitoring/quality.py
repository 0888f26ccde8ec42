"""Data quality (数据质量) per meter, enterprise and park, and a 0–100 score for inventory runs.

For a park and a reporting year (local calendar year, clipped to *now* for the current year):

- completeness — readings present / intervals expected (``period / interval_s``), capped at 1;
- flagged share — stored readings with implausibility bits (negative, above capacity, reset);
- conflicts — second values for an existing (meter, ts) (``reading_conflict``);
- quarantined — open quarantine rows of the meter received in the period;
- freshness — seconds since the newest reading (reported, not scored: a past year is not stale).

Score of a meter (weights in :data:`SCORE_WEIGHTS`, a declared rule, stated in every report)::

    score = 100 × (0.70 × completeness + 0.15 × (1 − flagged_share)
                   + 0.10 × (1 − conflict_share) + 0.05 × (1 − quarantine_share))

where the shares are per expected interval (capped at 1). Enterprise and park scores are the means
of their meters weighted by expected intervals, so a 1-minute meter weighs more than a monthly one.
A park without meters has no score (``None``): missing, never 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, case, func, select

from zeropark.store.db import transaction
from zeropark.store.schema import MeterRow, ParkRow, QuarantineRow, ReadingConflictRow, ReadingRow
from zeropark.timeseries import Quality

__all__ = [
    "SCORE_WEIGHTS",
    "MeterQuality",
    "QualityReport",
    "aggregate_score",
    "meter_score",
    "DataQuality",
    "quality_report",
    "quality_score",
    "view_of_report",
]

#: Weights of the data-quality score (sum 1): completeness dominates because missing data is what
#: makes an inventory estimate rather than measure.
SCORE_WEIGHTS: dict[str, float] = {
    "completeness": 0.70,
    "flagged": 0.15,
    "conflicts": 0.10,
    "quarantined": 0.05,
}


@dataclass(frozen=True, slots=True)
class MeterQuality:
    """Quality figures of one meter over one period."""

    meter_id: str
    enterprise_id: str | None
    n_expected: int
    n_present: int
    n_flagged: int
    n_conflicts: int
    n_quarantined: int
    last_reading_utc: datetime | None
    freshness_s: float | None

    @property
    def completeness(self) -> float:
        """Readings present / expected [0..1]."""
        return min(1.0, self.n_present / self.n_expected) if self.n_expected else 0.0

    @property
    def flagged_share(self) -> float:
        """Flagged readings / present readings [0..1]."""
        return self.n_flagged / self.n_present if self.n_present else 0.0

    @property
    def score(self) -> float:
        """0–100 score (:func:`meter_score`)."""
        return meter_score(
            self.n_expected, self.n_present, self.n_flagged, self.n_conflicts, self.n_quarantined
        )


def meter_score(
    n_expected: int, n_present: int, n_flagged: int, n_conflicts: int, n_quarantined: int
) -> float:
    """Data-quality score of one meter [0..100] (weights :data:`SCORE_WEIGHTS`).

    Examples
    --------
    A 15-min meter over one day (96 expected) with 90 readings, 3 flagged, 1 conflict and
    2 quarantined: 100 × (0.70 × 90/96 + 0.15 × (1 − 3/96) + 0.10 × (1 − 1/96) + 0.05 × (1 − 2/96))
    = 100 × (0.65625 + 0.1453125 + 0.0989583 + 0.0489583) = 94.9479:

    >>> round(meter_score(96, 90, 3, 1, 2), 4)
    94.9479
    """
    if n_expected <= 0:
        return 0.0
    w = SCORE_WEIGHTS

    def share(n: int) -> float:
        return min(1.0, n / n_expected)

    return 100.0 * (
        w["completeness"] * share(n_present)
        + w["flagged"] * (1 - share(n_flagged))
        + w["conflicts"] * (1 - share(n_conflicts))
        + w["quarantined"] * (1 - share(n_quarantined))
    )


def aggregate_score(meters: Sequence[MeterQuality]) -> float | None:
    """Expected-interval-weighted mean score, or ``None`` without meters."""
    total = sum(m.n_expected for m in meters)
    if total == 0:
        return None
    return sum(m.score * m.n_expected for m in meters) / total


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Data quality of a park for a year: per meter, per enterprise (None = park-owned) and overall."""

    park_id: str
    year: int
    start_utc: datetime
    end_utc: datetime
    meters: tuple[MeterQuality, ...]
    by_enterprise: dict[str | None, float | None]
    score: float | None


@dataclass(frozen=True, slots=True)
class DataQuality:
    """Data quality of one view (park, or one enterprise) for a year.

    Attributes
    ----------
    score : float or None
        0–100 (``SCORE_WEIGHTS``); None without meters (missing, never 100).
    completeness : float or None
        Σ min(present, expected) / Σ expected over the meters [0..1]; None without meters.
    """

    park_id: str
    year: int
    enterprise_id: str | None
    start_utc: datetime
    end_utc: datetime
    meters: tuple[MeterQuality, ...]
    score: float | None
    completeness: float | None

    @property
    def n_present(self) -> int:
        """Readings present, each meter counted up to its expected intervals."""
        return sum(min(m.n_present, m.n_expected) for m in self.meters)

    @property
    def n_expected(self) -> int:
        """Intervals expected over the period."""
        return sum(m.n_expected for m in self.meters)

    @property
    def n_meters_below_95(self) -> int:
        """Meters with completeness below 95 %."""
        return sum(1 for m in self.meters if m.completeness < 0.95)

    @property
    def n_flagged(self) -> int:
        """Stored readings flagged implausible."""
        return sum(m.n_flagged for m in self.meters)

    @property
    def n_conflicts(self) -> int:
        """Second values received for an existing (meter, ts)."""
        return sum(m.n_conflicts for m in self.meters)

    @property
    def n_quarantined(self) -> int:
        """Open quarantine records of the view's meters received in the period."""
        return sum(m.n_quarantined for m in self.meters)

    def by_enterprise(self) -> dict[str | None, float | None]:
        """Score of each enterprise's meters (None = park-owned meters), by the same rule."""
        groups: dict[str | None, list[MeterQuality]] = {}
        for m in self.meters:
            groups.setdefault(m.enterprise_id, []).append(m)
        return {k: aggregate_score(v) for k, v in groups.items()}


def view_of_report(report: QualityReport, enterprise_id: str | None) -> DataQuality:
    """The figure of one view of a park's report (pure): the park, or one enterprise's meters."""
    meters = (
        report.meters
        if enterprise_id is None
        else tuple(m for m in report.meters if m.enterprise_id == enterprise_id)
    )
    expected = sum(m.n_expected for m in meters)
    present = sum(min(m.n_present, m.n_expected) for m in meters)
    return DataQuality(
        park_id=report.park_id,
        year=report.year,
        enterprise_id=enterprise_id,
        start_utc=report.start_utc,
        end_utc=report.end_utc,
        meters=meters,
        score=aggregate_score(meters),
        completeness=present / expected if expected else None,
    )


def _period(year: int, tz: str, now: datetime) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, min(end, max(start, now))


def _utc(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def quality_report(
    engine: Engine, park_id: str, year: int, *, now_utc: datetime | None = None
) -> QualityReport:
    """Completeness, flagged share, conflicts, quarantine and freshness of every meter of a park."""
    now = now_utc or datetime.now(UTC)
    implausible = int(Quality.implausible())
    with transaction(engine) as s:
        park = s.get(ParkRow, park_id)
        tz = park.timezone if park is not None else "Asia/Shanghai"
        start, end = _period(year, tz, now)
        seconds = max(0.0, (end - start).total_seconds())
        meters = list(
            s.scalars(select(MeterRow).where(MeterRow.park_id == park_id, MeterRow.active.is_(True)))
        )
        ids = [m.id for m in meters]
        # the park first: PostgreSQL then reads only this park's partitions of `reading`
        in_period = and_(
            ReadingRow.park_id == park_id,
            ReadingRow.meter_id.in_(ids),
            ReadingRow.ts >= start,
            ReadingRow.ts < end,
        )
        # one scan of the period's readings for both counts (not one scan per count)
        is_flagged = case((ReadingRow.quality.op("&")(implausible) != 0, 1), else_=0)
        counts = {
            mid: (int(n), int(f or 0))
            for mid, n, f in s.execute(
                select(ReadingRow.meter_id, func.count(), func.sum(is_flagged))
                .where(in_period)
                .group_by(ReadingRow.meter_id)
            ).all()
        }
        conflicts = dict(
            s.execute(
                select(ReadingConflictRow.meter_id, func.count())
                .where(
                    ReadingConflictRow.meter_id.in_(ids),
                    ReadingConflictRow.ts >= start,
                    ReadingConflictRow.ts < end,
                )
                .group_by(ReadingConflictRow.meter_id)
            ).all()
        )
        quarantined = dict(
            s.execute(
                select(QuarantineRow.meter_id, func.count())
                .where(
                    QuarantineRow.meter_id.in_(ids),
                    QuarantineRow.status == "open",
                    QuarantineRow.received_at >= start,
                    QuarantineRow.received_at < end,
                )
                .group_by(QuarantineRow.meter_id)
            ).all()
        )
        # each meter's newest reading by its (meter_id, ts) key, not by a scan of every reading
        newest = (
            select(func.max(ReadingRow.ts))
            .where(ReadingRow.park_id == park_id, ReadingRow.meter_id == MeterRow.id)
            .scalar_subquery()
        )
        last = dict(s.execute(select(MeterRow.id, newest).where(MeterRow.id.in_(ids))).all())
    rows = []
    for m in meters:
        last_ts = _utc(last.get(m.id))
        rows.append(
            MeterQuality(
                m.id,
                m.enterprise_id,
                int(seconds // m.interval_s),
                counts.get(m.id, (0, 0))[0],
                counts.get(m.id, (0, 0))[1],
                int(conflicts.get(m.id, 0)),
                int(quarantined.get(m.id, 0)),
                last_ts,
                (now - last_ts).total_seconds() if last_ts else None,
            )
        )
    by_ent: dict[str | None, list[MeterQuality]] = {}
    for q in rows:
        by_ent.setdefault(q.enterprise_id, []).append(q)
    return QualityReport(
        park_id,
        year,
        start,
        end,
        tuple(rows),
        {k: aggregate_score(v) for k, v in by_ent.items()},
        aggregate_score(rows),
    )


def quality_score(
    engine: Engine, park_id: str, year: int, *, now_utc: datetime | None = None
) -> float | None:
    """The park's 0–100 data-quality score for ``year`` (recorded beside an inventory run)."""
    return quality_report(engine, park_id, year, now_utc=now_utc).score
