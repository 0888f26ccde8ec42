"""Benchmark: the annual national + GHG inventory end to end from the store, PostgreSQL vs SQLite.

A synthetic park (示例数据, deterministic numpy generation) with ``--meters`` hourly meters for one
year (2 000 meters → 17.5 M readings) is bulk loaded (binary COPY on PostgreSQL, executemany on
SQLite; load time reported on its own). The stored month summaries are dropped and the first
aggregation is timed on its own (it aggregates the readings and stores the summaries, as the first
accounting of a year does). Then, ``--runs`` times, three phases are timed end to end:

1. aggregate — ``load_accounting_input`` as every accounting runs it: the maintained month
   summaries (one row per meter and local month) plus the hourly arrays of the boundary and PV
   meters read from the readings;
2. accounting core — ``zeropark.accounting.run`` for the national method and the GHG method;
3. save run — ``save_run`` of both inventories;

then ``use_case`` — what a user's "account the year" costs through every door:
``zeropark.services.inventory.account`` of both methods (as the 核算 page and the demo do), end
to end (its own aggregation, the data-quality score, the park view with every enterprise's own
view, the indicator table, and storing the park run with its enterprise runs in one transaction);
and beside them
``from_readings`` — the verifier's recomputation (``zeropark.services.inventory.recompute``), which
aggregates all readings again (per local month one range query per meter kind: interval sums,
register ``lead`` in key order) and stores nothing. Its input fingerprint must equal the others.

Medians are printed with readings/s of the aggregation and the PostgreSQL/SQLite ratio of each phase.
``--baseline GIT_REF`` also times ``load_accounting_input`` of ``store/aggregate.py`` at that commit
(e.g. ``4799543``, the width_bucket/lag version) in every run and prints the speed-up.

Usage::

    .venv/bin/python benchmarks/accounting.py                       # 2 000 meters, both backends
    .venv/bin/python benchmarks/accounting.py --backend postgres --meters 2000 --runs 3 --reuse
    .venv/bin/python benchmarks/accounting.py --backend postgres --meters 2000 --reuse --baseline 4799543
    .venv/bin/python benchmarks/accounting.py --backend sqlite --meters 200 --reuse

PostgreSQL: a fresh database ``zeropark_bench_<random>`` is created with the admin URL
(``--pg-admin-url``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) and dropped after.
With ``--reuse`` the database is ``zeropark_bench_<meters>`` (SQLite: ``$TMPDIR/zeropark_bench_<meters>.db``),
kept after the run and reused when it already holds the complete load (``--runs 0`` only loads).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, text

from zeropark.accounting import AccountingOptions, run
from zeropark.accounting.engine import input_fingerprint
from zeropark.factors import load_factor_set
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind, Method, Park
from zeropark.services.inventory import account
from zeropark.store import repo
from zeropark.store.aggregate import load_accounting_input
from zeropark.store.db import make_engine, transaction
from zeropark.store.migrate import upgrade
from zeropark.store.readings import bulk_load_readings
from zeropark.store.runs import save_run
from zeropark.store.scope import system_scope

YEAR = 2025
HOURS = 8760
START = np.datetime64("2024-12-31T16:00", "us")  # 2025-01-01 00:00 Asia/Shanghai
PARK_ID = "BENCH"
METERS_PER_ENTERPRISE = 5
PV_METERS = 40


@dataclass
class Park_:
    meters: list[Meter]
    enterprises: list[Enterprise]


def build_park(n_meters: int) -> Park_:
    """Meters: grid import + export, PV, and enterprise meters (electricity, steam, gas; half registers)."""
    n_pv = min(PV_METERS, max(1, n_meters // 50))
    n_ent_meters = n_meters - 2 - n_pv
    n_ent = max(1, n_ent_meters // METERS_PER_ENTERPRISE)
    enterprises = [
        Enterprise(f"E{i:04d}", PARK_ID, f"示例企业 {i}", f"9132{i:014d}", "C26") for i in range(n_ent)
    ]
    meters = [
        Meter(
            "GRID-IN",
            PARK_ID,
            Carrier.ELECTRICITY,
            "kWh",
            Direction.IMPORT,
            MeterKind.INTERVAL,
            accuracy_class=0.2,
        ),
        Meter(
            "GRID-OUT",
            PARK_ID,
            Carrier.ELECTRICITY,
            "kWh",
            Direction.EXPORT,
            MeterKind.INTERVAL,
            accuracy_class=0.2,
        ),
    ]
    meters += [
        Meter(
            f"PV-{i:03d}",
            PARK_ID,
            Carrier.ELECTRICITY,
            "kWh",
            Direction.GENERATION,
            MeterKind.INTERVAL,
            enterprise_id=enterprises[i % n_ent].id,
            technology="pv",
            accuracy_class=0.5,
        )
        for i in range(n_pv)
    ]
    for k in range(n_ent_meters):
        ent = enterprises[k % n_ent].id
        slot = k // n_ent
        carrier = (
            Carrier.ELECTRICITY,
            Carrier.ELECTRICITY,
            Carrier.ELECTRICITY,
            Carrier.STEAM,
            Carrier.NATURAL_GAS,
        )[slot % 5]
        kind = MeterKind.CUMULATIVE if k % 2 else MeterKind.INTERVAL
        unit = {Carrier.ELECTRICITY: "kWh", Carrier.STEAM: "GJ", Carrier.NATURAL_GAS: "m3"}[carrier]
        meters.append(
            Meter(
                f"{ent}-M{slot:02d}",
                PARK_ID,
                carrier,
                unit,
                Direction.CONSUMPTION,
                kind,
                enterprise_id=ent,
                multiplier=40.0 if kind is MeterKind.CUMULATIVE and carrier is Carrier.ELECTRICITY else 1.0,
                accuracy_class=0.5,
            )
        )
    return Park_(meters, enterprises)


def series(meter: Meter, rng: np.random.Generator) -> np.ndarray:
    """One year of hourly values [canonical unit] (register values for cumulative meters)."""
    h = np.arange(HOURS)
    if meter.direction is Direction.GENERATION:
        day = np.clip(np.sin((h % 24 - 6) / 12 * np.pi), 0, None)
        v = 200.0 * day * rng.uniform(0.6, 1.0, HOURS)
    else:
        base = {Carrier.ELECTRICITY: 400.0, Carrier.STEAM: 2.0, Carrier.NATURAL_GAS: 60.0}[meter.carrier]
        if meter.id == "GRID-IN":
            base = 150_000.0
        elif meter.id == "GRID-OUT":
            base = 50.0
        v = base * (1.0 + 0.3 * np.sin(h / 24 * 2 * np.pi)) * rng.uniform(0.8, 1.2, HOURS)
    if meter.kind is MeterKind.CUMULATIVE:
        return float(rng.uniform(1e3, 1e5)) + np.concatenate([[0.0], np.cumsum(v[:-1] / meter.multiplier)])
    return v


def load(engine: Engine, park: Park_, seed: int = 20250101) -> tuple[int, float]:
    """Store the park and bulk load its readings; returns (rows, seconds of the reading load)."""
    repo.upsert_park(
        engine, Park(PARK_ID, "基准测试园区（示例数据）", "江苏", "华东", 31.3, 120.6, is_demo=True)
    )
    with transaction(engine) as s:
        for e in park.enterprises:
            repo.upsert_enterprise(s, e)
        for m in park.meters:
            repo.upsert_meter(s, m)
    rng = np.random.default_rng(seed)
    hours = np.arange(HOURS).astype("timedelta64[h]").astype("timedelta64[us]")
    rows = 0
    t0 = time.perf_counter()
    chunk = 100
    for lo in range(0, len(park.meters), chunk):
        ms = park.meters[lo : lo + chunk]
        ids = np.repeat(np.array([m.id for m in ms], dtype=object), HOURS)
        ts = np.concatenate(
            [
                START
                + hours
                + (np.timedelta64(0, "h") if m.kind is MeterKind.CUMULATIVE else np.timedelta64(1, "h"))
                for m in ms
            ]
        )
        vals = np.concatenate([series(m, rng) for m in ms])
        rows += bulk_load_readings(engine, ids, ts, vals, source="benchmark")
    return rows, time.perf_counter() - t0


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def previous_aggregate(ref: str) -> Callable[[Engine, str, int], Any]:
    """``load_accounting_input`` of ``store/aggregate.py`` as it was at git ``ref`` (for the ratio)."""
    repo_root = Path(__file__).resolve().parents[1]
    src = subprocess.run(
        ["git", "show", f"{ref}:src/zeropark/store/aggregate.py"],
        cwd=repo_root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader(f"_zeropark_aggregate_{ref}", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(src, f"{ref}:src/zeropark/store/aggregate.py", "exec"), module.__dict__)  # noqa: S102
    fn: Callable[[Engine, str, int], Any] = module.load_accounting_input
    return fn


def measure(engine: Engine, runs: int, baseline: str | None = None) -> dict[str, list[float]]:
    """Time the phases; ``aggregate`` reads the month summaries, ``from_readings`` is the verifier's path."""
    factors = load_factor_set()
    phases: dict[str, list[float]] = {
        "aggregate": [],
        "accounting": [],
        "save": [],
        "total": [],
        "use_case": [],
        "from_readings": [],
    }
    previous = previous_aggregate(baseline) if baseline else None
    if previous is not None:
        phases["aggregate_previous"] = []
    fingerprints: set[str] = set()
    with engine.begin() as c:
        n_dropped = c.execute(text("DELETE FROM meter_month_summary")).rowcount
    _, t_cold = timed(lambda: load_accounting_input(engine, PARK_ID, YEAR))
    with engine.connect() as c:
        n_summaries = int(c.execute(text("SELECT count(*) FROM meter_month_summary")).scalar_one())
    print(
        f"    first aggregation, no summaries stored ({n_dropped} dropped): {t_cold:.2f} s — "
        f"aggregates the readings and stores {n_summaries:,} month summaries"
    )
    for _ in range(runs):
        if previous is not None:
            old_inputs, t_old = timed(lambda: previous(engine, PARK_ID, YEAR))
            phases["aggregate_previous"].append(t_old)
        raw_inputs, t_raw = timed(lambda: load_accounting_input(engine, PARK_ID, YEAR, from_readings=True))
        phases["from_readings"].append(t_raw)
        fingerprints.add(input_fingerprint(raw_inputs))
        inputs, t_agg = timed(lambda: load_accounting_input(engine, PARK_ID, YEAR))
        if previous is not None:
            same = input_fingerprint(old_inputs) == input_fingerprint(inputs)
            print(f"    previous aggregation {t_old:.2f} s, now {t_agg:.2f} s; same fingerprint: {same}")
        t0 = time.perf_counter()
        invs = [run(inputs, factors, AccountingOptions(method=m)) for m in (Method.NATIONAL, Method.GHG)]
        t_acc = time.perf_counter() - t0
        t0 = time.perf_counter()
        for inv in invs:
            save_run(engine, inv, created_by="benchmark")
        t_save = time.perf_counter() - t0
        fingerprints.add(invs[0].input_fingerprint)
        scope = system_scope(engine, "benchmark")
        t0 = time.perf_counter()
        both = (AccountingOptions(method=Method.NATIONAL), AccountingOptions(method=Method.GHG))
        accounted = account(scope, PARK_ID, YEAR, both, factors.name)
        phases["use_case"].append(time.perf_counter() - t0)
        fingerprints.add(accounted[0].inventory.input_fingerprint)
        n_views = len(accounted[0].enterprise_runs)
        for k, v in (
            ("aggregate", t_agg),
            ("accounting", t_acc),
            ("save", t_save),
            ("total", t_agg + t_acc + t_save),
        ):
            phases[k].append(v)
    same = len(fingerprints) == 1
    print(f"    input fingerprint identical in every run, summaries and readings alike: {same}")
    print(
        f"    quantities: {len(inputs.quantities)}, national total {invs[0].total_tco2e:,.1f} tCO2, "
        f"GHG location {invs[1].total_tco2e:,.1f} tCO2e; the use case stores {n_views} enterprise "
        "views with each park run"
    )
    return phases


