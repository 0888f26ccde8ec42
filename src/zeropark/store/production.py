"""产品产量 (product outputs) and 入园门槛 (admission assessments): the writes.

Reads are :mod:`zeropark.store.queries.benchmarks`. Every write takes the caller's session, so
it is committed together with its audit record (:mod:`zeropark.services.benchmarks`,
:mod:`zeropark.services.admission`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from zeropark.model import ProductOutput
from zeropark.store.schema import AdmissionRow, ProductOutputRow

__all__ = ["add_admission", "decide_admission", "replace_product_outputs"]


def replace_product_outputs(
    session: Session, park_id: str, enterprise_id: str, year: int, outputs: list[ProductOutput]
) -> None:
    """Replace the outputs an enterprise reported for ``year`` by ``outputs`` (same enterprise, year)."""
    session.execute(
        delete(ProductOutputRow).where(
            ProductOutputRow.enterprise_id == enterprise_id, ProductOutputRow.year == year
        )
    )
    for o in outputs:
        session.add(
            ProductOutputRow(
                park_id=park_id,
                enterprise_id=o.enterprise_id,
                year=o.year,
                product=o.product,
                quantity=o.quantity,
                unit=o.unit,
                energy_tce=o.energy_tce,
                evidence=o.evidence,
            )
        )


def add_admission(
    session: Session,
    *,
    park_id: str,
    name: str,
    enterprise_id: str | None,
    industry_code: str,
    year: int,
    proposal: dict[str, Any],
    result: dict[str, Any],
    created_by: str | None,
    created_at: datetime,
) -> int:
    """Store an assessment (decision ``pending``); returns its id."""
    row = AdmissionRow(
        park_id=park_id,
        name=name,
        enterprise_id=enterprise_id,
        industry_code=industry_code,
        year=year,
        proposal=proposal,
        result=result,
        decision="pending",
        reason="",
        created_by=created_by,
        created_at=created_at,
    )
    session.add(row)
    session.flush()
    return int(row.id)


def decide_admission(
    session: Session, admission_id: int, *, decision: str, by: str, reason: str, at: datetime
) -> None:
    """Record the decision on an assessment (the caller checked that it exists and may be decided)."""
    row = session.get_one(AdmissionRow, admission_id)
    row.decision = decision
    row.decided_by = by
    row.reason = reason
    row.decided_at = at
