"""The data of the application workspace (申报): diagnosis items, gap tasks, evidence documents, sources.

Gathered inside the user's scope by :mod:`zeropark.services.application` and rendered here by
:mod:`zeropark.reports.application` (the 申报书 outline as Word and PDF), so every door shows the
same figures. Each figure carries its :class:`FigureSource`: the inventory run it was computed on
(id, input fingerprint, factor set), the line items it adds up, the framework item it answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from zeropark.model import Enterprise, Park

#: Framework id of the national indicator system (发改环资〔2025〕910号 附件3).
FRAMEWORK_910 = "ndrc-910-2025"


def gap_of(value: float | None, target: float | None, comparison: str | None) -> float | None:
    """The distance to the target in the indicator's unit (0 when met; None when not assessable).

    ``≤`` target: gap = value − target when above it; ``≥`` target: gap = target − value when
    below it. A missing value or an indicator without a target has no gap (None).

    Examples
    --------
    >>> gap_of(0.35, 0.2, "≤")  # 0.35 − 0.2 tCO2/tce above the limit
    0.14999999999999997
    >>> gap_of(72.0, 90.0, "≥"), gap_of(95.0, 90.0, "≥"), gap_of(None, 90.0, "≥")
    (18.0, 0.0, None)
    """
    if value is None or target is None or comparison is None:
        return None
    if comparison == "≤":
        return max(0.0, value - target)
    return max(0.0, target - value)


@dataclass(frozen=True, slots=True)
class FigureSource:
    """Where a figure comes from: run (id, fingerprint, factor set), line items, framework item."""

    framework: str
    item: str
    threshold_source: str = ""
    run_id: int | None = None
    input_fingerprint: str | None = None
    factor_set: str | None = None
    line_items: tuple[str, ...] = ()
    data: str = ""  # reported data the figure uses besides line items (e.g. indicator_data 2025)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "framework": self.framework,
            "item": self.item,
            "threshold_source": self.threshold_source,
            "run_id": self.run_id,
            "input_fingerprint": self.input_fingerprint,
            "factor_set": self.factor_set,
            "line_items": list(self.line_items),
            "data": self.data,
        }


@dataclass(frozen=True, slots=True)
class DiagnosisItem:
    """One indicator or rubric item: value, target, gap [unit], status, what is missing, its source."""

    code: str
    kind: str  # core / guiding / reference (indicators) or a rubric section
    label_zh: str
    label_en: str
    unit: str
    value: float | None
    target: float | None
    comparison: str | None
    gap: float | None
    status: str  # pass / fail / no_threshold / missing / park_level
    missing: tuple[str, ...]
    note_zh: str
    note_en: str
    source: FigureSource

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "code": self.code,
            "kind": self.kind,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "unit": self.unit,
            "value": self.value,
            "target": self.target,
            "comparison": self.comparison,
            "gap": self.gap,
            "status": self.status,
            "missing": list(self.missing),
            "note_zh": self.note_zh,
            "note_en": self.note_en,
            "source": self.source.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """诊断: every item of a park (or one enterprise) for a year, on one national-method run."""

    park_id: str
    year: int
    enterprise_id: str | None
    run_id: int
    input_fingerprint: str
    factor_set: str
    signed_off_at: datetime | None
    signed_off_by: str | None
    size_band_zh: str
    size_band_en: str
    veto: bool
    items: tuple[DiagnosisItem, ...]

    def item(self, code: str) -> DiagnosisItem:
        """The item with ``code`` (``KeyError`` listing the codes otherwise)."""
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(f"no diagnosis item '{code}'; items: {', '.join(i.code for i in self.items)}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (what the CLI's ``--format json`` and the API return)."""
        return {
            "park_id": self.park_id,
            "year": self.year,
            "enterprise_id": self.enterprise_id,
            "run_id": self.run_id,
            "input_fingerprint": self.input_fingerprint,
            "factor_set": self.factor_set,
            "signed_off_at": None if self.signed_off_at is None else self.signed_off_at.isoformat(),
            "signed_off_by": self.signed_off_by,
            "size_band_zh": self.size_band_zh,
            "size_band_en": self.size_band_en,
            "veto": self.veto,
            "items": [i.to_dict() for i in self.items],
        }


@dataclass(frozen=True, slots=True)
class GapTask:
    """整改任务: closes the gap of one diagnosis item; ``overdue`` = past due and not done."""

    id: int
    park_id: str
    year: int
    item_code: str
    title: str
    owner_user: str | None
    owner_enterprise_id: str | None
    due_date: date
    measure_ref: str
    evidence_required: str
    status: str  # open / in_progress / done
    overdue: bool
    created_at: datetime
    updated_at: datetime
    documents: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "park_id": self.park_id,
            "year": self.year,
            "item_code": self.item_code,
            "title": self.title,
            "owner_user": self.owner_user,
            "owner_enterprise_id": self.owner_enterprise_id,
            "due_date": self.due_date.isoformat(),
            "measure_ref": self.measure_ref,
            "evidence_required": self.evidence_required,
            "status": self.status,
            "overdue": self.overdue,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "documents": list(self.documents),
        }


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    """What a document is linked to: a gap task, or a line item of an inventory run."""

    id: int
    task_id: int | None
    run_id: int | None
    line_item_id: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "task_id": self.task_id,
            "run_id": self.run_id,
            "line_item_id": self.line_item_id,
        }


@dataclass(frozen=True, slots=True)
class EvidenceDocument:
    """证明材料: an uploaded document — sanitised name, sniffed type, size [bytes], SHA-256, links."""

    id: int
    park_id: str
    enterprise_id: str | None
    file_name: str
    media_type: str
    size: int
    sha256: str
    note: str
    uploaded_at: datetime
    uploaded_by: str | None
    links: tuple[EvidenceLink, ...] = ()
    deduplicated: bool = False  # the bytes were already stored (same SHA-256)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "park_id": self.park_id,
            "enterprise_id": self.enterprise_id,
            "file_name": self.file_name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "note": self.note,
            "uploaded_at": self.uploaded_at.isoformat(),
            "uploaded_by": self.uploaded_by,
            "links": [link.to_dict() for link in self.links],
            "deduplicated": self.deduplicated,
        }


@dataclass(frozen=True, slots=True)
class RoadmapPoint:
    """One year of the roadmap reference: carbon productivity [10⁴ CNY/tCO2] and its run, or why not."""

    year: int
    run_id: int | None
    carbon_productivity: float | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ApplicationData:
    """Everything the 申报书 outline shows, as the scope sees it (approved data only)."""

    park: Park
    year: int
    enterprises: tuple[Enterprise, ...]
    diagnosis: Diagnosis
    energy_tce: float
    total_tco2: float
    clean_share_pct: float | None
    line_item_count: int
    approved_enterprises: int  # enterprises whose data of the year are approved (数据审核)
    enterprise_count: int
    exceptions: tuple[tuple[str, str], ...]  # (enterprise id, reason) named when the period closed
    period_closed_at: datetime | None
    tasks: tuple[GapTask, ...]
    documents: tuple[EvidenceDocument, ...]
    roadmap: tuple[RoadmapPoint, ...] = ()
    roadmap_note: str = ""
    uncertain: tuple[str, ...] = field(default=())