def bench(
    backend: str,
    n_meters: int,
    runs: int,
    pg_admin_url: str,
    reuse: bool = False,
    baseline: str | None = None,
) -> dict[str, Any]:
    park = build_park(n_meters)
    print(f"\n== {backend}: {len(park.meters)} meters × {HOURS} h = {len(park.meters) * HOURS:,} readings ==")
    tmp = tempfile.TemporaryDirectory()
    admin = None
    name = ""
    existing = False
    if backend == "sqlite":
        path = Path(tmp.name) / "bench.db"
        if reuse:
            path = Path(tempfile.gettempdir()) / f"zeropark_bench_{len(park.meters)}.db"
            existing = path.exists()
        engine = make_engine(f"sqlite:///{path}")
    else:
        name = f"zeropark_bench_{len(park.meters)}" if reuse else f"zeropark_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            existing = bool(
                c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            )
            if not existing:
                c.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(pg_admin_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        upgrade(engine)
        with engine.connect() as c:
            rows = int(c.execute(text("SELECT count(*) FROM reading")).scalar_one()) if existing else 0
        t_load = float("nan")
        if existing and rows == len(park.meters) * HOURS:
            print(f"  reusing {name or path}: {rows:,} readings already loaded")
        else:
            if rows:
                raise SystemExit(
                    f"{name or path} holds {rows} readings, not a complete load: drop it and rerun"
                )
            rows, t_load = load(engine, park)
            print(f"  load: {rows:,} readings in {t_load:.1f} s = {rows / t_load:,.0f} readings/s")
            if backend == "postgres":
                with engine.connect() as c:
                    c.execute(text("ANALYZE reading"))
                    c.commit()
        if runs == 0:
            return {"rows": rows, "load_s": t_load}
        phases = measure(engine, runs, baseline)
        med = {k: statistics.median(v) for k, v in phases.items()}
        for k in phases:
            print(f"  {k:<11} median {med[k]:7.2f} s   runs: {', '.join(f'{x:.2f}' for x in phases[k])}")
        print(
            f"  verifier's aggregation of the readings: {rows / med['from_readings']:,.0f} readings/s; "
            f"end to end (summaries) {rows / med['total']:,.0f} readings/s; "
            f"end to end {'meets' if med['total'] < 10 else 'MISSES'} the 10 s target; "
            f"the accounting use case {med['use_case']:.2f} s "
            f"{'meets' if med['use_case'] < 10 else 'MISSES'} it"
        )
        if "aggregate_previous" in med:
            print(
                f"  previous aggregation ({baseline}): {rows / med['aggregate_previous']:,.0f} readings/s; "
                f"speed-up {med['aggregate_previous'] / med['aggregate']:.2f}×"
            )
        return {"rows": rows, "load_s": t_load, **med}
    finally:
        engine.dispose()
        tmp.cleanup()
        if admin is not None and not reuse:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--meters", type=int, default=2000, help="hourly meters (2000 → 17.5 M readings)")
    ap.add_argument("--sqlite-meters", type=int, default=None, help="meters for SQLite (default: --meters)")
    ap.add_argument("--runs", type=int, default=3, help="timed repetitions (median reported)")
    ap.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="keep the loaded database (zeropark_bench_<meters> / $TMPDIR/zeropark_bench_<meters>.db) "
        "and reuse it on the next run instead of loading 17.5 M rows again; --runs 0 only loads",
    )
    ap.add_argument(
        "--baseline",
        metavar="GIT_REF",
        help="also time load_accounting_input of store/aggregate.py at this git ref (e.g. 4799543, "
        "before the per-month queries) in every run, and print the speed-up",
    )
    ap.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    results: dict[str, dict[str, Any]] = {}
    if args.backend in ("postgres", "both"):
        results["postgres"] = bench(
            "postgres", args.meters, args.runs, args.pg_admin_url, args.reuse, args.baseline
        )
    if args.backend in ("sqlite", "both"):
        results["sqlite"] = bench(
            "sqlite",
            args.sqlite_meters or args.meters,
            args.runs,
            args.pg_admin_url,
            args.reuse,
            args.baseline,
        )
    if len(results) == 2:
        pg, sq = results["postgres"], results["sqlite"]
        same = pg["rows"] == sq["rows"]
        print("\n== PostgreSQL / SQLite ==" + ("" if same else " (per reading: the sizes differ)"))
        for k in ("load_s", "aggregate", "accounting", "save", "total", "use_case"):
            a = pg[k] / (1.0 if same else pg["rows"])
            b = sq[k] / (1.0 if same else sq["rows"])
            print(f"  {k:<11} time ratio PostgreSQL/SQLite = {a / b:.2f}")


if __name__ == "__main__":
    main()
