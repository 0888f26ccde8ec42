"""Optimisation runs (优化运行): dispatch, sizing and demand response — one function per use case.

The API (``/api/v1/parks/{park}/optimization-runs``), the 优化调度 page and ``zeropark optimize``
call these, so a run reads the same through every door:

- :func:`create_run` resolves the profiles (given, a CSV file, the park's metered history or a
  forecast), builds the scenario with the core (:mod:`zeropark.optimize`), solves it and stores
  the run in ``optimization_run`` with its audit record ``create optimization_run`` — also when it
  is infeasible, with the conflicts in words;
- :func:`list_runs` and :func:`get_run` read stored runs; :func:`list_tariffs` the TOU tariffs.

A stored run keeps the parameters it was made with (scenario, tariff id, FactorSet name + version,
grid-factor year, profile source, horizon, solver options, demand-response event) and the full
result (sizes, dispatch series, cost breakdown, emissions, shares, core indicator; for a sizing
run its effect against today's park; for a demand-response run its baseline).

Access (:mod:`zeropark.services.park_runs`): runs are park-level — admin and park managers create
them, verifiers read them, enterprise users are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from zeropark.errors import DataError, Infeasible, NotFound, RowError, ValidationError
from zeropark.forecast.pv import DEFAULT_AZIMUTH_DEG, DEFAULT_TILT_DEG
from zeropark.optimize.carbon import CarbonFactors, carbon_factors
from zeropark.optimize.profiles import Profiles, profiles_from_frame, profiles_from_history, window
from zeropark.optimize.result import OptimizationResult, SolverOptions
from zeropark.optimize.scenario import ScenarioParams, build_system, representative_days
from zeropark.optimize.solve import demand_response, investment_effect, optimise
from zeropark.optimize.system import DemandResponseEvent, Mode
from zeropark.optimize.tariff import Tariff, load_tariff, load_tariffs, price_series_from_frame, prices_on
from zeropark.services import tariffs
from zeropark.services.factor_sets import resolve_factor_set
from zeropark.services.forecasting import forecast_profiles
from zeropark.services.park_runs import check_create, check_read, json_safe, utc, visible_rows
from zeropark.store import audit
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.db import get_detached, transaction
from zeropark.store.schema import OptimizationRunRow
from zeropark.store.scope import Scope

#: Entity name of optimisation runs in the audit log.
ENTITY = "optimization_run"
#: Tariff and FactorSet a run uses unless told otherwise.
DEFAULT_TARIFF = "CN-JS-large-industry-1-10kV"
DEFAULT_FACTOR_SET = "CN-park-2025"
#: Grid-factor year of the national park method's default (fossil power, 2022).
DEFAULT_GRID_YEAR = 2022
#: The steps of a run, in order, as :func:`create_run` reports them to its ``progress`` callback.
STAGES = ("profiles", "solve", "save")
#: Progress callback of a run: called with the stage entered (one of :data:`STAGES`).
StageProgress = Callable[[str], None]


# --- where the profiles come from --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileFile:
    """负荷曲线文件: a CSV file ``time,load_kw[,heat_kw][,pv_pu|pv_kw][,wind_pu]`` (local times)."""

    path: Path


@dataclass(frozen=True, slots=True)
class MeteredHistory:
    """The park's metered hourly load and on-site PV of ``year`` from the store.

    The data definition is the accounting aggregation's
    (``load_accounting_input(...).hourly_load_kwh`` and ``hourly_onsite_clean_kwh``). A horizon
    inside the stored hours gets them as they are; one after them a seasonal-naive forecast (the
    same weekday one week earlier). Without a horizon start (sizing) the whole year, which must
    then be complete.
    """

    year: int


@dataclass(frozen=True, slots=True)
class ForecastProfiles:
    """Day-ahead forecasts of the park's load (LightGBM) and PV (pvlib × cloud index).

    See :func:`zeropark.services.forecasting.forecast_profiles`; the horizon starts at midnight.
    """

    tilt_deg: float = DEFAULT_TILT_DEG
    azimuth_deg: float = DEFAULT_AZIMUTH_DEG
    pv_kwp: float | None = None
    history_days: int = 365
    calendar: str = "CN"  # holiday calendar of the load model: CN, none or a holidays country code


#: What a run's profiles are: given values, or where to get them.
ProfileInput = Profiles | ProfileFile | MeteredHistory | ForecastProfiles


@dataclass(frozen=True, slots=True)
class PriceFile:
    """电价序列文件: a CSV ``time,price_cny_per_kwh`` (local step starts), one import price per step.

    It replaces the tariff's TOU energy prices; the tariff still gives the demand charge and the
    export price.
    """

    path: Path


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A run to make.

    Attributes
    ----------
    mode : Mode
        ``dispatch`` (the existing assets), ``size`` (investment + operation) or
        ``demand_response`` (needs ``event``).
    profiles : ProfileInput
        Given :class:`~zeropark.optimize.profiles.Profiles`, or a :class:`ProfileFile`,
        :class:`MeteredHistory` or :class:`ForecastProfiles` to get them from.
    start_local, hours
        The horizon cut from a file or the history, or forecast [local time, h]. ``None``: all of
        the file or the stored year (sizing). Ignored for given profiles.
    scenario : ScenarioParams
        The park's assets, prices, limits and targets.
    tariff_id, tariff_dir
        The TOU tariff (bundled, or from a directory of tariff CSVs).
    factor_set, grid_year
        FactorSet and grid-factor year of the emissions (the national park method's).
    representative_days : int
        Solve on this many representative days instead of the whole horizon (0 = all).
    energy_prices : PriceFile | pd.Series | None
        An import price series [CNY/kWh] replacing the tariff's TOU energy prices (a file, or a
        series on local step starts); ``None`` keeps the tariff's.
    effect : bool
        Sizing: also solve today's park without new capacity and store the effect against it
        (the second solve); ``False`` skips it.
    """

    mode: Mode
    profiles: ProfileInput
    start_local: pd.Timestamp | None = None
    hours: int | None = None
    scenario: ScenarioParams = field(default_factory=ScenarioParams)
    tariff_id: str = DEFAULT_TARIFF
    tariff_dir: Path | None = None
    factor_set: str = DEFAULT_FACTOR_SET
    grid_year: int = DEFAULT_GRID_YEAR
    options: SolverOptions | None = None
    representative_days: int = 0
    event: DemandResponseEvent | None = None
    energy_prices: PriceFile | pd.Series | None = None
    effect: bool = True


