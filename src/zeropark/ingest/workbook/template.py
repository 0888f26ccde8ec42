"""Write the blank enterprise workbook 企业能源消费与碳排放数据填报表 (openpyxl).

An instructions sheet (填报说明) and five data sheets whose first two rows are the header in Chinese
(with units) and in English, with drop-down lists for carriers, units, usage, certificate kinds
and process materials (a hidden 选项 sheet), and one example row marked 示例行 that the import
ignores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zeropark.ingest.workbook.sheets import (
    EXAMPLE_MARK,
    EXAMPLES,
    SHEET_ENERGY,
    SHEET_GREEN,
    SHEET_HELP,
    SHEET_PROCESS,
    SHEETS,
    TITLE,
    UNIT_CHOICES,
)
from zeropark.ingest.xlsx_template import (
    EXAMPLE_FILL,
    add_choices,
    add_data_sheet,
    choice_validation,
    new_template,
    restrict_column,
    save_template,
)
from zeropark.model import CARRIER_LABEL_ZH, Carrier

__all__ = ["write_template"]

_HELP_LINES = (
    TITLE,
    "Enterprise energy consumption and carbon emission data workbook — zeropark 零碳园区能碳管理平台",
    "",
    "1. 每个数据表第1行为中文表头（含单位），第2行为英文表头；从第3行起填写，每行一条记录。",
    "   Row 1 of each data sheet is the Chinese header (with units), row 2 the English one; data from row 3.",
    f"2. 备注以“{EXAMPLE_MARK}”开头的行是示例，导入时忽略；可删除或覆盖。",
    f"   A row whose note starts with '{EXAMPLE_MARK}' is the example and is ignored on import.",
    "3. 企业信息：企业编号必须是平台中已登记的企业（或填统一社会信用代码）；填报年度为四位年份。",
    "   Enterprise info: the enterprise ID must exist on the platform (or give the USCC); year as 4 digits.",
    "4. 能源消费：按月填写每种能源的消费量与计量单位（下拉选择或如“10^4 Nm3”“万kWh”）；",
    "   用途留空时，化石能源按燃料燃烧、水按消费计；电力/热力在园区有该品种进线计量表时按消费计，",
    "   否则按园区外购入计（导入结果逐行说明）；用作原料的化石能源请选“用作原料”。",
    "   同一月份的电力/热力不要既填“消费”又填“园区外购入/园区内购入”（会重复计算，导入时拒绝）。",
    "   蒸汽、热水请按热量（GJ）填写；按吨填写时须在“实测低位发热量”列给出每吨热量（GJ/t），",
    "   或导入时加 --steam-default-heat（蒸汽缺省 3.763 GJ/t）。",
    "   实测低位发热量与含碳量可选填（优先于缺省值）。",
    "   Energy: monthly quantity per carrier with its unit. Usage blank: fossil fuels burned, water",
    "   consumed, electricity/heat consumed if the park meters that carrier at its boundary, else",
    "   purchased (the import says which). Do not give one month both as 消费 and as 外购入/内购入",
    "   (refused: counted twice). Steam and hot water in GJ; in t only with the heat per tonne (measured",
    "   NCV column, GJ/t) or, for steam, `--steam-default-heat` (3.763 GJ/t). Measured NCV and carbon",
    "   content are optional (override defaults).",
    "5. 产品产量：按月填写主要产品产量；如填写综合能耗与2级能耗限额，平台计算单位产品能耗。",
    "   Production: monthly output per product; with energy (tce) and the grade-2 limit the platform",
    "   computes the product energy intensity (guiding indicator).",
    "6. 工业过程：碳酸盐等过程排放原料的消耗量（如石灰石，t）。",
    "   Process: carbonates and other process materials consumed (e.g. limestone, t).",
    "7. 绿证绿电：每张绿证（1个=1 MWh，可按批次合并）或每份绿电交易合同一行；同一编号只能申领一次。",
    "   Green certificates / contracts: one row each (GEC batches allowed); an ID is claimable once.",
    "8. 导入：zeropark import 文件名.xlsx（任何一行有误则全部不导入，并列出 表/行/列/修改方法）；",
    "   加 --partial 仅导入正确的行。",
    "   Import: `zeropark import FILE.xlsx` stores nothing if a row is wrong and lists sheet/row/column/fix;",
    "   `--partial` stores the good rows and reports the rejected ones.",
)


def write_template(path: Path | str) -> Path:
    """Write the blank enterprise workbook 企业能源消费与碳排放数据填报表 to ``path`` (.xlsx).

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    wb = new_template(SHEET_HELP, _HELP_LINES)
    carriers = [CARRIER_LABEL_ZH[c] for c in Carrier]
    add_choices(
        wb,
        {
            "A": ("能源品种 carrier", carriers),
            "B": ("计量单位 unit", list(UNIT_CHOICES)),
            "C": ("用途 usage", ["燃料燃烧", "用作原料", "园区外购入", "园区内购入", "消费"]),
            "D": ("类型 kind", ["绿证", "绿电交易", "绿电直连"]),
            "E": ("过程排放原料 material", ["石灰石", "白云石", "碳酸钙（纯）", "菱镁石（纯）"]),
        },
    )
    validations = {
        (SHEET_ENERGY, "carrier"): choice_validation("A", len(carriers)),
        (SHEET_ENERGY, "unit"): choice_validation("B", len(UNIT_CHOICES)),
        (SHEET_ENERGY, "usage"): choice_validation("C", 5),
        (SHEET_GREEN, "kind"): choice_validation("D", 3),
        (SHEET_PROCESS, "material"): choice_validation("E", 4),
        (SHEET_PROCESS, "unit"): choice_validation("B", len(UNIT_CHOICES)),
    }
    for sheet, (_key, cols) in SHEETS.items():
        ws = add_data_sheet(wb, sheet, cols)
        for j, c in enumerate(cols, start=1):
            example: Any = EXAMPLES[sheet].get(c.key)
            if c.key == "note":
                example = f"{EXAMPLE_MARK}（导入时忽略）example row, ignored on import"
            ws.cell(row=3, column=j, value=example).fill = EXAMPLE_FILL
            validation = validations.get((sheet, c.key))
            if validation is not None:
                restrict_column(ws, j, validation)
    save_template(wb, path)
    return path
