"""Evaluation frameworks as data (评价方法): a versioned, cited rubric read from YAML or JSON.

A framework lists sections (评价领域) of items (评价项); each item is

- ``indicator``: a formula over the catalogue (:mod:`zeropark.evaluation.catalogue`) in a declared
  unit, with thresholds (比较符, value *with its unit*, points as % of the item's weight, and an
  optional ``when`` band such as the park's energy consumption);
- ``veto`` (一票否决): an indicator whose failure blocks every grade;
- ``declared`` (自评/定性): met or not as declared by the park with evidence ids — never inferred.

Weights (optional; all or none): the section weights add up to 100 (or 1), and so do the item
weights inside each section. Grades (等级), lowest first, name a minimum total score and/or items
that must pass. Everything that cannot be verified from a public official text carries an
``uncertain`` note ([UNCERTAIN]); every output repeats it, and a park changes such a value by adding
its own version of the framework (versions are immutable once stored).

The format (``format: zeropark-evaluation/1``) is documented in docs/evaluation.md. Every fault is
a named subclass of :class:`InvalidFramework` that names the field (``sections[1].items[0].weight``)
and lists every other fault found in ``problems``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pint.errors import DimensionalityError

from zeropark.errors import DataError
from zeropark.evaluation.catalogue import catalogue_units
from zeropark.evaluation.formula import (
    FormulaError,
    UnknownIndicator,
    formula_unit,
    parse_formula,
)
from zeropark.units import ureg

__all__ = [
    "FORMAT",
    "COMPARISONS",
    "Condition",
    "DuplicateCode",
    "Framework",
    "FrameworkSyntax",
    "FormulaInvalid",
    "FormulaUnitMismatch",
    "FormulaUnknownIndicator",
    "Grade",
    "InvalidFramework",
    "Item",
    "ItemKind",
    "Problem",
    "Section",
    "Source",
    "ThresholdUnitMismatch",
    "Threshold",
    "UnknownItemReference",
    "WeightsDoNotSum",
    "parse_framework",
]

FORMAT = "zeropark-evaluation/1"
COMPARISONS = ("<=", ">=", "<", ">")
ITEM_KINDS = ("indicator", "veto", "declared")
SUBJECTS = ("park", "enterprise")
ItemKind = str
_CODE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One fault of a framework: the field, a stable code and what to fix."""

    field: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidFramework(DataError):
    """A framework that cannot be used; ``problems`` lists every fault found (the first is this one)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        head = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"the framework has {len(problems)} problem(s):\n{head}{more}")


class FrameworkSyntax(InvalidFramework):
    """Not YAML/JSON, or a field missing, of the wrong type, or with a value outside its choices."""


class FormulaUnknownIndicator(InvalidFramework):
    """A formula names an indicator that is not in the catalogue."""


class FormulaInvalid(InvalidFramework):
    """A formula outside the expression language, or mixing units (e.g. tCO2 + tce)."""


class FormulaUnitMismatch(InvalidFramework):
    """An item's declared unit is not the unit its formula gives."""


class ThresholdUnitMismatch(InvalidFramework):
    """A threshold (or ``when`` bound) whose unit does not convert to the item's (or formula's) unit."""


class WeightsDoNotSum(InvalidFramework):
    """Weights at one level do not add up to 100 (or 1), or are given for some entries only."""


class UnknownItemReference(InvalidFramework):
    """A grade requires an item code that the framework does not have."""


class DuplicateCode(InvalidFramework):
    """Two sections, items or grades share a code."""


_ERROR_OF: dict[str, type[InvalidFramework]] = {
    "syntax": FrameworkSyntax,
    "unknown_indicator": FormulaUnknownIndicator,
    "formula": FormulaInvalid,
    "formula_unit": FormulaUnitMismatch,
    "threshold_unit": ThresholdUnitMismatch,
    "weights": WeightsDoNotSum,
    "unknown_item": UnknownItemReference,
    "duplicate": DuplicateCode,
}


