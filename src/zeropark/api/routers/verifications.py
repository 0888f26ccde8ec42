"""The verifier workspace (核查工作台, ISO 14064-3) under ``/parks/{park_id}/verifications``.

``GET`` lists engagements and shows one (plan, checklist, findings, actions, sign-off); the
verifier opens an engagement, records checklist results, raises and closes findings, reviews
corrective actions and signs the statement off (``POST``); the park or the enterprise concerned
responds to a corrective action; ``GET …/pack`` is the verification pack (zip: pack.json +
statement.pdf). Every answer is :mod:`zeropark.services.verification`'s — the figures of
``zeropark verification … --format json`` and of the page ``/verification``. A sign-off of a run
that no longer reproduces is 409 (``RunDoesNotReproduce``), as is one with a major finding open.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from zeropark.api.auth import GuardedRoute, ScopeDep, require_roles
from zeropark.api.paging import IntId
from zeropark.model import Role
from zeropark.services import verification as service
from zeropark.verification.engagement import DEFAULT_MATERIALITY_PCT, Assurance
from zeropark.verification.findings import ActionStep, Evidence, Severity

router = APIRouter(route_class=GuardedRoute, tags=["verification 核查"])

VERIFIER = Depends(require_roles(Role.VERIFIER))
#: Who may take a step of a corrective action (the service checks which step: respond / accept, reject).
ACTORS = Depends(require_roles(Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE, Role.VERIFIER))
PACKERS = Depends(require_roles(Role.ADMIN, Role.PARK_MANAGER, Role.VERIFIER))


class EngagementIn(BaseModel):
    """A new engagement: the run, scope, level of assurance, materiality [% of total], seed."""

    run_id: int = Field(ge=1, le=2**63 - 1)
    scope: str = Field(min_length=1, max_length=2000)
    assurance: Assurance = Assurance.REASONABLE
    materiality_pct: float = Field(DEFAULT_MATERIALITY_PCT, gt=0, le=100)
    seed: int | None = Field(None, ge=0, le=2**62)


class CheckIn(BaseModel):
    """A checklist result."""

    item_id: str = Field(max_length=16)
    result: str = Field(pattern="^(pass|fail|n/a)$")
    note: str = Field("", max_length=4000)


class FindingIn(BaseModel):
    """A finding and the evidence it cites; misstatement [tCO2e]."""

    severity: Severity
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=8000)
    line_items: list[str] = Field(default_factory=list, max_length=500)
    meters: list[str] = Field(default_factory=list, max_length=500)
    documents: list[str] = Field(default_factory=list, max_length=100)
    leaves: list[int] = Field(default_factory=list, max_length=100)
    misstatement_tco2e: float = Field(0.0, ge=0, le=1e12)
    enterprise_id: str | None = Field(None, max_length=64)


class NoteIn(BaseModel):
    """A note (closing a finding unresolved, signing off)."""

    note: str = Field("", max_length=4000)


class StepIn(BaseModel):
    """A step of a corrective action and its text (the response, or the review)."""

    step: ActionStep
    text: str = Field("", max_length=8000)


@router.get("/parks/{park_id}/verifications", response_model=list[dict[str, Any]])
def list_engagements(park_id: str, scope: ScopeDep) -> list[dict[str, Any]]:
    """The park's verification engagements, newest first. 核查约定."""
    return service.list_engagements(scope, park_id)


@router.post(
    "/parks/{park_id}/verifications", response_model=dict[str, Any], status_code=201, dependencies=[VERIFIER]
)
def create_engagement(park_id: str, body: EngagementIn, scope: ScopeDep) -> dict[str, Any]:
    """Open an engagement on a run and draw its sampling plan (verifier; audited, a ledger leaf). 新建核查."""
    return service.create_engagement(
        scope, park_id, body.run_id, scope_text=body.scope, assurance=body.assurance,
        materiality_pct=body.materiality_pct, seed=body.seed,
    ).to_dict()  # fmt: skip


