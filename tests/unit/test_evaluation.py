"""Evaluation core: hand-scored rubrics, missing data, grades and blockers, and each bad input by name."""

from __future__ import annotations

import pytest

from zeropark.evaluation.builtin import BUILTIN_CODES, builtin_frameworks
from zeropark.evaluation.catalogue import INDICATORS, Measure
from zeropark.evaluation.formula import FormulaSyntaxError, UnknownIndicator, parse_formula
from zeropark.evaluation.rubric import (
    DuplicateCode,
    FormulaInvalid,
    FormulaUnitMismatch,
    FormulaUnknownIndicator,
    FrameworkSyntax,
    ThresholdUnitMismatch,
    UnknownItemReference,
    WeightsDoNotSum,
    parse_framework,
)
from zeropark.evaluation.scoring import (
    Declaration,
    DeclarationWithoutEvidence,
    ItemStatus,
    Scorecard,
    UnknownDeclaration,
    score,
)

RUBRIC = """
format: zeropark-evaluation/1
code: hand-scored
version: "1"
name_zh: 手算评价
subjects: [park, enterprise]
source: {issuer: 测试, number: T-1, date: "2025-01-01", url: https://example.org/t1}
uncertain: [all of it is a test]
sections:
  - code: carbon
    label_zh: 碳
    weight: 60
    items:
      - code: intensity
        label_zh: 单位能耗碳排放
        formula: emissions_tco2 / energy_tce
        unit: tCO2/tce
        weight: 50
        thresholds:
          - {compare: "<=", value: 0.2 tCO2/tce, points: 100}
          - {compare: "<=", value: 0.5 tCO2/tce, points: 40}
      - code: clean
        label_zh: 清洁能源
        formula: clean_energy_share
        unit: "%"
        weight: 50
        thresholds: [{compare: ">=", value: 90 %}]
  - code: management
    label_zh: 管理
    weight: 40
    items:
      - code: water
        label_zh: 水
        formula: water_reuse
        unit: "%"
        weight: 75
        park_only: true
        thresholds: [{compare: ">=", value: 0.8}]
      - code: platform
        kind: declared
        label_zh: 能碳平台
        weight: 25
grades:
  - {code: bronze, label_zh: 铜, min_score: 30}
  - {code: silver, label_zh: 银, min_score: 50, require_pass: [clean]}
  - {code: gold, label_zh: 金, min_score: 90, require_pass: [intensity, platform]}
"""


def _values(**given: float | None) -> dict[str, Measure]:
    out = {code: Measure(code, None, (f"{code} input",)) for code in INDICATORS}
    for code, v in given.items():
        out[code] = Measure(code, v, line_ids=(f"L-{code}",)) if v is not None else out[code]
    return out


def test_a_hand_scored_rubric() -> None:
    fw = parse_framework(RUBRIC)
    values = _values(emissions_tco2=300.0, energy_tce=1000.0, clean_energy_share=95.0, water_reuse=70.0)
    card = score(fw, values, declarations={"platform": Declaration(True, ("DOC-7",))})
    # intensity = 300 / 1000 = 0.3 tCO2/tce: not ≤ 0.2, but ≤ 0.5 → 40 % of its weight
    # item weights of the total: intensity 0.6×0.5×100 = 30, clean 30, water 0.4×0.75×100 = 30, platform 10
    # earned: 30×0.40 + 30×1 (95 % ≥ 90 %) + 30×0 (70 % < 0.8 = 80 %) + 10×1 (declared met) = 52
    assert card.item("intensity").value == pytest.approx(0.3)
    assert card.item("intensity").points == 40.0
    assert card.item("intensity").threshold == "≤ 0.5"
    assert card.item("intensity").status is ItemStatus.PARTIAL and card.item("intensity").target == "≤ 0.2"
    assert card.item("water").status is ItemStatus.FAIL
    assert card.item("platform").evidence == ("DOC-7",)
    assert card.score == pytest.approx(52.0)
    assert card.score_open == 0.0
    # silver: 52 ≥ 50 and clean passes; gold blocked by score 52 < 90 and intensity not ≤ 0.2
    assert card.grade == "silver"
    assert card.next_grade == "gold"
    assert {b.kind for b in card.blockers} == {"fail", "score"}
    assert {b.item for b in card.blockers} == {"intensity", None}
    # line items of both inputs are the trace
    assert card.item("intensity").line_ids == ("L-emissions_tco2", "L-energy_tce")
    assert "[UNCERTAIN] all of it is a test" in card.uncertain
    assert Scorecard.from_dict(card.to_dict()) == card


