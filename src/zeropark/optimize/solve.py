"""Solve an energy system with HiGHS and read the result (or explain why there is none)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from zeropark.errors import Infeasible, OptimizationError
from zeropark.optimize.build import build_model
from zeropark.optimize.diagnose import iis_groups, relaxed_conflicts
from zeropark.optimize.result import OptimizationResult, RunStatus, SolverOptions, read_result
from zeropark.optimize.system import DemandResponseEvent, EnergySystem, Mode, Targets

log = logging.getLogger(__name__)
_STDOUT_LOCK = threading.Lock()
_redirect: dict[str, int] = {"depth": 0, "saved": -1}


@contextlib.contextmanager
def solver_output_to_stderr() -> Iterator[None]:
    """Send what the solver library writes to file descriptor 1 to stderr instead.

    HiGHS prints its banner ("Running HiGHS …") from C on the process's stdout even with
    ``output_flag`` off, which would mix it into a command's output (a table, ``--json``). The
    descriptor is swapped while any solve runs (reference-counted, so concurrent solves in the API
    neither wait for each other nor restore it early); without a stdout descriptor nothing is done.
    """
    try:
        out_fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        err_fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
    except (AttributeError, OSError, ValueError):
        yield
        return
    with _STDOUT_LOCK:
        if _redirect["depth"] == 0:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
            _redirect["saved"] = os.dup(out_fd)
            os.dup2(err_fd, out_fd)
        _redirect["depth"] += 1
    try:
        yield
    finally:
        with _STDOUT_LOCK:
            _redirect["depth"] -= 1
            if _redirect["depth"] == 0:
                os.dup2(_redirect["saved"], out_fd)
                os.close(_redirect["saved"])
                _redirect["saved"] = -1


def optimise(
    system: EnergySystem, *, mode: Mode = Mode.DISPATCH, options: SolverOptions | None = None
) -> OptimizationResult:
    """Build, solve and read one model.

    Parameters
    ----------
    system : EnergySystem
        The park's energy system over the horizon.
    mode : Mode
        Recorded with the result (the model itself follows from ``system``: sized assets are those
        with an ``Extendable``).
    options : SolverOptions
        Time limit, MIP gap, threads.

    Raises
    ------
    zeropark.errors.Infeasible
        With ``conflicts``: each requirement that cannot be met, in words, with the reachable value.
    zeropark.errors.OptimizationError
        When the model is unbounded or the solver fails or stops without a solution.
    """
    opts = options or SolverOptions()
    t0 = time.perf_counter()
    built = build_model(system)
    t1 = time.perf_counter()
    highs = opts.highs_options()
    with solver_output_to_stderr():
        status, condition = built.model.solve(solver_name="highs", io_api=opts.io_api, **highs)
    t2 = time.perf_counter()
    condition = str(condition)
    solver_info: dict[str, Any] = {"name": "highs", **{k: v for k, v in highs.items() if k != "output_flag"}}
    mip_gap = _mip_gap(built.model)
    if condition == "optimal":
        run_status = RunStatus.OPTIMAL
    elif condition in {"time_limit", "iteration_limit"} and built.model.objective.value is not None:
        run_status = RunStatus.TIME_LIMIT
    elif condition in {"infeasible", "infeasible_or_unbounded"}:
        conflicts: list[str] = []
        if opts.diagnose:
            with solver_output_to_stderr():
                groups = iis_groups(built)
                conflicts = relaxed_conflicts(system, highs, opts.io_api)
            if groups:
                conflicts.append("conflicting constraint groups (HiGHS IIS): " + "; ".join(groups))
        if not conflicts and condition == "infeasible_or_unbounded":
            raise OptimizationError(_UNBOUNDED)
        head = conflicts[0] if conflicts else "no feasible solution"
        raise Infeasible(f"the optimisation has no feasible solution: {head}", conflicts)
    elif condition == "unbounded":
        raise OptimizationError(_UNBOUNDED)
    else:
        raise OptimizationError(
            f"HiGHS stopped with '{condition}' ({status}) and no usable solution; "
            f"raise the time limit (now {opts.time_limit_s} s) or the MIP gap (now {opts.mip_rel_gap})"
        )
    return read_result(
        built,
        mode=str(mode),
        status=run_status,
        termination=condition,
        build_time_s=t1 - t0,
        solve_time_s=t2 - t1,
        mip_gap=mip_gap,
        solver=solver_info,
    )


_UNBOUNDED = (
    "the optimisation is unbounded: some cost can fall without limit. Check for a negative price, an "
    "export price above the import price with unlimited export and import, or a sized asset with "
    "negative cost and no maximum"
)


def _mip_gap(model: Any) -> float | None:
    solver_model = getattr(model, "solver_model", None)
    if solver_model is None or not model.variables.binaries.labels:
        return None
    try:
        return float(solver_model.getInfo().mip_gap)
    except Exception:  # not a highspy model (file io_api)
        return None


def demand_response(
    system: EnergySystem, event: DemandResponseEvent, *, options: SolverOptions | None = None
) -> tuple[OptimizationResult, OptimizationResult]:
    """需求响应: the least-cost way to cut grid import by ``event.reduction_kw`` in the window.

    Solves the baseline (no event), then the same system with
    ``import_t ≤ baseline_import_t − reduction`` inside the window. The event's cost is the
    difference of the objectives (minus any incentive, reported in the result's costs).

    Returns
    -------
    (baseline, with_event) : tuple[OptimizationResult, OptimizationResult]
    """
    baseline = optimise(system, mode=Mode.DISPATCH, options=options)
    base_import = np.asarray(baseline.series["grid_import_kw"], dtype=float)
    evented = replace(system, demand_response=event, dr_baseline_import_kw=base_import)
    with_event = optimise(evented, mode=Mode.DEMAND_RESPONSE, options=options)
    in_window = [
        i for i, ts in enumerate(system.horizon.index_local) if event.start_local <= ts < event.end_local
    ]
    w = system.horizon.weights_h
    reduced_kwh = float(
        sum((base_import[i] - with_event.series["grid_import_kw"][i]) * w[i] for i in in_window)
    )
    with_event.costs_cny["demand_response_incentive"] = -event.incentive_cny_per_kwh * reduced_kwh
    with_event.notes.append(
        f"event cost = {with_event.objective_cny - baseline.objective_cny:,.2f} CNY before incentive; "
        f"import reduced by {reduced_kwh:,.1f} kWh in the window"
    )
    return baseline, with_event


def _without_investment(system: EnergySystem) -> EnergySystem:
    """The same system with every ``Extendable`` removed and no targets (today's park)."""
    return replace(
        system,
        renewables=tuple(replace(r, extendable=None) for r in system.renewables),
        batteries=tuple(replace(b, extend_power=None, extend_energy=None) for b in system.batteries),
        heat_pumps=tuple(replace(h, extendable=None) for h in system.heat_pumps),
        thermal_storages=tuple(replace(s, extend_energy=None) for s in system.thermal_storages),
        targets=Targets(),
    )


def investment_effect(
    system: EnergySystem, sized: OptimizationResult, *, options: SolverOptions | None = None
) -> dict[str, Any]:
    """效果: the sized plan against today's park (same horizon, no new capacity, no targets).

    Returns the reference figures and the changes: cost [CNY], CO2 [t], core indicator
    [tCO2/tce], clean share and hourly matching. When today's park cannot serve the load the
    reference is reported as infeasible with its conflicts.
    """
    try:
        ref = optimise(_without_investment(system), mode=Mode.DISPATCH, options=options)
    except Infeasible as exc:
        return {"reference_status": "infeasible", "reference_conflicts": exc.conflicts}

    def delta(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else a - b

    return {
        "reference_status": str(ref.status),
        "reference": {
            "objective_cny": ref.objective_cny,
            "emissions_tco2": ref.emissions_tco2["total"],
            "core_indicator_tco2_per_tce": ref.core_indicator_tco2_per_tce,
            "clean_share": ref.clean_share,
            "hourly_matching": ref.hourly_matching,
        },
        "change": {
            "objective_cny": sized.objective_cny - ref.objective_cny,
            "emissions_tco2": sized.emissions_tco2["total"] - ref.emissions_tco2["total"],
            "core_indicator_tco2_per_tce": delta(
                sized.core_indicator_tco2_per_tce, ref.core_indicator_tco2_per_tce
            ),
            "clean_share": delta(sized.clean_share, ref.clean_share),
            "hourly_matching": delta(sized.hourly_matching, ref.hourly_matching),
        },
    }
