"""Alarm rules of every kind, notification channels against real local servers, escalation, scope, audit.

The channels talk to servers this test starts on 127.0.0.1: an SMTP server (aiosmtpd, with
AUTH), and an HTTP server that answers as the 企业微信 and 钉钉 robots do and checks their bodies
and 钉钉's HMAC-SHA256 ``timestamp``/``sign``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from ingest_helpers import make_park
from sqlalchemy import Engine, select

from zeropark.errors import NotFound, PermissionDenied, ValidationError
from zeropark.ingest.meters import MeterDirectory
from zeropark.ingest.pipeline import ingest_items
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind, Role
from zeropark.monitoring import notify
from zeropark.monitoring.alarms import check_params, escalate_alarms, evaluate_rules, list_alarms
from zeropark.monitoring.rollups import update_rollups
from zeropark.services import alarm_rules
from zeropark.services.alarm_rules import ChannelForm, RuleForm
from zeropark.services.alarms import AlarmAction, change_alarm
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import AuditLogRow
from zeropark.store.scope import Principal, Scope

DAY0 = datetime(2026, 3, 1, 16, tzinfo=UTC)  # local 2026-03-02 00:00
NOW = DAY0 + timedelta(days=1, hours=2)
WECOM_KEY = "wecom-key-0123456789abcdef"
DING_TOKEN = "ding-token-0123456789abcdef"
DING_SECRET = "SECdingtalk-secret-0123456789"
SMTP_PASSWORD = "smtp-pass-0123456789"


# --- local servers -----------------------------------------------------------------------------


class _Robot(BaseHTTPRequestHandler):
    """Answers as a 企业微信 (/cgi-bin/webhook/send?key=) or 钉钉 (/robot/send?access_token=) robot."""

    calls: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        errcode = 0
        if url.path == "/cgi-bin/webhook/send":
            ok = query.get("key") == [WECOM_KEY]
            errcode = 0 if ok else 93000  # 企业微信: invalid webhook url
        elif url.path == "/robot/send":
            errcode = 0 if query.get("access_token") == [DING_TOKEN] else 300001
            if "sign" in query:
                # 钉钉 加签: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\n{secret}")), computed here
                # independently of zeropark.monitoring.notify
                ts = query["timestamp"][0]
                expected = base64.b64encode(
                    hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
                ).decode()
                if query["sign"][0] != expected:
                    errcode = 310000  # 钉钉: sign not match
        _Robot.calls.append({"path": url.path, "query": query, "body": body, "errcode": errcode})
        answer = json.dumps({"errcode": errcode, "errmsg": "ok" if errcode == 0 else "error"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def robot() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    _Robot.calls = []
    server = HTTPServer(("127.0.0.1", 0), _Robot)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Robot.calls
    server.shutdown()
    server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"alarm"
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Mailbox]]:
    box = _Mailbox()
    port = _free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=_authenticator, auth_require_tls=False
    )
    controller.start()
    yield port, box
    controller.stop()


# --- fixtures of the park ----------------------------------------------------------------------


def _scope(engine: Engine, role: Role, enterprise: str | None = None, name: str = "mgr") -> Scope:
    return Scope(Principal(1, name, role, "P1", enterprise, "session", name), engine, "127.0.0.1")


def _park(engine: Engine) -> None:
    make_park(engine)
    for ent in ("ENT-A", "ENT-B"):
        uscc = {"ENT-A": "91320000MA1A1A1A1A", "ENT-B": "91320000MA1B2B2B2B"}[ent]
        repo.add_enterprise(engine, Enterprise(ent, "P1", f"企业{ent}", uscc, "C34"))
        repo.add_meter(
            engine,
            Meter(
                f"M-{ent}",
                "P1",
                Carrier.ELECTRICITY,
                "kWh",
                Direction.CONSUMPTION,
                MeterKind.INTERVAL,
                enterprise_id=ent,
                interval_s=3600,
            ),
        )


def _hourly(engine: Engine, meter: str, values: list[float]) -> None:
    items = [
        (meter, {"ts": (DAY0 + timedelta(hours=h + 1)).isoformat(), "value": v}) for h, v in enumerate(values)
    ]
    out = ingest_items(engine, items, source="test", meters=MeterDirectory(engine), now_utc=NOW)
    update_rollups(engine, out.touched)


def _audit(engine: Engine, entity: str) -> list[AuditLogRow]:
    with transaction(engine) as s:
        rows = list(
            s.scalars(select(AuditLogRow).where(AuditLogRow.entity == entity).order_by(AuditLogRow.id))
        )
        s.expunge_all()
    return rows


# --- channels ----------------------------------------------------------------------------------


def test_wecom_and_dingtalk_robots_receive_their_formats(robot: Any) -> None:
    base, calls = robot
    wecom = notify.Channel(1, "值班群", "wecom", f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}")
    assert notify.send(wecom, "【告警】P1", "计量点 M1 超过上限", {}) is None
    assert calls[-1]["body"] == {"msgtype": "text", "text": {"content": "【告警】P1\n计量点 M1 超过上限"}}
    assert calls[-1]["query"] == {"key": [WECOM_KEY]}

    ding = notify.Channel(
        2, "钉钉群", "dingtalk", f"{base}/robot/send?access_token={DING_TOKEN}", DING_SECRET
    )
    assert notify.send(ding, "【告警】P1", "乙公司总表数据缺失", {}, now_ms=1_700_000_000_000) is None
    call = calls[-1]
    assert call["errcode"] == 0
    assert call["body"] == {"msgtype": "text", "text": {"content": "【告警】P1\n乙公司总表数据缺失"}}
    assert call["query"]["timestamp"] == ["1700000000000"]
    # without a secret no signature is added
    plain = notify.Channel(3, "钉钉群2", "dingtalk", f"{base}/robot/send?access_token={DING_TOKEN}")
    assert notify.send(plain, "s", "t", {}) is None
    assert "sign" not in calls[-1]["query"]


def test_robot_refusals_are_reported_without_the_secret(robot: Any, caplog: pytest.LogCaptureFixture) -> None:
    base, calls = robot
    caplog.set_level(logging.DEBUG)  # httpx logs every request's URL at INFO
    wrong = notify.Channel(
        2, "钉钉群", "dingtalk", f"{base}/robot/send?access_token={DING_TOKEN}", "SECwrong-secret-xyz"
    )
    error = notify.send(wrong, "s", "t", {})
    assert error is not None and "errcode 310000" in error
    bad_key = notify.Channel(1, "值班群", "wecom", f"{base}/cgi-bin/webhook/send?key=wrong-key-0123456789")
    error2 = notify.send(bad_key, "s", "t", {})
    assert error2 is not None and "errcode 93000" in error2
    down = notify.Channel(4, "hook", "webhook", f"http://127.0.0.1:9/hook?token={WECOM_KEY}")
    error3 = notify.send(down, "s", "t", {"x": 1})
    assert error3 is not None and "ConnectError" in error3
    ok = notify.Channel(1, "值班群", "wecom", f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}")
    assert notify.send(ok, "s", "t", {}) is None
    assert "HTTP Request: POST" in caplog.text  # httpx did log the request, its key masked
    for text in (error, error2, error3, caplog.text):
        for secret in (DING_TOKEN, "SECwrong-secret-xyz", "wrong-key-0123456789", WECOM_KEY):
            assert secret not in text
    assert notify.mask_url(f"{base}/robot/send?access_token={DING_TOKEN}").endswith("access_token=di****ef")


def test_email_goes_through_a_real_smtp_server_with_login(
    smtp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    port, box = smtp
    caplog.set_level(logging.DEBUG)
    channel = notify.Channel(
        5,
        "能源科",
        "email",
        "energy@park.example, duty@park.example",
        SMTP_PASSWORD,
        {"host": "127.0.0.1", "port": port, "username": "alarm", "sender": "zeropark@park.example"},
    )
    assert notify.send(channel, "【告警 alarm】P1 总表超限 #7", "计量点 MAIN 超过上限 500", {}) is None
    assert box.envelopes == [("zeropark@park.example", ["energy@park.example", "duty@park.example"])]
    msg = box.messages[0]
    assert str(make_header(decode_header(msg["Subject"]))) == "【告警 alarm】P1 总表超限 #7"
    assert "计量点 MAIN 超过上限 500" in msg.get_payload(decode=True).decode("utf-8")
    # a wrong password is refused by the server and reported, never echoed
    wrong = notify.Channel(5, "能源科", "email", "energy@park.example", "not-the-password-1", channel.config)
    error = notify.send(wrong, "s", "t", {})
    assert error is not None and "SMTPAuthenticationError" in error
    assert SMTP_PASSWORD not in caplog.text and "not-the-password-1" not in (error + caplog.text)


# --- rules, evaluation, escalation -------------------------------------------------------------


def test_check_params_names_each_fault() -> None:
    with pytest.raises(ValidationError) as exc:
        check_params("threshold", {"bucket": "week", "max": "abc"})
    fields = {e.field for e in exc.value.errors}
    assert fields == {"bucket", "max"}
    with pytest.raises(ValidationError) as exc:
        check_params("rate_of_change", {"bucket": "hour"})
    assert [e.field for e in exc.value.errors] == ["max_change_pct"]
    with pytest.raises(ValidationError) as exc:
        check_params("missing_data", {})
    assert [e.field for e in exc.value.errors] == ["intervals"]
    assert check_params("quality", {"min_completeness_pct": "90", "bucket": ""}) == {
        "min_completeness_pct": 90.0
    }


def test_rules_fire_notify_their_channels_and_escalate(engine: Engine, robot: Any, smtp: Any) -> None:
    base, calls = robot
    port, box = smtp
    _park(engine)
    mgr = _scope(engine, Role.PARK_MANAGER)
    wecom = alarm_rules.save_channel(
        mgr, "P1", ChannelForm("wecom", "值班群", target=f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}")
    )
    ding = alarm_rules.save_channel(
        mgr,
        "P1",
        ChannelForm(
            "dingtalk", "领导群", target=f"{base}/robot/send?access_token={DING_TOKEN}", secret=DING_SECRET
        ),
    )
    mail = alarm_rules.save_channel(
        mgr,
        "P1",
        ChannelForm(
            "email",
            "能源科",
            target="energy@park.example",
            secret=SMTP_PASSWORD,
            host="127.0.0.1",
            port=port,
            username="alarm",
            sender="zeropark@park.example",
        ),
    )
    # hourly kWh of M-ENT-A: 10 ×5, then 40 (+300 %), then 38; 7 hours of data of 24 expected in the day
    _hourly(engine, "M-ENT-A", [10.0, 10.0, 10.0, 10.0, 10.0, 40.0, 38.0])
    rate = alarm_rules.save_rule(
        mgr,
        "P1",
        RuleForm(
            "M-ENT-A",
            "rate_of_change",
            {"bucket": "hour", "max_change_pct": "50", "lookback_h": "48"},
            name="负荷突变",
            channel_ids=[wecom.id],
            escalate_after_min="30",
            escalate_channel_ids=[ding.id],
        ),
    )
    alarm_rules.save_rule(
        mgr,
        "P1",
        RuleForm(
            "M-ENT-A",
            "quality",
            {"bucket": "day", "min_completeness_pct": "90", "lookback_h": "48"},
            name="数据完整率",
            channel_ids=[mail.id],
        ),
    )
    new = evaluate_rules(engine, "P1", now_utc=NOW)
    by_kind = {a.kind: a for a in new}
    assert set(by_kind) == {"rate_of_change", "quality"}
    jump = by_kind["rate_of_change"]
    # (40 − 10) / 10 × 100 = 300 % > 50 %; (38 − 40) / 40 = −5 % is within
    assert jump.detail["change_pct"] == pytest.approx(300.0)
    assert jump.detail["previous"] == 10.0 and jump.detail["value"] == 40.0
    # the day 2026-03-02 (local): 7 of 24 hourly intervals = 29.2 % < 90 %
    assert by_kind["quality"].detail["completeness_pct"] == pytest.approx(700 / 24, abs=1e-3)
    with transaction(engine) as s:  # alarms carry the meter's enterprise (its user sees them)
        from zeropark.store.schema import AlarmRow

        assert {r.enterprise_id for r in s.scalars(select(AlarmRow))} == {"ENT-A"}
    assert [c["path"] for c in calls] == ["/cgi-bin/webhook/send"]
    assert "负荷突变" in calls[0]["body"]["text"]["content"]
    assert len(box.messages) == 1 and "数据完整率" in str(
        make_header(decode_header(box.messages[0]["Subject"]))
    )
    # 29 minutes later nothing escalates; at 30 minutes the open rate alarm does, once, to 钉钉
    assert escalate_alarms(engine, "P1", now_utc=NOW + timedelta(minutes=29)) == []
    up = escalate_alarms(engine, "P1", now_utc=NOW + timedelta(minutes=30))
    assert [(a.id, a.severity) for a in up] == [(jump.id, "critical")]
    assert calls[-1]["path"] == "/robot/send" and calls[-1]["errcode"] == 0
    assert "告警升级" in calls[-1]["body"]["text"]["content"]
    assert escalate_alarms(engine, "P1", now_utc=NOW + timedelta(hours=2)) == []
    # a closed bucket alarm is not opened again for the same hour
    change_alarm(mgr, jump.id, AlarmAction.CLOSE)
    assert evaluate_rules(engine, "P1", now_utc=NOW, notify=False) == []
    assert rate.id > 0
    assert {a.state for a in list_alarms(engine, "P1")} == {"open", "closed"}


def test_missing_data_rule_and_acknowledged_alarm_does_not_escalate(engine: Engine, robot: Any) -> None:
    base, calls = robot
    _park(engine)
    mgr = _scope(engine, Role.PARK_MANAGER)
    hook = alarm_rules.save_channel(
        mgr, "P1", ChannelForm("webhook", "系统", target=f"{base}/hook?token=abc123456789")
    )
    _hourly(engine, "M-ENT-B", [5.0, 5.0])  # last reading DAY0 + 2 h
    alarm_rules.save_rule(
        mgr,
        "P1",
        RuleForm(
            "M-ENT-B",
            "missing_data",
            {"intervals": "3"},
            channel_ids=[hook.id],
            escalate_after_min=10,
            severity="critical",
        ),
    )
    # DAY0 + 4 h: 2 h < 3 intervals of 1 h → nothing; DAY0 + 6 h: 4 h > 3 h → open
    assert evaluate_rules(engine, "P1", now_utc=DAY0 + timedelta(hours=4), notify=False) == []
    [gap] = evaluate_rules(engine, "P1", now_utc=DAY0 + timedelta(hours=6), notify=False)
    assert gap.kind == "missing_data" and gap.severity == "critical"
    change_alarm(mgr, gap.id, AlarmAction.ACKNOWLEDGE)
    assert escalate_alarms(engine, "P1", now_utc=DAY0 + timedelta(hours=8)) == []


# --- scope, secrets, audit ---------------------------------------------------------------------


def test_enterprise_edits_only_its_own_rules_and_secrets_are_never_shown(engine: Engine) -> None:
    _park(engine)
    mgr = _scope(engine, Role.PARK_MANAGER)
    ent_a = _scope(engine, Role.ENTERPRISE, "ENT-A", "ent-a")
    ent_b = _scope(engine, Role.ENTERPRISE, "ENT-B", "ent-b")
    verifier = _scope(engine, Role.VERIFIER, None, "ver")
    url = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
    chan_a = alarm_rules.save_channel(ent_a, "P1", ChannelForm("wecom", "甲公司值班", target=url))
    assert chan_a.enterprise_id == "ENT-A"
    assert WECOM_KEY not in repr(chan_a) and chan_a.target_masked.endswith("key=we****ef")
    rule_a = alarm_rules.save_rule(
        ent_a, "P1", RuleForm("M-ENT-A", "threshold", {"max": "500"}, name="甲超限", channel_ids=[chan_a.id])
    )
    assert rule_a.enterprise_id == "ENT-A"
    # another enterprise's meter does not exist for 企业A; its rules and channels are invisible to B
    with pytest.raises(NotFound):
        alarm_rules.save_rule(ent_a, "P1", RuleForm("M-ENT-B", "threshold", {"max": "1"}))
    assert alarm_rules.rules(ent_b, "P1") == [] and alarm_rules.channels(ent_b, "P1") == []
    with pytest.raises(NotFound):
        alarm_rules.save_rule(ent_b, "P1", RuleForm("M-ENT-B", "threshold", {"max": "1"}), rule_id=rule_a.id)
    with pytest.raises(NotFound):
        alarm_rules.delete_rule(ent_b, rule_a.id)
    with pytest.raises(ValidationError) as exc:  # B may not use A's channel
        alarm_rules.save_rule(
            ent_b, "P1", RuleForm("M-ENT-B", "threshold", {"max": "1"}, channel_ids=[chan_a.id])
        )
    assert exc.value.errors[0].field == "channel_ids"
    with pytest.raises(PermissionDenied):
        alarm_rules.save_rule(verifier, "P1", RuleForm("M-ENT-A", "threshold", {"max": "1"}))
    assert [r.id for r in alarm_rules.rules(mgr, "P1")] == [rule_a.id]
    # editing with an empty target keeps the stored URL; the secret is never shown back
    changed = alarm_rules.save_channel(
        ent_a, "P1", ChannelForm("wecom", "甲公司值班群", target=""), chan_a.id
    )
    assert changed.name == "甲公司值班群" and changed.target_masked == chan_a.target_masked
    alarm_rules.save_rule(
        ent_a, "P1", RuleForm("M-ENT-A", "threshold", {"max": "450"}, name="甲超限"), rule_id=rule_a.id
    )
    alarm_rules.delete_rule(ent_a, rule_a.id)
    trail = [r for r in _audit(engine, "alarm_rule") if r.action != "denied"]
    assert [(r.action, r.user) for r in trail] == [
        ("create", "ent-a"),
        ("update", "ent-a"),
        ("delete", "ent-a"),
    ]
    assert trail[1].before["params"] == {"max": 500.0} and trail[1].after["params"] == {"max": 450.0}
    channel_trail = _audit(engine, "notify_channel")
    assert [r.action for r in channel_trail] == ["create", "update"]
    assert WECOM_KEY not in json.dumps([(r.before, r.after) for r in channel_trail], ensure_ascii=False)
    with transaction(engine) as s:  # B's and the verifier's attempts are on record
        denials = s.scalars(select(AuditLogRow).where(AuditLogRow.action == "denied")).all()
        assert any(d.user == "ent-b" for d in denials) and any(d.user == "ver" for d in denials)


def test_channel_form_errors_name_the_field(engine: Engine) -> None:
    _park(engine)
    mgr = _scope(engine, Role.PARK_MANAGER)
    with pytest.raises(ValidationError) as exc:
        alarm_rules.save_channel(mgr, "P1", ChannelForm("email", "", target="nobody", port="99999"))
    assert {e.field for e in exc.value.errors} == {"name", "target", "host", "sender", "port"}
    with pytest.raises(ValidationError) as exc:
        alarm_rules.save_channel(mgr, "P1", ChannelForm("dingtalk", "群", target="ftp://x"))
    assert [e.field for e in exc.value.errors] == ["target"]
