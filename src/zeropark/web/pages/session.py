"""登录 / 退出: the login page (its form posts to the auth API) and logout."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zeropark.i18n import translator
from zeropark.serving.sessions import OptionalUser, end_session, login_form_token, set_login_cookie
from zeropark.web.context import lang_switch_url, request_lang, templates

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

LOGIN_ACTION = "/api/v1/auth/login/form"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: OptionalUser) -> Response:
    """登录 login page (the form posts to the auth API, which sets the session cookie).

    The form carries a login CSRF token bound to a cookie set here (login CSRF).
    """
    next_url = request.query_params.get("next", "/")
    if user is not None:
        return RedirectResponse(next_url if next_url.startswith("/") else "/", status_code=303)
    lang = request_lang(request)
    nonce, token = login_form_token(request)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {
            "t": translator(lang),
            "lang": lang,
            "error": request.query_params.get("error"),
            "next_url": next_url,
            "login_action": LOGIN_ACTION,
            "login_token": token,
            "lang_switch_url": lang_switch_url(request, lang),
        },
    )
    set_login_cookie(request, response, nonce)
    return response


@router.post("/logout")
def logout(request: Request, user: OptionalUser) -> Response:
    """退出: end the session on the server (the auth layer has checked the CSRF token); to the login page."""
    response = RedirectResponse("/login", status_code=303)
    if user is not None:
        end_session(request, response, user)
    return response
