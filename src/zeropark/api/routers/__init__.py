"""One router module per resource."""

from zeropark.api.routers import (
    activity,
    alarm_rules,
    alarms,
    audit,
    factors,
    imports,
    indicators,
    ingest,
    inventory,
    line_items,
    live,
    measures,  # slice: measures
    meters,
    optimize,
    parks,
    pathway,  # pathway slice (issue 14)
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
    "pathway",
    "quality",
    "readings",
    "reports",
    "roadmap",
    "scenarios",
    "users",
    # slice: measures
    "measures",
]
