"""国家级零碳园区建设指标: 1 core + 5 guiding indicators, and carbon productivity (pure).

Indicator system of 《国家级零碳园区建设指标体系（试行）》 (发改环资〔2025〕910号 附件3), as
collected in ACCOUNTING.md §1.1:

- **core 单位能耗碳排放** [tCO2/tce] = park CO2 (national method) / comprehensive energy
  consumption. Threshold by annual energy consumption: 20万–100万 tce ≤ 0.2; ≥ 100万 tce ≤ 0.3;
  failing it blocks acceptance (一票否决). For parks below 20万 tce no threshold was found
  ([UNCERTAIN]): the value is reported without pass/fail, and the table says so.
- guiding: 清洁能源消费占比 ≥ 90 %; 园区企业产出产品单位能耗 at or below the grade-2 limit of the
  GB energy-consumption-limit standards ([UNCERTAIN] wording); 工业固体废物综合利用率 ≥ 80 %;
  余热/余冷/余压综合利用率 ≥ 50 %; 工业用水重复利用率 ≥ 80 %.
- carbon productivity (碳生产率) [10⁴ CNY/tCO2] = value added / CO2, reported without threshold.

Missing data give status ``missing`` with the exact inputs that are missing — never a silent 0.

One enterprise (:func:`evaluate_enterprise`): its emissions, energy, 单位能耗碳排放, clean-energy
share, product energy intensity (its own products) and carbon productivity are computed on its own
inventory; the size-band thresholds of the core indicator and the ≥ 90 % clean-energy target are
set for a park, so they are reported without pass/fail; indicators the park reports as a whole
(solid waste, waste heat, water reuse) have status ``park_level`` — stated, never shown as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from zeropark.accounting.inventory import Inventory
from zeropark.accounting.options import CleanEnergyScope
from zeropark.model import AccountingInput, IndicatorData, Method

#: Energy-consumption bands of the core indicator [tce/year] (ACCOUNTING.md §1.1).
SMALL_PARK_LIMIT_TCE = 200_000.0
LARGE_PARK_LIMIT_TCE = 1_000_000.0
#: Core thresholds [tCO2/tce]: 20万–100万 tce ≤ 0.2; ≥ 100万 tce ≤ 0.3.
CORE_THRESHOLD_MEDIUM = 0.2
CORE_THRESHOLD_LARGE = 0.3
#: Guiding thresholds [%].
CLEAN_ENERGY_MIN_PCT = 90.0
SOLID_WASTE_MIN_PCT = 80.0
WASTE_HEAT_MIN_PCT = 50.0
WATER_REUSE_MIN_PCT = 80.0

_SOURCE_CORE = "发改环资〔2025〕910号 附件3; People's Daily 2025-08-26 (ACCOUNTING.md §1.1) [P]"
_SOURCE_GUIDING = "发改环资〔2025〕910号 附件3 as reported (ACCOUNTING.md §1.1) [S]"

#: Chinese names of the clean-energy scopes (清洁能源口径) in the indicator notes.
CLEAN_SCOPE_ZH: dict[CleanEnergyScope, str] = {
    CleanEnergyScope.NON_FOSSIL: "非化石能源",
    CleanEnergyScope.NON_FOSSIL_AND_GAS: "非化石能源及天然气",
}


class IndicatorStatus(StrEnum):
    """Result of one indicator."""

    PASS = "pass"
    FAIL = "fail"
    NO_THRESHOLD = "no_threshold"  # value reported, no pass/fail applies
    MISSING = "missing"  # inputs missing; ``missing`` names them
    PARK_LEVEL = "park_level"  # defined for the park as a whole, not for one enterprise


class IndicatorKind(StrEnum):
    """核心 / 引导性 / 参考."""

    CORE = "core"
    GUIDING = "guiding"
    REFERENCE = "reference"


STATUS_LABEL: dict[IndicatorStatus, tuple[str, str]] = {
    IndicatorStatus.PASS: ("达标", "pass"),
    IndicatorStatus.FAIL: ("未达标", "fail"),
    IndicatorStatus.NO_THRESHOLD: ("仅报告数值", "reported, no threshold"),
    IndicatorStatus.MISSING: ("数据缺失", "data missing"),
    IndicatorStatus.PARK_LEVEL: ("仅适用于园区整体", "park level only"),
}


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One indicator: value, unit, threshold, status, and what is missing (bilingual labels)."""

    code: str
    kind: IndicatorKind
    label_zh: str
    label_en: str
    unit: str
    value: float | None
    threshold: float | None
    comparison: str | None  # "≤" or "≥"
    status: IndicatorStatus
    missing: tuple[str, ...] = ()
    note_zh: str = ""
    note_en: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "code": self.code,
            "kind": self.kind.value,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "unit": self.unit,
            "value": self.value,
            "threshold": self.threshold,
            "comparison": self.comparison,
            "status": self.status.value,
            "missing": list(self.missing),
            "note_zh": self.note_zh,
            "note_en": self.note_en,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IndicatorRow:
        """Inverse of :meth:`to_dict`."""
        return cls(
            code=d["code"],
            kind=IndicatorKind(d["kind"]),
            label_zh=d["label_zh"],
            label_en=d["label_en"],
            unit=d["unit"],
            value=d["value"],
            threshold=d["threshold"],
            comparison=d["comparison"],
            status=IndicatorStatus(d["status"]),
            missing=tuple(d["missing"]),
            note_zh=d.get("note_zh", ""),
            note_en=d.get("note_en", ""),
            source=d.get("source", ""),
        )


