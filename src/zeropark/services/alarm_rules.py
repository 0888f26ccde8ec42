"""Alarm rules and notification channels (告警规则, 通知渠道) as use cases: list, save, delete, test.

One set of rules for the web page, the API and the CLI:

- an enterprise user sees and edits only the rules of its own meters and its own channels; a park
  manager or admin the park's; a verifier reads only (``Scope.check_write`` refuses, audited);
- a rule names a meter inside the scope and channels inside the scope, and its parameters pass
  :func:`zeropark.monitoring.alarms.check_params` (every fault names its field);
- secrets (a robot's webhook URL with its key, 钉钉's signing secret, the SMTP password) are
  stored, used, and never shown back: views carry them masked, an empty field on edit keeps the
  stored value, and the audit record holds them masked;
- every create, change and delete is audited in the same transaction, before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from zeropark.errors import NotFound, RowError, ValidationError
from zeropark.monitoring import notify
from zeropark.monitoring.alarms import PARAMS, SEVERITIES, AlarmKind, check_params
from zeropark.store import audit
from zeropark.store.db import transaction
from zeropark.store.queries import alarm_rules as queries
from zeropark.store.queries import meters
from zeropark.store.schema import AlarmRuleRow, NotifyChannelRow
from zeropark.store.scope import Scope

__all__ = [
    "ChannelForm",
    "ChannelView",
    "RuleForm",
    "channels",
    "delete_channel",
    "delete_rule",
    "rules",
    "save_channel",
    "save_rule",
    "send_test",
]

SOURCE = "alarm rule"


@dataclass(frozen=True, slots=True)
class ChannelView:
    """A channel as shown: its target masked, its secret only as set or not."""

    id: int
    park_id: str
    enterprise_id: str | None
    name: str
    kind: str
    target_masked: str
    has_secret: bool
    host: str
    port: int | None
    username: str
    sender: str
    starttls: bool
    enabled: bool


@dataclass(frozen=True, slots=True)
class RuleForm:
    """What a user submits for a rule (strings as typed; checked by :func:`save_rule`)."""

    meter_id: str
    kind: str
    params: dict[str, Any]
    name: str = ""
    severity: str = "warning"
    channel_ids: list[int] = field(default_factory=list)
    escalate_after_min: str | int | None = None
    escalate_channel_ids: list[int] = field(default_factory=list)
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class ChannelForm:
    """What a user submits for a channel; an empty ``target``/``secret`` on edit keeps the stored one."""

    kind: str
    name: str
    target: str = ""
    secret: str = ""
    host: str = ""
    port: str | int | None = None
    username: str = ""
    sender: str = ""
    starttls: bool = False
    enabled: bool = True


def channel_view(r: NotifyChannelRow) -> ChannelView:
    """The shown form of a channel row."""
    cfg: dict[str, Any] = dict(r.config or {})
    return ChannelView(
        r.id,
        r.park_id,
        r.enterprise_id,
        r.name,
        r.kind,
        notify.masked_target(r.kind, r.target),
        bool(r.secret),
        str(cfg.get("host", "")),
        int(cfg["port"]) if cfg.get("port") else None,
        str(cfg.get("username", "")),
        str(cfg.get("sender", "")),
        bool(cfg.get("starttls", False)),
        r.enabled,
    )


def rules(scope: Scope, park_id: str) -> list[AlarmRuleRow]:
    """The park's rules inside ``scope``."""
    scope.check_park(park_id)
    return queries.rules(scope, park_id)


def channels(scope: Scope, park_id: str) -> list[ChannelView]:
    """The park's channels inside ``scope``, masked."""
    scope.check_park(park_id)
    return [channel_view(r) for r in queries.channels(scope, park_id)]


def _refuse(errors: list[RowError]) -> None:
    if errors:
        raise ValidationError(errors)


def _channel_snapshot(row: NotifyChannelRow) -> dict[str, Any]:
    snap = audit.row_snapshot(row, exclude=frozenset({"secret"}))
    snap["target"] = notify.masked_target(row.kind, row.target)
    snap["secret"] = "****" if row.secret else None
    return snap


