"""The demo park's alarm rules (示例告警规则), and their first evaluation — rules that fire.

Shipped so that a newcomer sees the alarm page at work on the demo data:

- 越限 threshold on the 110 kV import: hourly energy above a limit set, for the demo, just below the
  last day's third-highest hour (rounded down to 1 000 kWh) — so the day's peak hours fire, whatever
  the size or seed of the demo. Unacknowledged for 30 minutes it escalates to critical.
- 变化率 rate of change on each of the first tenants' main meters: an hour more than 50 % above or
  below the hour before (shift starts and ends).
- 数据缺失 missing data on the 110 kV import: no reading for 4 intervals (1 h). The demo's data end
  in the past, so evaluated at the wall-clock time the meters have indeed stopped reporting.
- 数据质量 quality on the 110 kV import: a day less than 95 % complete.
- 计量不平衡 imbalance on the 10 kV distribution total against its feeders, 5 % per day.

:func:`evaluate_demo_alarms` runs the rules twice: at the end of the demo data (thresholds, rates,
quality, balance of the last day) and at ``now_utc`` (missing data, escalation). The demo ships no
notification channel (it cannot know anyone's robot or mail server); a user adds them in 告警规则.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select

from zeropark.demo.site import PARK_ID
from zeropark.monitoring.alarms import add_rule, escalate_alarms, evaluate_rules
from zeropark.store.db import transaction
from zeropark.store.schema import AlarmRuleRow, MeterRow, ReadingRow, RollupRow

__all__ = ["evaluate_demo_alarms", "install_demo_alarm_rules"]

IMPORT = f"{PARK_ID}-EL-IMP"
DISTRIBUTION = f"{PARK_ID}-EL-DIST"
#: Tenants whose main electricity meter gets a rate-of-change rule.
RATE_TENANTS = ("E01", "E02", "E03")


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _demo_limit(engine: Engine) -> float | None:
    """Just below the last day's third-highest hourly import [kWh], rounded down to 1 000 kWh."""
    with transaction(engine) as s:
        last = s.scalar(
            select(func.max(RollupRow.start)).where(RollupRow.meter_id == IMPORT, RollupRow.bucket == "hour")
        )
        if last is None:
            return None
        values = sorted(
            s.scalars(
                select(RollupRow.value).where(
                    RollupRow.meter_id == IMPORT,
                    RollupRow.bucket == "hour",
                    RollupRow.start > _utc(last) - timedelta(hours=24),
                )
            ),
            reverse=True,
        )
    if len(values) < 3:
        return None
    return float(math.floor(values[2] / 1000.0) * 1000.0)


def install_demo_alarm_rules(engine: Engine) -> list[int]:
    """Store the demo's alarm rules (after its rollups are built); returns their ids."""
    with transaction(engine) as s:
        s.execute(delete(AlarmRuleRow).where(AlarmRuleRow.park_id == PARK_ID))
        existing = set(s.scalars(select(MeterRow.id).where(MeterRow.park_id == PARK_ID)))
    ids: list[int] = []
    limit = _demo_limit(engine)
    if IMPORT in existing and limit is not None:
        ids.append(
            add_rule(
                engine,
                PARK_ID,
                "threshold",
                meter_id=IMPORT,
                params={"bucket": "hour", "max": limit, "lookback_h": 24},
                name="110kV 下网负荷越限",
                severity="warning",
                escalate_after_min=30,
            )
        )
        ids.append(
            add_rule(
                engine,
                PARK_ID,
                "missing_data",
                meter_id=IMPORT,
                params={"intervals": 4},
                name="关口表数据中断",
                severity="critical",
            )
        )
        ids.append(
            add_rule(
                engine,
                PARK_ID,
                "quality",
                meter_id=IMPORT,
                params={"bucket": "day", "min_completeness_pct": 95.0, "lookback_h": 72},
                name="关口表数据完整率",
            )
        )
    for tenant in RATE_TENANTS:
        meter = f"{PARK_ID}-{tenant}-EL"
        if meter in existing:
            ids.append(
                add_rule(
                    engine,
                    PARK_ID,
                    "rate_of_change",
                    meter_id=meter,
                    params={"bucket": "hour", "max_change_pct": 50.0, "lookback_h": 24},
                    name=f"{tenant} 负荷突变",
                    severity="info",
                )
            )
    if DISTRIBUTION in existing:
        ids.append(
            add_rule(
                engine,
                PARK_ID,
                "imbalance",
                meter_id=DISTRIBUTION,
                params={"bucket": "day", "tolerance_pct": 5.0, "lookback_h": 48},
                name="10kV 配电总表与馈线平衡",
            )
        )
    return ids


def evaluate_demo_alarms(engine: Engine, now_utc: datetime | None = None) -> int:
    """Evaluate the demo's rules at its data's end and at ``now_utc``; returns the alarms opened.

    Notifications are off (the demo has no channels); escalation runs at ``now_utc``.
    """
    now = now_utc or datetime.now(UTC)
    with transaction(engine) as s:
        end = s.scalar(select(func.max(ReadingRow.ts)).where(ReadingRow.meter_id == IMPORT))
    opened = 0
    if end is not None:
        opened += len(evaluate_rules(engine, PARK_ID, now_utc=_utc(end) + timedelta(minutes=1), notify=False))
    opened += len(evaluate_rules(engine, PARK_ID, now_utc=now, notify=False))
    escalate_alarms(engine, PARK_ID, now_utc=now, notify=False)
    return opened
