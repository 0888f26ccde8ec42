"""Inventory runs (排放清单) as use cases: account, latest run of a view, read, sign off, recompute, delete.

Called alike by the API, the web pages, the CLI, the reports and the demo.

**Account a year** (:func:`account_year`) is one path whatever the door:

1. the scope decides what may be accounted (park users: the park or any of its enterprises;
   an enterprise user: its own enterprise only; verifiers and devices: nothing);
2. one factor-set resolution (:func:`zeropark.services.factor_sets.resolve_factor_set`);
3. one input: the park's, from the store (an enterprise's view needs the others' data for its
   internal purchases), with the hourly profile of the view being accounted;
4. a park is accounted together with every enterprise's own view of the same input
   (:func:`zeropark.accounting.engine.run_views`): the park run stores them as its child runs, so
   an enterprise's figure on the park's list, on its own page and in its own report is the same;
5. one quality score per view (:mod:`zeropark.services.quality`) and, for the national method,
   the indicator table evaluated on the same input, both stored with the run;
6. one transaction for the runs and their audit record.

**The latest run of a view** is :mod:`zeropark.store.queries.runs`'s rule: the newest signed-off
run, else the newest run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from zeropark.accounting import AccountingOptions, Inventory, Note, run, run_views
from zeropark.accounting.factor_choice import FACTOR_YEAR_FALLBACK, FACTORS_UNUSED, RESIDUAL_FALLBACK
from zeropark.errors import NotFound, PermissionDenied, RunDoesNotReproduce
from zeropark.factors import FactorSet
from zeropark.indicators import IndicatorTable, evaluate, evaluate_enterprise
from zeropark.model import AccountingInput, IndicatorData, Method, Role
from zeropark.monitoring.quality import QualityReport, quality_report, view_of_report
from zeropark.services.approval import link_run_inputs
from zeropark.services.factor_sets import resolve_factor_set
from zeropark.services.symbiosis import with_symbiosis
from zeropark.store import audit, repo, runs
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.db import transaction
from zeropark.store.queries.runs import LatestRun, RunView, latest_runs, load_view, run_summary
from zeropark.store.runs import RunSummary
from zeropark.store.schema import InventoryRunRow
from zeropark.store.scope import Scope

__all__ = [
    "ENTITY",
    "AccountedRun",
    "account",
    "Recomputed",
    "RunStatement",
    "RunView",
    "account_year",
    "delete_run",
    "enterprise_runs",
    "latest",
    "latest_view",
    "list_runs",
    "recompute",
    "run_statement",
    "sign_off",
    "view_of_run",
    "visible_summary",
]

#: The audit log's name of an inventory run.
ENTITY = "inventory_run"


@dataclass(frozen=True, slots=True)
class AccountedRun:
    """One accounted and stored run: its summary, inventory, indicators and the factor set used.

    ``enterprise_runs`` are the child runs stored with a park run (each enterprise's own view).
    """

    run: RunSummary
    inventory: Inventory
    indicators: IndicatorTable | None
    factor_set: FactorSet
    enterprise_runs: tuple[RunSummary, ...] = ()


@dataclass(frozen=True, slots=True)
class Recomputed:
    """Outcome of recomputing a stored run from the readings as they are now (bit for bit)."""

    run_id: int
    stored_fingerprint: str
    recomputed_fingerprint: str
    fingerprint_match: bool
    totals_match: bool
    identical: bool  # the whole inventory serialises to the same JSON
    differences: tuple[str, ...] = ()
    recomputed: Inventory | None = None


#: Notes a run's statement shows apart, as warnings: the fallbacks taken, the factors loaded but unused.
NOTICE_CODES = (FACTOR_YEAR_FALLBACK, RESIDUAL_FALLBACK, FACTORS_UNUSED)


@dataclass(frozen=True, slots=True)
class RunStatement:
    """What a run says of how it was computed, as the CLI, the API, the pages and the reports show it.

    ``options_zh``/``options_en`` is the options statement: every option, every factor used with its
    year, the fallbacks taken and the user's factors loaded but unused. ``notices`` are the notes
    among them a reader must not miss (codes :data:`NOTICE_CODES`): a factor year that was not
    published ("2023 factor used for 2026: the newest published"), a residual factor the user's set
    did not give, custom factors the chosen options never use.
    """

    options_zh: str
    options_en: str
    notices: tuple[Note, ...]


def run_statement(inventory: Inventory) -> RunStatement:
    """The statement of a run (:class:`RunStatement`): one function for every door."""
    notices = tuple(n for n in inventory.notes if n.code in NOTICE_CODES)
    return RunStatement(inventory.options_statement_zh, inventory.options_statement_en, notices)


def _view_of(scope: Scope, enterprise_id: str | None, what: str) -> str | None:
    """The enterprise view a request is about: an enterprise user's own, whatever it asked for."""
    if not scope.is_enterprise:
        return enterprise_id
    if enterprise_id is not None and enterprise_id != scope.enterprise_id:
        scope.deny(ENTITY, f"{what}:{enterprise_id}", "another enterprise's inventory")
        raise NotFound(f"enterprise '{enterprise_id}' not found")
    return scope.enterprise_id


def _check_enterprise(scope: Scope, park_id: str, enterprise_id: str) -> None:
    scope.check("enterprise", enterprise_id, park_id=park_id, enterprise_id=enterprise_id)
    if repo.get_enterprise(scope.engine, enterprise_id).park_id != park_id:
        raise NotFound(f"enterprise '{enterprise_id}' is not in park '{park_id}'")


def _indicators(inventory: Inventory, inputs: AccountingInput) -> IndicatorTable | None:
    """The indicator table of a national run: the park's, or one enterprise's on its own figures.

    An enterprise's table reads its own value added, never the park's (the park's indicator data
    are passed as ``park_data``, where its products are found).
    """
    if inventory.method is not Method.NATIONAL:
        return None
    if inventory.enterprise_id is None:
        return evaluate(inventory, inputs)
    own = dataclasses.replace(
        inputs,
        enterprises=tuple(e for e in inputs.enterprises if e.id == inventory.enterprise_id),
        indicator_data=IndicatorData(),
    )
    return evaluate_enterprise(inventory, own, inputs.indicator_data)


def _snapshot(summary: RunSummary) -> dict[str, Any]:
    """The audit record's picture of a run: its summary and whether it is frozen."""
    return {**dataclasses.asdict(summary), "frozen": summary.frozen}


def account_year(
    scope: Scope,
    park_id: str,
    year: int,
    options: AccountingOptions,
    factor_set: str,
    *,
    enterprise_id: str | None = None,
) -> AccountedRun:
    """Account ``year`` of the park (or of one enterprise) with ``options.method`` and store the run.

    Parameters
    ----------
    scope : Scope
        Who asks (:func:`zeropark.store.scope.system_scope` for the CLI and the demo).
    park_id : str
        The park.
    year : int
        Local calendar year.
    options : AccountingOptions
        Method and every [UNCERTAIN] choice, stated in the run.
    factor_set : str
        ``NAME`` or ``NAME@VERSION`` (the caller's default: ``ZEROPARK_FACTOR_SET``).
    enterprise_id : str, optional
        Account that enterprise's own view instead of the park (an enterprise user: always its own).

    Raises
    ------
    NotFound
        Park, enterprise or factor set unknown, or outside the scope.
    PermissionDenied
        A read-only role (verifier, device).
    AccountingError, FactorNotFound, DoubleClaim
        From the accounting core, with what to fix.
    """
    return account(scope, park_id, year, (options,), factor_set, enterprise_id=enterprise_id)[0]


def account(
    scope: Scope,
    park_id: str,
    year: int,
    methods: Sequence[AccountingOptions],
    factor_set: str,
    *,
    enterprise_id: str | None = None,
) -> tuple[AccountedRun, ...]:
    """Account ``year`` by each of ``methods`` (e.g. national and GHG) from one input, one quality score.

    What :func:`account_year` does for one method, sharing the input, the factor set and the
    data-quality report between the methods (the 核算 page and the demo account both at once).
    Each method's runs are stored in a transaction of their own, with one audit record.
    """
    scope.check_park(park_id)
    view = _view_of(scope, enterprise_id, "account")
    scope.check_write(ENTITY, "(new)", park_id=park_id, enterprise_id=view)
    if view is not None:
        _check_enterprise(scope, park_id, view)
    engine = scope.engine
    fs = resolve_factor_set(engine, factor_set)
    inputs = with_symbiosis(scope, load_accounting_input(engine, park_id, year, hourly_of=view))
    report = quality_report(engine, park_id, year)
    scores = _scores(report, [view, *(e.id for e in inputs.enterprises)])
    return tuple(_account_one(scope, inputs, fs, options, view, scores) for options in methods)


def _scores(report: QualityReport, views: Iterable[str | None]) -> dict[str | None, float | None]:
    """The data-quality score of each view (None = the park) from one report."""
    return {v: view_of_report(report, v).score for v in views}


def _account_one(
    scope: Scope,
    inputs: AccountingInput,
    fs: FactorSet,
    options: AccountingOptions,
    view: str | None,
    scores: dict[str | None, float | None],
) -> AccountedRun:
    if view is None:
        views = run_views(inputs, fs, options)
        main, children = views.park, views.enterprises
    else:
        main, children = run(inputs, fs, options, enterprise_id=view), ()
    main_table = _indicators(main, inputs)
    with transaction(scope.engine) as session:
        run_id = runs.save_run(
            session,
            main,
            created_by=scope.user.username,
            data_quality_score=scores[view],
            indicators=main_table,
        )
        child_runs = runs.save_runs(
            session,
            [runs.NewRun(c, scores.get(c.enterprise_id), _indicators(c, inputs)) for c in children],
            created_by=scope.user.username,
            parent_run_id=run_id,
        )
        # which approved data versions the run read (services/approval.py: superseded on correction)
        link_run_inputs(session, run_id, main.park_id, main.year)
        summary = runs.summary_of(session.get_one(InventoryRunRow, run_id))
        audit.record(
            session,
            user=scope.user.username,
            role=scope.user.role,
            action=audit.CREATE,
            entity=ENTITY,
            entity_id=str(run_id),
            after={**_snapshot(summary), "enterprise_runs": [c.id for c in child_runs]},
            ip=scope.ip,
        )
    return AccountedRun(summary, main, main_table, fs, tuple(child_runs))


def visible_summary(scope: Scope, run_id: int) -> RunSummary:
    """The summary of a run inside ``scope``.

    Raises
    ------
    NotFound
        No such run, or outside the scope (audited).
    """
    summary = run_summary(scope.engine, run_id)
    scope.check(ENTITY, str(run_id), park_id=summary.park_id, enterprise_id=summary.enterprise_id)
    return summary


def view_of_run(scope: Scope, run_id: int) -> RunView:
    """A stored run inside ``scope``: summary, inventory, indicator table (NotFound otherwise)."""
    return load_view(scope.engine, LatestRun(visible_summary(scope, run_id)))


def latest(
    scope: Scope, park_id: str, year: int, *, enterprise_id: str | None = None
) -> dict[Method, LatestRun | None]:
    """The latest national and GHG runs of the park's view (or one enterprise's) inside ``scope``.

    An enterprise user always gets its own enterprise's view (the park's answers NotFound).
    """
    scope.check_park(park_id)
    view = _view_of(scope, enterprise_id, "latest")
    if view is not None:
        _check_enterprise(scope, park_id, view)  # an unknown enterprise is NotFound, not "no run"
    return latest_runs(scope.engine, park_id, year, view)


def latest_view(
    scope: Scope, park_id: str, year: int, method: Method, *, enterprise_id: str | None = None
) -> RunView | None:
    """The latest run of the park's view (or one enterprise's) of ``method``, loaded; None if none.

    Same scope rules as :func:`latest`.
    """
    found = latest(scope, park_id, year, enterprise_id=enterprise_id)[method]
    return None if found is None else load_view(scope.engine, found)


def enterprise_runs(scope: Scope, park_run_id: int) -> list[RunSummary]:
    """The enterprise views stored with a park run, as ``scope`` may see them (by enterprise id)."""
    park_run = visible_summary(scope, park_run_id)
    children = runs.child_runs(scope.engine, park_run.id)
    return [c for c in children if scope.sees(park_id=c.park_id, enterprise_id=c.enterprise_id)]


def list_runs(
    scope: Scope,
    park_id: str,
    *,
    year: int | None = None,
    method: Method | None = None,
    enterprise_id: str | None = None,
    all_views: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RunSummary], int]:
    """Runs of a view, newest first: the park's own runs, or one enterprise's (``enterprise_id``).

    ``all_views`` lists every run of the park instead (park runs and enterprise views). An
    enterprise user always gets its own enterprise's runs.
    """
    scope.check_park(park_id)
    view = _view_of(scope, enterprise_id, "list")
    if view is not None:
        _check_enterprise(scope, park_id, view)  # an unknown enterprise is NotFound, not "no runs"
    return runs.list_runs(
        scope.engine,
        park_id,
        year,
        method,
        enterprise_id=view,
        park_level=view is None and not all_views,
        limit=limit,
        offset=offset,
    )


