"""``zeropark factors``: list, show and load emission factors (因子库)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands import common  # common.engine() looked up per call: tests point it elsewhere
from zeropark.commands.common import EXIT_DATA_ERROR, EXIT_NOT_FOUND, console, err_console
from zeropark.errors import DataError, FactorNotFound, NotFound, ValidationError
from zeropark.factors import (
    Factor,
    FactorKind,
    FactorSet,
    builtin_set_names,
    load_factor_set,
)
from zeropark.formatting import sig
from zeropark.services.factor_sets import load_custom_set, resolve_factor_set
from zeropark.settings import get_settings
from zeropark.store.factor_repo import list_factor_sets
from zeropark.store.scope import system_scope

factors_app = typer.Typer(
    name="factors",
    help="因子库 Emission factors and coefficients: list, show, load a custom set.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

SetOption = Annotated[
    str | None,
    typer.Option(
        "--set",
        "-s",
        help="因子集 Factor set: a built-in name (CN-park-2025) or a stored NAME[@VERSION]. "
        "Default: ZEROPARK_FACTOR_SET.",
    ),
]


def _resolve_set(spec: str | None) -> FactorSet:
    """The set ``NAME[@VERSION]`` (default ``ZEROPARK_FACTOR_SET``) by the one resolution rule.

    ``common.engine()`` is called here, not imported by name: tests swap the CLI's engine.
    """
    return resolve_factor_set(common.engine(), spec or get_settings().factor_set)


def _fail(message: str, code: int) -> typer.Exit:
    err_console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _fmt(x: float) -> str:
    return sig(x)


@factors_app.command("list")
def list_factors(
    kind: Annotated[
        FactorKind | None,
        typer.Option(
            "--kind", "-k", help="只列出此类 Only this kind (standard_coal, fuel, grid_electricity, ...)."
        ),
    ] = None,
    uncertain: Annotated[
        bool,
        typer.Option("--uncertain", help="只列出待确认项 Only [UNCERTAIN] options (reports state them)."),
    ] = False,
    factor_set: SetOption = None,
) -> None:
    """列出因子 List the factors of a set: id, name, value and unit as cited, region, year, source."""
    try:
        fs = _resolve_set(factor_set)
    except (NotFound, DataError, KeyError) as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from None
    rows = fs.of_kind(kind) if kind else fs.factors
    if uncertain:
        rows = tuple(f for f in rows if f.is_uncertain)
    table = Table(title=f"{fs.label}  sha256 {fs.sha256[:12]}…  ({len(rows)} factors)", show_lines=False)
    for column in ("id", "名称", "name", "value", "unit", "region", "year", "source", "conf."):
        table.add_column(column, overflow="fold")
    for f in rows:
        table.add_row(
            f.id,
            f.label_zh,
            f.label_en,
            _fmt(f.cited_value),
            f.cited_unit,
            f.region,
            str(f.year or ""),
            f.source.id,
            "[yellow]UNCERTAIN[/yellow]" if f.is_uncertain else f.confidence.value,
        )
    console.print(table)


def _detail_table(f: Factor, fs: FactorSet) -> Table:
    table = Table(title=f"{f.id}  ({fs.label})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    kind_zh, kind_en = f.kind_label
    uncertainty = "unknown 未知" if f.uncertainty_pct is None else f"±{_fmt(f.uncertainty_pct)} % (95 %)"
    for field, value in (
        ("id", f.id),
        ("名称 name", f"{f.label_zh} / {f.label_en}"),
        ("类别 kind", f"{f.kind.value} ({kind_zh} / {kind_en})"),
        ("key", f.key),
        ("parameter", f.parameter),
        ("引用值 cited value", f"{_fmt(f.cited_value)} {f.cited_unit}"),
        ("标准值 canonical value", f"{sig(f.value)} {f.unit}"),
        ("地区 region", f.region or "—"),
        ("年份 year", str(f.year) if f.year is not None else "—"),
        ("不确定性 uncertainty", uncertainty),
        (
            "置信度 confidence",
            f.confidence.value + ("  [UNCERTAIN option: reports state it]" if f.is_uncertain else ""),
        ),
        ("说明 note", f.note or "—"),
        ("出处 source id", f.source.id),
        ("出处 source", f.source.citation()),
    ):
        table.add_row(field, value)
    return table


@factors_app.command("show")
def show_factor(
    factor_id: Annotated[
        str, typer.Argument(metavar="ID", help="因子编号 Factor id, e.g. grid.fossil.cn.2022.")
    ],
    factor_set: SetOption = None,
) -> None:
    """显示因子详情 Show every field of one factor and its full source citation."""
    try:
        fs = _resolve_set(factor_set)
        f = fs.get(factor_id)
    except (NotFound, FactorNotFound, DataError, KeyError) as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from None
    console.print(_detail_table(f, fs))


@factors_app.command("sources")
def list_sources(factor_set: SetOption = None) -> None:
    """列出出处 List the sources a set cites (id, issuer, title, number, date, table, URL, confidence)."""
    try:
        fs = _resolve_set(factor_set)
    except (NotFound, DataError, KeyError) as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from None
    used: dict[str, int] = {}
    for f in fs.factors:
        used[f.source.id] = used.get(f.source.id, 0) + 1
    table = Table(title=f"sources 出处 — {fs.label}")
    for column in ("id", "issuer", "title", "文号 number", "date", "table", "url", "conf.", "factors"):
        table.add_column(column, overflow="fold")
    for src in fs.sources:
        table.add_row(
            src.id,
            src.issuer,
            src.title,
            src.number,
            src.date or str(src.year or ""),
            src.table,
            src.url,
            src.confidence.value,
            str(used.get(src.id, 0)),
        )
    console.print(table)


@factors_app.command("load")
def load_factors(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="自定义因子 CSV (UTF-8): id,kind,key,parameter,value,unit,region,year,source_id,"
            "uncertainty_pct,note [+ source_title,source_issuer,source_year,source_table,source_url,"
            "source_confidence]",
        ),
    ],
    name: Annotated[str, typer.Option("--name", "-n", help="新因子集名称 Name of the new factor set.")],
    base: Annotated[
        str | None, typer.Option("--base", "-b", help="基础因子集 Base set (default ZEROPARK_FACTOR_SET).")
    ] = None,
    created_by: Annotated[str | None, typer.Option("--by", help="录入人 Who loads it.")] = None,
) -> None:
    """载入自定义因子 Validate a custom factor CSV, store it as a new immutable version, print its sha256."""
    try:
        base_set = _resolve_set(base)
    except (NotFound, DataError, KeyError) as exc:
        raise _fail(str(exc), EXIT_NOT_FOUND) from None
    try:
        loaded = load_custom_set(
            system_scope(common.engine(), created_by or "cli"),
            file.name,
            file.read_bytes(),
            name,
            base_set.label,
        )
    except ValidationError as exc:
        err_console.print(f"[red]{len(exc.errors)} error(s) in {file} — nothing was stored:[/red]")
        for error in exc.errors:
            err_console.print(f"  - {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_DATA_ERROR) from None
    except DataError as exc:
        raise _fail(str(exc), EXIT_DATA_ERROR) from None
    stored, custom = loaded.stored, loaded.factor_set
    console.print(f"stored 已保存: {stored.name}@{stored.version}", markup=False, highlight=False)
    console.print(f"sha256: {stored.sha256}", markup=False, highlight=False)
    console.print(
        f"base 基础: {base_set.label}; overrides 覆盖: {', '.join(custom.overrides) or '—'}; "
        f"factors 因子数: {len(custom.factors)}",
        markup=False,
        highlight=False,
    )


@factors_app.command("sets")
def list_sets() -> None:
    """列出因子集 List the built-in sets and the sets stored in the database."""
    table = Table(title="factor sets 因子集")
    for column in ("name", "version", "sha256", "built-in", "stored at", "description"):
        table.add_column(column, overflow="fold")
    stored = {(s.name, s.version) for s in list_factor_sets(common.engine())}
    for name in builtin_set_names():
        fs = load_factor_set(name)
        if (fs.name, fs.version) not in stored:
            table.add_row(fs.name, fs.version, fs.sha256[:12] + "…", "yes", "—", fs.description)
    for s in list_factor_sets(common.engine()):
        table.add_row(
            s.name,
            s.version,
            s.sha256[:12] + "…",
            "yes" if s.is_builtin else "no",
            s.created_at.strftime("%Y-%m-%d %H:%M"),
            s.description,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Attach ``zeropark factors ...`` to the main app."""
    app.add_typer(factors_app, name="factors")