def save_rule(scope: Scope, park_id: str, form: RuleForm, rule_id: int | None = None) -> AlarmRuleRow:
    """Create (``rule_id`` None) or change a rule inside ``scope``; audited; returns the row (detached).

    Raises
    ------
    NotFound
        The rule or its meter is outside the scope (audited).
    PermissionDenied
        A read-only role.
    ValidationError
        A parameter, the severity, the escalation delay or a channel is wrong (field named).
    """
    scope.check_park(park_id)
    meter = meters.meter(scope, form.meter_id.strip())
    errors: list[RowError] = []
    if meter.park_id != park_id:
        errors.append(
            RowError(SOURCE, None, None, "meter_id", f"meter '{meter.id}' is not in park {park_id}")
        )
    try:
        params = check_params(form.kind, form.params)
    except ValidationError as exc:
        errors.extend(exc.errors)
        params = {}
    if form.severity not in SEVERITIES:
        errors.append(
            RowError(
                SOURCE, None, None, "severity", f"'{form.severity}' is not one of {', '.join(SEVERITIES)}"
            )
        )
    escalate: int | None = None
    raw = form.escalate_after_min
    if raw not in (None, ""):
        try:
            escalate = int(str(raw).strip())
            if escalate < 1:
                raise ValueError
        except ValueError:
            errors.append(
                RowError(
                    SOURCE, None, None, "escalate_after_min", f"'{raw}' is not a whole number of minutes ≥ 1"
                )
            )
    visible = {c.id for c in queries.channels(scope, park_id)}
    for fld, ids in (("channel_ids", form.channel_ids), ("escalate_channel_ids", form.escalate_channel_ids)):
        unknown = [i for i in ids if i not in visible]
        if unknown:
            errors.append(RowError(SOURCE, None, None, fld, f"channel(s) {unknown} do not exist"))
    if escalate is not None and not form.escalate_channel_ids and not form.channel_ids:
        errors.append(
            RowError(SOURCE, None, None, "escalate_channel_ids", "escalation needs a channel to notify")
        )
    _refuse(errors)
    with transaction(scope.engine) as session:
        if rule_id is None:
            row = AlarmRuleRow(park_id=park_id)
            session.add(row)
            before = None
        else:
            found = session.get(AlarmRuleRow, rule_id)
            if found is None:
                raise NotFound(f"alarm rule {rule_id} not found")
            scope.check_write(
                "alarm_rule", str(rule_id), park_id=found.park_id, enterprise_id=found.enterprise_id
            )
            row, before = found, audit.row_snapshot(found)
        scope.check_write(
            "alarm_rule", str(rule_id or "new"), park_id=park_id, enterprise_id=meter.enterprise_id
        )
        row.meter_id, row.enterprise_id, row.kind, row.params = (
            meter.id,
            meter.enterprise_id,
            form.kind,
            params,
        )
        row.name, row.severity, row.enabled = form.name.strip()[:200], form.severity, form.enabled
        row.channel_ids, row.escalate_after_min = list(form.channel_ids), escalate
        row.escalate_channel_ids = list(form.escalate_channel_ids)
        session.flush()
        scope.audit(
            session,
            audit.CREATE if before is None else audit.UPDATE,
            "alarm_rule",
            str(row.id),
            before=before,
            after=audit.row_snapshot(row),
        )
        session.expunge(row)
    return row