@router.get("/parks/{park_id}/verifications/{engagement_id}", response_model=dict[str, Any])
def get_engagement(park_id: str, engagement_id: IntId, scope: ScopeDep) -> dict[str, Any]:
    """One engagement: plan, checklist results, findings, actions, sign-off (an enterprise: its own). 核查."""
    service.check_park_of(scope, park_id, engagement_id)
    return service.workspace(scope, engagement_id).to_dict()


@router.get("/parks/{park_id}/verifications/{engagement_id}/statement", response_model=dict[str, Any])
def statement(park_id: str, engagement_id: IntId, scope: ScopeDep) -> dict[str, Any]:
    """The statement: signed, else as it would read now (409 while a major finding is open). 核查声明."""
    service.check_park_of(scope, park_id, engagement_id)
    return service.draft(scope, engagement_id).to_dict()


@router.post(
    "/parks/{park_id}/verifications/{engagement_id}/checks",
    response_model=dict[str, Any],
    dependencies=[VERIFIER],
)
def record_check(park_id: str, engagement_id: IntId, body: CheckIn, scope: ScopeDep) -> dict[str, Any]:
    """Record a checklist result (verifier). 核查清单."""
    service.check_park_of(scope, park_id, engagement_id)
    return service.record_check(scope, engagement_id, body.item_id, body.result, body.note)


@router.post(
    "/parks/{park_id}/verifications/{engagement_id}/findings",
    response_model=dict[str, Any],
    status_code=201,
    dependencies=[VERIFIER],
)
def add_finding(park_id: str, engagement_id: IntId, body: FindingIn, scope: ScopeDep) -> dict[str, Any]:
    """Raise a finding citing evidence (verifier; a non-conformity opens a corrective action). 核查发现."""
    service.check_park_of(scope, park_id, engagement_id)
    ev = Evidence(tuple(body.line_items), tuple(body.meters), tuple(body.documents), tuple(body.leaves))
    return service.add_finding(
        scope, engagement_id, severity=body.severity, title=body.title, evidence=ev,
        description=body.description, misstatement_tco2e=body.misstatement_tco2e,
        enterprise_id=body.enterprise_id,
    )  # fmt: skip


@router.post(
    "/parks/{park_id}/verifications/findings/{finding_id}/close",
    response_model=dict[str, Any],
    dependencies=[VERIFIER],
)
def close_finding(park_id: str, finding_id: IntId, body: NoteIn, scope: ScopeDep) -> dict[str, Any]:
    """Close an open finding as unresolved (verifier). 关闭发现."""
    service.check_park_of(scope, park_id)
    return service.close_finding(scope, finding_id, body.note)


@router.post(
    "/parks/{park_id}/verifications/actions/{action_id}/steps",
    response_model=dict[str, Any],
    dependencies=[ACTORS],
)
def action_step(park_id: str, action_id: IntId, body: StepIn, scope: ScopeDep) -> dict[str, Any]:
    """A corrective action step: respond (park or enterprise), accept or reject (verifier). 纠正措施."""
    service.check_park_of(scope, park_id)
    return service.act(scope, action_id, body.step, body.text)


@router.post(
    "/parks/{park_id}/verifications/{engagement_id}/sign-off",
    response_model=dict[str, Any],
    dependencies=[VERIFIER],
)
def sign_off(park_id: str, engagement_id: IntId, body: NoteIn, scope: ScopeDep) -> dict[str, Any]:
    """Recompute the run, sign the statement with the ledger key, log it (verifier). 签署核查声明."""
    service.check_park_of(scope, park_id, engagement_id)
    return service.sign_off(scope, engagement_id, body.note)


@router.get(
    "/parks/{park_id}/verifications/{engagement_id}/pack",
    dependencies=[PACKERS],
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "pack.json + statement.pdf"}},
)
def pack(park_id: str, engagement_id: IntId, scope: ScopeDep) -> Response:
    """The verification pack (zip: pack.json with proofs, statement.pdf), checkable offline. 核查包."""
    service.check_park_of(scope, park_id, engagement_id)
    body = service.write_pack(service.pack_files(scope, engagement_id))
    name = f"verification-{park_id}-{engagement_id}.zip"
    return Response(
        body, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
