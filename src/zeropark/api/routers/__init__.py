"""One router module per resource."""

from zeropark.api.routers import (
    activity,
    alarms,
    audit,
    factors,
    imports,
    indicators,
    ingest,
    inventory,
    live,
    meters,
    optimize,
    parks,
    quality,
    readings,
    reports,
    users,
)

__all__ = [
    "activity",
    "alarms",
    "audit",
    "factors",
    "imports",
    "indicators",
    "ingest",
    "inventory",
    "live",
    "meters",
    "optimize",
    "parks",
    "quality",
    "readings",
    "reports",
    "users",
]
