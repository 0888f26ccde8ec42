"""Data approval and period close (数据审核与关账): submissions of a park's year, their steps, the close.

Every route calls :mod:`zeropark.services.approval`, which decides who may take which step: an
enterprise user submits and withdraws its own enterprise's data (another enterprise answers 404,
audited); park managers and admins review, approve, return, correct and close; verifiers read.
Illegal steps, locked periods and unapproved data answer 409 with the named error.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from zeropark.api.auth import MANAGERS, WRITERS, GuardedRoute, ScopeDep
from zeropark.api.schemas import BoardOut, PeriodCloseIn, StepIn, SubmissionOut
from zeropark.services import approval

router = APIRouter(route_class=GuardedRoute, tags=["approval 数据审核"])

YearQ = Annotated[int, Query(ge=2000, le=2100, description="核算年度 accounting year")]
YearP = Annotated[int, Path(ge=2000, le=2100, description="核算年度 accounting year")]
EnterpriseP = Annotated[str, Path(max_length=64)]


@router.get("/parks/{park_id}/submissions", response_model=BoardOut)
def board(park_id: str, year: YearQ, scope: ScopeDep) -> BoardOut:
    """The approval board of a year: each enterprise's status and the close. 审核看板.

    An enterprise user sees its own row only.
    """
    return BoardOut.model_validate(approval.board(scope, park_id, year).to_dict())


@router.get("/parks/{park_id}/submissions/{enterprise_id}/{year}", response_model=SubmissionOut)
def submission(park_id: str, enterprise_id: EnterpriseP, year: YearP, scope: ScopeDep) -> SubmissionOut:
    """One enterprise's submission of a year with its history and data versions. 提交详情."""
    return SubmissionOut.model_validate(approval.submission(scope, park_id, enterprise_id, year).to_dict())


@router.post(
    "/parks/{park_id}/submissions/{enterprise_id}/{year}/{action}",
    response_model=SubmissionOut,
    dependencies=[WRITERS],
)
def step(
    park_id: str,
    enterprise_id: EnterpriseP,
    year: YearP,
    action: approval.Action,
    body: StepIn,
    scope: ScopeDep,
) -> SubmissionOut:
    """Take a step: submit | withdraw (the enterprise) · review | approve | return | correct (the park).

    ``return`` needs a comment (what to fix); ``correct`` a reason (the comment).
    提交/撤回/审核/批准/退回/更正.
    """
    sub = approval.take_step(scope, park_id, enterprise_id, year, action, body.comment)
    return SubmissionOut.model_validate(sub.to_dict())


@router.post("/parks/{park_id}/periods/{year}/close", response_model=BoardOut, dependencies=[MANAGERS])
def close(park_id: str, year: YearP, body: PeriodCloseIn, scope: ScopeDep) -> BoardOut:
    """Close the park's year (every enterprise approved, or an exception with its reason). 关账."""
    return BoardOut.model_validate(approval.close_period(scope, park_id, year, body.exceptions).to_dict())


@router.get("/parks/{park_id}/submissions/approved", response_model=BoardOut)
def approved(park_id: str, year: YearQ, scope: ScopeDep) -> BoardOut:
    """The check a deliverable makes: 200 with the board, or 409 NotApproved listing what is missing."""
    return BoardOut.model_validate(approval.require_approved(scope, park_id, year).to_dict())
