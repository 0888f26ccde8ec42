"""Shell around the optimiser: profile sources that read files or the store, and stored runs.

Runs live in ``OptimizationRunRow`` (table ``optimization_run``): mode, status, the parameters the
run was made with (scenario, tariff, factor set, profile source, solver options) and the full
result (sizes, dispatch series, cost breakdown, emissions, shares, core indicator) — or, for an
infeasible run, the conflicts in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from zeropark.errors import NotFound, RowError, ValidationError
from zeropark.optimize.profiles import Profiles, profiles_from_frame, seasonal_naive
from zeropark.store.db import get_detached, newest_detached, session_factory
from zeropark.store.schema import OptimizationRunRow


@dataclass(frozen=True, slots=True)
class CsvProfileSource:
    """Profiles from a CSV (``time,load_kw[,heat_kw][,pv_pu|pv_kw]``), cut to the horizon."""

    path: Path

    def profiles(
        self, start_local: pd.Timestamp | None = None, hours: int | None = None, dt_h: float | None = None
    ) -> Profiles:
        """The file's profiles, or the window ``[start_local, start_local + hours)`` of them."""
        if not self.path.exists():
            raise ValidationError([RowError(str(self.path), None, None, None, "file not found")])
        frame = pd.read_csv(self.path, encoding="utf-8-sig")
        prof = profiles_from_frame(frame, label=str(self.path))
        if start_local is None or hours is None:
            return prof
        end = start_local + pd.Timedelta(hours=hours)
        mask = np.asarray((prof.index_local >= start_local) & (prof.index_local < end))
        if not mask.any():
            raise ValidationError(
                [
                    RowError(
                        str(self.path),
                        None,
                        None,
                        "time",
                        f"no rows between {start_local} and {end}; the file covers "
                        f"{prof.index_local[0]} – {prof.index_local[-1]}",
                    )
                ]
            )
        return Profiles(
            index_local=prof.index_local[mask],
            load_kw=prof.load_kw[mask],
            heat_kw=prof.heat_kw[mask],
            pv_pu=prof.pv_pu[mask],
            pv_capacity_kw=prof.pv_capacity_kw,
            source=prof.source,
            dt_h=prof.dt_h,
            wind_pu=None if prof.wind_pu is None else prof.wind_pu[mask],
        )


