"""One router module per resource."""

from zeropark.api.routers import (
    activity,
    alarm_rules,
    alarms,
    audit,
    benchmarks,  # issue #15: benchmarks and admission
    factors,
    imports,
    indicators,
    ingest,
    inventory,
    line_items,
    live,
    meters,
    optimize,
    parks,
    quality,
    readings,
    reports,
    roadmap,
    scenarios,  # roadmap scenarios (issue 14)
    users,
)

__all__ = [
    "activity",
    "alarm_rules",
    "alarms",
    "audit",
    "factors",
    "imports",
    "indicators",
    "ingest",
    "inventory",
    "line_items",
    "live",
    "meters",
    "optimize",
    "parks",
    "quality",
    "readings",
    "reports",
    "roadmap",
    "scenarios",
    "users",
    "benchmarks",  # issue #15
]
