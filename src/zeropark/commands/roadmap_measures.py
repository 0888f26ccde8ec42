"""``zeropark roadmap measures``: the reduction-measures library and a park's own measures.

``list`` and ``show`` print :func:`zeropark.services.measures.list_measures` / ``get_measure`` (the
figures of the API and of the page ``/roadmap/measures``); ``add`` and ``import`` store park
measures checked like the built-in library (a CSV is stored all or nothing); ``delete`` removes a
park measure. Exit codes: 3 a rejected measure (every field named), 4 an unknown park or measure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zeropark.commands.account import pick_park
from zeropark.commands.common import check_choice, console, engine
from zeropark.errors import RowError
from zeropark.formatting import sig
from zeropark.i18n import translate
from zeropark.roadmap.measures import MeasureError
from zeropark.services import measures as service
from zeropark.store.scope import system_scope

__all__ = ["measures_app"]

measures_app = typer.Typer(
    name="measures",
    help="减排措施库 Reduction measures: the built-in library (cited) and the park's own measures.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

ParkOpt = Annotated[str | None, typer.Option(help="园区 Park id (default: the only park).")]
FormatOpt = Annotated[str, typer.Option("--format", help="输出 table | json.")]


def _label(key: str) -> str:
    return f"{translate(key, 'zh')} {translate(key, 'en')}"


def _views_json(views: list[service.MeasureView]) -> None:
    console.out(json.dumps([v.to_dict() for v in views], ensure_ascii=False, indent=1))


@measures_app.command("list")
def list_cmd(
    park: ParkOpt = None,
    pathway: Annotated[str | None, typer.Option(help="路径 Only this pathway (e.g. waste_heat).")] = None,
    mechanism: Annotated[
        str | None, typer.Option(help="机制 Only this mechanism (e.g. fuel_switch).")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="输出 table | json | csv (a CSV `import` reads back).")
    ] = "table",
) -> None:
    """措施列表 Built-in and park measures: unit, effect per unit and year, costs, lifetime, source."""
    check_choice(output_format, ("table", "json", "csv"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    views = service.list_measures(system_scope(eng, "cli"), park_id, pathway=pathway, mechanism=mechanism)
    if output_format == "json":
        _views_json(views)
        return
    if output_format == "csv":
        console.out(service.measures_table(views), end="")
        return
    table = Table(title=f"{_label('measures_title')} — {park_id}")
    for key, justify in (
        ("measures_id", "left"),
        ("measures_name", "left"),
        ("measures_pathway", "left"),
        ("measures_effect", "right"),
        ("measures_capex", "right"),
        ("measures_opex", "right"),
        ("measures_lifetime", "right"),
        ("measures_source", "left"),
    ):
        table.add_column(translate(key, "zh"), justify=justify)  # type: ignore[arg-type]
    for v in views:
        m = v.measure
        flag = " [UNCERTAIN]" if v.uncertain else ""
        kind = "" if v.builtin else f" ({translate('measures_park', 'zh')})"
        table.add_row(
            m.id,
            f"{m.name_zh}{kind}{flag}",
            m.pathway.value,
            f"{sig(m.effect_per_unit)} {v.effect_unit}",
            sig(m.capex_cny_per_unit),
            sig(m.opex_cny_per_unit_year),
            str(m.lifetime_years),
            m.source_id,
        )
    console.print(table)
    uncertain = sum(v.uncertain for v in views)
    console.print(
        f"{len(views)} measures, {uncertain} [UNCERTAIN]: {translate('measures_uncertain_note', 'en')}"
    )


@measures_app.command("show")
def show_cmd(
    measure_id: Annotated[str, typer.Argument(help="措施编号 Measure id.")],
    park: ParkOpt = None,
    output_format: FormatOpt = "table",
) -> None:
    """措施详情 One measure with every field, its units and its cited source."""
    check_choice(output_format, ("table", "json"), "--format")
    eng = engine()
    park_id = pick_park(eng, park)
    view = service.get_measure(system_scope(eng, "cli"), park_id, measure_id)
    data = view.to_dict()
    if output_format == "json":
        console.out(json.dumps(data, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{view.measure.id} — {view.measure.name_zh} / {view.measure.name_en}")
    table.add_column("field")
    table.add_column("value")
    for key, value in data.items():
        if key == "source":
            value = data["source"]["citation"]
        elif isinstance(value, float):
            value = sig(value)
        table.add_row(key, "—" if value in (None, "", []) else str(value))
    console.print(table)


def _fields(**values: str | None) -> dict[str, str]:
    return {k: ("" if v is None else v) for k, v in values.items()}


@measures_app.command("add")
def add_cmd(
    measure_id: Annotated[str, typer.Option("--id", help="编号 Unique id within the park.")],
    name_zh: Annotated[str, typer.Option(help="中文名称 Chinese name.")],
    pathway: Annotated[
        str, typer.Option(help="路径 energy_structure | green_power | ... (docs/measures.md).")
    ],
    mechanism: Annotated[str, typer.Option(help="机制 efficiency | fuel_switch | onsite_generation | ...")],
    unit: Annotated[str, typer.Option(help="单位 What costs and effect are per (kW, t/h steam, ...).")],
    effect: Annotated[str, typer.Option(help="每单位年效果 Effect per unit and year (canonical unit).")],
    capex: Annotated[str, typer.Option(help="投资 CNY per unit.")],
    opex: Annotated[str, typer.Option(help="年运维 CNY per unit and year.")],
    lifetime: Annotated[str, typer.Option(help="寿命 Whole years > 0.")],
    source: Annotated[
        str, typer.Option(help="出处 Source id (`zeropark roadmap measures list` shows them).")
    ],
    park: ParkOpt = None,
    name_en: Annotated[str, typer.Option(help="英文名称 English name.")] = "",
    carrier: Annotated[str | None, typer.Option(help="能源品种 Carrier changed.")] = None,
    to_carrier: Annotated[str | None, typer.Option(help="替代为 Carrier switched to (fuel_switch).")] = None,
    ratio: Annotated[str | None, typer.Option(help="替代比 New carrier per unit of the old one.")] = None,
    factor_id: Annotated[str | None, typer.Option(help="过程因子 Process factor id (process).")] = None,
    ramp: Annotated[str, typer.Option(help="达效年限 Years to full effect.")] = "0",
    max_share: Annotated[str, typer.Option(help="单企业最大比例 Share in (0, 1].")] = "1",
    build_limit: Annotated[str | None, typer.Option(help="年建设上限 Units per year.")] = None,
    industries: Annotated[str, typer.Option(help="适用行业 GB/T 4754 prefixes, ';'-separated.")] = "",
    uncertain: Annotated[bool, typer.Option("--uncertain", help="数值未经核实 Mark [UNCERTAIN].")] = False,
    note: Annotated[str, typer.Option(help="说明 Where the figures come from.")] = "",
    source_title: Annotated[str, typer.Option(help="园区自有出处 Title of the park's own document.")] = "",
    source_issuer: Annotated[str, typer.Option(help="出具方 Who issued it (supplier, auditor).")] = "",
    source_number: Annotated[str, typer.Option(help="文号/编号 Its number.")] = "",
    source_date: Annotated[str, typer.Option(help="日期 YYYY-MM-DD.")] = "",
    source_url: Annotated[str, typer.Option(help="网址 Its URL.")] = "",
    source_confidence: Annotated[str, typer.Option(help="P | S | UNCERTAIN (default UNCERTAIN).")] = "",
) -> None:
    """新增园区措施 Add one park measure (checked like the built-in library; audited)."""
    eng = engine()
    park_id = pick_park(eng, park)
    fields = _fields(
        id=measure_id,
        name_zh=name_zh,
        name_en=name_en,
        pathway=pathway,
        mechanism=mechanism,
        carrier=carrier,
        to_carrier=to_carrier,
        ratio=ratio,
        factor_id=factor_id,
        unit=unit,
        effect_per_unit=effect,
        capex_cny_per_unit=capex,
        opex_cny_per_unit_year=opex,
        lifetime_years=lifetime,
        ramp_years=ramp,
        max_share=max_share,
        build_limit=build_limit,
        industries=industries,
        source_id=source,
        uncertain="true" if uncertain else "false",
        note=note,
        source_title=source_title,
        source_issuer=source_issuer,
        source_number=source_number,
        source_date=source_date,
        source_url=source_url,
        source_confidence=source_confidence,
    )
    view = service.add_measure(system_scope(eng, "cli"), park_id, fields, file="command line")
    console.print(f"[green]added[/] {view.measure.id} to park {park_id}")


@measures_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV with the columns of roadmap/data/measures.csv.")],
    park: ParkOpt = None,
) -> None:
    """导入园区措施 Add every measure of a CSV, all or nothing (audited)."""
    eng = engine()
    park_id = pick_park(eng, park)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        why = "not UTF-8 text; save it as 'CSV UTF-8'" if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise MeasureError([RowError(str(file), None, None, None, f"cannot read the file: {why}")]) from None
    views = service.import_measures(system_scope(eng, "cli"), park_id, text, file=file.name)
    console.print(f"[green]imported[/] {len(views)} measure(s) into park {park_id}")


@measures_app.command("delete")
def delete_cmd(
    measure_id: Annotated[str, typer.Argument(help="措施编号 Id of a park measure.")],
    park: ParkOpt = None,
) -> None:
    """删除园区措施 Delete one of the park's own measures (audited)."""
    eng = engine()
    park_id = pick_park(eng, park)
    service.delete_measure(system_scope(eng, "cli"), park_id, measure_id)
    console.print(f"[green]deleted[/] {measure_id} from park {park_id}")