@dataclass(frozen=True, slots=True)
class StoreProfileSource:
    """The park's metered hourly load and on-site PV (``load_accounting_input``) as a forecast.

    For a year in the past the stored year itself is returned (sizing). For a day after the stored
    data, a seasonal-naive forecast (the same weekday one week earlier) is used until
    ``zeropark.forecast`` provides a model; the source label says which.
    """

    engine: Engine
    park_id: str
    year: int

    def history(self) -> tuple[pd.DatetimeIndex, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Hourly index, load [kW] and on-site PV [kW] of the stored year."""
        from zeropark.store.aggregate import load_accounting_input

        inputs = load_accounting_input(self.engine, self.park_id, self.year)
        load = np.asarray(inputs.hourly_load_kwh, dtype=float)
        if load.size == 0 or not np.any(load):
            raise NotFound(
                f"no hourly load of park '{self.park_id}' in {self.year}; import meter readings "
                "(zeropark demo / ingest) or give --profile FILE.csv"
            )
        pv = np.asarray(inputs.hourly_onsite_clean_kwh, dtype=float)
        if pv.size != load.size:
            pv = np.zeros_like(load)
        index = pd.date_range(f"{self.year}-01-01", periods=load.size, freq="h")
        return index, load, pv

    def profiles(
        self, start_local: pd.Timestamp | None = None, hours: int | None = None, dt_h: float | None = None
    ) -> Profiles:
        """The whole stored year (no start), or a window of it / a seasonal-naive forecast."""
        index, load, pv = self.history()
        cap = float(np.nanmax(pv)) if np.any(np.isfinite(pv)) else 0.0
        pv_pu = pv / cap if cap > 0 else np.zeros_like(pv)
        label = f"store:{self.park_id}/{self.year}"
        if start_local is None or hours is None:
            if not np.all(np.isfinite(load)):
                missing = int(np.sum(~np.isfinite(load)))
                raise NotFound(
                    f"park '{self.park_id}' has {missing} hours without load data in {self.year}; "
                    "sizing needs a complete year — give --profile FILE.csv with a full year"
                )
            return Profiles(index, load, np.zeros_like(load), np.nan_to_num(pv_pu), cap, label)
        window = pd.date_range(start_local, periods=hours, freq="h")
        if window[0] >= index[0] and window[-1] <= index[-1]:
            sel = index.get_indexer(window)
            if np.all(np.isfinite(load[sel])):
                return Profiles(window, load[sel], np.zeros(hours), np.nan_to_num(pv_pu[sel]), cap, label)
        return Profiles(
            window,
            seasonal_naive(index, load, start_local, hours),
            np.zeros(hours),
            seasonal_naive(index, pv_pu, start_local, hours),
            cap,
            f"{label} seasonal-naive (same weekday, 7 d earlier)",
        )


def _clean(obj: Any) -> Any:
    """JSON-safe copy (inf/nan → None)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        return _clean(obj.item())
    return obj


def save_run(
    engine: Engine,
    *,
    park_id: str,
    mode: str,
    status: str,
    params: dict[str, Any],
    result: dict[str, Any],
    objective_cny: float | None,
) -> int:
    """Store one run; returns its id."""
    row = OptimizationRunRow(
        park_id=park_id,
        mode=mode,
        status=status,
        params=_clean(params),
        result=_clean(result),
        objective_cny=objective_cny if objective_cny is not None and math.isfinite(objective_cny) else None,
        created_at=datetime.now(UTC),
    )
    with session_factory(engine)() as session:
        session.add(row)
        session.commit()
        return int(row.id)


def run_summary(row: OptimizationRunRow) -> dict[str, Any]:
    """The headline figures of a run (no series)."""
    r = row.result or {}
    return {
        "id": row.id,
        "park_id": row.park_id,
        "mode": row.mode,
        "status": row.status,
        "objective_cny": row.objective_cny,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "sizes": r.get("sizes"),
        "costs_cny": r.get("costs_cny"),
        "emissions_tco2": r.get("emissions_tco2"),
        "clean_share": r.get("clean_share"),
        "hourly_matching": r.get("hourly_matching"),
        "core_indicator_tco2_per_tce": r.get("core_indicator_tco2_per_tce"),
        "conflicts": r.get("conflicts"),
    }


def get_run(engine: Engine, run_id: int) -> OptimizationRunRow:
    """One stored run.

    Raises
    ------
    NotFound
        If there is no run ``run_id``.
    """
    return get_detached(
        engine,
        OptimizationRunRow,
        run_id,
        f"optimisation run {run_id} not found; list runs with `zeropark optimize runs`",
    )


def list_runs(engine: Engine, park_id: str | None = None, limit: int = 50) -> list[OptimizationRunRow]:
    """The newest runs first (of one park if given)."""
    return newest_detached(engine, OptimizationRunRow, park_id, limit)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What :func:`execute` stored: the run id and the result, or the conflicts of an infeasible run."""

    run_id: int
    result: Any  # OptimizationResult | None
    conflicts: list[str]
    baseline: Any = None  # OptimizationResult of a demand-response baseline
    payload: dict[str, Any] | None = None  # what was stored as the run's result


def execute(
    engine: Engine,
    *,
    park_id: str,
    mode: str,
    profiles: Profiles,
    params: Any,
    tariff: Any,
    factor_set_name: str = "CN-park-2025",
    grid_year: int = 2022,
    options: Any = None,
    representative_days: int = 0,
    event: Any = None,
) -> RunOutcome:
    """Build the scenario, solve it, store the run (also when infeasible), and return the outcome.

    Raises
    ------
    zeropark.errors.Infeasible
        After storing the run with status ``infeasible`` and its conflicts (``outcome`` attribute
        of the exception carries the stored run id).
    """
    from zeropark.errors import Infeasible
    from zeropark.factors import load_factor_set
    from zeropark.optimize.carbon import carbon_factors
    from zeropark.optimize.scenario import build_system
    from zeropark.optimize.scenario import representative_days as pick_days
    from zeropark.optimize.solve import demand_response, optimise
    from zeropark.optimize.system import Mode

    carbon = carbon_factors(load_factor_set(factor_set_name), grid_year=grid_year)
    weights = groups = None
    if representative_days:
        profiles, weights, groups = pick_days(profiles, representative_days)
    system = build_system(profiles, params, tariff, carbon, weights_h=weights, groups=groups)
    run_params = {
        "scenario": params.to_dict(),
        "tariff_id": tariff.id,
        "factor_set": carbon.factor_set,
        "grid_year": grid_year,
        "profile_source": profiles.source,
        "representative_days": representative_days,
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
    if event is not None:
        run_params["event"] = {
            "start_local": str(event.start_local),
            "end_local": str(event.end_local),
            "reduction_kw": event.reduction_kw,
            "incentive_cny_per_kwh": event.incentive_cny_per_kwh,
        }
    try:
        baseline = None
        if event is not None:
            baseline, result = demand_response(system, event, options=options)
        else:
            result = optimise(system, mode=Mode(mode), options=options)
    except Infeasible as exc:
        run_id = save_run(
            engine,
            park_id=park_id,
            mode=mode,
            status="infeasible",
            params=run_params,
            result={"conflicts": exc.conflicts, "message": str(exc)},
            objective_cny=None,
        )
        exc.run_id = run_id  # type: ignore[attr-defined]
        raise
    payload = result.to_dict()
    if mode == "size":
        from zeropark.optimize.solve import investment_effect

        payload["effect"] = investment_effect(system, result, options=options)
    if baseline is not None:
        payload["baseline"] = {
            "objective_cny": baseline.objective_cny,
            "grid_import_kw": baseline.series["grid_import_kw"],
            "costs_cny": baseline.costs_cny,
        }
    run_id = save_run(
        engine,
        park_id=park_id,
        mode=mode,
        status=str(result.status),
        params=run_params,
        result=payload,
        objective_cny=result.objective_cny,
    )
    return RunOutcome(run_id, result, [], baseline, payload)
