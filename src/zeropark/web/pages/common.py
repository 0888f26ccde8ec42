"""Helpers every page module shares: error pages, the inventory a page shows, labels, drill-down links."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from zeropark.i18n import carrier_label
from zeropark.model import Method
from zeropark.web.context import Page
from zeropark.web.inventory_view import InventoryView, load_inventory

log = logging.getLogger(__name__)


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


def page_inventory(page: Page, method: Method, enterprise_id: str | None = None) -> InventoryView | None:
    """The inventory the page shows: park level, or one (scope-checked) enterprise's view."""
    if page.park is None:
        return None
    state = page.request.app.state
    cache: dict[Any, Any] | None = getattr(state, "web_inventory_cache", None)
    if cache is None:
        cache = state.web_inventory_cache = {}
    return load_inventory(
        page.scope, page.park.id, page.year, str(method), cache, enterprise_id=enterprise_id
    )


def label_maker(page: Page, names: dict[str, str]) -> Any:
    """A label function ``(dimension, key) → text`` for breakdown keys (enterprise names, carriers, codes)."""
    t = page.t

    def label(dimension: str, key: str) -> str:
        if dimension == "enterprise":
            return names.get(key, t("park_level") if key in ("park", "", "None") else key)
        if dimension == "carrier":
            return carrier_label(key, page.lang)
        if dimension in ("source", "scope"):
            return t(key) if key else "—"
        return key

    return label


def drill_url(page: Page, method: str, dimension: str, key: str) -> str:
    """The link from one total of a breakdown to the line items behind it."""
    return f"/inventory/items?method={method}&by={dimension}&key={quote(key)}&year={page.year}"
