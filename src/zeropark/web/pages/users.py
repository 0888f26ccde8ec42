"""用户 users (admin): create, disable/enable, reset a password, unlock.

The new-user form binds every role the service knows (:func:`zeropark.services.users.add_user`,
the same use case as ``zeropark users add`` and ``POST /api/v1/users``): an enterprise user to
its enterprise, a park user to a park, a provincial user (省级主管) to a province chosen among the
provinces the parks are in, a park operator group (园区运营集团) to the parks ticked. The service
validates and names what it refuses (a province with no park, an unknown park); the page shows
it beside the form and keeps what was typed.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.errors import NotFound, PermissionDenied, RowError, ValidationError
from zeropark.model import Role
from zeropark.services import users as users_service
from zeropark.store.db import transaction
from zeropark.store.queries import users as user_queries
from zeropark.web.context import Page, PageDep, make_pager
from zeropark.web.pages.common import error_page, not_found_page

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


#: The roles of the new-user form, from the fewest rights to the most, then the ingest-only
#: device account; the form starts on the first (an enterprise user sees only its own data).
FORM_ROLES = (
    Role.ENTERPRISE,
    Role.VERIFIER,
    Role.PROVINCE,
    Role.GROUP,
    Role.PARK_MANAGER,
    Role.ADMIN,
    Role.DEVICE,
)
#: Roles bound to no single park (a province, or the parks named for a group).
_NO_PARK = (Role.ENTERPRISE, Role.PROVINCE, Role.GROUP)


def _admin_only(page: Page, what: str) -> Response | None:
    """403 (and an audit record ``denied``) unless the user is an admin; None for an admin."""
    if page.user.role == Role.ADMIN:
        return None
    page.scope.deny("page", what, f"role '{page.user.role}' is not admin")
    return error_page(page, 403, "forbidden", "", "admin only")


def _users_page(
    page: Page,
    *,
    status_code: int = 200,
    error: str = "",
    form: dict[str, str] | None = None,
    form_parks: tuple[str, ...] = (),
) -> Response:
    rows = user_queries.users(page.scope)
    pager = make_pager(page.request, len(rows), per_page=25)
    shown = rows[pager.offset : pager.offset + pager.per_page]
    return page.render(
        "users.html",
        "users",
        "nav_users",
        status_code=status_code,
        rows=shown,
        pager=pager,
        roles=[str(r) for r in FORM_ROLES],
        enterprises=user_queries.all_enterprises(page.scope),
        parks=user_queries.all_parks(page.scope),
        provinces=user_queries.park_provinces(page.scope),
        group_parks=user_queries.group_parks(page.scope, (u.id for u in shown)),
        form_parks=form_parks,
        now=datetime.now(UTC),
        error=error,
        form=form or {},
        done=page.request.query_params.get("done", ""),
    )


def _form_error(exc: ValidationError) -> str:
    """A one-line message of a rejected user form."""
    return "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or str(exc)


_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def _form_invalid(field: str, message: str) -> ValidationError:
    return ValidationError([RowError("form", None, None, field, message)])


def _valid_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise _form_invalid("username", "1–64 characters: letters, digits and _ . @ -")
    return username


def _valid_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise _form_invalid("role", f"'{role}' is not a role; choose one of {', '.join(Role)}") from None


def _valid_password(password: str) -> str:
    if not 8 <= len(password) <= 200:
        raise _form_invalid("password", "8–200 characters")
    return password


@router.get("/users", response_class=HTMLResponse)
def users(page: PageDep) -> Response:
    """用户 (admin only): list, create, disable/enable, reset a password, unlock a locked account."""
    return _admin_only(page, "/users") or _users_page(page)


@router.post("/users", response_class=HTMLResponse)
def users_create(
    page: PageDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    enterprise_id: Annotated[str, Form()] = "",
    park_id: Annotated[str, Form()] = "",
    province: Annotated[str, Form()] = "",
    parks: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """新建用户 (admin; CSRF checked by the auth layer): argon2 password, audited ``create user``.

    Only the binding fields of the chosen role are passed on (the form shows them all): an
    enterprise user its enterprise (its park follows), a provincial user its province, a group
    user its ticked parks, another role the chosen park.
    """
    denied = _admin_only(page, "POST /users")
    if denied is not None:
        return denied
    form = {
        "username": username,
        "role": role,
        "display_name": display_name,
        "enterprise_id": enterprise_id,
        "province": province,
    }
    ticked = users_service.split_parks(parks or ())
    try:
        chosen = _valid_role(role)
        new = users_service.NewUser(
            username=_valid_username(username.strip()),
            password=password,
            role=chosen,
            display_name=display_name.strip(),
            enterprise_id=(enterprise_id or None) if chosen == Role.ENTERPRISE else None,
            park_id=None if chosen in _NO_PARK else (park_id or None),
            province=(province.strip() or None) if chosen == Role.PROVINCE else None,
            parks=ticked if chosen == Role.GROUP else (),
        )
        with transaction(page.scope.engine) as session:
            users_service.add_user(session, page.user, page.scope.ip, new)
    except ValidationError as exc:
        return _users_page(page, status_code=422, error=_form_error(exc), form=form, form_parks=ticked)
    return RedirectResponse(f"/users?done=created:{quote(new.username)}", status_code=303)


@router.post("/users/{user_id}/{action}", response_class=HTMLResponse)
def users_update(
    page: PageDep,
    user_id: int,
    action: str,
    password: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """停用/启用 (``active``), 重置密码 (``password``), 解锁 (``unlock``) a user (admin; CSRF; audited)."""
    denied = _admin_only(page, f"POST /users/{user_id}/{action}")
    if denied is not None:
        return denied
    try:
        if action == "active":
            change = users_service.user_changes(active=active == "true")
        elif action == "password":
            change = users_service.user_changes(password=_valid_password(password))
        elif action == "unlock":
            change = users_service.user_changes(unlock=True)
        else:
            raise HTTPException(status_code=404)
        with transaction(page.scope.engine) as session:
            row = users_service.update_user(session, page.user, page.scope.ip, user_id, change)
            username = row.username
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return _users_page(page, status_code=403, error=str(exc))
    except ValidationError as exc:
        return _users_page(page, status_code=422, error=_form_error(exc))
    return RedirectResponse(f"/users?done={action}:{quote(username)}", status_code=303)
