"""One router module per resource."""

from zeropark.api.routers import (
    activity,
    alarm_rules,
    alarms,
    application,  # application workspace (申报)
    approval,  # data approval and period close (issue #15)
    assets,  # carbon asset ledger (#17)
    audit,
    benchmarks,  # issue #15: benchmarks and admission
    evaluation,
    factors,
    footprint,  # product footprint and CBAM (#16)
    imports,
    indicators,
    ingest,
    inventory,
    ledger,  # evidence ledger (#16)
    line_items,
    live,
    market,  # internal carbon market (#17)
    measures,  # slice: measures
    metabolism,
    meters,
    online_monitoring,  # reporting out (#19)
    optimize,
    parks,
    pathway,  # pathway slice (issue 14)
    province,  # provincial view (#20)
    quality,
    readings,
    reports,
    roadmap,
    scenarios,  # roadmap scenarios (issue 14)
    symbiosis,  # industrial symbiosis (#18)
    tariffs,  # tariffs as data (#19)
    users,
    verifications,  # verifier workspace (#16)
)

__all__ = [
    "activity",
    "alarm_rules",
    "alarms",
    "audit",
    "evaluation",
    "factors",
    "imports",
    "indicators",
    "ingest",
    "inventory",
    "ledger",
    "province",
    "line_items",
    "live",
    "metabolism",
    "meters",
    "online_monitoring",
    "optimize",
    "parks",
    "pathway",
    "quality",
    "readings",
    "reports",
    "tariffs",
    "roadmap",
    "scenarios",
    "users",
    "application",
    "approval",
    # slice: measures
    "measures",
    "benchmarks",  # issue #15
    "verifications",  # verifier workspace (#16)
    "footprint",  # product footprint and CBAM (#16)
    "assets",  # carbon asset ledger (#17)
    "market",  # internal carbon market (#17)
    "symbiosis",  # industrial symbiosis (#18)
]
