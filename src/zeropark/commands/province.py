"""``zeropark province account|verify|view``: many parks, one task per park; the provincial view.

The default runs the parks one after the other in this process (the single-machine path);
``--workers N`` fans them out on a local Dask cluster of N worker processes, ``--scheduler
tcp://host:8786`` on a running Dask cluster (default ``ZEROPARK_DASK_SCHEDULER``). Each task is the
same service function (:mod:`zeropark.services.province`), so the results are the same to the bit.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from zeropark.accounting import AccountingOptions
from zeropark.commands.common import YEAR_MAX, YEAR_MIN, check_choice, console, engine, err_console
from zeropark.errors import NotFound
from zeropark.model import Method
from zeropark.services import province, provincial
from zeropark.settings import get_settings
from zeropark.store.queries.sessions import user_principal
from zeropark.store.scope import Scope, system_scope

province_app = typer.Typer(
    help="省级 Province: account and re-verify many parks, serially or fanned out on Dask; provincial view.",
    no_args_is_help=True,
)

#: EXIT code when a recomputed run differs (as ``zeropark verify``).
EXIT_DIFFERS = 7
_ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx)://[^\s/:]+(:\d{1,5})?$|^[A-Za-z0-9.\-]+:\d{1,5}$")


def register(app: typer.Typer) -> None:
    """Attach ``zeropark province``."""
    app.add_typer(province_app, name="province")


def _check_scheduler(address: str) -> str:
    if address and not _ADDRESS.match(address):
        raise typer.BadParameter(
            f"'{address}' is not a scheduler address; write tcp://host:8786 (or host:8786)",
            param_hint="--scheduler",
        )
    return address


@contextmanager
def _fanout(scheduler: str | None, workers: int) -> Iterator[province.Fanout]:
    address = _check_scheduler(scheduler if scheduler is not None else get_settings().dask_scheduler)
    if not address and workers == 0:
        yield province.SerialFanout()
        return
    with province.dask_fanout(address or None, workers=max(workers, 1)) as fan:
        yield fan


_Year = Annotated[int, typer.Argument(help="Year 年份", min=YEAR_MIN, max=YEAR_MAX)]
_Parks = Annotated[list[str] | None, typer.Option("--park", help="Only these parks (repeatable) 园区")]
_Prefix = Annotated[str, typer.Option(help="Only parks whose id starts with this")]
_Workers = Annotated[
    int, typer.Option(help="Local Dask worker processes (0: serially in this process)", min=0, max=64)
]
_Scheduler = Annotated[
    str | None,
    typer.Option(help="Dask scheduler tcp://host:8786 (default ZEROPARK_DASK_SCHEDULER; empty: local)"),
]
_MethodOpt = Annotated[str, typer.Option(help="national or ghg 核算方法")]


@province_app.command("account")
def province_account(
    year: _Year,
    park: _Parks = None,
    prefix: _Prefix = "",
    method: _MethodOpt = "national",
    factor_set: Annotated[
        str | None, typer.Option(help="NAME or NAME@VERSION (default ZEROPARK_FACTOR_SET)")
    ] = None,
    workers: _Workers = 0,
    scheduler: _Scheduler = None,
) -> None:
    """Account the year of every park; print the provincial view (ranking, totals, indicators). 省级核算."""
    check_choice(method, ("national", "ghg"), "--method")
    db = engine()
    parks = province.province_parks(db, park or (), prefix=prefix)
    start = time.perf_counter()
    with _fanout(scheduler, workers) as fan:
        view = province.account_province(
            get_settings().database_url,
            parks,
            year,
            options=AccountingOptions(method=Method(method)),
            factor_set=factor_set or get_settings().factor_set,
            fanout=fan,
        )
    seconds = time.perf_counter() - start
    table = Table(
        title=f"省级排名 province ranking {year} — {len(parks)} parks, {fan.label}, {seconds:.1f} s"
    )
    for col in ("#", "park", "run", "tCO2", "tce"):
        table.add_column(col, justify="right" if col != "park" else "left")
    by_id = {o.park_id: o for o in view.parks}
    for rank, (park_id, tco2) in enumerate(view.ranking, start=1):
        o = by_id[park_id]
        table.add_row(str(rank), park_id, str(o.run_id), f"{tco2:,.3f}", f"{o.energy_tce:,.3f}")
    console.print(table)
    console.print(f"合计 total: {view.total_tco2e:,.3f} tCO2, {view.energy_tce:,.3f} tce")
    dist = Table(title="指标分布 indicator distributions")
    for col in ("indicator", "n", "min", "p25", "median", "p75", "max"):
        dist.add_column(col, justify="right" if col != "indicator" else "left")
    for d in view.distributions:
        dist.add_row(d.code, str(d.n), *(f"{x:.4g}" for x in (d.minimum, d.p25, d.median, d.p75, d.maximum)))
    console.print(dist)


@province_app.command("verify")
def province_verify(
    year: _Year,
    park: _Parks = None,
    prefix: _Prefix = "",
    method: _MethodOpt = "national",
    workers: _Workers = 0,
    scheduler: _Scheduler = None,
) -> None:
    """Recompute every park's latest run of the year from the readings, bit for bit. 省级复核.

    Exit 0 when every run reproduces, 7 when any differs (each difference listed).
    """
    check_choice(method, ("national", "ghg"), "--method")
    db = engine()
    parks = province.province_parks(db, park or (), prefix=prefix)
    run_ids = province.latest_park_runs(db, parks, year, Method(method))
    start = time.perf_counter()
    with _fanout(scheduler, workers) as fan:
        checks = province.verify_province(get_settings().database_url, parks, run_ids, fanout=fan)
    seconds = time.perf_counter() - start
    bad = [c for c in checks if not (c.identical and c.fingerprint_match)]
    console.print(f"复核 {len(checks)} park run(s) on {fan.label} in {seconds:.1f} s")
    for c in bad:
        err_console.print(f"[red]不一致 {c.park_id} run #{c.run_id}: {'; '.join(c.differences)}[/]")
    if bad:
        raise typer.Exit(EXIT_DIFFERS)
    console.print(f"[green]一致 all {len(checks)} runs reproduce bit for bit from the readings.[/]")


@province_app.command("view")
def province_view(
    year: _Year,
    park: _Parks = None,
    method: _MethodOpt = "national",
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as-user",
            help="As this user sees it (a provincial or group user: its parks) 以该用户的范围查看",
        ),
    ] = None,
) -> None:
    """The provincial view of the latest stored runs (nothing accounted), as the API and page. 省级视图.

    ``--as-user NAME`` shows what that user's page and API show: a provincial user its province's
    parks, a group user its parks (another role is refused, exit 3; an unknown user: exit 4).
    """
    check_choice(method, ("national", "ghg"), "--method")
    check_choice(output, ("table", "json"), "--format")
    eng = engine()
    scope = system_scope(eng, "cli")
    if as_user is not None:
        user = user_principal(eng, as_user)
        if user is None:
            raise NotFound(f"user '{as_user}' not found (or not active); see `zeropark users list`")
        scope = Scope(user, eng, None)
    found = provincial.stored_view(scope, year, method=Method(method), park_ids=park or ())
    if output == "json":
        console.print_json(data=found.to_dict())
        return
    doc = found.to_dict()
    table = Table(title=f"省级视图 provincial view {year} — {doc['parks']} parks ({method})")
    for col in ("#", "park", "run", "tCO2", "tce"):
        table.add_column(col, justify="right" if col != "park" else "left")
    for r in doc["ranking"]:
        table.add_row(
            str(r["rank"]),
            r["park_id"],
            str(r["run_id"]),
            f"{r['total_tco2e']:,.3f}",
            f"{r['energy_tce']:,.3f}",
        )
    console.print(table)
    console.print(f"合计 total: {doc['total_tco2e']:,.3f} tCO2, {doc['energy_tce']:,.3f} tce")
    if found.missing:
        console.print(f"无核算结果 no run for {year}: {', '.join(found.missing)}")
