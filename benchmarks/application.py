"""Benchmark: the application workspace (申报) on the demo park — diagnosis, evidence, the outline.

Builds the demo park (示例数据, 32 enterprises) in a temporary SQLite file, approves every
enterprise's 2025 data (数据审核), accounts the year, then times (median of ``--runs``):

1. ``diagnose`` — the 910号 items, and with the T/CGDF 00046-2024 rubric added;
2. ``add_document`` — a ``--mib`` MiB upload (random bytes: SHA-256, type sniffing, one insert),
   then the same bytes again (deduplicated: hashed, not stored twice), and ``open_document``
   (read back and re-hashed);
3. ``deliverable`` — the 申报书 outline as .docx (python-docx) and as PDF (WeasyPrint).

Prints the medians [s], the file sizes [bytes] and the upload throughput [MiB/s].

Usage::

    .venv/bin/python benchmarks/application.py --runs 3 --mib 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zeropark import demo
from zeropark.accounting import AccountingOptions
from zeropark.model import Method
from zeropark.services import application as app
from zeropark.services import approval
from zeropark.services.inventory import account_year
from zeropark.store import repo
from zeropark.store.db import make_engine
from zeropark.store.migrate import upgrade
from zeropark.store.scope import system_scope


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mib", type=int, default=20, help="upload size [MiB] (≤ 20, the limit)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'zeropark.db'}")
        upgrade(engine)
        park = demo.generate()
        demo.write_demo(engine, park)
        scope = system_scope(engine, "bench")
        pid, year = park.park.id, park.year
        for ent in repo.list_enterprises(engine, pid):
            for step in (approval.submit, approval.review, approval.approve):
                step(scope, pid, ent.id, year)
        account_year(scope, pid, year, AccountingOptions(method=Method.NATIONAL), "CN-park-2025")
        t, d = _median(lambda: app.diagnose(scope, pid, year), args.runs)
        print(f"diagnose (910号): {t:.3f} s, {len(d.items)} items")
        t, d = _median(lambda: app.diagnose(scope, pid, year, frameworks=["t-cgdf-00046-2024"]), args.runs)
        print(f"diagnose (+ T/CGDF 00046-2024): {t:.3f} s, {len(d.items)} items")
        content = os.urandom(args.mib * 1024 * 1024)
        t0 = time.perf_counter()
        doc = app.add_document(scope, pid, "bench.bin", content)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = app.add_document(scope, pid, "bench-again.bin", content)
        second = time.perf_counter() - t0
        assert again.deduplicated
        t_open, _ = _median(lambda: app.open_document(scope, doc.id), args.runs)
        print(
            f"upload {args.mib} MiB: {first:.3f} s ({args.mib / first:.0f} MiB/s); same bytes again "
            f"(kept once): {second:.3f} s; read back + re-hash: {t_open:.3f} s"
        )
        for kind in app.DeliverableKind:
            t, f = _median(lambda k=kind: app.deliverable(scope, pid, year, k), args.runs)
            print(f"outline {kind.value}: {t:.2f} s, {len(f.content)} bytes")


if __name__ == "__main__":
    main()
