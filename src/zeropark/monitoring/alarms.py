"""Alarms (告警): threshold, rate of change, missing data, data quality and meter-tree imbalance rules.

States open → acknowledged → closed; an open alarm still unacknowledged ``escalate_after_min``
minutes after it opened is escalated (severity critical, the rule's escalation channels notified).

Rules live in ``alarm_rule`` (``params`` JSON, checked by :func:`check_params`):

- ``threshold``: ``{"bucket": "hour", "max": 500.0, "min": null, "lookback_h": 24}`` — a rollup
  bucket of the meter above ``max`` or below ``min`` [canonical unit per bucket].
- ``rate_of_change``: ``{"bucket": "hour", "max_change_pct": 50.0, "lookback_h": 24}`` — a bucket
  differs from the one before it by more than ``max_change_pct`` of the earlier value
  (|vₜ − vₜ₋₁| / |vₜ₋₁| × 100; a zero earlier value is skipped), or by more than ``max_change``
  [canonical unit per bucket].
- ``quality``: ``{"bucket": "day", "min_completeness_pct": 90.0, "max_flagged_pct": 5.0,
  "lookback_h": 72}`` — a complete bucket whose intervals present ÷ expected is below
  ``min_completeness_pct``, or whose flagged (suspect) intervals exceed ``max_flagged_pct``.
- ``missing_data``: ``{"intervals": 4}`` — no reading for ``intervals`` expected reporting
  intervals of the meter (``now − last reading > intervals × interval_s``).
- ``imbalance``: ``{"bucket": "day", "tolerance_pct": 5.0, "lookback_h": 48}`` on a parent meter —
  parent vs Σ children per complete bucket, using the accounting engine's pure
  :func:`zeropark.accounting.reconcile.meter_balance` (loss share above the tolerance, or children
  exceeding the parent, is a gap).

:func:`evaluate_rules` opens an alarm per (rule, condition) unless one is already open or
acknowledged for it (for a bucket: unless one was ever opened for it), and closes missing-data
alarms whose condition has cleared (a past bucket's alarm stays until it is closed).
An alarm carries its meter's enterprise, so an
enterprise user sees its own. Each new alarm is published on MQTT ``zeropark/<park>/alarms``
(QoS 1), POSTed to the rule's ``webhook_url`` as JSON, and sent on the rule's channels
(:mod:`zeropark.monitoring.notify`: e-mail, 企业微信, 钉钉, webhook); a failed notification is
logged (secrets masked) and recorded in the alarm's ``detail``, never lost silently and never
blocking the alarm.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from paho.mqtt import publish
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from zeropark.accounting.reconcile import meter_balance
from zeropark.errors import DataError, NotFound, RowError, ValidationError
from zeropark.ingest.mqtt import parse_mqtt_url
from zeropark.model import Meter
from zeropark.monitoring import notify as notify_mod
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import AlarmRow, AlarmRuleRow, MeterRow, NotifyChannelRow, ReadingRow, RollupRow
from zeropark.timeseries import Bucket, bucket_end

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

__all__ = [
    "AlarmKind",
    "AlarmView",
    "acknowledge",
    "add_rule",
    "alarm_topic",
    "check_params",
    "close",
    "escalate_alarms",
    "evaluate_rules",
    "list_alarms",
]

log = logging.getLogger(__name__)


class AlarmKind:
    """Alarm rule kinds (``alarm.kind``)."""

    THRESHOLD = "threshold"
    RATE_OF_CHANGE = "rate_of_change"
    MISSING_DATA = "missing_data"
    QUALITY = "quality"
    IMBALANCE = "imbalance"
    ALL = (THRESHOLD, RATE_OF_CHANGE, MISSING_DATA, QUALITY, IMBALANCE)


#: Parameters of each kind: name → (type, required). Numbers are floats except ``intervals``.
PARAMS: dict[str, dict[str, tuple[type, bool]]] = {
    AlarmKind.THRESHOLD: {
        "bucket": (str, False),
        "max": (float, False),
        "min": (float, False),
        "lookback_h": (float, False),
    },
    AlarmKind.RATE_OF_CHANGE: {
        "bucket": (str, False),
        "max_change_pct": (float, False),
        "max_change": (float, False),
        "lookback_h": (float, False),
    },
    AlarmKind.MISSING_DATA: {"intervals": (int, True)},
    AlarmKind.QUALITY: {
        "bucket": (str, False),
        "min_completeness_pct": (float, False),
        "max_flagged_pct": (float, False),
        "lookback_h": (float, False),
    },
    AlarmKind.IMBALANCE: {
        "bucket": (str, False),
        "tolerance_pct": (float, False),
        "lookback_h": (float, False),
    },
}
#: At least one of these per kind (a rule that can never fire is refused).
ONE_OF: dict[str, tuple[str, ...]] = {
    AlarmKind.THRESHOLD: ("max", "min"),
    AlarmKind.RATE_OF_CHANGE: ("max_change_pct", "max_change"),
    AlarmKind.QUALITY: ("min_completeness_pct", "max_flagged_pct"),
}
BUCKETS: tuple[str, ...] = ("15min", "hour", "day", "month")
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")


def check_params(kind: str, params: dict[str, Any], *, source: str = "alarm rule") -> dict[str, Any]:
    """The parameters of a rule of ``kind``, typed, blanks dropped; every fault named by its field.

    Raises
    ------
    ValidationError
        Unknown kind, unknown or missing parameter, a value that is not a number, a bucket that
        does not exist, a negative limit or lookback, ``min`` above ``max``.
    """
    errors: list[RowError] = []

    def bad(fld: str, msg: str) -> None:
        errors.append(RowError(source, None, None, fld, msg))

    if kind not in PARAMS:
        bad("kind", f"'{kind}' is unknown; use one of {', '.join(AlarmKind.ALL)}")
        raise ValidationError(errors)
    spec = PARAMS[kind]
    out: dict[str, Any] = {}
    for key, raw in params.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if key not in spec:
            bad(key, f"is not a parameter of a {kind} rule (they are {', '.join(spec)})")
            continue
        typ = spec[key][0]
        try:
            value: Any = typ(raw.strip() if isinstance(raw, str) else raw)
        except (TypeError, ValueError):
            bad(
                key,
                f"'{raw}' is not a {'whole number' if typ is int else 'number' if typ is float else 'text'}",
            )
            continue
        if typ is float and not math.isfinite(value):
            bad(key, f"'{raw}' is not a finite number")
            continue
        if key == "bucket" and value not in BUCKETS:
            bad(key, f"'{value}' is not a bucket; use one of {', '.join(BUCKETS)}")
            continue
        if typ in (int, float) and key not in ("max", "min") and value < 0:
            bad(key, f"{value} is negative; give a positive value")
            continue
        if typ is int and value < 1:
            bad(key, "must be at least 1")
            continue
        out[key] = value
    for key, (_typ, required) in spec.items():
        if required and key not in out and not any(e.field == key for e in errors):
            bad(key, f"is required for a {kind} rule")
    one = ONE_OF.get(kind)
    if one and not any(k in out for k in one) and not any(e.field in one for e in errors):
        bad(one[0], f"give {' or '.join(one)}: without it the rule never fires")
    if "max" in out and "min" in out and out["min"] > out["max"]:
        bad("min", f"min {out['min']} is above max {out['max']}")
    if errors:
        raise ValidationError(errors)
    return out


@dataclass(frozen=True, slots=True)
class AlarmView:
    """An alarm as the shell hands it out."""

    id: int
    park_id: str
    meter_id: str | None
    kind: str
    severity: str
    state: str
    message: str
    detail: dict[str, Any]
    opened_at: datetime


def alarm_topic(park_id: str, prefix: str = "zeropark") -> str:
    """MQTT topic on which new alarms of a park are published."""
    return f"{prefix}/{park_id}/alarms"


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


#: Bucket names in the Chinese half of an alarm message.
BUCKET_ZH = {"15min": "15 分钟", "hour": "小时", "day": "日", "month": "月"}


def _local(ts: datetime) -> str:
    """A bucket start as people read it: Beijing time."""
    return _utc(ts).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _view(r: AlarmRow) -> AlarmView:
    return AlarmView(
        r.id,
        r.park_id,
        r.meter_id,
        r.kind,
        r.severity,
        r.state,
        r.message,
        dict(r.detail or {}),
        _utc(r.opened_at),
    )


def add_rule(
    engine: Engine,
    park_id: str,
    kind: str,
    *,
    meter_id: str | None,
    params: dict[str, Any],
    webhook_url: str | None = None,
    name: str = "",
    severity: str = "warning",
    channel_ids: Sequence[int] = (),
    escalate_after_min: int | None = None,
    escalate_channel_ids: Sequence[int] = (),
) -> int:
    """Store an alarm rule (trusted callers: the CLI, the demo, tests); returns its id.

    Users edit rules through :mod:`zeropark.services.alarm_rules` (scoped and audited).

    Raises
    ------
    DataError
        If ``kind`` is unknown or a parameter is missing or wrong (the message names it).
    """
    try:
        checked = check_params(kind, params)
    except ValidationError as exc:
        raise DataError("; ".join(f"{e.field}: {e.message}" for e in exc.errors)) from None
    with transaction(engine) as s:
        meter = s.get(MeterRow, meter_id) if meter_id else None
        row = AlarmRuleRow(
            park_id=park_id,
            meter_id=meter_id,
            enterprise_id=meter.enterprise_id if meter is not None else None,
            kind=kind,
            params=checked,
            webhook_url=webhook_url,
            name=name,
            severity=severity,
            channel_ids=list(channel_ids),
            escalate_after_min=escalate_after_min,
            escalate_channel_ids=list(escalate_channel_ids),
        )
        s.add(row)
        s.flush()
        return int(row.id)


@dataclass(frozen=True, slots=True)
class _Finding:
    meter_id: str | None
    key: str  # dedupe key within the rule (e.g. bucket start)
    message: str
    detail: dict[str, Any]
    severity: str = "warning"


def _threshold(s: Session, rule: AlarmRuleRow, now: datetime) -> list[_Finding]:
    p = rule.params
    bucket = p.get("bucket", "hour")
    since = now - timedelta(hours=float(p.get("lookback_h", 24)))
    rows = s.execute(
        select(RollupRow.start, RollupRow.value)
        .where(RollupRow.meter_id == rule.meter_id, RollupRow.bucket == bucket, RollupRow.start >= since)
        .order_by(RollupRow.start)
    ).all()
    out = []
    hi, lo = p.get("max"), p.get("min")
    for start, value in rows:
        start = _utc(start)
        if hi is not None and value > hi:
            what, limit = "above", hi
        elif lo is not None and value < lo:
            what, limit = "below", lo
        else:
            continue
        out.append(
            _Finding(
                rule.meter_id,
                start.isoformat(),
                f"计量点 {rule.meter_id} {BUCKET_ZH.get(bucket, bucket)} {_local(start)}（北京时间）"
                f"= {value:.3f}，"
                f"{'超过上限' if what == 'above' else '低于下限'} {limit} / "
                f"meter {rule.meter_id} {what} {limit}",
                {
                    "bucket": bucket,
                    "start": start.isoformat(),
                    "value": value,
                    "limit": limit,
                    "direction": what,
                },
            )
        )
    return out


def _rate_of_change(s: Session, rule: AlarmRuleRow, now: datetime) -> list[_Finding]:
    p = rule.params
    bucket = p.get("bucket", "hour")
    since = now - timedelta(hours=float(p.get("lookback_h", 24)))
    rows = s.execute(
        select(RollupRow.start, RollupRow.value)
        .where(RollupRow.meter_id == rule.meter_id, RollupRow.bucket == bucket, RollupRow.start >= since)
        .order_by(RollupRow.start)
    ).all()
    pct_limit, abs_limit = p.get("max_change_pct"), p.get("max_change")
    out = []
    for (_, before), (start, value) in zip(rows, rows[1:], strict=False):
        change = value - before
        pct = abs(change) / abs(before) * 100.0 if before else None
        too_fast = (pct_limit is not None and pct is not None and pct > pct_limit) or (
            abs_limit is not None and abs(change) > abs_limit
        )
        if not too_fast:
            continue
        start = _utc(start)
        shown = f"{pct:.1f} %" if pct is not None else f"{change:+.3f}"
        out.append(
            _Finding(
                rule.meter_id,
                start.isoformat(),
                f"计量点 {rule.meter_id} {BUCKET_ZH.get(bucket, bucket)} {_local(start)}（北京时间）"
                f"变化 {change:+.3f}（{shown}），"
                f"超过变化率限值 / meter {rule.meter_id} changed by {shown}, above the rate limit",
                {
                    "bucket": bucket,
                    "start": start.isoformat(),
                    "value": value,
                    "previous": before,
                    "change": change,
                    "change_pct": pct,
                    "max_change_pct": pct_limit,
                    "max_change": abs_limit,
                },
            )
        )
    return out


def _quality(s: Session, rule: AlarmRuleRow, now: datetime) -> list[_Finding]:
    p = rule.params
    bucket = Bucket(p.get("bucket", "day"))
    since = now - timedelta(hours=float(p.get("lookback_h", 72)))
    rows = s.execute(
        select(RollupRow.start, RollupRow.n_present, RollupRow.n_expected, RollupRow.n_flagged)
        .where(
            RollupRow.meter_id == rule.meter_id, RollupRow.bucket == bucket.value, RollupRow.start >= since
        )
        .order_by(RollupRow.start)
    ).all()
    min_pct, max_flagged = p.get("min_completeness_pct"), p.get("max_flagged_pct")
    out = []
    for start, present, expected, flagged in rows:
        start = _utc(start)
        if not expected or bucket_end(start, bucket) > now:  # only complete buckets
            continue
        completeness = 100.0 * present / expected
        flagged_pct = 100.0 * (flagged or 0) / expected
        if min_pct is not None and completeness < min_pct:
            what = (
                f"完整率 {completeness:.1f} % < {min_pct} % / "
                f"completeness {completeness:.1f} % below {min_pct} %"
            )
        elif max_flagged is not None and flagged_pct > max_flagged:
            what = (
                f"可疑数据 {flagged_pct:.1f} % > {max_flagged} % / "
                f"flagged {flagged_pct:.1f} % above {max_flagged} %"
            )
        else:
            continue
        out.append(
            _Finding(
                rule.meter_id,
                start.isoformat(),
                f"计量点 {rule.meter_id} {BUCKET_ZH[bucket.value]} {_local(start)}（北京时间）{what}",
                {
                    "bucket": bucket.value,
                    "start": start.isoformat(),
                    "n_present": present,
                    "n_expected": expected,
                    "n_flagged": flagged,
                    "completeness_pct": round(completeness, 3),
                    "flagged_pct": round(flagged_pct, 3),
                },
            )
        )
    return out


def _missing(s: Session, rule: AlarmRuleRow, now: datetime) -> list[_Finding]:
    meter = s.get(MeterRow, rule.meter_id)
    if meter is None:
        return []
    last = s.scalar(
        select(func.max(ReadingRow.ts)).where(
            ReadingRow.park_id == meter.park_id, ReadingRow.meter_id == rule.meter_id
        )
    )
    n = int(rule.params["intervals"])
    allowed = timedelta(seconds=n * meter.interval_s)
    last_utc = _utc(last) if last is not None else None
    if last_utc is not None and now - last_utc <= allowed:
        return []
    since = "never" if last_utc is None else last_utc.isoformat()
    return [
        _Finding(
            rule.meter_id,
            "missing",
            f"计量点 {rule.meter_id} 已超过 {n} 个采集周期无数据（最后 {since}）/ "
            f"meter {rule.meter_id}: no reading for {n} intervals (last {since})",
            {"intervals": n, "interval_s": meter.interval_s, "last_reading": since},
        )
    ]


def _imbalance(
    s: Session, engine_meters: Sequence[Meter], rule: AlarmRuleRow, now: datetime
) -> list[_Finding]:
    p = rule.params
    bucket = Bucket(p.get("bucket", "day"))
    tol = float(p.get("tolerance_pct", 5.0))
    parent = rule.meter_id
    kids = [m for m in engine_meters if m.parent_id == parent]
    tree = [m for m in engine_meters if m.id == parent] + kids
    if not kids or len(tree) == len(kids):
        return []
    since = now - timedelta(hours=float(p.get("lookback_h", 48)))
    rows = s.execute(
        select(RollupRow.meter_id, RollupRow.start, RollupRow.value).where(
            RollupRow.meter_id.in_([m.id for m in tree]),
            RollupRow.bucket == bucket.value,
            RollupRow.start >= since,
        )
    ).all()
    by_start: dict[datetime, dict[str, float]] = {}
    for mid, start, value in rows:
        by_start.setdefault(_utc(start), {})[mid] = value
    out = []
    for start in sorted(by_start):
        if bucket_end(start, bucket) > now:  # only complete buckets
            continue
        balances, gaps = meter_balance(tree, by_start[start], loss_threshold_pct=tol)
        for g in gaps:
            bal = next((b for b in balances if b.parent_id == parent), None)
            out.append(
                _Finding(
                    parent,
                    start.isoformat(),
                    f"{g.message_zh} / {g.message_en} [{bucket.value} {start.isoformat()}]",
                    {
                        "bucket": bucket.value,
                        "start": start.isoformat(),
                        "parent": bal.parent_quantity if bal else None,
                        "children": bal.children_quantity if bal else None,
                        "loss": bal.loss if bal else None,
                        "loss_share": bal.loss_share if bal else None,
                        "tolerance_pct": tol,
                        "rows": list(g.rows),
                    },
                )
            )
    return out


def _body(alarm: AlarmView) -> dict[str, Any]:
    return {
        "id": alarm.id,
        "park_id": alarm.park_id,
        "meter_id": alarm.meter_id,
        "kind": alarm.kind,
        "severity": alarm.severity,
        "state": alarm.state,
        "message": alarm.message,
        "detail": alarm.detail,
        "opened_at": alarm.opened_at.isoformat(),
    }


_SEVERITY_ZH = {"info": "提示", "warning": "警告", "critical": "严重"}


def _text(alarm: AlarmView, rule_name: str, *, escalated: bool = False) -> tuple[str, str]:
    """(subject, text) of a notification; Beijing time, Chinese first."""
    local = alarm.opened_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    head = "【告警升级 escalated】" if escalated else "【告警 alarm】"
    subject = f"{head}{alarm.park_id} {rule_name or alarm.kind} #{alarm.id}"
    text = (
        f"级别 severity: {_SEVERITY_ZH.get(alarm.severity, alarm.severity)} ({alarm.severity})\n"
        f"计量点 meter: {alarm.meter_id or '-'}\n"
        f"时间 opened: {local} (北京时间)\n"
        f"{alarm.message}"
    )
    return subject, text


def _channels(s: Session, ids: Sequence[int]) -> list[notify_mod.Channel]:
    if not ids:
        return []
    rows = s.scalars(
        select(NotifyChannelRow).where(NotifyChannelRow.id.in_(list(ids)), NotifyChannelRow.enabled.is_(True))
    )
    return [notify_mod.Channel(r.id, r.name, r.kind, r.target, r.secret, dict(r.config or {})) for r in rows]


def _notify(
    alarm: AlarmView,
    webhook_url: str | None,
    mqtt_url: str | None,
    channels: Sequence[notify_mod.Channel] = (),
    rule_name: str = "",
    *,
    escalated: bool = False,
) -> list[str]:
    body = _body(alarm)
    errors: list[str] = []
    if mqtt_url:
        host, port = parse_mqtt_url(mqtt_url)
        try:
            publish.single(
                alarm_topic(alarm.park_id),
                json.dumps(body, ensure_ascii=False),
                qos=1,
                hostname=host,
                port=port,
            )
        except OSError as exc:
            errors.append(f"mqtt {host}:{port}: {exc}")
    if webhook_url:
        hook = notify_mod.Channel(0, "rule webhook", "webhook", webhook_url)
        error = notify_mod.send(hook, "", "", body)
        if error:
            errors.append(error)
    subject, text = _text(alarm, rule_name, escalated=escalated)
    for channel in channels:
        error = notify_mod.send(channel, subject, text, body)
        if error:
            errors.append(error)
    for e in errors:
        log.warning("alarm %s notification failed: %s", alarm.id, e)
    return errors


def _record_errors(engine: Engine, alarm_id: int, errors: list[str], key: str = "notify_errors") -> None:
    with transaction(engine) as s:
        row = s.get(AlarmRow, alarm_id)
        if row is not None:
            row.detail = {**(row.detail or {}), key: errors}


def evaluate_rules(
    engine: Engine,
    park_id: str,
    *,
    now_utc: datetime | None = None,
    notify: bool = True,
    mqtt_url: str | None = None,
) -> list[AlarmView]:
    """Evaluate every enabled rule of ``park_id``; return the alarms opened by this call.

    Parameters
    ----------
    engine : Engine
        The store.
    park_id : str
        The park.
    now_utc : datetime, optional
        Evaluation time (default now).
    notify : bool
        Publish new alarms on MQTT, call webhooks, send on the rules' channels.
    mqtt_url : str, optional
        Broker for alarm messages, ``mqtt://host:port`` (the CLI passes ``ZEROPARK_MQTT_URL``);
        None: new alarms are not published on MQTT.
    """
    now = now_utc or datetime.now(UTC)
    meters = repo.list_meters(engine, park_id)
    created: list[tuple[AlarmView, str | None, list[notify_mod.Channel], str]] = []
    with transaction(engine) as s:
        rules = list(
            s.scalars(
                select(AlarmRuleRow).where(AlarmRuleRow.park_id == park_id, AlarmRuleRow.enabled.is_(True))
            )
        )
        for rule in rules:
            if rule.kind == AlarmKind.THRESHOLD:
                findings = _threshold(s, rule, now)
            elif rule.kind == AlarmKind.RATE_OF_CHANGE:
                findings = _rate_of_change(s, rule, now)
            elif rule.kind == AlarmKind.MISSING_DATA:
                findings = _missing(s, rule, now)
            elif rule.kind == AlarmKind.QUALITY:
                findings = _quality(s, rule, now)
            elif rule.kind == AlarmKind.IMBALANCE:
                findings = _imbalance(s, meters, rule, now)
            else:
                log.warning("alarm rule %s has unknown kind '%s'; skipped", rule.id, rule.kind)
                continue
            mine = [
                a
                for a in s.scalars(
                    select(AlarmRow).where(AlarmRow.park_id == park_id, AlarmRow.kind == rule.kind)
                )
                if (a.detail or {}).get("rule_id") == rule.id
            ]
            live = [a for a in mine if a.state != "closed"]
            # a bucket once alarmed is not alarmed again after it was closed; missing data is a
            # state, so a closed missing-data alarm may open again
            seen = live if rule.kind == AlarmKind.MISSING_DATA else mine
            live_keys = {(a.detail or {}).get("key") for a in seen}
            channels = _channels(s, rule.channel_ids or [])
            for f in findings:
                if f.key in live_keys:
                    continue
                row = AlarmRow(
                    park_id=park_id,
                    meter_id=f.meter_id,
                    enterprise_id=rule.enterprise_id,
                    kind=rule.kind,
                    severity=rule.severity or f.severity,
                    state="open",
                    message=f.message,
                    detail={**f.detail, "rule_id": rule.id, "key": f.key},
                    opened_at=now,
                )
                s.add(row)
                s.flush()
                created.append((_view(row), rule.webhook_url, channels, rule.name))
            if rule.kind == AlarmKind.MISSING_DATA and not findings:
                for a in live:  # data flows again: the missing-data alarm clears itself
                    a.state, a.closed_at = "closed", now
    if notify:
        for view, hook, channels, name in created:
            errors = _notify(view, hook, mqtt_url, channels, name)
            if errors:
                _record_errors(engine, view.id, errors)
    return [v for v, _, _, _ in created]


def escalate_alarms(
    engine: Engine, park_id: str, *, now_utc: datetime | None = None, notify: bool = True
) -> list[AlarmView]:
    """Escalate the park's open alarms left unacknowledged past their rule's ``escalate_after_min``.

    Each is escalated once: severity ``critical``, ``detail.escalated_at``, and its rule's
    escalation channels notified. Acknowledged and closed alarms never escalate.
    """
    now = now_utc or datetime.now(UTC)
    done: list[tuple[AlarmView, list[notify_mod.Channel], str]] = []
    with transaction(engine) as s:
        rules = {
            r.id: r
            for r in s.scalars(
                select(AlarmRuleRow).where(
                    AlarmRuleRow.park_id == park_id, AlarmRuleRow.escalate_after_min.is_not(None)
                )
            )
        }
        if not rules:
            return []
        for row in s.scalars(select(AlarmRow).where(AlarmRow.park_id == park_id, AlarmRow.state == "open")):
            detail = dict(row.detail or {})
            rule = rules.get(detail.get("rule_id", -1))
            if rule is None or rule.escalate_after_min is None or detail.get("escalated_at"):
                continue
            if now - _utc(row.opened_at) < timedelta(minutes=rule.escalate_after_min):
                continue
            row.severity = "critical"
            row.detail = {
                **detail,
                "escalated_at": now.isoformat(),
                "escalated_from": detail.get("severity", rule.severity),
            }
            s.flush()
            done.append((_view(row), _channels(s, rule.escalate_channel_ids or []), rule.name))
    if notify:
        for view, channels, name in done:
            errors = _notify(view, None, None, channels, name, escalated=True)
            if errors:
                _record_errors(engine, view.id, errors, "escalation_errors")
    return [v for v, _, _ in done]


def list_alarms(
    engine: Engine, park_id: str, *, state: str | None = None, limit: int = 200
) -> list[AlarmView]:
    """Alarms of a park, newest first."""
    q = select(AlarmRow).where(AlarmRow.park_id == park_id).order_by(AlarmRow.id.desc()).limit(limit)
    if state is not None:
        q = q.where(AlarmRow.state == state)
    with transaction(engine) as s:
        return [_view(r) for r in s.scalars(q)]


def acknowledge(engine: Engine, alarm_id: int, *, user: str) -> AlarmView:
    """Open → acknowledged (by ``user``). Raises NotFound, or DataError if the alarm is closed."""
    with transaction(engine) as s:
        row = s.get(AlarmRow, alarm_id)
        if row is None:
            raise NotFound(f"alarm {alarm_id} does not exist")
        if row.state == "closed":
            raise DataError(f"alarm {alarm_id} is closed; it cannot be acknowledged")
        row.state, row.acknowledged_at, row.acknowledged_by = "acknowledged", datetime.now(UTC), user
        return _view(row)


def close(engine: Engine, alarm_id: int) -> AlarmView:
    """open/acknowledged → closed. Raises NotFound."""
    with transaction(engine) as s:
        row = s.get(AlarmRow, alarm_id)
        if row is None:
            raise NotFound(f"alarm {alarm_id} does not exist")
        row.state, row.closed_at = "closed", datetime.now(UTC)
        return _view(row)
