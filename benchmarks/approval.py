"""Benchmark: what data approval adds to accounting a year of the demo park.

The demo generator's park (``--enterprises``, default 32, plus its public facilities) is written
and every enterprise is taken through submit → review → approve (each approval stores a data
version: the enterprise's activity records and claims of the year, hashed). Then, ``--runs``
times, medians printed:

- ``link`` — :func:`zeropark.services.approval.link_run_inputs` alone, what every stored run now
  does in its transaction (read the park's activity records and claims of the year once, hash each
  enterprise's, write the links);
- ``account`` — :func:`zeropark.services.inventory.account_year` (national), end to end, with it;
- ``approve`` — one approval (data version stored, no run to supersede), and ``require_approved``.

Usage::

    .venv/bin/python benchmarks/approval.py                       # SQLite, 32 enterprises
    .venv/bin/python benchmarks/approval.py --backend postgres --runs 7
"""

from __future__ import annotations

import argparse
import statistics
import time

from scratch import ms, scratch_engine

from zeropark import demo
from zeropark.accounting import AccountingOptions
from zeropark.model import Method
from zeropark.services import approval, inventory
from zeropark.settings import get_settings
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.scope import system_scope


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--enterprises", type=int, default=32)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with scratch_engine(args.backend, "approval") as engine:
        park = demo.generate(size=demo.DemoSize(n_enterprises=args.enterprises, days=args.days))
        demo.write_demo(engine, park)
        park_id, year = park.park.id, park.year
        scope = system_scope(engine, "bench")
        fs = get_settings().factor_set
        national = AccountingOptions(method=Method.NATIONAL)
        inventory.account_year(scope, park_id, year, national, fs)  # warm: month summaries built
        ents = [e.id for e in repo.list_enterprises(engine, park_id)]
        approve: list[float] = []
        for ent in ents:
            approval.submit(scope, park_id, ent, year)
            approval.review(scope, park_id, ent, year)
            t = time.perf_counter()
            approval.approve(scope, park_id, ent, year)
            approve.append(time.perf_counter() - t)
        n_records = sum(s.versions[-1].n_records for s in approval.board(scope, park_id, year).submissions)
        print(f"{len(ents)} enterprises approved, {n_records} records in the versions ({args.backend})")
        link: list[float] = []
        account: list[float] = []
        check: list[float] = []
        linked: list[int] = []
        run_id = inventory.account_year(scope, park_id, year, national, fs).run.id
        for _ in range(args.runs):
            with transaction(engine) as s:
                t = time.perf_counter()
                linked = approval.link_run_inputs(s, run_id, park_id, year)
                link.append(time.perf_counter() - t)
            t = time.perf_counter()
            inventory.account_year(scope, park_id, year, national, fs)
            account.append(time.perf_counter() - t)
            t = time.perf_counter()
            approval.require_approved(scope, park_id, year)
            check.append(time.perf_counter() - t)
        print(f"link_run_inputs: {len(linked)} versions linked; {ms(link)}")
        print(f"account_year (national, with the link): {ms(account)}")
        print(f"link / account: {statistics.median(link) / statistics.median(account):.1%}")
        print(f"approve (data version stored): {ms(approve)}")
        print(f"require_approved: {ms(check)}")


if __name__ == "__main__":
    main()
