"""CBAM communication to EU importers (运营者向欧盟进口商的通报) as an xlsx workbook.

Follows the sheet names of the Commission's *CBAM communication template for installations*
(``A_InstData``, ``D_Processes``, ``E_PurchPrec``, ``Summary_Products``) as described in the
Commission's guidance and in third-party walk-throughs of the template. [UNCERTAIN] The official
workbook's cell positions, drop-down code lists and the sheets ``B_EmInst`` (source streams) and
``C_Emissions&Energy`` (installation totals) are not reproduced: the fields written here are the
ones listed in :data:`FIELDS`; docs/footprint.md lists what was and was not verified. A last sheet
``Notes`` says so in the file itself.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import openpyxl
from openpyxl.styles import Font, PatternFill

from zeropark.footprint.cbam import SECTOR_LABEL, SpecificEmissions

__all__ = ["FIELDS", "Installation", "SheetRow", "communication_workbook"]


@dataclass(frozen=True, slots=True)
class Installation:
    """The installation (设施) the goods come from, as ``A_InstData`` asks for it."""

    name: str
    operator: str
    country: str
    city: str
    latitude: float | None
    longitude: float | None
    period_start: str
    period_end: str
    unlocode: str = ""


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One good of the communication: its product name and its SEE."""

    product_name: str
    see: SpecificEmissions


FIELDS: dict[str, tuple[str, ...]] = {
    "D_Processes": (
        "Production process",
        "Aggregated goods category",
        "CN code",
        "Activity level (t)",
        "Directly attributable emissions (tCO2e)",
        "Electricity consumption (MWh)",
        "Emission factor of electricity (tCO2/MWh)",
        "Indirect emissions (tCO2e)",
    ),
    "E_PurchPrec": (
        "Precursor",
        "CN code",
        "Country of origin",
        "Installation",
        "Quantity used (t)",
        "SEE direct (tCO2e/t)",
        "SEE indirect (tCO2e/t)",
        "Data source (actual/default)",
    ),
    "Summary_Products": (
        "Aggregated goods category",
        "CN code",
        "Product name",
        "Production route",
        "SEE direct (tCO2e/t)",
        "SEE indirect (tCO2e/t)",
        "SEE total counted (tCO2e/t)",
        "Indirect counted",
        "Electricity consumption (MWh/t)",
        "Emission factor of electricity (tCO2/MWh)",
        "Source of values (actual/default)",
        "Reporting period",
    ),
}
"""The columns written per sheet (English field names of the template as described; see module doc)."""

_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="FFF2CC")


def _header(ws: openpyxl.worksheet.worksheet.Worksheet, names: Sequence[str]) -> None:
    ws.append(list(names))
    for cell in ws[ws.max_row]:
        cell.font = _HEAD
        cell.fill = _FILL
    for i, name in enumerate(names, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(14, min(44, len(name) + 2))


def communication_workbook(inst: Installation, rows: Sequence[SheetRow]) -> bytes:
    """The operator's communication (xlsx bytes): installation data, processes, precursors, products."""
    wb = openpyxl.Workbook()
    a = wb.active
    assert a is not None  # a new workbook has its first sheet
    a.title = "A_InstData"
    a.append(["Installation data 设施信息"])
    a["A1"].font = _HEAD
    for label, value in (
        ("Start of reporting period 报告期开始", inst.period_start),
        ("End of reporting period 报告期结束", inst.period_end),
        ("Name of the installation 设施名称", inst.name),
        ("Name of the operator 运营者", inst.operator),
        ("Country 国家", inst.country),
        ("City 城市", inst.city),
        ("UN/LOCODE", inst.unlocode or "[to be filled]"),
        ("Latitude 纬度", inst.latitude),
        ("Longitude 经度", inst.longitude),
    ):
        a.append([label, value])
    a.append([])
    a.append(["Aggregated goods categories and production processes 汇总货物类别与生产工艺"])
    a.cell(a.max_row, 1).font = _HEAD
    for r in rows:
        zh, en = SECTOR_LABEL.get(r.see.good.sector, ("", r.see.good.sector))
        a.append([r.see.good.category, f"{en} {zh}", f"process: {r.product_name}"])
    a.column_dimensions["A"].width = 44
    a.column_dimensions["B"].width = 36

    d = wb.create_sheet("D_Processes")
    _header(d, FIELDS["D_Processes"])
    for r in rows:
        s = r.see
        if s.basis.value != "actual":
            continue
        al = s.activity_level_t
        d.append(
            [
                r.product_name,
                s.good.category,
                s.good.cn_code,
                al,
                s.direct * al,
                s.electricity_mwh_per_t * al,
                s.ef_el_tco2_per_mwh,
                s.electricity_mwh_per_t * al * s.ef_el_tco2_per_mwh,
            ]
        )

    e = wb.create_sheet("E_PurchPrec")
    _header(e, FIELDS["E_PurchPrec"])

    p = wb.create_sheet("Summary_Products")
    _header(p, FIELDS["Summary_Products"])
    for r in rows:
        s = r.see
        p.append(
            [
                s.good.category,
                s.good.cn_code,
                r.product_name,
                "",
                round(s.direct, 6),
                round(s.indirect, 6),
                round(s.total, 6),
                "yes" if s.indirect_counted else "no",
                round(s.electricity_mwh_per_t, 6),
                round(s.ef_el_tco2_per_mwh, 6),
                s.basis.value + (" [UNCERTAIN]" if s.uncertain else ""),
                f"{inst.period_start} – {inst.period_end} ({s.period.value})",
            ]
        )

    n = wb.create_sheet("Notes")
    for line in (
        "Made by zeropark from the installation's accounted inventory (GHG Protocol, location-based).",
        "SEE per Regulation (EU) 2023/956 Annex IV and Implementing Regulation (EU) 2023/1773 Annex III.",
        "[UNCERTAIN] Sheet names and field names follow descriptions of the Commission's 'CBAM "
        "communication template for installations'; cell positions, code lists and the sheets "
        "B_EmInst and C_Emissions&Energy are not reproduced. Copy the figures into the official "
        "template before sending it to an importer.",
        "[UNCERTAIN] Default values are recalled, not checked against the Commission's publication.",
        "Precursors (E_PurchPrec) are not modelled yet: the sheet is left empty.",
    ):
        n.append([line])
    n.column_dimensions["A"].width = 120
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
