"""Demo park build time: generation (pure) and writing (SQLite file, optionally PostgreSQL).

Prints medians of several runs and the write rate in readings per second.

    .venv/bin/python benchmarks/demo_build.py                    # full park, SQLite, 1 write run
    .venv/bin/python benchmarks/demo_build.py --days 31 --runs 3 # one month, 3 runs
    .venv/bin/python benchmarks/demo_build.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres

With --postgres a fresh database is created next to the given admin URL and dropped afterwards.

``--cli`` times the whole ``zeropark demo`` command instead (generate, readings, rollups, bad inputs,
both inventories) into a fresh SQLite file per run, in a subprocess; ``--baseline GIT_REF`` also
times the same command on the code of GIT_REF (``git archive`` into a temporary directory, first on
``PYTHONPATH``), alternating with the current code, and prints both medians and the ratio:

    .venv/bin/python benchmarks/demo_build.py --cli --baseline 8c075be
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from scratch import pg_database

from zeropark import demo
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade


def _time_generate(size: demo.DemoSize, runs: int) -> tuple[float, demo.DemoPark]:
    times = []
    park = None
    for _ in range(runs):
        t = time.perf_counter()
        park = demo.generate(size=size)
        times.append(time.perf_counter() - t)
    assert park is not None
    return statistics.median(times), park


def _time_write(url: str, park: demo.DemoPark, runs: int) -> list[float]:
    eng = make_engine(url)
    upgrade(eng)
    times = []
    for _ in range(runs):  # the first run writes a fresh park, later runs replace it (delete + load)
        t = time.perf_counter()
        demo.write_demo(eng, park)
        times.append(time.perf_counter() - t)
    eng.dispose()
    return times


def _time_cli(src: Path | None, args: argparse.Namespace, tmp: Path) -> float:
    """Wall time of one `zeropark demo` into a fresh SQLite file (code from ``src`` if given)."""
    db = tmp / f"demo-{uuid.uuid4().hex[:8]}.db"
    cmd = [
        sys.executable,
        "-c",
        "from zeropark.cli import app; app()",
        "demo",
        "--database-url",
        f"sqlite:///{db}",
    ]
    cmd += ["--enterprises", str(args.enterprises)] + (["--days", str(args.days)] if args.days else [])
    env = dict(os.environ, COLUMNS="200")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    t = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(
            f"zeropark demo failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
        )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return elapsed


def _cli(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        variants: dict[str, Path | None] = {"current": None}
        if args.baseline:
            base = tmp / "baseline"
            base.mkdir()
            archive = subprocess.run(
                ["git", "archive", args.baseline, "src"], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
            variants = {f"baseline {args.baseline}": base / "src", "current": None}
        times: dict[str, list[float]] = {k: [] for k in variants}
        for _ in range(args.runs):
            for name, src in variants.items():
                load = os.getloadavg()[0]
                times[name].append(_time_cli(src, args, tmp))
                print(f"  zeropark demo ({name}): {times[name][-1]:.1f} s (load {load:.2f})", flush=True)
        med = {k: statistics.median(v) for k, v in times.items()}
        print("; ".join(f"{k}: median {v:.1f} s ({v / 60:.1f} min)" for k, v in med.items()))
        if args.baseline:
            print(f"speed-up {med[f'baseline {args.baseline}'] / med['current']:.1f}×")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--enterprises", type=int, default=32)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server")
    ap.add_argument("--cli", action="store_true", help="time the whole `zeropark demo` command (SQLite)")
    ap.add_argument("--baseline", default=None, help="with --cli: also time the code of this git ref")
    args = ap.parse_args()
    if args.cli:
        _cli(args)
        return
    size = demo.DemoSize(n_enterprises=args.enterprises, days=args.days)
    gen_s, park = _time_generate(size, max(3, args.runs))
    print(f"demo park: {len(park.meters)} meters, {park.n_readings:,} readings")
    print(f"generate (median of {max(3, args.runs)}): {gen_s:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        w = _time_write(f"sqlite:///{Path(tmp) / 'bench.db'}", park, args.runs)
    print(
        f"SQLite write: first {w[0]:.1f} s ({park.n_readings / w[0]:,.0f} readings/s)"
        + (f", rebuild median {statistics.median(w[1:]):.1f} s" if len(w) > 1 else "")
    )
    if args.postgres:
        with pg_database("demo", args.postgres) as url:
            w = _time_write(url, park, args.runs)
            print(
                f"PostgreSQL write: first {w[0]:.1f} s ({park.n_readings / w[0]:,.0f} readings/s)"
                + (f", rebuild median {statistics.median(w[1:]):.1f} s" if len(w) > 1 else "")
            )


if __name__ == "__main__":
    main()