# --- what a run is --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The headline figures of a stored run (no series); ``conflicts`` for an infeasible one."""

    id: int
    park_id: str
    mode: str
    status: str
    objective_cny: float | None
    created_at: datetime
    sizes: dict[str, Any] | None
    costs_cny: dict[str, float] | None
    emissions_tco2: dict[str, float] | None
    clean_share: float | None
    hourly_matching: float | None
    core_indicator_tco2_per_tce: float | None
    conflicts: list[str] | None


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A stored run: what it was made with (``params``) and its full result (``result``).

    For an infeasible run ``result`` is ``{"conflicts": [...], "message": ...}``.
    """

    id: int
    park_id: str
    mode: str
    status: str
    objective_cny: float | None
    created_at: datetime
    params: dict[str, Any]
    result: dict[str, Any]

    @property
    def infeasible(self) -> bool:
        """Whether the run has no feasible solution (its conflicts say why)."""
        return self.status == "infeasible"

    @property
    def conflicts(self) -> list[str]:
        """The requirements that cannot be met together, in words (empty unless infeasible)."""
        return list(self.result.get("conflicts") or [])

    def summary(self) -> RunSummary:
        """The headline figures."""
        r = self.result
        return RunSummary(
            id=self.id,
            park_id=self.park_id,
            mode=self.mode,
            status=self.status,
            objective_cny=self.objective_cny,
            created_at=self.created_at,
            sizes=r.get("sizes"),
            costs_cny=r.get("costs_cny"),
            emissions_tco2=r.get("emissions_tco2"),
            clean_share=r.get("clean_share"),
            hourly_matching=r.get("hourly_matching"),
            core_indicator_tco2_per_tce=r.get("core_indicator_tco2_per_tce"),
            conflicts=r.get("conflicts"),
        )


@dataclass(frozen=True, slots=True, eq=False)
class RunOutcome:
    """What :func:`create_run` stored, and the solver's result (None for an infeasible run)."""

    run: StoredRun
    result: OptimizationResult | None
    baseline: OptimizationResult | None = None  # the demand-response baseline


