"""Helpers every page module shares: error pages, the run a page shows, labels, drill-down links."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from urllib.parse import quote

from fastapi.responses import Response

from zeropark.formatting import IndicatorDisplay, indicator_display
from zeropark.i18n import PARTY_KEYS, carrier_label, code_label, input_label, party_label
from zeropark.indicators import IndicatorKind, IndicatorRow
from zeropark.model import Method
from zeropark.services.inventory import RunStatement, RunView, latest_view, run_statement
from zeropark.web.context import Page

Label = Callable[[str, str], str]
"""A label function ``(dimension, key) → text`` of breakdown keys."""


def error_page(page: Page, status_code: int, title_key: str, detail_key: str, message: str = "") -> Response:
    """An error page (``error.html``) with the status, a title, a detail key and the message."""
    return page.render(
        "error.html",
        "",
        title_key,
        status_code=status_code,
        error_title=title_key,
        error_detail=detail_key,
        error_message=message,
    )


def not_found_page(page: Page, exc: Exception) -> Response:
    """404: the object does not exist or is outside the user's scope (the same answer, audited)."""
    return error_page(
        page, 404, "not_found", "forbidden_detail" if page.scope.is_enterprise else "", str(exc)
    )


def page_run(page: Page, method: Method, enterprise_id: str | None = None) -> RunView | None:
    """The run a page shows: the latest run of the park's view (or one enterprise's), by the one rule.

    An enterprise user always gets its own enterprise's view (``zeropark.services.inventory``).
    """
    if page.park is None:
        return None
    return latest_view(page.scope, page.park.id, page.year, method, enterprise_id=enterprise_id)


def run_statements(*views: tuple[str, RunView | None]) -> list[tuple[str, RunStatement]]:
    """The statement of each shown run (``partials/run_statement.html``), by method; absent runs left out.

    The one use case the API and the CLI show too (:func:`zeropark.services.inventory.run_statement`).
    """
    return [(method, run_statement(view.inventory)) for method, view in views if view is not None]


def label_maker(page: Page, names: Mapping[str, str]) -> Label:
    """A label function ``(dimension, key) → text`` for breakdown keys (enterprise names, carriers, codes)."""
    t = page.t

    def label(dimension: str, key: str) -> str:
        if dimension == "enterprise":
            return party_label(key, names, page.lang)
        if dimension == "carrier":
            return carrier_label(key, page.lang)
        if dimension == "scope":
            return t(f"scope_{key}")
        if dimension == "source":
            return t(key) if key else "—"
        if dimension == "month" and key == "year":  # activity booked for the whole year
            return t("whole_year")
        return key

    return label


def drill_url(page: Page, method: str, dimension: str, key: str) -> str:
    """The link from one total of a breakdown to the line items behind it.

    An enterprise's share (consumption basis) is its own view's total, so its link opens the line
    items of its own view; the park-level rows of the breakdown open the park's own lines.
    """
    if dimension == "enterprise" and key not in PARTY_KEYS:
        return f"/inventory/items?method={method}&view={quote(key)}&year={page.year}"
    return f"/inventory/items?method={method}&by={dimension}&key={quote(key)}&year={page.year}"


def indicator_rows(view: RunView | None, lang: str, *, include_core: bool = False) -> list[IndicatorDisplay]:
    """The stored indicator table of a national run, as the pages show it (core row on request)."""
    if view is None or view.indicators is None:
        return []
    return [
        _labelled(indicator_display(r, lang), r, lang)
        for r in view.indicators.rows
        if include_core or r.kind is not IndicatorKind.CORE
    ]


def _labelled(shown: IndicatorDisplay, row: IndicatorRow, lang: str) -> IndicatorDisplay:
    """The display with its unit and the names of missing inputs from the catalogue."""
    label = row.label_en if lang == "en" else row.label_zh
    unit = code_label("unit", row.unit, lang) if row.unit else ""
    missing = "、".join(input_label(m, lang) for m in row.missing) if row.missing else shown.missing
    return replace(shown, label=f"{label} ({unit})" if unit else label, missing=missing)


def core_indicator(view: RunView | None, lang: str) -> IndicatorDisplay | None:
    """The core indicator (单位能耗碳排放) of a national run's stored table, if any."""
    if view is None or view.indicators is None:
        return None
    return _labelled(indicator_display(view.indicators.core, lang), view.indicators.core, lang)