def test_missing_data_are_named_and_never_scored_as_zero() -> None:
    fw = parse_framework(RUBRIC)
    values = _values(emissions_tco2=100.0, energy_tce=1000.0, clean_energy_share=None)
    card = score(fw, values, declarations={"platform": Declaration(True, ("DOC-7",))})
    clean = card.item("clean")
    assert clean.status is ItemStatus.MISSING and clean.points is None and clean.earned is None
    assert clean.missing == ("clean_energy_share: clean_energy_share input",)
    # earned: intensity 0.1 ≤ 0.2 → 30; platform 10; clean and water missing (30 + 30 open)
    # score = 100 × 40 / 100 = 40; open = 60
    assert card.score == pytest.approx(40.0)
    assert card.score_open == pytest.approx(60.0)
    assert card.grade == "bronze"
    # silver needs clean (missing) and 50 points (40 known, 60 open): both named as missing data
    assert card.next_grade == "silver"
    assert [b.kind for b in card.blockers] == ["missing", "missing"]


def test_an_enterprise_skips_park_only_items_and_division_by_zero_is_missing() -> None:
    fw = parse_framework(RUBRIC)
    values = _values(emissions_tco2=100.0, energy_tce=0.0, clean_energy_share=92.0)
    card = score(fw, values, subject="enterprise")
    assert card.item("water").status is ItemStatus.NOT_APPLICABLE
    assert card.item("intensity").status is ItemStatus.MISSING
    assert card.item("intensity").missing == ("energy_tce: zero_value",)  # the zero divisor, named
    # possible = 30 + 30 + 10 (water leaves the denominator); earned = clean 30 → 100 × 30 / 70
    assert card.score == pytest.approx(100.0 * 30.0 / 70.0)


def test_declarations_need_evidence_and_a_declared_item() -> None:
    fw = parse_framework(RUBRIC)
    with pytest.raises(DeclarationWithoutEvidence, match="declarations.platform"):
        score(fw, _values(), declarations={"platform": Declaration(True, ())})
    with pytest.raises(UnknownDeclaration, match="declarations.clean"):
        score(fw, _values(), declarations={"clean": Declaration(True, ("X",))})


