"""Data quality (数据质量) of a park or one enterprise for a year — the one figure every door shows.

The figure is :func:`zeropark.monitoring.quality.quality_report` (the declared score rule, its
weights :data:`~zeropark.monitoring.quality.SCORE_WEIGHTS`, and completeness = readings present /
intervals expected, each meter capped at 1) over the meters the scope sees: the whole park for
park users, the enterprise's own meters for an enterprise (user or report). The overview, the
quality page, the API, the inventory runs (which record it when they are accounted), the Excel
and the PDF all take it from here.
"""

from __future__ import annotations

from datetime import datetime

from zeropark.monitoring.quality import DataQuality, quality_report, view_of_report
from zeropark.store.scope import Scope

__all__ = ["DataQuality", "data_quality"]


def data_quality(
    scope: Scope,
    park_id: str,
    year: int,
    *,
    enterprise_id: str | None = None,
    now_utc: datetime | None = None,
) -> DataQuality:
    """The data quality of the park (or of ``enterprise_id``) as ``scope`` may see it.

    An enterprise user always gets its own enterprise's figure.

    Raises
    ------
    NotFound
        The park or the enterprise is outside the scope (audited).
    """
    scope.check_park(park_id)
    view = scope.enterprise_id if scope.is_enterprise else enterprise_id
    if view is not None:
        scope.check("enterprise", view, park_id=park_id, enterprise_id=view)
    return view_of_report(quality_report(scope.engine, park_id, year, now_utc=now_utc), view)
