"""Web pages (页面): server-rendered Jinja2 + htmx + ECharts, Chinese first with an English switch.

One module per area of the navigation. Routes only read the request, call the use cases
(:mod:`zeropark.services`) and the scoped read models, and render templates; tenant isolation is
the :class:`~zeropark.store.scope.Scope` of the logged-in user, never a filter in a template.
Writes (acknowledge an alarm, import a file) need the CSRF token, which the session layer checks,
and are audited in the same transaction. Access to another tenant's object answers 404 (audited).
"""

from fastapi import APIRouter

from zeropark.web.pages import (
    alarm_rules,
    alarms,
    application,  # application workspace (申报)
    approval,  # data approval and period close (issue #15)
    assets,  # carbon asset ledger (#17)
    benchmarks,
    bigscreen,
    enterprises,
    evaluation,
    factors,
    footprint,  # product carbon footprint and CBAM (#16)
    forecast,
    imports,
    inventory,
    jobs,
    measures,  # slice: measures
    metabolism,
    monitoring,
    optimize,
    overview,
    pathway,  # pathway slice (issue 14)
    province,  # provincial view (#20)
    quality,
    reports,
    roadmap,
    scenarios,  # roadmap scenarios (issue 14)
    session,
    symbiosis,  # industrial symbiosis (#18)
    tariffs,  # tariffs as data and the online-monitoring file (#19)
    users,
    verification,  # verifier workspace (#16)
)

#: Every page route, in the order of the navigation.
router = APIRouter(include_in_schema=False)
for _module in (
    session,
    overview,
    inventory,
    monitoring,
    optimize,
    forecast,
    jobs,
    enterprises,
    alarm_rules,  # before alarms: /alarms/{id}/{action} would take /alarms/rules/…
    alarms,
    quality,
    factors,
    imports,
    reports,
    roadmap,
    pathway,  # pathway slice (issue 14): /roadmap/pathway, /roadmap/macc
    scenarios,  # roadmap scenarios (issue 14)
    users,
    bigscreen,
    benchmarks,  # issue #15: benchmarks and admission
    approval,  # data approval and period close (issue #15)
    measures,  # slice: measures
    evaluation,  # evaluation slice
    application,  # application workspace (申报)
    metabolism,  # metabolism (issue 14): /roadmap/metabolism
    verification,  # verifier workspace (#16)
    footprint,  # product carbon footprint and CBAM (#16)
    assets,  # carbon asset ledger (#17): /assets
    symbiosis,  # industrial symbiosis (#18): /symbiosis
    tariffs,  # tariffs and the online-monitoring file (#19): /tariffs, /reports/online-monitoring.json
    province,  # provincial view (#20): /province
):
    router.include_router(_module.router)
