"""Score a framework on the catalogue values of one run: items, total score, grade and its blockers.

Rules (docs/evaluation.md):

- an item whose formula (or ``when`` band) uses a missing value is ``missing`` and names the
  inputs — it earns nothing and is never scored as 0: the total score says how many points are
  still open (``score_open``) and a grade that those points could decide is not reached;
- of the thresholds whose ``when`` band holds, the best one met gives the item's points
  [% of its weight]; none met: ``fail``; none applying (or none given): ``no_threshold``;
- a ``declared`` item is scored only from the park's declaration with evidence ids;
- a ``veto`` item that fails blocks every grade (一票否决);
- weighted score [0–100] = Σ earned / Σ weight of the items that can be scored × 100, where an
  item's weight is (section weight / Σ section weights) × (item weight / Σ item weights in its
  section) × 100; items ``no_threshold`` or ``not_applicable`` (park-only item, enterprise subject)
  leave the denominator;
- grades are listed lowest first; the grade reached is the highest one whose conditions all hold;
  the blockers are the unmet conditions of the next grade up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zeropark.errors import DataError
from zeropark.evaluation.catalogue import Measure, catalogue_units
from zeropark.evaluation.formula import (
    ZeroDivisionInFormula,
    evaluate_formula,
    formula_names,
    parse_formula,
)
from zeropark.evaluation.rubric import Framework, Grade, Item, Threshold

__all__ = [
    "Blocker",
    "Declaration",
    "DeclarationWithoutEvidence",
    "ItemResult",
    "ItemStatus",
    "Scorecard",
    "UnknownDeclaration",
    "check_declarations",
    "score",
]


class ItemStatus(StrEnum):
    """Result of one item (the same words as :class:`zeropark.indicators.IndicatorStatus`)."""

    PASS = "pass"
    PARTIAL = "partial"  # a lower band met: some points, not the item's full requirement
    FAIL = "fail"
    MISSING = "missing"
    NO_THRESHOLD = "no_threshold"
    NOT_APPLICABLE = "not_applicable"


class DeclarationWithoutEvidence(DataError):
    """A declared (self-assessed) item was declared without any evidence id."""


class UnknownDeclaration(DataError):
    """A declaration names an item that is not a ``declared`` item of the framework."""


@dataclass(frozen=True, slots=True)
class Declaration:
    """The park's own assessment of a ``declared`` item: met or not, points [0–100], evidence ids."""

    met: bool
    evidence: tuple[str, ...]
    points: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {"met": self.met, "evidence": list(self.evidence), "points": self.points, "note": self.note}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Declaration:
        """Inverse of :meth:`to_dict`."""
        ev = d.get("evidence") or ()
        return cls(
            met=bool(d.get("met")),
            evidence=tuple(str(e) for e in ([ev] if isinstance(ev, str) else ev)),
            points=None if d.get("points") is None else float(d["points"]),
            note=str(d.get("note") or ""),
        )


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One scored item: value [unit], the threshold applied, points, status, and its trace."""

    code: str
    section: str
    kind: str
    label_zh: str
    label_en: str
    value: float | None
    unit: str
    unit_label: str
    threshold: str  # e.g. "≤ 0.2" (empty: none applied)
    points: float | None  # % of the item's weight earned
    weight: float | None  # share of the total [points of 100]; None: unscored framework
    earned: float | None  # weight × points / 100
    status: ItemStatus
    missing: tuple[str, ...] = ()
    line_ids: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    basis: str = ""
    uncertain: tuple[str, ...] = ()
    source: str = ""
    note: str = ""
    target: str = ""  # the full requirement (the applicable threshold with the most points)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        d = {k: getattr(self, k) for k in self.__slots__}
        d["status"] = self.status.value
        for k in ("missing", "line_ids", "evidence", "uncertain"):
            d[k] = list(d[k])
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ItemResult:
        """Inverse of :meth:`to_dict`."""
        kw = dict(d)
        kw["status"] = ItemStatus(kw["status"])
        for k in ("missing", "line_ids", "evidence", "uncertain"):
            kw[k] = tuple(kw.get(k) or ())
        return cls(**kw)


@dataclass(frozen=True, slots=True)
class Blocker:
    """Why a grade is not reached: ``veto`` / ``fail`` / ``missing`` / ``no_threshold`` / ``score``."""

    kind: str
    item: str | None
    detail_zh: str
    detail_en: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "kind": self.kind,
            "item": self.item,
            "detail_zh": self.detail_zh,
            "detail_en": self.detail_en,
        }


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A framework scored for one subject and year: items, score, grade and what blocks the next one."""

    framework_code: str
    framework_version: str
    subject: str  # park / enterprise
    items: tuple[ItemResult, ...]
    score: float | None  # [0–100]; None: unscored framework
    score_open: float  # points [0–100] of items still missing
    grade: str | None
    next_grade: str | None
    blockers: tuple[Blocker, ...]
    veto: bool
    uncertain: tuple[str, ...]
    grade_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def missing(self) -> tuple[ItemResult, ...]:
        """The items whose data are missing."""
        return tuple(i for i in self.items if i.status is ItemStatus.MISSING)

    def item(self, code: str) -> ItemResult:
        """The result of item ``code``."""
        for i in self.items:
            if i.code == code:
                return i
        raise KeyError(f"no item '{code}'")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "framework_code": self.framework_code,
            "framework_version": self.framework_version,
            "subject": self.subject,
            "items": [i.to_dict() for i in self.items],
            "score": self.score,
            "score_open": self.score_open,
            "grade": self.grade,
            "next_grade": self.next_grade,
            "blockers": [b.to_dict() for b in self.blockers],
            "veto": self.veto,
            "uncertain": list(self.uncertain),
            "grade_labels": {k: list(v) for k, v in self.grade_labels.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scorecard:
        """Inverse of :meth:`to_dict`."""
        return cls(
            framework_code=d["framework_code"],
            framework_version=d["framework_version"],
            subject=d["subject"],
            items=tuple(ItemResult.from_dict(i) for i in d["items"]),
            score=d["score"],
            score_open=float(d["score_open"]),
            grade=d["grade"],
            next_grade=d["next_grade"],
            blockers=tuple(Blocker(**b) for b in d["blockers"]),
            veto=bool(d["veto"]),
            uncertain=tuple(d["uncertain"]),
            grade_labels={k: (v[0], v[1]) for k, v in d.get("grade_labels", {}).items()},
        )


def check_declarations(framework: Framework, declarations: Mapping[str, Declaration]) -> None:
    """Each declaration names a ``declared`` item and carries evidence; points within 0–100.

    Raises
    ------
    UnknownDeclaration
        The item does not exist or is not a declared item.
    DeclarationWithoutEvidence
        No evidence id given.
    """
    declared = {i.code for i in framework.items if i.kind == "declared"}
    for code, d in declarations.items():
        if code not in declared:
            raise UnknownDeclaration(
                f"declarations.{code}: not a declared item of {framework.code}@{framework.version}; "
                f"the declared items are: {', '.join(sorted(declared)) or '(none)'}"
            )
        if not any(e.strip() for e in d.evidence):
            raise DeclarationWithoutEvidence(
                f"declarations.{code}: give at least one evidence id (a document, record or file "
                "that shows it); a self-assessment is never scored without evidence"
            )
        if d.points is not None and not 0.0 <= d.points <= 100.0:
            raise DeclarationWithoutEvidence(f"declarations.{code}.points: {d.points:g} is outside 0–100")


_SYMBOL = {"<=": "≤", ">=": "≥", "<": "<", ">": ">"}


def _holds(value: float, compare: str, threshold: float) -> bool:
    if compare == "<=":
        return value <= threshold
    if compare == ">=":
        return value >= threshold
    if compare == "<":
        return value < threshold
    return value > threshold


def _value(
    formula: str, unit: str, where: str, values: Mapping[str, Measure]
) -> tuple[float | None, tuple[str, ...], tuple[str, ...]]:
    """A formula's value in ``unit``, the missing inputs (named), and the line ids of its inputs."""
    units = catalogue_units()
    tree = parse_formula(formula, where, units)
    names = formula_names(tree)
    missing = tuple(
        f"{n}: {m}" for n in names for m in (values[n].missing if values[n].value is None else ())
    )
    line_ids = tuple(dict.fromkeys(lid for n in names for lid in values[n].line_ids))
    if missing:
        return None, missing, line_ids
    known = {n: float(values[n].value or 0.0) for n in names}
    try:
        return evaluate_formula(tree, known, units, unit, where), (), line_ids
    except ZeroDivisionInFormula:
        zeros = tuple(f"{n}: zero_value" for n in names if known[n] == 0.0)
        return None, zeros or ("formula_division_by_zero",), line_ids


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _threshold_text(t: Threshold) -> str:
    return f"{_SYMBOL.get(t.compare, t.compare)} {_fmt(t.value)}"


def _basis(names: tuple[str, ...], values: Mapping[str, Measure]) -> str:
    return ", ".join(dict.fromkeys(values[n].basis for n in names if n in values))


def _score_item(
    item: Item,
    subject: str,
    values: Mapping[str, Measure],
    declaration: Declaration | None,
    weight: float | None,
) -> ItemResult:
    uncertain = tuple(u for u in (item.uncertain, *(t.uncertain for t in item.thresholds)) if u)
    base: dict[str, Any] = {
        "code": item.code,
        "section": item.section,
        "kind": item.kind,
        "label_zh": item.label_zh,
        "label_en": item.label_en,
        "unit": item.unit,
        "unit_label": item.unit_label,
        "weight": weight,
        "uncertain": uncertain,
        "source": "" if item.source is None else item.source.text(),
    }
    if item.park_only and subject == "enterprise":
        return ItemResult(
            **base,
            value=None,
            threshold="",
            points=None,
            earned=None,
            status=ItemStatus.NOT_APPLICABLE,
            basis="park_level",
            note="园区级评价项，不适用于单个企业 / park-level item, not for one enterprise",
        )
    if item.kind == "declared":
        if declaration is None:
            return ItemResult(
                **base,
                value=None,
                threshold="",
                points=None,
                earned=None,
                status=ItemStatus.MISSING,
                missing=("declaration_with_evidence",),
                basis="declaration",
            )
        points = declaration.points if declaration.points is not None else (100.0 if declaration.met else 0.0)
        return ItemResult(
            **base,
            value=None,
            threshold="",
            points=points,
            earned=None if weight is None else weight * points / 100.0,
            status=ItemStatus.PASS if declaration.met else ItemStatus.FAIL,
            evidence=declaration.evidence,
            basis="declaration",
            note=declaration.note,
        )
    assert item.formula is not None
    names = formula_names(parse_formula(item.formula, item.code, catalogue_units()))
    value, missing, line_ids = _value(item.formula, item.unit, f"{item.code}.formula", values)
    if value is None:
        return ItemResult(
            **base,
            value=None,
            threshold="",
            points=None,
            earned=None,
            status=ItemStatus.MISSING,
            missing=missing,
            line_ids=line_ids,
            basis=_basis(names, values),
        )
    applicable: list[Threshold] = []
    for t in item.thresholds:
        if t.when is None:
            applicable.append(t)
            continue
        band, band_missing, _ = _value(t.when.formula, t.when.unit, f"{item.code}.when", values)
        if band is None:
            return ItemResult(
                **base,
                value=value,
                threshold="",
                points=None,
                earned=None,
                status=ItemStatus.MISSING,
                missing=band_missing,
                line_ids=line_ids,
                basis=_basis(names, values),
            )
        low_ok = t.when.minimum is None or band >= t.when.minimum
        high_ok = t.when.below is None or band < t.when.below
        if low_ok and high_ok:
            applicable.append(t)
    if not applicable:
        return ItemResult(
            **base,
            value=value,
            threshold="",
            points=None,
            earned=None,
            status=ItemStatus.NO_THRESHOLD,
            line_ids=line_ids,
            basis=_basis(names, values),
        )
    met = [t for t in applicable if _holds(value, t.compare, t.value)]
    top = max(applicable, key=lambda t: t.points)
    if met:
        best = max(met, key=lambda t: t.points)
        return ItemResult(
            **base,
            value=value,
            threshold=_threshold_text(best),
            target=_threshold_text(top),
            points=best.points,
            earned=None if weight is None else weight * best.points / 100.0,
            status=ItemStatus.PASS if best.points >= top.points else ItemStatus.PARTIAL,
            line_ids=line_ids,
            basis=_basis(names, values),
        )
    lowest = min(applicable, key=lambda t: t.points)
    return ItemResult(
        **base,
        value=value,
        threshold=_threshold_text(lowest),
        target=_threshold_text(top),
        points=0.0,
        earned=None if weight is None else 0.0,
        status=ItemStatus.FAIL,
        line_ids=line_ids,
        basis=_basis(names, values),
    )


def _weights(framework: Framework) -> dict[str, float | None]:
    """Each item's share of the total [points of 100] (None for an unscored framework)."""
    if not framework.scored:
        return {i.code: None for i in framework.items}
    total_s = math.fsum(s.weight or 0.0 for s in framework.sections)
    out: dict[str, float | None] = {}
    for s in framework.sections:
        total_i = math.fsum(i.weight or 0.0 for i in s.items)
        for i in s.items:
            share = (
                0.0
                if total_s == 0 or total_i == 0
                else (s.weight or 0.0) / total_s * (i.weight or 0.0) / total_i
            )
            out[i.code] = 100.0 * share
    return out


def _label(r: ItemResult) -> tuple[str, str]:
    return r.label_zh, r.label_en or r.label_zh


def _grade_blockers(grade: Grade, results: Mapping[str, ItemResult], card: dict[str, Any]) -> list[Blocker]:
    out: list[Blocker] = []
    for r in results.values():
        if r.kind == "veto" and r.status is ItemStatus.FAIL:
            zh, en = _label(r)
            out.append(
                Blocker(
                    "veto",
                    r.code,
                    f"一票否决项未达标：{zh}（{_fmt(r.value or 0.0)} {r.unit_label}，要求 {r.threshold}）",
                    f"veto item failed: {en} ({_fmt(r.value or 0.0)} {r.unit_label}, required {r.threshold})",
                )
            )
        elif r.kind == "veto" and r.status is ItemStatus.MISSING:
            zh, en = _label(r)
            out.append(
                Blocker(
                    "missing",
                    r.code,
                    f"一票否决项数据缺失：{zh}（缺失数据见该评价项）",
                    f"veto item data missing: {en} (see the item's missing data)",
                )
            )
    for code in grade.require_pass:
        r = results[code]
        if r.status is ItemStatus.PASS or (
            r.kind == "veto" and r.status in (ItemStatus.FAIL, ItemStatus.MISSING)
        ):
            continue
        zh, en = _label(r)
        if r.status in (ItemStatus.FAIL, ItemStatus.PARTIAL):
            value = "" if r.value is None else f"{_fmt(r.value)} {r.unit_label}，"
            value_en = "" if r.value is None else f"{_fmt(r.value)} {r.unit_label}, "
            need = r.target or r.threshold
            out.append(
                Blocker(
                    "fail",
                    code,
                    f"未达标：{zh}（{value}要求 {need or '申报达标'}）",
                    f"not met: {en} ({value_en}required {need or 'declared met'})",
                )
            )
        elif r.status is ItemStatus.MISSING:
            out.append(
                Blocker(
                    "missing",
                    code,
                    f"数据缺失：{zh}（缺失数据见该评价项）",
                    f"data missing: {en} (see the item's missing data)",
                )
            )
        else:
            out.append(
                Blocker(
                    "no_threshold",
                    code,
                    f"无适用阈值，无法判定：{zh}",
                    f"no threshold applies, cannot be judged: {en}",
                )
            )
    if grade.min_score is not None:
        score, open_ = card["score"], card["score_open"]
        if score is None or score < grade.min_score:
            if score is not None and score + open_ >= grade.min_score and open_ > 0:
                out.append(
                    Blocker(
                        "missing",
                        None,
                        f"总分 {_fmt(score)} 未达 {_fmt(grade.min_score)}，"
                        f"另有 {_fmt(open_)} 分的评价项数据缺失",
                        f"score {_fmt(score)} below {_fmt(grade.min_score)}; {_fmt(open_)} points "
                        "are still open (data missing)",
                    )
                )
            else:
                have = "—" if score is None else _fmt(score)
                out.append(
                    Blocker(
                        "score",
                        None,
                        f"总分 {have}，需 ≥ {_fmt(grade.min_score)}",
                        f"score {have}, needs ≥ {_fmt(grade.min_score)}",
                    )
                )
    return out


def score(
    framework: Framework,
    values: Mapping[str, Measure],
    *,
    subject: str = "park",
    declarations: Mapping[str, Declaration] | None = None,
) -> Scorecard:
    """Score ``framework`` on the catalogue ``values`` of one run.

    Parameters
    ----------
    framework : Framework
        A parsed framework.
    values : Mapping[str, Measure]
        :func:`zeropark.evaluation.catalogue.measures` of the run.
    subject : str
        ``park`` or ``enterprise`` (park-only items are then not applicable).
    declarations : Mapping[str, Declaration], optional
        The park's declarations of its ``declared`` items (checked by :func:`check_declarations`).

    Raises
    ------
    UnknownDeclaration, DeclarationWithoutEvidence
        A declaration that cannot be used.
    ValueError
        ``subject`` is not one of the framework's subjects.
    """
    if subject not in framework.subjects:
        raise ValueError(
            f"{framework.code}@{framework.version} evaluates {', '.join(framework.subjects)}, not {subject}"
        )
    declarations = declarations or {}
    check_declarations(framework, declarations)
    weights = _weights(framework)
    results = {
        i.code: _score_item(i, subject, values, declarations.get(i.code), weights[i.code])
        for i in framework.items
    }
    counted = [
        r for r in results.values() if r.status not in (ItemStatus.NO_THRESHOLD, ItemStatus.NOT_APPLICABLE)
    ]
    total: float | None = None
    open_ = 0.0
    if framework.scored:
        possible = math.fsum(r.weight or 0.0 for r in counted)
        earned = math.fsum(r.earned or 0.0 for r in counted if r.earned is not None)
        missing = math.fsum(r.weight or 0.0 for r in counted if r.status is ItemStatus.MISSING)
        total = 100.0 * earned / possible if possible > 0 else None
        open_ = 100.0 * missing / possible if possible > 0 else 0.0
    card = {"score": total, "score_open": open_}
    veto = any(r.kind == "veto" and r.status is ItemStatus.FAIL for r in results.values())
    blockers_of = {g.code: _grade_blockers(g, results, card) for g in framework.grades}
    reached: str | None = None
    for g in framework.grades:
        if not blockers_of[g.code]:
            reached = g.code
    codes = [g.code for g in framework.grades]
    next_index = 0 if reached is None else codes.index(reached) + 1
    next_grade = codes[next_index] if next_index < len(codes) else None
    return Scorecard(
        framework_code=framework.code,
        framework_version=framework.version,
        subject=subject,
        items=tuple(results.values()),
        score=total,
        score_open=open_,
        grade=reached,
        next_grade=next_grade,
        blockers=tuple(blockers_of[next_grade]) if next_grade else (),
        veto=veto,
        uncertain=framework.uncertain_notes,
        grade_labels={g.code: (g.label_zh, g.label_en or g.label_zh) for g in framework.grades},
    )