def _stored(row: OptimizationRunRow) -> StoredRun:
    return StoredRun(
        row.id,
        row.park_id,
        row.mode,
        row.status,
        row.objective_cny,
        utc(row.created_at),
        row.params,
        row.result,
    )


# --- use cases ----------------------------------------------------------------------------------


def list_tariffs(tariff_dir: Path | None = None) -> list[Tariff]:
    """分时电价: the bundled TOU tariffs (or those of ``tariff_dir``), in file order."""
    return list(load_tariffs(tariff_dir).values())


def create_run(
    scope: Scope, park_id: str, request: RunRequest, *, progress: StageProgress | None = None
) -> RunOutcome:
    """Solve ``request`` for park ``park_id`` now and store the run with its audit record.

    ``progress`` is called with each stage entered (:data:`STAGES`): reading or forecasting the
    profiles, solving, storing.

    An infeasible scenario is stored too (status ``infeasible``, the conflicts in words) and
    returned, not raised: ``outcome.run.infeasible`` and ``outcome.run.conflicts``.

    Raises
    ------
    NotFound
        Unknown (or invisible) park, tariff or FactorSet; no stored load for the history.
    PermissionDenied
        The user may not create runs (verifier, enterprise user; audited).
    DataError
        Bad profiles (file rows, too little history) or a scenario figure out of range.
    OptimizationError
        Unbounded model, or the solver stopped without a solution (nothing stored).
    """
    check_create(scope, park_id, ENTITY)
    report = progress or (lambda _stage: None)
    prices = _price_series(request.energy_prices)
    tariff = _tariff(scope.engine, request.tariff_id, request.tariff_dir)
    carbon = _carbon(scope.engine, request.factor_set, request.grid_year)
    report("profiles")
    profiles = _profiles(scope, park_id, request)
    report("solve")
    try:
        solved = _solve(profiles, request, tariff, carbon, prices)
    except ValueError as exc:  # a scenario figure out of range (e.g. a share above 1)
        raise DataError(str(exc)) from exc
    report("save")
    run = _save(
        scope, park_id, request.mode, solved.status, solved.params, solved.payload, solved.objective_cny
    )
    return RunOutcome(run, solved.result, solved.baseline)


def list_runs(scope: Scope, park_id: str | None = None, limit: int = 50) -> list[RunSummary]:
    """The newest runs first, of ``park_id`` (else of every park the user sees), without series.

    Raises
    ------
    NotFound
        If ``park_id`` is outside the scope.
    PermissionDenied
        For an enterprise user.
    """
    return [_stored(r).summary() for r in visible_rows(scope, OptimizationRunRow, ENTITY, park_id, limit)]


def get_run(scope: Scope, run_id: int) -> StoredRun:
    """One stored run with its parameters and full result.

    Raises
    ------
    NotFound
        If there is no run ``run_id`` (or its park is outside the scope; audited).
    PermissionDenied
        For an enterprise user.
    """
    row = get_detached(
        scope.engine,
        OptimizationRunRow,
        run_id,
        f"optimisation run {run_id} not found; list runs with `zeropark optimize runs`",
    )
    check_read(scope, row.park_id, ENTITY, str(run_id))
    return _stored(row)


# --- the steps of a run -----------------------------------------------------------------------


def _tariff(engine: Engine, tariff_id: str, tariff_dir: Path | None) -> Tariff:
    """The tariff of a run: the given directory's, else the stored version in force, else the bundled one.

    The stored version is :func:`zeropark.services.tariffs.tariff_for` (in force today).
    """
    if tariff_dir is None:
        stored = tariffs.tariff_for(engine, tariff_id)
        if stored is not None:
            return stored
    try:
        return load_tariff(tariff_id, tariff_dir)
    except KeyError as exc:
        raise NotFound(str(exc.args[0])) from exc