def sign_off(scope: Scope, run_id: int, note: str) -> RunSummary:
    """A verifier signs a stored run off (with its enterprise views), audited once.

    Raises
    ------
    NotFound
        The run does not exist or is outside the scope.
    PermissionDenied
        The user is not a verifier (audited).
    RunFrozen
        The run is already signed off.
    RunDoesNotReproduce
        Recomputed from the readings as they are now (:func:`recompute`), the run differs.
    """
    summary = visible_summary(scope, run_id)
    if scope.user.role != Role.VERIFIER:
        scope.deny(ENTITY, str(run_id), f"sign-off needs the verifier role, not '{scope.user.role}'")
        raise PermissionDenied(f"role '{scope.user.role}' may not sign a run off; only a verifier may")
    if summary.signed_off_at is None:  # evidence ledger (#16): only a run that reproduces is signed off
        again = recompute(scope, run_id)
        if not (again.identical and again.fingerprint_match):
            raise RunDoesNotReproduce(run_id, again.differences)
    signed = runs.sign_off(scope.engine, run_id, scope.user.username, note.strip())
    audit.record_now(
        scope.engine,
        user=scope.user.username,
        role=scope.user.role,
        action=audit.SIGN_OFF,
        entity=ENTITY,
        entity_id=str(run_id),
        before=_snapshot(summary),
        after=_snapshot(signed),
        ip=scope.ip,
    )
    return signed