def _broken(old: str, new: str) -> str:
    assert old in RUBRIC
    return RUBRIC.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "error", "field"),
    [
        (
            _broken("emissions_tco2 / energy_tce", "emissions_tco2 / energy_gj"),
            FormulaUnknownIndicator,
            "sections[0].items[0].formula",
        ),
        (_broken("weight: 40", "weight: 30"), WeightsDoNotSum, "sections"),
        (_broken("weight: 75", "weight: 70"), WeightsDoNotSum, "sections[1].items"),
        (
            _broken("value: 0.2 tCO2/tce", "value: 0.2 tCO2"),
            ThresholdUnitMismatch,
            "sections[0].items[0].thresholds[0].value",
        ),
        (_broken("unit: tCO2/tce", "unit: tCO2"), FormulaUnitMismatch, "sections[0].items[0].unit"),
        (
            _broken("emissions_tco2 / energy_tce", "__import__('os').getcwd()"),
            FormulaInvalid,
            "sections[0].items[0].formula",
        ),
        (
            _broken("emissions_tco2 / energy_tce", "emissions_tco2 + energy_tce"),
            FormulaInvalid,
            "sections[0].items[0].formula",
        ),
        (
            _broken("require_pass: [clean]", "require_pass: [cleanliness]"),
            UnknownItemReference,
            "grades[1].require_pass",
        ),
        (_broken("code: water", "code: clean"), DuplicateCode, "sections[1].items[0].code"),
        (_broken("format: zeropark-evaluation/1", "format: other/2"), FrameworkSyntax, "format"),
        ("{not: [closed", FrameworkSyntax, "(file)"),
        ("a: &x [1]\nb: *x\n", FrameworkSyntax, "(file)"),  # aliases refused (no expansion bombs)
        (
            _broken("value: 90 %", "value: 1e999 %"),
            FrameworkSyntax,
            "sections[0].items[1].thresholds[0].value",
        ),
    ],
)
def test_each_bad_input_is_a_named_error_naming_its_field(
    text: str, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        parse_framework(text)
    assert field in str(caught.value)
    assert caught.value.problems[0].field == field  # type: ignore[attr-defined]


def test_the_formula_language_is_walked_never_executed() -> None:
    units = {c: e.unit for c, e in INDICATORS.items()}
    for bad in (
        "().__class__",
        "open('x')",
        "[1][0]",
        "2 ** 3",
        "'a'",
        "lambda: 1",
        "energy_tce if 1 else 0",
    ):
        with pytest.raises(FormulaSyntaxError):
            parse_formula(bad, "f", units)
    with pytest.raises(UnknownIndicator, match="unknown indicator 'x'"):
        parse_formula("x + 1", "f", units)
    parse_formula("max(emissions_tco2, 0 * emissions_tco2) / -energy_tce", "f", units)


def test_the_builtin_frameworks_parse_and_say_what_is_uncertain() -> None:
    fws = {f.code: f for f in builtin_frameworks()}
    assert tuple(fws) == BUILTIN_CODES
    cgdf = fws["t-cgdf-00046-2024"]
    assert [s.label_zh for s in cgdf.sections] == [
        "总体规划",
        "能源系统",
        "建筑选址",
        "生产系统",
        "交通物流系统",
        "基础设施系统",
        "管理体系",
        "生物多样性友好系统",
        "碳抵消",
    ]
    assert [g.label_zh for g in cgdf.grades] == ["低碳", "近零碳", "零碳"]
    assert all(g.uncertain for g in cgdf.grades)
    assert cgdf.scored
    for f in fws.values():
        assert f.uncertain_notes, f.code
        assert f.source.issuer and f.source.number or f.code == "eu-races-self-assessment"
    ndrc = fws["cn-ndrc-910-2025"]
    assert ndrc.source.url.startswith("https://zfxxgk.ndrc.gov.cn/")
    core = ndrc.item("core_intensity")
    assert core.kind == "veto"
    assert [(t.value, t.when.minimum, t.when.below) for t in core.thresholds if t.when] == [
        (0.2, 200_000.0, 1_000_000.0),
        (0.3, 1_000_000.0, None),
    ]


def test_910_core_by_size_band_matches_the_indicator_rule() -> None:
    ndrc = {f.code: f for f in builtin_frameworks()}["cn-ndrc-910-2025"]
    # 30 000 t / 250 000 tce = 0.12 ≤ 0.2 (band 20万–100万) → pass
    card = score(ndrc, _values(core_intensity=0.12, energy_tce=250_000.0))
    assert card.item("core_intensity").status is ItemStatus.PASS
    assert card.grade == "core_met"
    # 0.25 in band ≥ 100万 (≤ 0.3) passes, in band 20万–100万 fails and vetoes
    assert score(ndrc, _values(core_intensity=0.25, energy_tce=1_500_000.0)).grade == "core_met"
    vetoed = score(ndrc, _values(core_intensity=0.25, energy_tce=500_000.0))
    assert vetoed.veto and vetoed.grade is None and vetoed.blockers[0].kind == "veto"
    # below 20万 tce: no threshold applies — reported, grade cannot be judged
    small = score(ndrc, _values(core_intensity=0.12, energy_tce=150_000.0))
    assert small.item("core_intensity").status is ItemStatus.NO_THRESHOLD
    assert small.grade is None and small.blockers[0].kind == "no_threshold"