def _carbon(engine: Engine, factor_set: str, grid_year: int) -> CarbonFactors:
    """The carbon factors of the set ``NAME[@VERSION]``: a stored custom set or a built-in one.

    One rule with accounting (:func:`zeropark.services.factor_sets.resolve_factor_set`).
    """
    fs = resolve_factor_set(engine, factor_set)
    try:
        return carbon_factors(fs, grid_year=grid_year)
    except ValueError as exc:  # a grid factor in a unit the optimiser does not read
        raise DataError(str(exc)) from exc


def _profiles(scope: Scope, park_id: str, request: RunRequest) -> Profiles:
    """The profiles of ``request``: given, or read / forecast for its horizon.

    Raises
    ------
    DataError
        For a file's bad rows, or a history without a week before the horizon.
    NotFound
        If the park has no stored load in the history year.
    """
    src = request.profiles
    start, hours = request.start_local, request.hours
    try:
        if isinstance(src, Profiles):
            return src
        if isinstance(src, ProfileFile):
            prof = _read_profile_csv(src.path)
            return prof if start is None or hours is None else window(prof, start, hours)
        if isinstance(src, MeteredHistory):
            return _metered_profiles(scope, park_id, src.year, start, hours)
        if start is None or hours is None:
            raise DataError("forecast profiles need a horizon: give the start (a local midnight) and hours")
        return forecast_profiles(
            scope,
            park_id,
            start,
            hours,
            tilt_deg=src.tilt_deg,
            azimuth_deg=src.azimuth_deg,
            pv_kwp=src.pv_kwp,
            history_days=src.history_days,
            calendar=src.calendar,
        )
    except ValueError as exc:  # no history a week before the horizon (seasonal naive)
        raise DataError(str(exc)) from exc


def _price_series(source: PriceFile | pd.Series | None) -> tuple[pd.Series, str] | None:
    """The price series of a request and where it came from (None: the tariff's TOU prices).

    Raises
    ------
    ValidationError
        Naming the file, row and column of a missing file, a bad row or a time given twice.
    """
    if source is None:
        return None
    if isinstance(source, PriceFile):
        if not source.path.exists():
            raise ValidationError([RowError(str(source.path), None, None, None, "file not found")])
        frame = pd.read_csv(source.path, encoding="utf-8-sig")
        return price_series_from_frame(frame, label=str(source.path)), f"csv:{source.path}"
    return source, "series"


def _read_profile_csv(path: Path) -> Profiles:
    if not path.exists():
        raise ValidationError([RowError(str(path), None, None, None, "file not found")])
    return profiles_from_frame(pd.read_csv(path, encoding="utf-8-sig"), label=str(path))


def _metered_profiles(
    scope: Scope, park_id: str, year: int, start: pd.Timestamp | None, hours: int | None
) -> Profiles:
    """The park's stored hourly load and on-site PV of ``year`` as profiles (see :class:`MeteredHistory`).

    Raises
    ------
    NotFound
        If the year holds no load, or (whole year asked) hours without load.
    """
    inputs = load_accounting_input(scope.engine, park_id, year)
    load = np.asarray(inputs.hourly_load_kwh, dtype=float)
    if load.size == 0 or not np.any(load):
        raise NotFound(
            f"no hourly load of park '{park_id}' in {year}; import meter readings "
            "(zeropark demo / ingest) or give --profile FILE.csv"
        )
    pv = np.asarray(inputs.hourly_onsite_clean_kwh, dtype=float)
    if pv.size != load.size:
        pv = np.zeros_like(load)
    if (start is None or hours is None) and not np.all(np.isfinite(load)):
        missing = int(np.sum(~np.isfinite(load)))
        raise NotFound(
            f"park '{park_id}' has {missing} hours without load data in {year} "
            f"({inputs.hourly_partial_hours} of them metered only in part); "
            "sizing needs a complete year — give --profile FILE.csv with a full year"
        )
    index = pd.date_range(f"{year}-01-01", periods=load.size, freq="h")
    return profiles_from_history(
        index, load, pv, source=f"store:{park_id}/{year}", start_local=start, hours=hours
    )


@dataclass(frozen=True, slots=True, eq=False)
class _Solved:
    """A solved (or infeasible) run before it is stored."""

    status: str
    params: dict[str, Any]
    payload: dict[str, Any]
    objective_cny: float | None
    result: OptimizationResult | None
    baseline: OptimizationResult | None