def delete_run(scope: Scope, run_id: int) -> RunSummary:
    """Delete a run that is not signed off, with its enterprise views (admin, park manager).

    Raises
    ------
    NotFound
        No such run, or outside the scope.
    PermissionDenied
        Not an admin or park manager (audited).
    RunFrozen
        The run is signed off.
    """
    summary = visible_summary(scope, run_id)
    scope.require_manager(ENTITY, str(run_id))
    runs.delete_run(scope.engine, run_id)
    audit.record_now(
        scope.engine,
        user=scope.user.username,
        role=scope.user.role,
        action=audit.DELETE,
        entity=ENTITY,
        entity_id=str(run_id),
        before=_snapshot(summary),
        ip=scope.ip,
    )
    return summary


def recompute(scope: Scope, run_id: int, *, factors: FactorSet | None = None) -> Recomputed:
    """Re-run the accounting of a stored run from the readings and compare, bit for bit.

    The input is aggregated again from the readings, not from the stored month summaries
    (``load_accounting_input(..., from_readings=True)``), exactly as the run was made: the park's
    input, with the hourly profile of the run's view (a park run and its enterprise views: the
    park's; an enterprise's own run: its own). The stored options and factor set (by name and
    version) are used; fingerprint, totals and the whole serialised inventory are compared.
    Enterprise users may not recompute (it reads the whole park's readings).

    Raises
    ------
    NotFound
        No such run, outside the scope, or its factor set is no longer available.
    PermissionDenied
        An enterprise user.
    """
    summary = visible_summary(scope, run_id)
    if scope.is_enterprise:
        scope.require_manager(ENTITY, str(run_id))
    stored = runs.get_run(scope.engine, run_id).inventory
    fs = factors or resolve_factor_set(scope.engine, stored.factor_set_name, stored.factor_set_version)
    hourly_of = stored.enterprise_id if summary.parent_run_id is None else None
    inputs = with_symbiosis(
        scope,
        load_accounting_input(
            scope.engine, stored.park_id, stored.year, hourly_of=hourly_of, from_readings=True
        ),
    )
    again = run(inputs, fs, stored.options, enterprise_id=stored.enterprise_id)
    diffs: list[str] = []
    fp_match = again.input_fingerprint == stored.input_fingerprint
    if not fp_match:
        diffs.append(f"input fingerprint: stored {stored.input_fingerprint}, now {again.input_fingerprint}")
    totals = ("total_tco2e", "total_market_tco2e", "energy_tce")
    for name in totals:
        a, b = getattr(stored, name), getattr(again, name)
        if a != b:
            diffs.append(f"{name}: stored {a!r}, now {b!r}")
    totals_match = not any(d.split(":")[0] in totals for d in diffs)
    if again.code_version != stored.code_version:
        diffs.append(f"code version: stored {stored.code_version}, now {again.code_version}")
    identical = again.to_json() == stored.to_json()
    if not identical and not diffs:
        diffs.append("line items or breakdowns differ (totals and fingerprint equal)")
    return Recomputed(
        run_id=run_id,
        stored_fingerprint=stored.input_fingerprint,
        recomputed_fingerprint=again.input_fingerprint,
        fingerprint_match=fp_match,
        totals_match=totals_match,
        identical=identical,
        differences=tuple(diffs),
        recomputed=again,
    )
