"""Per-request page context (页面上下文): who is looking, at which park and year, in which language.

Every page route takes :data:`PageDep`. It redirects an anonymous browser to the login page,
refuses the ingest-only ``device`` role, binds the user's tenant :class:`~zeropark.store.scope.Scope`
(the query layer filters with it; templates never filter) and resolves the park and year the
page shows. The navigation is built per role: an enterprise user gets its own enterprise page
and no park-wide pages.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from zeropark import i18n
from zeropark.formatting import register_filters
from zeropark.model import Park, Role
from zeropark.services.imports import can_import
from zeropark.serving.sessions import CSRF_COOKIE, OptionalUser, client_ip
from zeropark.store.queries import parks, views
from zeropark.store.scope import PROVINCE_ROLES, Principal, Scope

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
register_filters(templates.env)

LANG_COOKIE = "lang"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the left navigation."""

    key: str
    label: str
    href: str


def navigation(user: Principal) -> list[NavItem]:
    """The left navigation for ``user``'s role (Chinese page names come from the catalogue).

    The import page is listed only for roles that may import (not the verifier).
    """
    if user.role == Role.ENTERPRISE:
        items = [
            NavItem("enterprise", "nav_enterprise", f"/enterprises/{user.enterprise_id}"),
            NavItem("inventory", "nav_inventory", "/inventory"),
            NavItem("monitoring", "nav_monitoring", "/monitoring"),
            NavItem("forecast", "nav_forecast", "/forecast"),
            NavItem("alarms", "nav_alarms", "/alarms"),
            NavItem("quality", "nav_quality", "/quality"),
            NavItem("factors", "nav_factors", "/factors"),
            NavItem("import", "nav_import", "/import"),
            NavItem("reports", "nav_reports", "/reports"),
            NavItem("evaluation", "nav_evaluation", "/evaluation"),  # evaluation slice
        ]
    else:
        items = [
            NavItem("overview", "nav_overview", "/"),
            NavItem("inventory", "nav_inventory", "/inventory"),
            NavItem("monitoring", "nav_monitoring", "/monitoring"),
            NavItem("optimize", "nav_optimize", "/optimize"),
            NavItem("forecast", "nav_forecast", "/forecast"),
            NavItem("enterprises", "nav_enterprises", "/enterprises"),
            NavItem("alarms", "nav_alarms", "/alarms"),
            NavItem("quality", "nav_quality", "/quality"),
            NavItem("factors", "nav_factors", "/factors"),
            NavItem("import", "nav_import", "/import"),
            NavItem("reports", "nav_reports", "/reports"),
            NavItem("roadmap", "nav_roadmap", "/roadmap/lmdi"),
            NavItem("pathway", "nav_pathway", "/roadmap/pathway"),  # pathway slice (issue 14)
            NavItem("evaluation", "nav_evaluation", "/evaluation"),  # evaluation slice
        ]
    # data approval and period close (issue #15): every role but the device (verifiers read)
    items.append(NavItem("approval", "nav_approval", "/approval"))
    # application workspace (申报): every role but the device's
    items.append(NavItem("application", "nav_application", "/application"))
    # verifier workspace (#16): every role but the device's
    items.append(NavItem("verification", "nav_verification", "/verification"))
    if not can_import(user):
        items = [item for item in items if item.key != "import"]
    if user.role == Role.ADMIN:
        items.append(NavItem("users", "nav_users", "/users"))
    # the control room's screen is the park's (an enterprise is sent to its monitoring)
    if user.role != Role.ENTERPRISE:
        items.append(NavItem("bigscreen", "nav_bigscreen", "/bigscreen"))
    # issue #15: benchmarks (标杆) for every role, low-carbon admission (入园门槛) for park users
    items.append(NavItem("benchmarks", "nav_benchmarks", "/benchmarks"))
    if user.role != Role.ENTERPRISE:
        items.append(NavItem("admission", "nav_admission", "/admission"))
    # product carbon footprint and CBAM (#16): every role that reads park data
    items.append(NavItem("footprint", "nav_footprint", "/footprint"))
    # carbon asset ledger (#17 碳资产): every role but the device's (an enterprise sees its own)
    items.append(NavItem("assets", "nav_assets", "/assets"))
    # industrial symbiosis (#18 产业共生): every role that reads park data (an enterprise sees its own)
    items.append(NavItem("symbiosis", "nav_symbiosis", "/symbiosis"))
    # provincial view (#20): provincial and group users, and admins
    if user.role in PROVINCE_ROLES:
        items.append(NavItem("province", "nav_province", "/province"))
    return items


