"""Alarm rules and notification channels as read (告警规则, 通知渠道), inside the caller's scope.

An enterprise user gets only the rules of its own meters and its own enterprise's channels;
a park manager the park's. Channel rows carry secrets: :mod:`zeropark.services.alarm_rules`
masks them before anything is shown.
"""

from __future__ import annotations

from sqlalchemy import select

from zeropark.errors import NotFound
from zeropark.store.db import session_factory
from zeropark.store.schema import AlarmRuleRow, NotifyChannelRow
from zeropark.store.scope import Scope

__all__ = ["channel_row", "channels", "rule", "rules"]


def rules(scope: Scope, park_id: str) -> list[AlarmRuleRow]:
    """The park's alarm rules inside ``scope``, by id."""
    stmt = scope.filter(
        select(AlarmRuleRow).where(AlarmRuleRow.park_id == park_id),
        enterprise_col=AlarmRuleRow.enterprise_id,
        park_col=AlarmRuleRow.park_id,
    ).order_by(AlarmRuleRow.id)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(stmt))


def rule(scope: Scope, rule_id: int) -> AlarmRuleRow:
    """One rule inside ``scope`` (NotFound otherwise, audited)."""
    with session_factory(scope.engine)() as session:
        row = session.get(AlarmRuleRow, rule_id)
    if row is None:
        raise NotFound(f"alarm rule {rule_id} not found")
    scope.check("alarm_rule", str(rule_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


def channels(scope: Scope, park_id: str) -> list[NotifyChannelRow]:
    """The park's notification channel rows inside ``scope``, by id (secrets inside: services mask)."""
    stmt = scope.filter(
        select(NotifyChannelRow).where(NotifyChannelRow.park_id == park_id),
        enterprise_col=NotifyChannelRow.enterprise_id,
        park_col=NotifyChannelRow.park_id,
    ).order_by(NotifyChannelRow.id)
    with session_factory(scope.engine)() as session:
        return list(session.scalars(stmt))


def channel_row(scope: Scope, channel_id: int) -> NotifyChannelRow:
    """One channel's row inside ``scope`` (NotFound otherwise, audited) — for the services only."""
    with session_factory(scope.engine)() as session:
        row = session.get(NotifyChannelRow, channel_id)
    if row is None:
        raise NotFound(f"notification channel {channel_id} not found")
    scope.check("notify_channel", str(channel_id), park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row