@dataclass(frozen=True, slots=True)
class IndicatorTable:
    """指标表 of one park and year: the core row, all rows (core first) and the veto flag."""

    park_id: str
    year: int
    size_band_zh: str
    size_band_en: str
    rows: tuple[IndicatorRow, ...]
    veto: bool  # 一票否决: the core indicator failed
    enterprise_id: str | None = None  # set: the table of one enterprise (evaluate_enterprise)

    @property
    def core(self) -> IndicatorRow:
        """The core indicator row (单位能耗碳排放)."""
        return self.rows[0]

    def row(self, code: str) -> IndicatorRow:
        """The row with ``code`` (``KeyError`` listing the codes otherwise)."""
        for r in self.rows:
            if r.code == code:
                return r
        raise KeyError(f"no indicator '{code}'; codes: {', '.join(r.code for r in self.rows)}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "park_id": self.park_id,
            "year": self.year,
            "size_band_zh": self.size_band_zh,
            "size_band_en": self.size_band_en,
            "rows": [r.to_dict() for r in self.rows],
            "veto": self.veto,
            "enterprise_id": self.enterprise_id,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IndicatorTable:
        """Inverse of :meth:`to_dict`."""
        return cls(
            park_id=d["park_id"],
            year=int(d["year"]),
            size_band_zh=d["size_band_zh"],
            size_band_en=d["size_band_en"],
            rows=tuple(IndicatorRow.from_dict(r) for r in d["rows"]),
            veto=bool(d["veto"]),
            enterprise_id=d.get("enterprise_id"),
        )


def _judge(value: float, threshold: float, comparison: str) -> IndicatorStatus:
    ok = value <= threshold if comparison == "≤" else value >= threshold
    return IndicatorStatus.PASS if ok else IndicatorStatus.FAIL


def core_indicator(total_tco2: float, energy_tce: float) -> tuple[IndicatorRow, str, str]:
    """单位能耗碳排放 [tCO2/tce] with the threshold of the park's size band (ACCOUNTING.md §1.1).

    Returns the row and the size band (中文, English).

    Examples
    --------
    >>> row, _, _ = core_indicator(30_000.0, 250_000.0)
    >>> round(row.value, 3), row.threshold, row.status.value
    (0.12, 0.2, 'pass')
    """
    label = ("单位能耗碳排放", "carbon emissions per unit of energy consumption")
    if not energy_tce > 0:
        row = IndicatorRow(
            "core_intensity",
            IndicatorKind.CORE,
            *label,
            "tCO2/tce",
            None,
            None,
            None,
            IndicatorStatus.MISSING,
            ("energy_tce",),
            "综合能源消费量为零或负数，无法计算；请检查能耗数据",
            "comprehensive energy consumption is zero or negative; check the energy data",
            _SOURCE_CORE,
        )
        return row, "未知", "unknown"
    value = total_tco2 / energy_tce
    if energy_tce < SMALL_PARK_LIMIT_TCE:
        row = IndicatorRow(
            "core_intensity",
            IndicatorKind.CORE,
            *label,
            "tCO2/tce",
            value,
            None,
            None,
            IndicatorStatus.NO_THRESHOLD,
            (),
            "年综合能源消费量低于20万吨标准煤：未找到适用阈值，仅报告数值，不判定达标与否 [待确认]",
            "annual energy consumption below 200 000 tce: no threshold was found for this size; the value "
            "is reported without pass/fail [UNCERTAIN]",
            _SOURCE_CORE,
        )
        return row, "< 20万 tce", "< 200 000 tce"
    if energy_tce < LARGE_PARK_LIMIT_TCE:
        threshold, band = CORE_THRESHOLD_MEDIUM, ("20万–100万 tce", "200 000 – 1 000 000 tce")
    else:
        threshold, band = CORE_THRESHOLD_LARGE, ("≥ 100万 tce", "≥ 1 000 000 tce")
    status = _judge(value, threshold, "≤")
    veto_zh = "；未达标一票否决" if status is IndicatorStatus.FAIL else ""
    veto_en = "; failing it blocks acceptance (veto)" if status is IndicatorStatus.FAIL else ""
    row = IndicatorRow(
        "core_intensity",
        IndicatorKind.CORE,
        *label,
        "tCO2/tce",
        value,
        threshold,
        "≤",
        status,
        (),
        f"园区规模 {band[0]}，阈值 ≤ {threshold}{veto_zh}",
        f"park size {band[1]}, threshold ≤ {threshold}{veto_en}",
        _SOURCE_CORE,
    )
    return row, band[0], band[1]


def _ratio_row(
    code: str,
    label: tuple[str, str],
    numerator: tuple[str, float | None],
    denominator: tuple[str, float | None],
    threshold_pct: float,
    note: tuple[str, str] = ("", ""),
) -> IndicatorRow:
    missing = tuple(name for name, v in (numerator, denominator) if v is None)
    n, d = numerator[1], denominator[1]
    if missing or n is None or d is None:
        return IndicatorRow(
            code,
            IndicatorKind.GUIDING,
            *label,
            "%",
            None,
            threshold_pct,
            "≥",
            IndicatorStatus.MISSING,
            missing,
            f"缺少数据：{'、'.join(missing)}",
            f"missing: {', '.join(missing)}",
            _SOURCE_GUIDING,
        )
    if d <= 0:
        return IndicatorRow(
            code,
            IndicatorKind.GUIDING,
            *label,
            "%",
            None,
            threshold_pct,
            "≥",
            IndicatorStatus.MISSING,
            (denominator[0],),
            f"{denominator[0]} 为 0，比率无定义",
            f"{denominator[0]} is 0, the rate is undefined",
            _SOURCE_GUIDING,
        )
    value = 100.0 * n / d
    return IndicatorRow(
        code,
        IndicatorKind.GUIDING,
        *label,
        "%",
        value,
        threshold_pct,
        "≥",
        _judge(value, threshold_pct, "≥"),
        (),
        note[0],
        note[1],
        _SOURCE_GUIDING,
    )


def _product_row(data: IndicatorData) -> IndicatorRow:
    label = ("园区企业产出产品单位能耗", "product energy intensity vs grade-2 limit")
    products = data.product_energy_intensity
    if not products:
        return IndicatorRow(
            "product_energy_intensity",
            IndicatorKind.GUIDING,
            *label,
            "actual/limit",
            None,
            1.0,
            "≤",
            IndicatorStatus.MISSING,
            ("product_energy_intensity",),
            "缺少各产品单位能耗及其能耗限额标准2级值",
            "missing: each product's energy intensity and its grade-2 limit",
            _SOURCE_GUIDING,
        )
    ratios = {code: actual / limit for code, (actual, limit) in sorted(products.items()) if limit > 0}
    bad_limits = sorted(code for code, (_, limit) in products.items() if limit <= 0)
    if bad_limits:
        return IndicatorRow(
            "product_energy_intensity",
            IndicatorKind.GUIDING,
            *label,
            "actual/limit",
            None,
            1.0,
            "≤",
            IndicatorStatus.MISSING,
            tuple(f"grade-2 limit of {c}" for c in bad_limits),
            f"以下产品的2级限额缺失或为0：{'、'.join(bad_limits)}",
            f"grade-2 limit missing or 0 for: {', '.join(bad_limits)}",
            _SOURCE_GUIDING,
        )
    worst = max(ratios, key=lambda c: ratios[c])
    failing = sorted(c for c, r in ratios.items() if r > 1.0)
    return IndicatorRow(
        "product_energy_intensity",
        IndicatorKind.GUIDING,
        *label,
        "actual/limit",
        ratios[worst],
        1.0,
        "≤",
        _judge(ratios[worst], 1.0, "≤"),
        (),
        f"最高比值产品 {worst}；超限产品：{'、'.join(failing) or '无'}（指标表述待确认）",
        f"highest ratio: {worst}; above the limit: {', '.join(failing) or 'none'} (wording [UNCERTAIN])",
        _SOURCE_GUIDING,
    )


def _value_added(inputs: AccountingInput) -> tuple[float | None, tuple[str, ...]]:
    if inputs.indicator_data.value_added_10k_cny is not None:
        return inputs.indicator_data.value_added_10k_cny, ()
    if inputs.enterprises:
        absent = tuple(sorted(e.id for e in inputs.enterprises if e.value_added_10k_cny is None))
        if not absent:
            return math.fsum(e.value_added_10k_cny or 0.0 for e in inputs.enterprises), ()
        return None, ("indicator_data.value_added_10k_cny", *(f"value_added_10k_cny of {a}" for a in absent))
    return None, ("indicator_data.value_added_10k_cny",)


def evaluate(inventory: Inventory, inputs: AccountingInput) -> IndicatorTable:
    """Evaluate the 1 + 5 indicators and carbon productivity of a park-view national inventory.

    Parameters
    ----------
    inventory : Inventory
        Result of :func:`zeropark.accounting.run` with the national method.
    inputs : AccountingInput
        The same input (guiding-indicator data, value added).

    Raises
    ------
    ValueError
        If ``inventory`` is not a national-method inventory (the core indicator is defined on it).
    """
    if inventory.method is not Method.NATIONAL:
        raise ValueError(
            f"indicators are defined on the national method; got a {inventory.method.value} inventory — "
            "run accounting with AccountingOptions(method=Method.NATIONAL)"
        )
    core, band_zh, band_en = core_indicator(inventory.total_tco2e, inventory.energy_tce)
    data = inputs.indicator_data
    share = inventory.clean_energy_share
    rows = [core]
    if share is None:
        rows.append(
            IndicatorRow(
                "clean_energy_share",
                IndicatorKind.GUIDING,
                "清洁能源消费占比",
                "clean energy share of consumption",
                "%",
                None,
                CLEAN_ENERGY_MIN_PCT,
                "≥",
                IndicatorStatus.MISSING,
                ("energy_tce",),
                "综合能源消费量为零，无法计算",
                "energy consumption is zero",
                _SOURCE_GUIDING,
            )
        )
    else:
        value = 100.0 * share
        rows.append(
            IndicatorRow(
                "clean_energy_share",
                IndicatorKind.GUIDING,
                "清洁能源消费占比",
                "clean energy share of consumption",
                "%",
                value,
                CLEAN_ENERGY_MIN_PCT,
                "≥",
                _judge(value, CLEAN_ENERGY_MIN_PCT, "≥"),
                (),
                f"口径：{CLEAN_SCOPE_ZH[inventory.options.clean_energy_scope]}（折标煤计）",
                f"scope: {inventory.options.clean_energy_scope.value} (tce basis)",
                _SOURCE_GUIDING,
            )
        )
    rows.append(_product_row(data))
    rows.append(
        _ratio_row(
            "solid_waste_utilisation",
            ("工业固体废物综合利用率", "industrial solid waste utilisation rate"),
            ("industrial_solid_waste_utilised_t", data.industrial_solid_waste_utilised_t),
            ("industrial_solid_waste_generated_t", data.industrial_solid_waste_generated_t),
            SOLID_WASTE_MIN_PCT,
        )
    )
    rows.append(
        _ratio_row(
            "waste_heat_utilisation",
            ("余热/余冷/余压综合利用率", "waste heat/cold/pressure utilisation rate"),
            ("waste_heat_utilised_gj", data.waste_heat_utilised_gj),
            ("waste_heat_available_gj", data.waste_heat_available_gj),
            WASTE_HEAT_MIN_PCT,
        )
    )
    rows.append(
        _ratio_row(
            "water_reuse",
            ("工业用水重复利用率", "industrial water reuse rate"),
            ("water_reused_m3", data.water_reused_m3),
            ("water_total_use_m3", data.water_total_use_m3),
            WATER_REUSE_MIN_PCT,
            (
                "重复利用率 = 重复用水量 / 总用水量（含重复用水）",
                "reuse rate = reused water / total water use (including reused)",
            ),
        )
    )
    rows = [_mark_provenance(r, data.provenance.get(r.code)) for r in rows]
    rows.append(_carbon_productivity_row(inventory, inputs))
    rows.append(_hourly_row(inventory))
    return IndicatorTable(
        park_id=inventory.park_id,
        year=inventory.year,
        size_band_zh=band_zh,
        size_band_en=band_en,
        rows=tuple(rows),
        veto=core.status is IndicatorStatus.FAIL,
    )


#: How a guiding indicator's inputs were obtained (IndicatorData.provenance), shown in its note.
PROVENANCE_NOTE: dict[str, tuple[str, str]] = {
    "flows": (
        "来源：产业共生交换登记与计量（流量计算）",
        "source: symbiosis exchange registry and meters (flows)",
    ),
    "declared": ("来源：申报值（手工填报）", "source: declared value (typed in)"),
}


def _mark_provenance(row: IndicatorRow, provenance: str | None) -> IndicatorRow:
    if provenance not in PROVENANCE_NOTE or row.value is None:
        return row
    zh, en = PROVENANCE_NOTE[provenance]
    note_zh = f"{row.note_zh}；{zh}" if row.note_zh else zh
    note_en = f"{row.note_en}; {en}" if row.note_en else en
    return replace(row, note_zh=note_zh, note_en=note_en)


def _carbon_productivity_row(inventory: Inventory, inputs: AccountingInput) -> IndicatorRow:
    """碳生产率 [10⁴ CNY/tCO2] = value added / CO2 (reference, no threshold)."""
    va, va_missing = _value_added(inputs)
    if va is None or inventory.total_tco2e <= 0:
        missing = va_missing if va is None else ("total_tco2e > 0",)
        return IndicatorRow(
            "carbon_productivity",
            IndicatorKind.REFERENCE,
            "碳生产率",
            "carbon productivity",
            "10⁴ CNY/tCO2",
            None,
            None,
            None,
            IndicatorStatus.MISSING,
            missing,
            f"缺少数据：{'、'.join(missing)}",
            f"missing: {', '.join(missing)}",
        )
    return IndicatorRow(
        "carbon_productivity",
        IndicatorKind.REFERENCE,
        "碳生产率",
        "carbon productivity",
        "10⁴ CNY/tCO2",
        va / inventory.total_tco2e,
        None,
        None,
        IndicatorStatus.NO_THRESHOLD,
        (),
        "工业增加值 / 二氧化碳排放量",
        "value added / CO2 emissions",
    )


def _hourly_row(inventory: Inventory) -> IndicatorRow:
    """逐时匹配清洁电力占比 (24/7) [%] of the inventory's own load (reference, no threshold)."""
    hourly = inventory.hourly
    return IndicatorRow(
        "hourly_matched_share",
        IndicatorKind.REFERENCE,
        "逐时匹配清洁电力占比（24/7）",
        "hourly-matched clean electricity share (24/7)",
        "%",
        None if hourly.share is None else 100.0 * hourly.share,
        None,
        None,
        IndicatorStatus.MISSING if hourly.share is None else IndicatorStatus.NO_THRESHOLD,
        hourly.missing if hourly.share is None else (),
        "缺少逐时数据"
        if hourly.share is None
        else f"缺失小时数 {hourly.hours_missing}（其中部分计量 {hourly.hours_partial}）",
        "hourly data missing"
        if hourly.share is None
        else f"hours missing: {hourly.hours_missing} ({hourly.hours_partial} metered only in part)",
    )


#: Guiding indicators the park reports as a whole (no per-enterprise data exists for them).
PARK_LEVEL_ONLY: tuple[tuple[str, str, str], ...] = (
    ("solid_waste_utilisation", "工业固体废物综合利用率", "industrial solid waste utilisation rate"),
    ("waste_heat_utilisation", "余热/余冷/余压综合利用率", "waste heat/cold/pressure utilisation rate"),
    ("water_reuse", "工业用水重复利用率", "industrial water reuse rate"),
)


def evaluate_enterprise(
    inventory: Inventory, inputs: AccountingInput, park_data: IndicatorData
) -> IndicatorTable:
    """The indicators that are meaningful for one enterprise, on its own national inventory.

    - core 单位能耗碳排放 [tCO2/tce] = its CO2 / its energy consumption, reported without pass/fail:
      the thresholds (≤ 0.2 / ≤ 0.3) are set for a park by its annual energy consumption;
    - 二氧化碳排放量 [tCO2] and 综合能源消费量 [tce] (reference);
    - 清洁能源消费占比 [%] of its own consumption, without pass/fail (≥ 90 % is the park target);
    - 产品单位能耗 of its own products (``park_data.product_energy_intensity`` keys
      ``"<enterprise id>: <product>"``, written by the enterprise workbook) against each product's
      grade-2 limit — judged, since the limit is per product;
    - 碳生产率 [10⁴ CNY/tCO2] = its value added / its CO2; 24/7 share of its own load;
    - solid waste, waste heat and water reuse: status ``park_level`` (park-wide data only).

    Parameters
    ----------
    inventory : Inventory
        National-method inventory of the enterprise (``run(..., enterprise_id=...)``).
    inputs : AccountingInput
        The enterprise-scoped input (``load_accounting_input(..., enterprise_id=...)``).
    park_data : IndicatorData
        The park's indicator data of the year (its product table holds the enterprises' products).

    Raises
    ------
    ValueError
        The inventory is not national-method or not of one enterprise.
    """
    if inventory.method is not Method.NATIONAL:
        raise ValueError(
            f"indicators are defined on the national method; got a {inventory.method.value} inventory"
        )
    ent = inventory.enterprise_id
    if ent is None:
        raise ValueError("evaluate_enterprise needs an enterprise inventory (run(..., enterprise_id=...))")
    park_row, _, _ = core_indicator(inventory.total_tco2e, inventory.energy_tce)
    core = IndicatorRow(
        park_row.code,
        park_row.kind,
        park_row.label_zh,
        park_row.label_en,
        park_row.unit,
        park_row.value,
        None,
        None,
        IndicatorStatus.MISSING if park_row.value is None else IndicatorStatus.NO_THRESHOLD,
        park_row.missing,
        park_row.note_zh
        if park_row.value is None
        else "限值按园区年综合能源消费量分档设定（20万–100万 tce ≤ 0.2，≥ 100万 tce ≤ 0.3），适用于园区整体；"
        "企业数值仅报告，不判定达标",
        park_row.note_en
        if park_row.value is None
        else "the limits (≤ 0.2 for 200 000–1 000 000 tce, ≤ 0.3 above) are set for a park by its annual "
        "energy consumption; the enterprise's value is reported without pass/fail",
        _SOURCE_CORE,
    )
    rows = [
        core,
        IndicatorRow(
            "emissions",
            IndicatorKind.REFERENCE,
            "二氧化碳排放量",
            "CO2 emissions",
            "tCO2",
            inventory.total_tco2e,
            None,
            None,
            IndicatorStatus.NO_THRESHOLD,
            (),
            "国家核算方法，企业视角（含本企业购入电力、热力）",
            "national method, enterprise view (its purchased electricity and heat included)",
        ),
        IndicatorRow(
            "energy_consumption",
            IndicatorKind.REFERENCE,
            "综合能源消费量",
            "comprehensive energy consumption",
            "tce",
            inventory.energy_tce,
            None,
            None,
            IndicatorStatus.NO_THRESHOLD,
            (),
            "折标准煤（GB/T 2589-2020）",
            "tonnes of coal equivalent (GB/T 2589-2020)",
        ),
    ]
    share = inventory.clean_energy_share
    rows.append(
        IndicatorRow(
            "clean_energy_share",
            IndicatorKind.GUIDING,
            "清洁能源消费占比",
            "clean energy share of consumption",
            "%",
            None if share is None else 100.0 * share,
            None,
            None,
            IndicatorStatus.MISSING if share is None else IndicatorStatus.NO_THRESHOLD,
            ("energy_tce",) if share is None else (),
            "综合能源消费量为零，无法计算"
            if share is None
            else f"园区目标 ≥ {CLEAN_ENERGY_MIN_PCT:g}%，对单个企业仅报告数值（折标煤计）",
            "energy consumption is zero"
            if share is None
            else f"the ≥ {CLEAN_ENERGY_MIN_PCT:g} % target is the park's; "
            "reported for the enterprise (tce basis)",
            _SOURCE_GUIDING,
        )
    )
    prefix = f"{ent}: "
    own = {k: v for k, v in park_data.product_energy_intensity.items() if k.startswith(prefix)}
    rows.append(_product_row(IndicatorData(product_energy_intensity=own)))
    for code, zh, en in PARK_LEVEL_ONLY:
        rows.append(
            IndicatorRow(
                code,
                IndicatorKind.GUIDING,
                zh,
                en,
                "%",
                None,
                None,
                None,
                IndicatorStatus.PARK_LEVEL,
                (),
                "园区级指标：由园区整体统计报送，不分企业核算",
                "park-level indicator: reported for the park as a whole, not per enterprise",
                _SOURCE_GUIDING,
            )
        )
    productivity = _carbon_productivity_row(inventory, inputs)
    if productivity.status is IndicatorStatus.MISSING:
        # the park's own value added is not the enterprise's: name only the enterprise's input
        own_missing = tuple(m for m in productivity.missing if not m.startswith("indicator_data.")) or (
            f"value_added_10k_cny of {ent}",
        )
        productivity = replace(
            productivity,
            missing=own_missing,
            note_zh=f"缺少数据：{'、'.join(own_missing)}",
            note_en=f"missing: {', '.join(own_missing)}",
        )
    rows.append(productivity)
    rows.append(_hourly_row(inventory))
    return IndicatorTable(
        park_id=inventory.park_id,
        year=inventory.year,
        size_band_zh="企业（不分档）",
        size_band_en="enterprise (no size band)",
        rows=tuple(rows),
        veto=False,
        enterprise_id=ent,
    )
