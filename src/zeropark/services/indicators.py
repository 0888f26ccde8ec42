"""Indicators (指标): the 1 + 5 national indicator table of a park or one enterprise, for a year.

The table is evaluated when the year is accounted, on the same input as the inventory, and stored
with the national-method run (:func:`zeropark.services.inventory.account_year`); every door shows
the table of the latest national run of the view (:mod:`zeropark.store.queries.runs`).
"""

from __future__ import annotations

from dataclasses import dataclass

from zeropark.errors import NotFound
from zeropark.indicators import IndicatorTable
from zeropark.model import Method
from zeropark.services.inventory import latest_view
from zeropark.store.runs import RunSummary
from zeropark.store.scope import Scope

__all__ = ["IndicatorsOfRun", "indicators", "no_run", "of_run"]


@dataclass(frozen=True, slots=True)
class IndicatorsOfRun:
    """An indicator table and the national-method run it was evaluated with."""

    run: RunSummary
    table: IndicatorTable


def indicators(scope: Scope, park_id: str, year: int, *, enterprise_id: str | None = None) -> IndicatorsOfRun:
    """The indicator table of the park (or of ``enterprise_id``) for ``year`` inside ``scope``.

    An enterprise user always gets its own enterprise's table.

    Raises
    ------
    NotFound
        No national-method run of the view for the year (the message says how to create one), or
        the park or enterprise is outside the scope.
    """
    view = latest_view(scope, park_id, year, Method.NATIONAL, enterprise_id=enterprise_id)
    if view is None:
        raise no_run(park_id, year, enterprise_id)
    return of_run(view.summary, view.indicators)


def no_run(park_id: str, year: int, enterprise_id: str | None) -> NotFound:
    """The error of a view without a national-method run for the year: what to do about it."""
    of = f"park '{park_id}'" if enterprise_id is None else f"enterprise '{enterprise_id}'"
    body = (
        f'{{"year": {year}}}'
        if enterprise_id is None
        else f'{{"year": {year}, "enterprise_id": "{enterprise_id}"}}'
    )
    return NotFound(
        f"no national-method inventory run of {of} for {year}; account the year first "
        f"(`zeropark account --year {year}`, the 碳排放核算 page, or "
        f"POST /api/v1/parks/{park_id}/inventory-runs with {body})"
    )


def of_run(run: RunSummary, table: IndicatorTable | None) -> IndicatorsOfRun:
    """The stored table of a national-method run.

    Raises
    ------
    NotFound
        The run was stored without a table (not accounted through :func:`account_year`).
    """
    if table is None:
        raise NotFound(
            f"inventory run {run.id} has no indicator table (it was stored without one); "
            f"account {run.year} again"
        )
    return IndicatorsOfRun(run, table)