def delete_rule(scope: Scope, rule_id: int) -> None:
    """Delete a rule inside ``scope`` (its alarms stay); audited."""
    with transaction(scope.engine) as session:
        row = session.get(AlarmRuleRow, rule_id)
        if row is None:
            raise NotFound(f"alarm rule {rule_id} not found")
        scope.check_write("alarm_rule", str(rule_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
        scope.audit(session, audit.DELETE, "alarm_rule", str(rule_id), before=audit.row_snapshot(row))
        session.delete(row)


def _check_channel(form: ChannelForm, target: str) -> list[RowError]:
    src = "notification channel"
    errors: list[RowError] = []
    if form.kind not in notify.CHANNEL_KINDS:
        errors.append(
            RowError(
                src, None, None, "kind", f"'{form.kind}' is not one of {', '.join(notify.CHANNEL_KINDS)}"
            )
        )
        return errors
    if not form.name.strip():
        errors.append(RowError(src, None, None, "name", "give the channel a name"))
    if form.kind == "email":
        addrs = [a.strip() for a in target.split(",") if a.strip()]
        bad = [a for a in addrs if "@" not in a]
        if not addrs or bad:
            errors.append(
                RowError(src, None, None, "target", "give one or more e-mail addresses, comma separated")
            )
        if not form.host.strip():
            errors.append(RowError(src, None, None, "host", "the SMTP server's host name is needed"))
        if "@" not in form.sender:
            errors.append(RowError(src, None, None, "sender", "the sender's e-mail address is needed"))
        try:
            port = int(str(form.port or 25))
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            errors.append(RowError(src, None, None, "port", f"'{form.port}' is not a port (1–65535)"))
    else:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors.append(
                RowError(
                    src, None, None, "target", "give the robot's or webhook's full http(s) URL (with its key)"
                )
            )
    return errors


def save_channel(scope: Scope, park_id: str, form: ChannelForm, channel_id: int | None = None) -> ChannelView:
    """Create or change a channel inside ``scope``; an enterprise user's belongs to its enterprise.

    On edit an empty ``target`` or ``secret`` keeps the stored one (they are never shown back).
    Audited with the target and the secret masked.
    """
    scope.check_park(park_id)
    existing = queries.channel_row(scope, channel_id) if channel_id is not None else None
    target = form.target.strip() or (existing.target if existing is not None else "")
    _refuse(_check_channel(form, target))
    config: dict[str, Any] = {}
    if form.kind == "email":
        config = {
            "host": form.host.strip(),
            "port": int(str(form.port or 25)),
            "username": form.username.strip(),
            "sender": form.sender.strip(),
            "starttls": bool(form.starttls),
        }
    with transaction(scope.engine) as session:
        if existing is None:
            row = NotifyChannelRow(park_id=park_id, enterprise_id=scope.enterprise_id)
            session.add(row)
            before = None
        else:
            found = session.get(NotifyChannelRow, existing.id)
            assert found is not None
            row, before = found, _channel_snapshot(found)
        scope.check_write(
            "notify_channel", str(channel_id or "new"), park_id=park_id, enterprise_id=row.enterprise_id
        )
        row.kind, row.name, row.target, row.config, row.enabled = (
            form.kind,
            form.name.strip()[:200],
            target,
            config,
            form.enabled,
        )
        if form.secret.strip():
            row.secret = form.secret.strip()
        elif existing is None:
            row.secret = None
        session.flush()
        scope.audit(
            session,
            audit.CREATE if before is None else audit.UPDATE,
            "notify_channel",
            str(row.id),
            before=before,
            after=_channel_snapshot(row),
        )
        view = channel_view(row)
    return view


def delete_channel(scope: Scope, channel_id: int) -> None:
    """Delete a channel inside ``scope`` and take it out of every rule; audited."""
    existing = queries.channel_row(scope, channel_id)
    with transaction(scope.engine) as session:
        row = session.get(NotifyChannelRow, existing.id)
        if row is None:
            return
        scope.check_write(
            "notify_channel", str(channel_id), park_id=row.park_id, enterprise_id=row.enterprise_id
        )
        scope.audit(session, audit.DELETE, "notify_channel", str(channel_id), before=_channel_snapshot(row))
        for r in session.scalars(select(AlarmRuleRow).where(AlarmRuleRow.park_id == row.park_id)):
            if channel_id in (r.channel_ids or []) or channel_id in (r.escalate_channel_ids or []):
                r.channel_ids = [i for i in r.channel_ids or [] if i != channel_id]
                r.escalate_channel_ids = [i for i in r.escalate_channel_ids or [] if i != channel_id]
        session.delete(row)


def send_test(scope: Scope, channel_id: int, lang: str = "zh") -> str | None:
    """Send a test message on a channel inside ``scope``; ``None`` on success, else the masked error."""
    row = queries.channel_row(scope, channel_id)
    scope.check_write("notify_channel", str(channel_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    channel = notify.Channel(row.id, row.name, row.kind, row.target, row.secret, dict(row.config or {}))
    subject = f"【测试 test】zeropark {row.park_id} · {row.name}"
    text = "这是一条测试通知，告警通知渠道工作正常。/ A test notification: this alarm channel works."
    return notify.send(channel, subject, text, {"test": True, "park_id": row.park_id, "channel": row.name})


#: The rule kinds a user may choose, in the order the editor lists them.
RULE_KINDS: tuple[str, ...] = AlarmKind.ALL
#: The parameters each rule kind takes (name → (type, required)), for the editor's fields.
RULE_PARAMS: dict[str, dict[str, tuple[type, bool]]] = PARAMS
#: Alarm severities, lowest first.
RULE_SEVERITIES: tuple[str, ...] = SEVERITIES
#: Notification channel kinds.
CHANNEL_KINDS: tuple[str, ...] = notify.CHANNEL_KINDS