@dataclass(slots=True)
class Page:
    """Everything a page route needs about the request."""

    request: Request
    user: Principal
    scope: Scope
    lang: str
    park: Park | None
    year: int
    years: list[int] = field(default_factory=list)

    @property
    def t(self) -> Callable[..., str]:
        """The translator bound to the page language."""
        return i18n.translator(self.lang)

    @property
    def engine(self) -> Engine:
        """The app's engine."""
        return self.scope.engine

    def labels(self) -> dict[str, Callable[..., str]]:
        """Template functions that label stored codes in the page language.

        ``code(prefix, value)`` (a direction, flow, gap kind, reason, factor …, see
        :func:`zeropark.i18n.code_label`), ``carrier(value)`` (能源品种) and ``factor_name(key)``.
        """
        lang = self.lang
        return {
            "code": lambda prefix, value: i18n.code_label(prefix, value, lang),
            "carrier": lambda value: i18n.carrier_label(str(value), lang) if value else "—",
            "factor_name": lambda key: i18n.factor_label(str(key), lang),
            "rejection": lambda message: i18n.rejection_label(str(message), lang),
        }

    def render(
        self, template: str, active: str, title_key: str, *, status_code: int = 200, **ctx: Any
    ) -> Response:
        """Render ``template`` inside the layout with the common context."""
        keep = {k: v for k, v in self.request.query_params.items() if k not in ("year", "page", "lang")}
        context = {
            "request": self.request,
            "t": self.t,
            "lang": self.lang,
            "user": self.user,
            "park": self.park,
            "year": self.year,
            "years": self.years,
            "keep_query": keep,
            "nav": navigation(self.user),
            "active": active,
            "page_title_key": title_key,
            "csrf_token": self.request.cookies.get(CSRF_COOKIE, ""),
            "lang_switch_url": lang_switch_url(self.request, self.lang),
            "is_enterprise": not views.sees_park_level(self.scope),
            **self.labels(),
            **ctx,
        }
        response = templates.TemplateResponse(self.request, template, context, status_code=status_code)
        if self.request.query_params.get("lang"):
            response.set_cookie(LANG_COOKIE, self.lang, max_age=365 * 86400, samesite="lax")
        return response

    def partial(self, template: str, **ctx: Any) -> Response:
        """Render an htmx partial (no layout)."""
        context = {
            "request": self.request,
            "t": self.t,
            "lang": self.lang,
            "user": self.user,
            "park": self.park,
            "year": self.year,
            "csrf_token": self.request.cookies.get(CSRF_COOKIE, ""),
            "is_enterprise": not views.sees_park_level(self.scope),
            **self.labels(),
            **ctx,
        }
        return templates.TemplateResponse(self.request, template, context)


def request_lang(request: Request) -> str:
    """Language from ``?lang=``, then the ``lang`` cookie, else Chinese."""
    return i18n.normalise_lang(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))


def lang_switch_url(request: Request, lang: str) -> str:
    """The current URL with the other language selected."""
    other = "en" if lang != "en" else "zh"
    params = dict(request.query_params)
    params["lang"] = other
    return f"{request.url.path}?{urlencode(params)}"


def _login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(status_code=303, headers={"Location": f"/login?next={quote(target)}"})


def _resolve_park(scope: Scope, request: Request) -> Park | None:
    """The park ``?park=`` names if the scope sees it, else the first park the scope sees."""
    wanted = request.query_params.get("park")
    seen = parks.parks(scope)
    if wanted:
        for p in seen:
            if p.id == wanted:
                return p
    return seen[0] if seen else None


def _years(scope: Scope, park: Park | None) -> list[int]:
    """Years (local time) with an inventory run or metered data of the park, newest first.

    A park without either offers last year.
    """
    if park is None:
        return []
    return parks.years(scope, park.id, str(LOCAL_TZ)) or [datetime.now(UTC).year - 1]


def page_context(request: Request, user: OptionalUser) -> Page:
    """The :class:`Page` of a request; 303 to the login page when nobody is logged in."""
    if user is None:
        raise _login_redirect(request)
    if user.role == Role.DEVICE:
        raise HTTPException(status_code=403, detail="device accounts may only ingest readings")
    engine: Engine = request.app.state.engine
    scope = Scope(user=user, engine=engine, ip=client_ip(request))
    lang = request_lang(request)
    park = _resolve_park(scope, request)
    years = _years(scope, park)
    try:
        year = int(request.query_params.get("year", ""))
    except ValueError:
        year = years[0] if years else datetime.now(UTC).year - 1
    if years and year not in years:
        years = sorted({*years, year}, reverse=True)
    return Page(request=request, user=user, scope=scope, lang=lang, park=park, year=year, years=years)


PageDep = Annotated[Page, Depends(page_context)]


@dataclass(frozen=True, slots=True)
class Pager:
    """Pagination of a long table: ``page`` (1-based) of ``pages``; ``url(n)`` links page ``n``."""

    page: int
    per_page: int
    total: int
    base_url: str
    params: dict[str, str]
    target: str | None = None  # htmx target id to swap instead of a full reload

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        """Row offset of the current page."""
        return (self.page - 1) * self.per_page

    def url(self, page: int) -> str:
        """Link to ``page`` keeping the other query parameters."""
        params = {**self.params, "page": str(page)}
        return f"{self.base_url}?{urlencode(params)}"


def make_pager(request: Request, total: int, per_page: int = 25, target: str | None = None) -> Pager:
    """A :class:`Pager` from ``?page=`` (clamped to the valid range)."""
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        page = 1
    pages = max(1, math.ceil(total / per_page))
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    return Pager(
        page=min(max(page, 1), pages),
        per_page=per_page,
        total=total,
        base_url=request.url.path,
        params=params,
        target=target,
    )
