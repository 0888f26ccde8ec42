"""Security headers (安全响应头) on every HTTP response of the app, API and pages alike.

- ``Content-Security-Policy``: scripts only from this origin (no inline script, no inline event
  handler, no ``eval``), nothing may frame the app (``frame-ancestors 'none'``), forms post only
  here, no plugins. Styles allow ``'unsafe-inline'``: ECharts writes its tooltips with ``style``
  attributes and htmx inserts its indicator style element; a style cannot run code.
  ``<script type="application/json">`` data blocks (the chart options) are data, not script,
  and are not restricted by ``script-src``.
- The interactive API documentation (``/api/v1/docs``) is under the same policy: Swagger UI is
  served from this origin (npm ``swagger-ui-dist``, copied by ``make assets``; parks run on
  intranets, so nothing comes from a CDN) and started by a static script, not an inline one.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``X-Frame-Options: DENY`` (for browsers without ``frame-ancestors``),
  ``Cross-Origin-Opener-Policy: same-origin``.
- An unhandled error's 500 is built by Starlette outside every middleware; ``create_app``
  installs a handler that adds the same headers to it (:func:`security_headers`).
- ``Strict-Transport-Security`` only on responses to https requests (a browser ignores it over
  http, and sending it from a plain-http development server would mislead). Behind a proxy that
  ends TLS, run uvicorn with ``--proxy-headers`` so the request's scheme is https.

Sources: W3C Content Security Policy Level 3; RFC 6797 (HSTS); OWASP Secure Headers Project.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The policy of every page and API answer.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

#: One year, subdomains included (RFC 6797 §6.1).
HSTS = "max-age=31536000; includeSubDomains"

_COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def security_headers(*, https: bool) -> dict[str, str]:
    """The headers of an answer (for one built outside the middleware: the server-error page)."""
    headers = {name.decode(): value.decode() for name, value in _COMMON}
    headers["content-security-policy"] = CONTENT_SECURITY_POLICY
    if https:
        headers["strict-transport-security"] = HSTS
    return headers


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response.

    A header the route set itself is kept (a route may choose a stricter policy).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its ``http.response.start`` message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*_COMMON, (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())]
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", HSTS.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