def _solve(
    profiles: Profiles,
    request: RunRequest,
    tariff: Tariff,
    carbon: CarbonFactors,
    prices: tuple[pd.Series, str] | None = None,
) -> _Solved:
    """Build the system of ``request`` over ``profiles`` and solve it; an infeasible one is kept.

    Raises
    ------
    ValueError
        A series or scenario figure out of range.
    OptimizationError
        Unbounded, or the solver stopped without a solution.
    """
    weights = groups = None
    if request.representative_days:
        profiles, weights, groups = representative_days(profiles, request.representative_days)
    price_kwh = None
    if prices is not None:
        price_kwh = prices_on(prices[0], pd.DatetimeIndex(profiles.index_local), label=prices[1])
    system = build_system(
        profiles,
        request.scenario,
        tariff,
        carbon,
        weights_h=weights,
        groups=groups,
        energy_price_cny_per_kwh=price_kwh,
    )
    params = _run_params(request, profiles, tariff, carbon)
    if prices is not None and price_kwh is not None:
        params["energy_prices"] = {
            "source": prices[1],
            "steps": int(price_kwh.size),
            "mean_cny_per_kwh": float(price_kwh.mean()),
            "min_cny_per_kwh": float(price_kwh.min()),
            "max_cny_per_kwh": float(price_kwh.max()),
        }
    baseline: OptimizationResult | None = None
    try:
        if request.event is not None:
            baseline, result = demand_response(system, request.event, options=request.options)
        else:
            result = optimise(system, mode=request.mode, options=request.options)
    except Infeasible as exc:
        payload: dict[str, Any] = {"conflicts": exc.conflicts, "message": str(exc)}
        return _Solved("infeasible", params, payload, None, None, None)
    payload = result.to_dict()
    if request.mode is Mode.SIZE and request.effect:
        payload["effect"] = investment_effect(system, result, options=request.options)
    elif request.mode is Mode.SIZE:
        payload["effect"] = None  # not asked for (--no-effect): today's park was not solved
    if baseline is not None:
        payload["baseline"] = {
            "objective_cny": baseline.objective_cny,
            "grid_import_kw": baseline.series["grid_import_kw"],
            "costs_cny": baseline.costs_cny,
        }
    return _Solved(str(result.status), params, payload, result.objective_cny, result, baseline)


def _run_params(
    request: RunRequest, profiles: Profiles, tariff: Tariff, carbon: CarbonFactors
) -> dict[str, Any]:
    """What the run is made with, as stored in ``optimization_run.params``."""
    options = request.options
    params: dict[str, Any] = {
        "scenario": request.scenario.to_dict(),
        "tariff_id": tariff.id,
        "factor_set": carbon.factor_set,
        "grid_year": request.grid_year,
        "profile_source": profiles.source,
        "representative_days": request.representative_days,
        "effect": request.effect if request.mode is Mode.SIZE else None,
        "horizon": {
            "start": str(profiles.index_local[0]),
            "steps": len(profiles.load_kw),
            "dt_h": profiles.dt_h,
        },
        "solver": None
        if options is None
        else {
            "time_limit_s": options.time_limit_s,
            "mip_rel_gap": options.mip_rel_gap,
            "threads": options.threads,
        },
    }
    event = request.event
    if event is not None:
        params["event"] = {
            "start_local": str(event.start_local),
            "end_local": str(event.end_local),
            "reduction_kw": event.reduction_kw,
            "incentive_cny_per_kwh": event.incentive_cny_per_kwh,
        }
    return params


def _save(
    scope: Scope,
    park_id: str,
    mode: Mode,
    status: str,
    params: dict[str, Any],
    result: dict[str, Any],
    objective_cny: float | None,
) -> StoredRun:
    """Store the run and its audit record ``create optimization_run`` in one transaction."""
    with transaction(scope.engine) as session:
        row = OptimizationRunRow(
            park_id=park_id,
            mode=str(mode),
            status=status,
            params=json_safe(params),
            result=json_safe(result),
            objective_cny=json_safe(objective_cny),
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        scope.audit(
            session,
            audit.CREATE,
            ENTITY,
            str(row.id),
            after={
                "park_id": park_id,
                "mode": str(mode),
                "status": status,
                "objective_cny": row.objective_cny,
            },
        )
        return _stored(row)
