"""核查声明 The verification opinion and statement, from the engagement's data (zh and en).

**Opinion rules** (ISO 14064-3:2019 clause 7 "opinion": unmodified, modified, adverse
[UNCERTAIN clause number]), applied by :func:`opinion` to the findings as they stand:

- no statement while a *major* non-conformity is still ``open`` (:class:`StatementBlocked`);
- **adverse** (否定意见): a major non-conformity left ``unresolved``, or the uncorrected
  misstatements together reach the materiality (Σ misstatement ≥ materiality [tCO2e]);
- **modified** (保留意见): a minor non-conformity not ``resolved``, or uncorrected misstatements
  below the materiality (Σ > 0);
- **unmodified** (无保留意见): otherwise. Observations never change the opinion.

The text is generated from the data only (run, year, method, totals, level, materiality, sample,
findings) — the same numbers in both languages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from zeropark.errors import StatementBlocked
from zeropark.verification.engagement import ASSURANCE_LABEL, Engagement, materiality_tco2e
from zeropark.verification.findings import FindingStatus, Severity

__all__ = ["FindingState", "Opinion", "Statement", "draft_statement", "opinion", "uncorrected_tco2e"]


class Opinion(StrEnum):
    """核查意见."""

    UNMODIFIED = "unmodified"  # 无保留意见
    MODIFIED = "modified"  # 保留意见
    ADVERSE = "adverse"  # 否定意见


OPINION_LABEL: dict[Opinion, tuple[str, str]] = {
    Opinion.UNMODIFIED: ("无保留意见", "unmodified opinion"),
    Opinion.MODIFIED: ("保留意见", "modified opinion"),
    Opinion.ADVERSE: ("否定意见", "adverse opinion"),
}


@dataclass(frozen=True, slots=True)
class FindingState:
    """What the opinion needs of a finding: id, severity, status, misstatement [tCO2e]."""

    id: int
    severity: Severity
    status: FindingStatus
    misstatement_tco2e: float = 0.0


@dataclass(frozen=True, slots=True)
class Statement:
    """核查声明: the opinion, the uncorrected misstatement [tCO2e], the materiality [tCO2e], text."""

    opinion: Opinion
    uncorrected_tco2e: float
    materiality_tco2e: float
    text_zh: str
    text_en: str

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "opinion": self.opinion.value,
            "uncorrected_tco2e": self.uncorrected_tco2e,
            "materiality_tco2e": self.materiality_tco2e,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
        }


def uncorrected_tco2e(findings: Sequence[FindingState]) -> float:
    """Σ |misstatement| [tCO2e] of the non-conformities not resolved."""
    return math.fsum(
        abs(f.misstatement_tco2e)
        for f in findings
        if f.severity is not Severity.OBSERVATION and f.status is not FindingStatus.RESOLVED
    )


def opinion(findings: Sequence[FindingState], materiality: float) -> Opinion:
    """The opinion of the module's rules (``materiality`` [tCO2e]).

    Raises
    ------
    StatementBlocked
        A major non-conformity is still open (names it).
    """
    open_major = [f.id for f in findings if f.severity is Severity.MAJOR and f.status is FindingStatus.OPEN]
    if open_major:
        raise StatementBlocked(open_major)
    total = uncorrected_tco2e(findings)
    ncs = [f for f in findings if f.severity is not Severity.OBSERVATION]
    if any(f.severity is Severity.MAJOR and f.status is FindingStatus.UNRESOLVED for f in ncs):
        return Opinion.ADVERSE
    if materiality > 0 and total >= materiality:
        return Opinion.ADVERSE
    if total > 0 or any(f.status is not FindingStatus.RESOLVED for f in ncs):
        return Opinion.MODIFIED
    return Opinion.UNMODIFIED


def draft_statement(
    e: Engagement, findings: Sequence[FindingState], *, n_line_items: int, n_meters: int
) -> Statement:
    """The statement of an engagement (opinion by :func:`opinion`, text in zh and en).

    Raises
    ------
    StatementBlocked
        A major non-conformity is still open.
    """
    mat = materiality_tco2e(e.total_tco2e, e.materiality_pct)
    op = opinion(findings, mat)
    unc = uncorrected_tco2e(findings)
    az, aen = ASSURANCE_LABEL[e.assurance]
    oz, oen = OPINION_LABEL[op]
    n_f = len(findings)
    n_open = sum(1 for f in findings if f.status in (FindingStatus.OPEN, FindingStatus.UNRESOLVED))
    zh = (
        f"我们依据 ISO 14064-3:2019，以{az}对园区 {e.park_id} {e.year} 年度排放清单"
        f"（核算记录 #{e.run_id}，方法 {e.method}，输入指纹 {e.run_fingerprint[:16]}…）进行了核查。"
        f"报告排放总量 {e.total_tco2e:,.3f} tCO2e，实质性阈值 {e.materiality_pct:g}%"
        f"（{mat:,.3f} tCO2e）。抽样检查清单条目 {n_line_items} 项、计量器具 {n_meters} 台；"
        f"提出核查发现 {n_f} 项，其中未解决 {n_open} 项，未更正错报合计 {unc:,.3f} tCO2e。"
        f"核查结论：{oz}。该核算记录已由原始数据逐位复算一致。"
    )
    en = (
        f"We verified, to {aen} under ISO 14064-3:2019, the {e.year} inventory of park {e.park_id} "
        f"(run #{e.run_id}, method {e.method}, input fingerprint {e.run_fingerprint[:16]}…). "
        f"Reported total {e.total_tco2e:,.3f} tCO2e; materiality {e.materiality_pct:g} % "
        f"({mat:,.3f} tCO2e). Sampled {n_line_items} line items and {n_meters} meters; "
        f"{n_f} findings raised, {n_open} not resolved; uncorrected misstatements {unc:,.3f} tCO2e. "
        f"Conclusion: {oen}. The run was recomputed bit for bit from the source data."
    )
    return Statement(op, unc, mat, zh, en)