@dataclass(frozen=True, slots=True)
class Source:
    """Where a framework, item or threshold comes from (the issuer's own document)."""

    issuer: str
    number: str = ""
    title: str = ""
    date: str = ""
    url: str = ""

    def text(self) -> str:
        """One line: issuer, number, title, date, URL (what is known)."""
        parts = [self.issuer, self.number, f"《{self.title}》" if self.title else "", self.date, self.url]
        return ", ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, str]:
        """JSON-able mapping."""
        return {
            "issuer": self.issuer,
            "number": self.number,
            "title": self.title,
            "date": self.date,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class Condition:
    """A band a threshold applies in: ``minimum <= formula < below`` (bounds in the formula's unit)."""

    formula: str
    unit: str
    minimum: float | None
    below: float | None


@dataclass(frozen=True, slots=True)
class Threshold:
    """``value <compare> threshold`` gives ``points`` [% of the item's weight] (in the ``when`` band)."""

    compare: str
    value: float  # in the item's unit
    points: float
    when: Condition | None = None
    uncertain: str = ""
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One 评价项 (see the module docstring for the kinds)."""

    code: str
    section: str
    kind: ItemKind
    label_zh: str
    label_en: str
    formula: str | None
    unit: str
    unit_label: str
    weight: float | None
    thresholds: tuple[Threshold, ...]
    uncertain: str = ""
    source: Source | None = None
    requirement_zh: str = ""
    requirement_en: str = ""
    park_only: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    """A 评价领域 with its weight and items."""

    code: str
    label_zh: str
    label_en: str
    weight: float | None
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade (等级): reached when the total score ≥ ``min_score`` and every ``require_pass`` item passes."""

    code: str
    label_zh: str
    label_en: str
    min_score: float | None
    require_pass: tuple[str, ...]
    uncertain: str = ""


@dataclass(frozen=True, slots=True)
class Framework:
    """A parsed, checked framework; ``text`` is the file it was read from (stored as is)."""

    code: str
    version: str
    name_zh: str
    name_en: str
    subjects: tuple[str, ...]
    source: Source
    uncertain: tuple[str, ...]
    sections: tuple[Section, ...]
    grades: tuple[Grade, ...]
    text: str = field(default="", repr=False)
    builtin: bool = False

    @property
    def items(self) -> tuple[Item, ...]:
        """All items, section by section."""
        return tuple(i for s in self.sections for i in s.items)

    @property
    def scored(self) -> bool:
        """Whether the framework has weights (a total score out of 100)."""
        return all(s.weight is not None for s in self.sections)

    def item(self, code: str) -> Item:
        """The item ``code`` (KeyError naming the codes otherwise)."""
        for i in self.items:
            if i.code == code:
                return i
        raise KeyError(f"no item '{code}' in {self.code}@{self.version}")

    @property
    def uncertain_notes(self) -> tuple[str, ...]:
        """Every [UNCERTAIN] note of the framework, its items, thresholds and grades, labelled."""
        notes = [f"[UNCERTAIN] {u}" for u in self.uncertain]
        for i in self.items:
            if i.uncertain:
                notes.append(f"[UNCERTAIN] {i.label_zh}: {i.uncertain}")
            notes.extend(
                f"[UNCERTAIN] {i.label_zh} 阈值 threshold: {t.uncertain}" for t in i.thresholds if t.uncertain
            )
        notes.extend(
            f"[UNCERTAIN] 等级 grade {g.label_zh}: {g.uncertain}" for g in self.grades if g.uncertain
        )
        return tuple(dict.fromkeys(notes))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (the parsed form; ``text`` is the source)."""
        return {
            "code": self.code,
            "version": self.version,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "subjects": list(self.subjects),
            "source": self.source.to_dict(),
            "builtin": self.builtin,
            "scored": self.scored,
            "uncertain": list(self.uncertain_notes),
            "sections": [
                {
                    "code": s.code,
                    "label_zh": s.label_zh,
                    "label_en": s.label_en,
                    "weight": s.weight,
                    "items": [_item_dict(i) for i in s.items],
                }
                for s in self.sections
            ],
            "grades": [
                {
                    "code": g.code,
                    "label_zh": g.label_zh,
                    "label_en": g.label_en,
                    "min_score": g.min_score,
                    "require_pass": list(g.require_pass),
                    "uncertain": g.uncertain,
                }
                for g in self.grades
            ],
        }


def _item_dict(i: Item) -> dict[str, Any]:
    return {
        "code": i.code,
        "kind": i.kind,
        "label_zh": i.label_zh,
        "label_en": i.label_en,
        "formula": i.formula,
        "unit": i.unit,
        "unit_label": i.unit_label,
        "weight": i.weight,
        "park_only": i.park_only,
        "requirement_zh": i.requirement_zh,
        "requirement_en": i.requirement_en,
        "uncertain": i.uncertain,
        "source": None if i.source is None else i.source.to_dict(),
        "thresholds": [
            {
                "compare": t.compare,
                "value": t.value,
                "points": t.points,
                "when": None
                if t.when is None
                else {
                    "formula": t.when.formula,
                    "unit": t.when.unit,
                    "min": t.when.minimum,
                    "below": t.when.below,
                },
                "uncertain": t.uncertain,
            }
            for t in i.thresholds
        ],
    }


class _Reader:
    """Collects problems while reading; ``raise_if_any`` raises the named error of the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, code: str, message: str) -> None:
        self.problems.append(Problem(where, code, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise _ERROR_OF[self.problems[0].code](self.problems)

    def text(
        self, d: Mapping[str, Any], key: str, where: str, *, required: bool = True, default: str = ""
    ) -> str:
        value = d.get(key)
        if value is None:
            if required:
                self.add(f"{where}.{key}" if where else key, "syntax", "missing; write a text value")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(
                f"{where}.{key}" if where else key, "syntax", f"must be text, not {type(value).__name__}"
            )
            return default
        return str(value).strip()

    def number(self, d: Mapping[str, Any], key: str, where: str) -> float | None:
        value = d.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.add(f"{where}.{key}", "syntax", f"must be a number, not {value!r}")
            return None
        return float(value)

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.add(where, "syntax", f"must be a mapping (key: value), not {type(value).__name__}")
            return {}
        return value

    def listing(self, d: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> list[Any]:
        value = d.get(key)
        if value is None:
            if required:
                self.add(f"{where}.{key}" if where else key, "syntax", "missing; write a list")
            return []
        if not isinstance(value, list):
            self.add(
                f"{where}.{key}" if where else key, "syntax", f"must be a list, not {type(value).__name__}"
            )
            return []
        return value

    def code(self, d: Mapping[str, Any], where: str) -> str:
        code = self.text(d, "code", where)
        if code and not _CODE.match(code):
            self.add(
                f"{where}.code", "syntax", f"'{code}': use lower-case letters, digits, '_', '.', '-' (≤ 64)"
            )
        return code

    def source(self, value: Any, where: str, *, required: bool) -> Source | None:
        if value is None:
            if required:
                self.add(
                    where, "syntax", "missing; give issuer, number, title, date and url of the official text"
                )
            return None
        d = self.mapping(value, where)
        return Source(
            issuer=self.text(d, "issuer", where),
            number=self.text(d, "number", where, required=False),
            title=self.text(d, "title", where, required=False),
            date=self.text(d, "date", where, required=False),
            url=self.text(d, "url", where, required=False),
        )


#: The safe YAML loader, libyaml's (C; ≈ 10× faster): the PyYAML wheels (pyproject: pyyaml) ship it.
_LOADER: Any = yaml.CSafeLoader


class _AliasRefused(ValueError):
    """A YAML alias (``*name``): refused, so a small file cannot expand into a huge one."""


def _load(text: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return json.loads(text)
    if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=_LOADER)):
        raise _AliasRefused("YAML aliases (*name) are not allowed; write each value out")
    return yaml.load(text, Loader=_LOADER)  # a safe loader


def _quantity(r: _Reader, raw: Any, where: str) -> Any:
    """A value with its unit (``"0.2 tCO2/tce"``, ``"90 %"``, ``"200000 tce"``) as a pint quantity."""
    if isinstance(raw, bool) or raw is None:
        r.add(where, "syntax", "missing; write a number with its unit, e.g. '90 %' or '0.2 tCO2/tce'")
        return None
    if isinstance(raw, int | float):
        return ureg.Quantity(float(raw), "dimensionless")
    try:
        q: Any = ureg.Quantity(str(raw).strip())
    except Exception as exc:  # noqa: BLE001 - pint raises many kinds for text it cannot read
        r.add(where, "threshold_unit", f"cannot read '{raw}' as a number with a unit ({exc})")
        return None
    if not isinstance(q, ureg.Quantity):  # a bare number
        return ureg.Quantity(float(q), "dimensionless")
    return q


def _convert(r: _Reader, q: Any, unit: str, where: str, what: str) -> float | None:
    if q is None:
        return None
    try:
        value = float(q.to(unit).magnitude)
    except DimensionalityError:
        r.add(
            where,
            "threshold_unit",
            f"{what} '{q:~}' is not in the unit '{unit}' of the item; write it in {unit}",
        )
        return None
    if not math.isfinite(value):
        r.add(where, "syntax", f"{what} '{q:~}' is not a finite number")
        return None
    return value


def _check_formula(r: _Reader, formula: str, where: str) -> Any:
    units = catalogue_units()
    try:
        tree = parse_formula(formula, where, units)
        return formula_unit(tree, units, where)
    except UnknownIndicator as exc:
        r.add(where, "unknown_indicator", str(exc).split(": ", 1)[1])
    except FormulaError as exc:
        r.add(where, "formula", str(exc).split(": ", 1)[1])
    return None


def _weights(r: _Reader, weights: list[tuple[str, float | None]], where: str, level: str) -> None:
    given = [w for _, w in weights if w is not None]
    if not given:
        return
    if len(given) != len(weights):
        absent = ", ".join(name for name, w in weights if w is None)
        r.add(where, "weights", f"weights are given for some {level} only; add a weight to: {absent}")
        return
    if any(w < 0 for w in given):
        r.add(where, "weights", f"a {level} weight is negative")
        return
    total = math.fsum(given)
    if not (math.isclose(total, 100.0, abs_tol=1e-6) or math.isclose(total, 1.0, abs_tol=1e-9)):
        r.add(where, "weights", f"the {level} weights add up to {total:g}, not 100 (or 1)")


def parse_framework(text: str, *, builtin: bool = False) -> Framework:
    """Read and check a framework file (YAML or JSON text).

    Raises
    ------
    InvalidFramework
        A named subclass for the first fault (:class:`FrameworkSyntax`, :class:`FormulaUnknownIndicator`,
        :class:`FormulaInvalid`, :class:`FormulaUnitMismatch`, :class:`ThresholdUnitMismatch`,
        :class:`WeightsDoNotSum`, :class:`UnknownItemReference`, :class:`DuplicateCode`); its
        ``problems`` list every fault found, each with its field.
    """
    r = _Reader()
    try:
        raw = _load(text)
    except (yaml.YAMLError, json.JSONDecodeError, _AliasRefused, RecursionError) as exc:
        r.add("(file)", "syntax", f"not YAML or JSON: {exc}")
        r.raise_if_any()
    if raw is None:
        r.add("(file)", "syntax", "the file is empty; write a framework (format: docs/evaluation.md)")
    doc = r.mapping(raw, "(file)") if raw is not None else {}
    r.raise_if_any()
    fmt = doc.get("format")
    if fmt != FORMAT:
        r.add("format", "syntax", f"must be '{FORMAT}', not {fmt!r}")
    code = r.code(doc, "")
    version = r.text(doc, "version", "")
    if version and not _VERSION.match(version):
        r.add("version", "syntax", f"'{version}': letters, digits, '_', '.', '-' (≤ 32)")
    name_zh = r.text(doc, "name_zh", "")
    name_en = r.text(doc, "name_en", "", required=False, default=name_zh)
    subjects = tuple(str(x) for x in r.listing(doc, "subjects", "", required=False)) or ("park",)
    for subject in subjects:
        if subject not in SUBJECTS:
            r.add("subjects", "syntax", f"'{subject}' is not one of {', '.join(SUBJECTS)}")
    source = r.source(doc.get("source"), "source", required=True) or Source("")
    uncertain = tuple(str(u) for u in r.listing(doc, "uncertain", "", required=False))
    sections: list[Section] = []
    item_codes: dict[str, str] = {}
    section_codes: set[str] = set()
    for si, raw_section in enumerate(r.listing(doc, "sections", "")):
        sw = f"sections[{si}]"
        sd = r.mapping(raw_section, sw)
        scode = r.code(sd, sw)
        if scode in section_codes:
            r.add(f"{sw}.code", "duplicate", f"section code '{scode}' is used twice")
        section_codes.add(scode)
        items = [
            _item(r, raw_item, f"{sw}.items[{ii}]", scode)
            for ii, raw_item in enumerate(r.listing(sd, "items", sw))
        ]
        for ii, item in enumerate(items):
            if item.code in item_codes:
                r.add(f"{sw}.items[{ii}].code", "duplicate", f"item code '{item.code}' is used twice")
            item_codes[item.code] = f"{sw}.items[{ii}]"
        _weights(r, [(i.code, i.weight) for i in items], f"{sw}.items", f"items of section '{scode}'")
        sections.append(
            Section(
                scode,
                r.text(sd, "label_zh", sw),
                r.text(sd, "label_en", sw, required=False),
                r.number(sd, "weight", sw),
                tuple(items),
            )
        )
    if not sections and "sections" in doc:
        r.add("sections", "syntax", "the framework has no section")
    _weights(r, [(s.code, s.weight) for s in sections], "sections", "sections")
    scored = bool(sections) and all(s.weight is not None for s in sections)
    for si, s in enumerate(sections):
        if scored and any(i.weight is None for i in s.items):
            r.add(
                f"sections[{si}].items",
                "weights",
                f"section '{s.code}' has a weight: give each of its items one",
            )
        if not scored and any(i.weight is not None for i in s.items):
            r.add(f"sections[{si}].weight", "weights", "items have weights: give every section a weight too")
        for ii, i in enumerate(s.items):
            if scored and i.weight and i.kind != "declared" and not i.thresholds:
                r.add(
                    f"sections[{si}].items[{ii}].weight",
                    "weights",
                    f"item '{i.code}' has no threshold, so it cannot earn its weight; set weight 0",
                )
    grades: list[Grade] = []
    grade_codes: set[str] = set()
    for gi, raw_grade in enumerate(r.listing(doc, "grades", "", required=False)):
        gw = f"grades[{gi}]"
        gd = r.mapping(raw_grade, gw)
        gcode = r.code(gd, gw)
        if gcode in grade_codes:
            r.add(f"{gw}.code", "duplicate", f"grade code '{gcode}' is used twice")
        grade_codes.add(gcode)
        min_score = r.number(gd, "min_score", gw)
        if min_score is not None and not scored:
            r.add(f"{gw}.min_score", "weights", "a minimum score needs weights on every section and item")
        requires = tuple(str(x) for x in r.listing(gd, "require_pass", gw, required=False))
        for x in requires:
            if x not in item_codes:
                r.add(
                    f"{gw}.require_pass",
                    "unknown_item",
                    f"no item '{x}'; the items are: {', '.join(item_codes) or '(none)'}",
                )
        grades.append(
            Grade(
                gcode,
                r.text(gd, "label_zh", gw),
                r.text(gd, "label_en", gw, required=False),
                min_score,
                requires,
                r.text(gd, "uncertain", gw, required=False),
            )
        )
    r.raise_if_any()
    return Framework(
        code,
        version,
        name_zh,
        name_en,
        subjects,
        source,
        uncertain,
        tuple(sections),
        tuple(grades),
        text,
        builtin,
    )


def _item(r: _Reader, raw: Any, where: str, section: str) -> Item:
    d = r.mapping(raw, where)
    code = r.code(d, where)
    kind = r.text(d, "kind", where, required=False, default="indicator")
    if kind not in ITEM_KINDS:
        r.add(f"{where}.kind", "syntax", f"'{kind}' is not one of {', '.join(ITEM_KINDS)}")
    unit = r.text(d, "unit", where, required=kind != "declared", default="dimensionless")
    try:
        item_unit = ureg.Unit(unit)
    except Exception as exc:  # noqa: BLE001 - pint raises many kinds for text it cannot read
        r.add(f"{where}.unit", "formula_unit", f"cannot read the unit '{unit}' ({exc})")
        item_unit = None
    formula: str | None = None
    thresholds: list[Threshold] = []
    if kind == "declared":
        if d.get("formula") is not None or d.get("thresholds") is not None:
            r.add(where, "syntax", "a declared item has no formula and no thresholds (the park declares it)")
    else:
        formula = r.text(d, "formula", where)
        result = _check_formula(r, formula, f"{where}.formula") if formula else None
        if result is not None and item_unit is not None:
            try:
                result.to(item_unit)
            except DimensionalityError:
                r.add(
                    f"{where}.unit",
                    "formula_unit",
                    f"the formula gives {result.units:~}, which does not convert to '{unit}'",
                )
        for ti, raw_t in enumerate(r.listing(d, "thresholds", where, required=False)):
            thresholds.append(_threshold(r, raw_t, f"{where}.thresholds[{ti}]", unit if item_unit else None))
    return Item(
        code=code,
        section=section,
        kind=kind,
        label_zh=r.text(d, "label_zh", where),
        label_en=r.text(d, "label_en", where, required=False),
        formula=formula,
        unit=unit,
        unit_label=r.text(d, "unit_label", where, required=False, default=unit),
        weight=r.number(d, "weight", where),
        thresholds=tuple(thresholds),
        uncertain=r.text(d, "uncertain", where, required=False),
        source=r.source(d.get("source"), f"{where}.source", required=False),
        requirement_zh=r.text(d, "requirement_zh", where, required=False),
        requirement_en=r.text(d, "requirement_en", where, required=False),
        park_only=bool(d.get("park_only", False)),
    )


def _threshold(r: _Reader, raw: Any, where: str, unit: str | None) -> Threshold:
    d = r.mapping(raw, where)
    compare = r.text(d, "compare", where)
    if compare and compare not in COMPARISONS:
        r.add(f"{where}.compare", "syntax", f"'{compare}' is not one of {' '.join(COMPARISONS)}")
    q = _quantity(r, d.get("value"), f"{where}.value")
    value = _convert(r, q, unit, f"{where}.value", "the threshold") if unit else None
    points = r.number(d, "points", where)
    if points is None:
        points = 100.0
    if not 0.0 <= points <= 100.0:
        r.add(f"{where}.points", "syntax", f"{points:g}: points are a share of the item's weight, 0–100")
    when: Condition | None = None
    if d.get("when") is not None:
        wd = r.mapping(d["when"], f"{where}.when")
        wformula = r.text(wd, "formula", f"{where}.when")
        wunit_q = _check_formula(r, wformula, f"{where}.when.formula") if wformula else None
        wunit = f"{wunit_q.units}" if wunit_q is not None else ""
        bounds: dict[str, float | None] = {}
        for key in ("min", "below"):
            if wd.get(key) is None:
                bounds[key] = None
                continue
            bq = _quantity(r, wd.get(key), f"{where}.when.{key}")
            bounds[key] = _convert(r, bq, wunit, f"{where}.when.{key}", "the bound") if wunit else None
        if bounds["min"] is None and bounds["below"] is None and "min" not in wd and "below" not in wd:
            r.add(f"{where}.when", "syntax", "give 'min' and/or 'below'")
        when = Condition(wformula, wunit, bounds["min"], bounds["below"])
    return Threshold(
        compare=compare,
        value=value if value is not None else math.nan,
        points=points,
        when=when,
        uncertain=r.text(d, "uncertain", where, required=False),
        source=r.source(d.get("source"), f"{where}.source", required=False),
    )
