"""Alarms (告警): threshold, missing data and meter-tree imbalance rules; open → acknowledged → closed.

Rules live in ``alarm_rule`` (one per meter and kind; ``params`` JSON):

- ``threshold``: ``{"bucket": "hour", "max": 500.0, "min": null, "lookback_h": 24}`` — a rollup
  bucket of the meter above ``max`` or below ``min`` [canonical unit per bucket].
- ``missing_data``: ``{"intervals": 4}`` — no reading for ``intervals`` expected reporting
  intervals of the meter (``now − last reading > intervals × interval_s``).
- ``imbalance``: ``{"bucket": "day", "tolerance_pct": 5.0, "lookback_h": 48}`` on a parent meter —
  parent vs Σ children per complete bucket, using the accounting engine's pure
  :func:`zeropark.accounting.reconcile.meter_balance` (loss share above the tolerance, or children
  exceeding the parent, is a gap).

:func:`evaluate_rules` opens an alarm per (rule, condition) unless one is already open or
acknowledged for it, and closes missing-data alarms whose condition has cleared (a past threshold
or imbalance bucket stays until it is closed). Each new alarm is published on MQTT
``zeropark/<park>/alarms`` (QoS 1) and,
when the rule has a ``webhook_url``, POSTed there as JSON (httpx); a failed notification is logged
and recorded in the alarm's ``detail``, never lost silently and never blocking the alarm.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from paho.mqtt import publish
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from zeropark.accounting.reconcile import meter_balance
from zeropark.errors import DataError, NotFound
from zeropark.ingest.mqtt import parse_mqtt_url
from zeropark.model import Meter
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import AlarmRow, AlarmRuleRow, MeterRow, ReadingRow, RollupRow
from zeropark.timeseries import Bucket, bucket_end

__all__ = [
    "AlarmKind",
    "AlarmView",
    "acknowledge",
    "add_rule",
    "alarm_topic",
    "close",
    "evaluate_rules",
    "list_alarms",
]

log = logging.getLogger(__name__)


class AlarmKind:
    """Alarm rule kinds (``alarm.kind``)."""

    THRESHOLD = "threshold"
    MISSING_DATA = "missing_data"
    IMBALANCE = "imbalance"
    ALL = (THRESHOLD, MISSING_DATA, IMBALANCE)


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
) -> int:
    """Store an alarm rule; returns its id.

    Raises
    ------
    DataError
        If ``kind`` is unknown or a required parameter is missing.
    """
    required = {AlarmKind.THRESHOLD: (), AlarmKind.MISSING_DATA: ("intervals",), AlarmKind.IMBALANCE: ()}
    if kind not in required:
        raise DataError(f"alarm kind '{kind}' is unknown; use one of {', '.join(AlarmKind.ALL)}")
    missing = [p for p in required[kind] if p not in params]
    if kind == AlarmKind.THRESHOLD and "max" not in params and "min" not in params:
        missing.append("max or min")
    if missing:
        raise DataError(f"alarm rule '{kind}' needs parameter(s) {', '.join(missing)}")
    with transaction(engine) as s:
        row = AlarmRuleRow(
            park_id=park_id, meter_id=meter_id, kind=kind, params=params, webhook_url=webhook_url
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
                f"计量点 {rule.meter_id} {bucket} {start.isoformat()} = {value:.3f}，"
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


def _missing(s: Session, rule: AlarmRuleRow, now: datetime) -> list[_Finding]:
    meter = s.get(MeterRow, rule.meter_id)
    if meter is None:
        return []
    last = s.scalar(select(func.max(ReadingRow.ts)).where(ReadingRow.meter_id == rule.meter_id))
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


def _notify(alarm: AlarmView, webhook_url: str | None, mqtt_url: str | None) -> list[str]:
    body = {
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
        try:
            httpx.post(webhook_url, json=body, timeout=5.0).raise_for_status()
        except httpx.HTTPError as exc:
            errors.append(f"webhook {webhook_url}: {exc}")
    for e in errors:
        log.warning("alarm %s notification failed: %s", alarm.id, e)
    return errors


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
        Publish new alarms on MQTT and call webhooks.
    mqtt_url : str, optional
        Broker for alarm messages, ``mqtt://host:port`` (the CLI passes ``ZEROPARK_MQTT_URL``);
        None: new alarms are not published on MQTT.
    """
    now = now_utc or datetime.now(UTC)
    meters = repo.list_meters(engine, park_id)
    created: list[tuple[AlarmView, str | None]] = []
    with transaction(engine) as s:
        rules = list(
            s.scalars(
                select(AlarmRuleRow).where(AlarmRuleRow.park_id == park_id, AlarmRuleRow.enabled.is_(True))
            )
        )
        for rule in rules:
            if rule.kind == AlarmKind.THRESHOLD:
                findings = _threshold(s, rule, now)
            elif rule.kind == AlarmKind.MISSING_DATA:
                findings = _missing(s, rule, now)
            elif rule.kind == AlarmKind.IMBALANCE:
                findings = _imbalance(s, meters, rule, now)
            else:
                log.warning("alarm rule %s has unknown kind '%s'; skipped", rule.id, rule.kind)
                continue
            live = list(
                s.scalars(
                    select(AlarmRow).where(
                        AlarmRow.park_id == park_id, AlarmRow.kind == rule.kind, AlarmRow.state != "closed"
                    )
                )
            )
            live = [a for a in live if (a.detail or {}).get("rule_id") == rule.id]
            live_keys = {(a.detail or {}).get("key") for a in live}
            for f in findings:
                if f.key in live_keys:
                    continue
                row = AlarmRow(
                    park_id=park_id,
                    meter_id=f.meter_id,
                    kind=rule.kind,
                    severity=f.severity,
                    state="open",
                    message=f.message,
                    detail={**f.detail, "rule_id": rule.id, "key": f.key},
                    opened_at=now,
                )
                s.add(row)
                s.flush()
                created.append((_view(row), rule.webhook_url))
            if rule.kind == AlarmKind.MISSING_DATA and not findings:
                for a in live:  # data flows again: the missing-data alarm clears itself
                    a.state, a.closed_at = "closed", now
    if notify:
        for view, hook in created:
            errors = _notify(view, hook, mqtt_url)
            if errors:
                with transaction(engine) as s:
                    failed = s.get(AlarmRow, view.id)
                    if failed is not None:
                        failed.detail = {**(failed.detail or {}), "notify_errors": errors}
    return [v for v, _ in created]


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
