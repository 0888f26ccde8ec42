"""The page routes the app serves (站点地图), found from the routers themselves.

FastAPI keeps an included router as one lazy entry (its ``original_router`` and include
prefix) instead of copying its routes, so a check that reads ``router.routes`` for
:class:`~fastapi.routing.APIRoute` alone sees none of the pages. :func:`page_routes` walks the
included routers too; the browser tests use it to visit every page of every role, so a page
added by anyone is walked without a hand-kept list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute


@dataclass(frozen=True, slots=True)
class PageRoute:
    """One route: its full path (with ``{parameters}``), methods and endpoint."""

    path: str
    methods: frozenset[str]
    endpoint: Callable[..., Any]

    @property
    def params(self) -> list[str]:
        """The names of the path parameters, in order (``/meters/{meter_id}/readings`` → ``meter_id``)."""
        return [part[1:-1].split(":")[0] for part in self.path.split("/") if part.startswith("{")]


def page_routes(router: APIRouter, prefix: str = "") -> list[PageRoute]:
    """Every route of ``router`` and of the routers it includes, with their include prefixes."""
    found: list[PageRoute] = []
    for route in router.routes:
        if isinstance(route, APIRoute):
            found.append(PageRoute(prefix + route.path, frozenset(route.methods or ()), route.endpoint))
            continue
        # an included router (FastAPI ≥ 0.16x keeps it lazily; its attributes are FastAPI's own)
        inner = getattr(route, "original_router", None)
        if isinstance(inner, APIRouter):
            context = getattr(route, "include_context", None)
            found += page_routes(inner, prefix + str(getattr(context, "prefix", "") or ""))
    return found


def get_paths(router: APIRouter) -> list[str]:
    """The paths of the GET routes of ``router`` (included routers too), in order."""
    return [r.path for r in page_routes(router) if "GET" in r.methods]
