"""Alarm notifications (告警通知): e-mail over SMTP, 企业微信 and 钉钉 robots, plain webhooks.

A channel is a :class:`Channel` (what ``notify_channel`` holds). :func:`send` delivers one message
and returns ``None`` or an error text that names the channel but **never** its secret: the
webhook URL's key, the 钉钉 signing secret and the SMTP password are masked (:func:`mask_url`,
:func:`mask_secret`) wherever they could surface — errors, logs, pages, audit records.

Formats:

- 企业微信 group robot (``wecom``): ``POST {"msgtype": "text", "text": {"content": …}}`` to the
  robot's URL ``…/cgi-bin/webhook/send?key=KEY``; the answer ``{"errcode": 0}`` is success.
- 钉钉 custom robot (``dingtalk``): the same body to ``…/robot/send?access_token=TOKEN``; with a
  signing secret, ``&timestamp=T&sign=S`` is appended, where T is the time in milliseconds and
  S = urlencode(base64(HMAC-SHA256(key=secret, msg=T + newline + secret))) (钉钉开放平台, 自定义机器人
  安全设置 “加签”); the answer ``{"errcode": 0}`` is success.
- ``webhook``: the alarm as JSON (``payload``), any 2xx is success.
- ``email``: a UTF-8 text mail through SMTP (STARTTLS when ``config.starttls``; login when a
  username is set).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import smtplib
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit, urlunsplit

import httpx

__all__ = [
    "CHANNEL_KINDS",
    "Channel",
    "dingtalk_sign",
    "mask_secret",
    "mask_url",
    "robot_body",
    "send",
]

log = logging.getLogger(__name__)

#: Channel kinds: e-mail, 企业微信 robot, 钉钉 robot, plain JSON webhook.
CHANNEL_KINDS: tuple[str, ...] = ("email", "wecom", "dingtalk", "webhook")
#: Seconds to wait for a robot, webhook or SMTP server.
TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Channel:
    """A notification channel as the sender needs it (``target`` and ``secret`` are secret)."""

    id: int
    name: str
    kind: str
    target: str
    secret: str | None = None
    config: dict[str, Any] = field(default_factory=dict)


def mask_secret(value: str | None) -> str:
    """``value`` with all but its first 2 and last 2 characters hidden (short values fully)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "****"
    return f"{value[:2]}****{value[-2:]}"


def mask_url(url: str) -> str:
    """A URL with every query value and any user info masked (a robot's key is in its query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_secret(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    query = "&".join(f"{k}={mask_secret(v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def mask_recipients(target: str) -> str:
    """E-mail recipients shown as ``z***@example.com`` (the domain stays readable)."""
    out = []
    for addr in (a.strip() for a in target.split(",")):
        local, _, domain = addr.partition("@")
        out.append(f"{local[:1]}***@{domain}" if domain else mask_secret(addr))
    return ", ".join(out)


def masked_target(kind: str, target: str) -> str:
    """How a channel's target is shown back (recipients or URL, masked)."""
    return mask_recipients(target) if kind == "email" else mask_url(target)


class _MaskUrls(logging.Filter):
    """Masks the query of every URL httpx logs (``HTTP Request: POST URL …`` at INFO): a robot's key."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_url(str(a)) if isinstance(a, httpx.URL) or (isinstance(a, str) and "://" in a) else a
                for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_MaskUrls())


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 robot signature: urlencode(base64(HMAC-SHA256(secret, timestamp + newline + secret)))."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def robot_body(text: str) -> dict[str, Any]:
    """The text message body of a 企业微信 or 钉钉 robot."""
    return {"msgtype": "text", "text": {"content": text}}


def _signed_url(url: str, secret: str, now_ms: int) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={now_ms}&sign={dingtalk_sign(secret, now_ms)}"


def _post(channel: Channel, url: str, body: dict[str, Any], *, robot: bool) -> str | None:
    shown = f"{channel.kind} '{channel.name}' ({mask_url(channel.target)})"
    try:
        resp = httpx.post(url, json=body, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        return f"{shown}: {type(exc).__name__}"
    if resp.status_code // 100 != 2:
        return f"{shown}: HTTP {resp.status_code}"
    if robot:
        try:
            answer = resp.json()
        except ValueError:
            return f"{shown}: the robot's answer is not JSON"
        if int(answer.get("errcode", -1)) != 0:
            return f"{shown}: errcode {answer.get('errcode')} {str(answer.get('errmsg', ''))[:100]}"
    return None


def _mail(channel: Channel, subject: str, text: str) -> str | None:
    cfg = channel.config
    host, port = str(cfg.get("host", "")), int(cfg.get("port", 25))
    sender = str(cfg.get("sender", ""))
    recipients = [a.strip() for a in channel.target.split(",") if a.strip()]
    shown = f"email '{channel.name}' (smtp {host}:{port})"
    if not host or not sender or not recipients:
        return f"{shown}: host, sender and at least one recipient are needed"
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, sender, ", ".join(recipients)
    msg.set_content(text)
    try:
        with smtplib.SMTP(host, port, timeout=TIMEOUT_S) as smtp:
            if cfg.get("starttls"):
                smtp.starttls()
            if cfg.get("username"):
                smtp.login(str(cfg["username"]), channel.secret or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        # SMTP errors carry the server's reply, never our password
        return f"{shown}: {type(exc).__name__} {str(exc)[:120]}"
    return None


def send(
    channel: Channel, subject: str, text: str, payload: dict[str, Any], *, now_ms: int | None = None
) -> str | None:
    """Deliver one alarm message on ``channel``; ``None`` on success, else the (masked) error.

    ``subject`` is the mail subject, ``text`` the human message (robots, mail body), ``payload``
    the JSON a plain webhook receives. ``now_ms`` fixes 钉钉's timestamp (tests).
    """
    if channel.kind == "email":
        error = _mail(channel, subject, text)
    elif channel.kind == "wecom":
        error = _post(channel, channel.target, robot_body(f"{subject}\n{text}"), robot=True)
    elif channel.kind == "dingtalk":
        url = channel.target
        if channel.secret:
            url = _signed_url(url, channel.secret, now_ms if now_ms is not None else int(time.time() * 1000))
        error = _post(channel, url, robot_body(f"{subject}\n{text}"), robot=True)
    elif channel.kind == "webhook":
        error = _post(channel, channel.target, payload, robot=False)
    else:
        error = f"channel '{channel.name}': kind '{channel.kind}' is unknown"
    if error:
        log.warning("alarm notification failed: %s", error)
    return error
