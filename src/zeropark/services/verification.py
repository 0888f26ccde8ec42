"""The verifier workspace (核查工作台, ISO 14064-3) as use cases: one path for the CLI, API, pages, reports.

- :func:`create_engagement`: a verifier opens an engagement on a stored run (pinned by its input
  fingerprint) with scope, level of assurance and materiality; the sampling plan is drawn at once
  (:func:`zeropark.verification.sampling.plan_sample`, seeded: the seed is stored) over the run's
  line items and the park's meters they cite; audited, and a ledger leaf;
- :func:`record_check`: a checklist result (verifier);
- :func:`add_finding`: a finding citing its evidence (verifier); a non-conformity opens its
  corrective action; audited, a ledger leaf for each;
- :func:`act`: a step of a corrective action — ``respond`` by the park (or the enterprise the
  finding concerns, its own only), ``accept``/``reject`` by the verifier (accept resolves the
  finding); :func:`close_finding` closes a finding unresolved (verifier). A leaf for each change;
- :func:`draft` — the statement as it would read now (no write);
- :func:`sign_off` — the verifier's sign-off: the run is recomputed from the readings first
  (:func:`zeropark.services.inventory.recompute`; :class:`~zeropark.errors.RunDoesNotReproduce`
  when it no longer reproduces bit for bit), the statement drawn, its sections hashed and signed
  with the ledger's Ed25519 key, stored and appended as a leaf; the run is signed off with it;
- :func:`pack` — the verification pack: the JSON of :mod:`zeropark.verification.pack` with the
  inclusion proofs of every cited leaf in the newest signed tree head (+ the PDF, :func:`pack_pdf`).

Who: the verifier writes engagements, checks, findings, reviews and the statement; the park (admin,
park manager) and the enterprise concerned respond to corrective actions; everyone of the park reads
(an enterprise user: the engagement, its own sampled items and its own findings); the pack is for
the admin, the verifier and the park manager (it holds every enterprise's items).
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, select

from zeropark.errors import (
    DataError,
    EngagementSigned,
    NotFound,
    PermissionDenied,
    RunDoesNotReproduce,
)
from zeropark.ledger.entry import instant
from zeropark.ledger.merkle import MerkleTree
from zeropark.model import Role
from zeropark.reports.verification import render_pack_pdf
from zeropark.services import inventory, ledger
from zeropark.services.park_runs import require_park
from zeropark.store import audit, runs
from zeropark.store import ledger as ledger_store
from zeropark.store import verification as store
from zeropark.store.db import transaction
from zeropark.store.schema import (
    EvidenceDocumentRow,
    MeterRow,
    UserRow,
    VerificationActionRow,
    VerificationCheckRow,
    VerificationEngagementRow,
    VerificationFindingRow,
    VerificationSignoffRow,
)
from zeropark.store.scope import Principal, Scope
from zeropark.verification.checklist import CheckResult, checklist
from zeropark.verification.engagement import (
    DEFAULT_MATERIALITY_PCT,
    Assurance,
    Engagement,
    check_engagement,
    materiality_tco2e,
)
from zeropark.verification.findings import (
    ActionState,
    ActionStep,
    Evidence,
    FindingStatus,
    Severity,
    check_evidence,
    next_state,
)
from zeropark.verification.pack import (
    FORMAT,
    KIND_ACTION,
    KIND_ENGAGEMENT,
    KIND_FINDING,
    KIND_SIGNOFF,
    check_pack,
    section_hashes,
    signoff_message,
)
from zeropark.verification.sampling import SamplePlan, Unit, line_risk, plan_sample
from zeropark.verification.statement import FindingState, Opinion, Statement, draft_statement

__all__ = [
    "ENTITY",
    "Workspace",
    "act",
    "add_finding",
    "close_finding",
    "create_engagement",
    "draft",
    "list_engagements",
    "check_pack_bytes",
    "check_park_of",
    "pack",
    "pack_files",
    "read_pack",
    "write_pack",
    "record_check",
    "sign_off",
    "signed_statement",
    "user_scope",
    "workspace",
]

ENTITY = "verification_engagement"
#: Roles that write the verifier's part (engagement, checklist, findings, reviews, statement).
VERIFIERS = (Role.VERIFIER,)
#: Roles that respond to corrective actions (the enterprise: its own findings only).
RESPONDERS = (Role.ADMIN, Role.PARK_MANAGER, Role.ENTERPRISE)
#: Roles that may export the pack (it holds every enterprise's items).
PACK_READERS = (Role.ADMIN, Role.VERIFIER, Role.PARK_MANAGER)


@dataclass(frozen=True, slots=True)
class Workspace:
    """One engagement as every door shows it (an enterprise user: its own items only)."""

    engagement: dict[str, Any]
    checks: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    signoff: dict[str, Any] | None
    checklist: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The engagement id."""
        return int(self.engagement["id"])

    @property
    def materiality_tco2e(self) -> float:
        """Materiality [tCO2e]."""
        return materiality_tco2e(self.engagement["total_tco2e"], self.engagement["materiality_pct"])

    def to_dict(self) -> dict[str, Any]:
        """JSON form (CLI ``--format json``, API)."""
        return {
            "engagement": self.engagement,
            "materiality_tco2e": self.materiality_tco2e,
            "checklist": self.checklist,
            "checks": self.checks,
            "findings": self.findings,
            "actions": self.actions,
            "signoff": self.signoff,
        }


def _now() -> str:
    return instant(datetime.now(UTC))


# --- who ------------------------------------------------------------------------------------------


def user_scope(engine: Engine, username: str) -> Scope:
    """The scope of a stored, active user (the CLI's ``--as``: whoever holds the database acts as them).

    Raises
    ------
    NotFound
        No active user of that name (``zeropark users list``).
    """
    with transaction(engine) as s:
        row = s.scalars(select(UserRow).where(UserRow.username == username, UserRow.active.is_(True))).first()
        if row is None:
            raise NotFound(
                f"no active user '{username}'; see `zeropark users list`, add one with `zeropark users add`"
            )
        p = Principal(
            row.id, row.username, Role(row.role), row.park_id, row.enterprise_id, "cli", row.display_name
        )
    return Scope(p, engine, None)


def _require(scope: Scope, roles: Sequence[Role], what: str, entity_id: str) -> None:
    if scope.user.role not in roles:
        scope.deny(ENTITY, entity_id, f"role '{scope.user.role}' may not {what}")
        names = ", ".join(r.value for r in roles)
        raise PermissionDenied(f"role '{scope.user.role}' may not {what}; only {names} may")


# --- reading --------------------------------------------------------------------------------------


def _engagement_row(s: Any, scope: Scope, engagement_id: int) -> VerificationEngagementRow:
    row = s.get(VerificationEngagementRow, engagement_id)
    if row is None or not scope.sees_park(row.park_id):
        if row is not None:
            scope.deny(ENTITY, str(engagement_id), f"outside scope (park={row.park_id})")
        raise NotFound(
            f"verification engagement {engagement_id} not found; list them with `zeropark verification list`"
        )
    return row  # type: ignore[no-any-return]


def _signoff(s: Any, engagement_id: int) -> VerificationSignoffRow | None:
    return s.get(VerificationSignoffRow, engagement_id)  # type: ignore[no-any-return]


def _plan_for(plan: dict[str, Any], scope: Scope) -> dict[str, Any]:
    if not scope.is_enterprise:
        return plan
    out = dict(plan)
    for kind in ("line_items", "meters"):
        part = dict(plan[kind])
        part["selections"] = [x for x in part["selections"] if x.get("enterprise_id") == scope.enterprise_id]
        out[kind] = part
    return out


def _load(s: Any, scope: Scope, row: VerificationEngagementRow, *, everything: bool = False) -> Workspace:
    """The workspace as ``scope`` sees it (``everything``: unfiltered, for the opinion and the pack)."""
    eng = store.engagement_fields(row)
    if not everything:
        eng["plan"] = _plan_for(eng["plan"], scope)
    fq = select(VerificationFindingRow).where(VerificationFindingRow.engagement_id == row.id)
    if scope.is_enterprise and not everything:
        fq = fq.where(VerificationFindingRow.enterprise_id == scope.enterprise_id)
    findings = list(s.scalars(fq.order_by(VerificationFindingRow.id)))
    ids = [f.id for f in findings]
    actions = (
        list(
            s.scalars(
                select(VerificationActionRow)
                .where(VerificationActionRow.finding_id.in_(ids))
                .order_by(VerificationActionRow.id)
            )
        )
        if ids
        else []
    )
    checks = list(
        s.scalars(
            select(VerificationCheckRow)
            .where(VerificationCheckRow.engagement_id == row.id)
            .order_by(VerificationCheckRow.item_id)
        )
    )
    so = _signoff(s, row.id)
    return Workspace(
        engagement=eng,
        checks=[store.check_fields(c) for c in checks],
        findings=[store.finding_fields(f) for f in findings],
        actions=[store.action_fields(a) for a in actions],
        signoff=None if so is None else store.signoff_fields(so),
        checklist=[
            {
                "id": c.id,
                "clause": c.clause,
                "text_zh": c.text_zh,
                "text_en": c.text_en,
                "uncertain": c.uncertain,
            }
            for c in checklist()
        ],
    )


def workspace(scope: Scope, engagement_id: int) -> Workspace:
    """One engagement with its plan, checklist results, findings, actions and sign-off.

    Raises
    ------
    NotFound
        No such engagement, or of another park.
    """
    with transaction(scope.engine) as s:
        return _load(s, scope, _engagement_row(s, scope, engagement_id))


def list_engagements(scope: Scope, park_id: str) -> list[dict[str, Any]]:
    """The park's engagements, newest first: header fields, opinion and signer when signed.

    Raises
    ------
    NotFound
        No such park, or outside the scope.
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    with transaction(scope.engine) as s:
        rows = s.scalars(
            select(VerificationEngagementRow)
            .where(VerificationEngagementRow.park_id == park_id)
            .order_by(VerificationEngagementRow.id.desc())
        )
        out = []
        for r in rows:
            d = store.engagement_fields(r)
            d.pop("plan")
            so = _signoff(s, r.id)
            d["materiality_tco2e"] = materiality_tco2e(r.total_tco2e, r.materiality_pct)
            d["opinion"] = None if so is None else so.opinion
            d["signed_by"] = None if so is None else so.signed_by
            d["signed_at"] = None if so is None else so.signed_at
            out.append(d)
        return out


# --- the engagement and its plan ------------------------------------------------------------------


def _units(scope: Scope, park_id: str, run_id: int) -> tuple[list[Unit], list[Unit]]:
    """Line items of the run and the park meters they cite, each with tCO2e and risk."""
    inv = runs.get_run(scope.engine, run_id).inventory
    with transaction(scope.engine) as s:
        meters = {
            m.id: m.enterprise_id for m in s.scalars(select(MeterRow).where(MeterRow.park_id == park_id))
        }
    lines: list[Unit] = []
    per_meter: dict[str, list[tuple[float, Any]]] = {}
    for li in inv.lines:
        risk = line_risk(li.uncertainty_pct, bool(li.evidence))
        lines.append(
            Unit("line_item", li.id, li.emissions_tco2e, risk, li.enterprise_id, li.label_en or li.formula)
        )
        cited = sorted({e for e in li.evidence if e in meters})
        for m in cited:
            per_meter.setdefault(m, []).append((li.emissions_tco2e / len(cited), risk))
    order = {"low": 0, "medium": 1, "high": 2}
    meter_units = [
        Unit(
            "meter",
            m,
            sum(t for t, _ in parts),
            max((r for _, r in parts), key=lambda r: order[r.value]),
            meters[m],
        )
        for m, parts in per_meter.items()
    ]
    return lines, meter_units


def _plan_json(p: SamplePlan) -> dict[str, Any]:
    return {
        "rule": p.rule,
        "population": p.population,
        "population_size": p.population_size,
        "key_threshold_tco2e": p.key_threshold_tco2e,
        "n_target": p.n_target,
        "interval": p.interval,
        "start": p.start,
        "selections": [
            {
                "id": x.unit.id,
                "reason": x.reason.value,
                "tco2e": x.unit.tco2e,
                "risk": x.unit.risk.value,
                "size": x.size,
                "hits": x.hits,
                "enterprise_id": x.unit.enterprise_id,
                "label": x.unit.label,
            }
            for x in p.selections
        ],
    }


def create_engagement(
    scope: Scope,
    park_id: str,
    run_id: int,
    *,
    scope_text: str,
    assurance: Assurance = Assurance.REASONABLE,
    materiality_pct: float = DEFAULT_MATERIALITY_PCT,
    seed: int | None = None,
) -> Workspace:
    """Open an engagement on a stored run and draw its sampling plan (verifier).

    Raises
    ------
    NotFound
        No such park or run, or the run is of another park.
    PermissionDenied
        Not a verifier (audited).
    DataError
        Materiality, seed or scope not usable (:func:`~zeropark.verification.engagement.check_engagement`).
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    _require(scope, VERIFIERS, "open a verification engagement", f"{park_id}/run {run_id}")
    summary = inventory.visible_summary(scope, run_id)
    if summary.park_id != park_id:
        raise NotFound(f"inventory run {run_id} is not a run of park '{park_id}'; see `zeropark runs list`")
    e = Engagement(
        park_id=park_id,
        run_id=run_id,
        run_fingerprint=summary.input_fingerprint,
        year=summary.year,
        method=summary.method.value,
        total_tco2e=float(summary.total_tco2e),
        scope_text=scope_text,
        assurance=Assurance(assurance),
        materiality_pct=float(materiality_pct),
        seed=secrets.randbelow(2**31) if seed is None else seed,
    )
    check_engagement(e)
    lines, meters = _units(scope, park_id, run_id)
    mat = materiality_tco2e(e.total_tco2e, e.materiality_pct)
    plans = {
        kind: _plan_json(
            plan_sample(
                units,
                kind=kind,
                materiality_tco2e=mat,
                materiality_pct=e.materiality_pct,
                assurance=e.assurance,
                seed=e.seed,
            )
        )
        for kind, units in (("line_items", lines), ("meters", meters))
    }
    with transaction(scope.engine) as s:
        row = VerificationEngagementRow(
            park_id=park_id,
            run_id=run_id,
            run_fingerprint=e.run_fingerprint,
            year=e.year,
            method=e.method,
            total_tco2e=e.total_tco2e,
            scope_text=e.scope_text.strip(),
            assurance=e.assurance.value,
            materiality_pct=e.materiality_pct,
            seed=e.seed,
            plan={"seed": e.seed, "materiality_tco2e": mat, **plans},
            created_at=_now(),
            created_by=scope.user.username,
        )
        s.add(row)
        s.flush()
        ledger_store.record(s, KIND_ENGAGEMENT, str(row.id))
        scope.audit(s, audit.CREATE, ENTITY, str(row.id), after=store.engagement_fields(row))
        return _load(s, scope, row)


def _open_row(s: Any, scope: Scope, engagement_id: int) -> VerificationEngagementRow:
    row = _engagement_row(s, scope, engagement_id)
    so = _signoff(s, engagement_id)
    if so is not None:
        raise EngagementSigned(engagement_id, so.signed_by)
    return row


def record_check(
    scope: Scope, engagement_id: int, item_id: str, result: str, note: str = ""
) -> dict[str, Any]:
    """Record (or change) the result of a checklist item (verifier).

    Raises
    ------
    DataError
        Unknown item or result (names the valid ones).
    EngagementSigned
        The statement is signed.
    """
    _require(scope, VERIFIERS, "record checklist results", str(engagement_id))
    known = [c.id for c in checklist()]
    if item_id not in known:
        raise DataError(f"checklist item '{item_id}' does not exist; use one of {', '.join(known)}")
    if result not in {r.value for r in CheckResult}:
        raise DataError(f"result '{result}' is not one of {', '.join(r.value for r in CheckResult)}")
    with transaction(scope.engine) as s:
        _open_row(s, scope, engagement_id)
        row = s.scalars(
            select(VerificationCheckRow).where(
                VerificationCheckRow.engagement_id == engagement_id, VerificationCheckRow.item_id == item_id
            )
        ).first()
        before = None if row is None else store.check_fields(row)
        if row is None:
            row = VerificationCheckRow(engagement_id=engagement_id, item_id=item_id)
            s.add(row)
        row.result, row.note, row.checked_by, row.checked_at = result, note, scope.user.username, _now()
        s.flush()
        after = store.check_fields(row)
        scope.audit(
            s,
            audit.UPDATE if before else audit.CREATE,
            "verification_check",
            f"{engagement_id}/{item_id}",
            before=before,
            after=after,
        )
        return after


# --- findings and corrective actions --------------------------------------------------------------


def add_finding(
    scope: Scope,
    engagement_id: int,
    *,
    severity: Severity,
    title: str,
    evidence: Evidence,
    description: str = "",
    misstatement_tco2e: float = 0.0,
    enterprise_id: str | None = None,
) -> dict[str, Any]:
    """Raise a finding citing its evidence (verifier); a non-conformity opens its corrective action.

    The enterprise concerned is ``enterprise_id``, else the one enterprise of the cited line items
    and meters (several or none: the park).

    Raises
    ------
    DataError
        An empty title, a negative or non-finite misstatement, evidence that does not exist.
    EngagementSigned
        The statement is signed.
    """
    _require(scope, VERIFIERS, "raise findings", str(engagement_id))
    severity = Severity(severity)
    if not title.strip():
        raise DataError("a finding needs a title (what is wrong, in a line)")
    if not (misstatement_tco2e >= 0 and misstatement_tco2e < float("inf")):
        raise DataError(f"misstatement {misstatement_tco2e!r} tCO2e must be a finite number ≥ 0")
    with transaction(scope.engine) as s:
        eng = _open_row(s, scope, engagement_id)
        inv = runs.get_run(scope.engine, eng.run_id).inventory
        meter_owner = {
            m.id: m.enterprise_id for m in s.scalars(select(MeterRow).where(MeterRow.park_id == eng.park_id))
        }
        docs = set(
            s.scalars(select(EvidenceDocumentRow.sha256).where(EvidenceDocumentRow.park_id == eng.park_id))
        )
        size, _, _ = ledger_store.state(scope.engine)
        check_evidence(
            evidence,
            line_items={li.id for li in inv.lines},
            meters=set(meter_owner),
            documents=docs,
            tree_size=size,
        )
        if enterprise_id is None:
            owners = {li.enterprise_id for li in inv.lines if li.id in evidence.line_items}
            owners |= {meter_owner[m] for m in evidence.meters}
            enterprise_id = owners.pop() if len(owners) == 1 else None
        status = FindingStatus.NOTED if severity is Severity.OBSERVATION else FindingStatus.OPEN
        row = VerificationFindingRow(
            engagement_id=engagement_id,
            enterprise_id=enterprise_id,
            severity=severity.value,
            title=title.strip(),
            description=description,
            evidence=evidence.to_dict(),
            misstatement_tco2e=float(misstatement_tco2e),
            status=status.value,
            close_note="",
            created_at=_now(),
            created_by=scope.user.username,
        )
        s.add(row)
        s.flush()
        ledger_store.record(s, KIND_FINDING, str(row.id))
        scope.audit(s, audit.CREATE, "verification_finding", str(row.id), after=store.finding_fields(row))
        if severity is not Severity.OBSERVATION:
            action = VerificationActionRow(
                finding_id=row.id, state=ActionState.OPEN.value, response="", review_note=""
            )
            s.add(action)
            s.flush()
            ledger_store.record(s, KIND_ACTION, str(action.id))
            scope.audit(
                s, audit.CREATE, "verification_action", str(action.id), after=store.action_fields(action)
            )
        return store.finding_fields(row)


def _finding_in_scope(
    s: Any, scope: Scope, finding_id: int
) -> tuple[VerificationFindingRow, VerificationEngagementRow]:
    f = s.get(VerificationFindingRow, finding_id)
    if f is None:
        raise NotFound(f"finding {finding_id} not found; see `zeropark verification show ID`")
    eng = _engagement_row(s, scope, f.engagement_id)
    scope.check("verification_finding", str(finding_id), park_id=eng.park_id, enterprise_id=f.enterprise_id)
    return f, eng


def act(scope: Scope, action_id: int, step: ActionStep, text: str = "") -> dict[str, Any]:
    """A step of a corrective action: ``respond`` (park or the enterprise concerned), ``accept``/``reject``.

    The verifier accepts or rejects; accepting resolves the finding. Each change is audited and
    appended to the ledger.

    Raises
    ------
    NotFound
        No such action, or outside the scope (an enterprise: another enterprise's finding).
    PermissionDenied
        The role may not take this step (audited).
    IllegalTransition
        The step is not allowed from the action's state.
    DataError
        A response or a rejection without text.
    EngagementSigned
        The statement is signed.
    """
    step = ActionStep(step)
    with transaction(scope.engine) as s:
        a = s.get(VerificationActionRow, action_id)
        if a is None:
            raise NotFound(f"corrective action {action_id} not found; see `zeropark verification show ID`")
        f, eng = _finding_in_scope(s, scope, a.finding_id)
        _open_row(s, scope, eng.id)
        roles = RESPONDERS if step is ActionStep.RESPOND else VERIFIERS
        _require(scope, roles, f"{step.value} a corrective action", str(action_id))
        if step is not ActionStep.ACCEPT and not text.strip():
            raise DataError(
                f"to {step.value} a corrective action, say what was done or what is missing (text)"
            )
        before = store.action_fields(a)
        a.state = next_state(ActionState(a.state), step).value
        if step is ActionStep.RESPOND:
            a.response, a.responded_by, a.responded_at = text, scope.user.username, _now()
        else:
            a.review_note, a.reviewed_by, a.reviewed_at = text, scope.user.username, _now()
        s.flush()
        ledger_store.record(s, KIND_ACTION, str(a.id))
        scope.audit(
            s, audit.UPDATE, "verification_action", str(a.id), before=before, after=store.action_fields(a)
        )
        if a.state == ActionState.ACCEPTED.value:
            fb = store.finding_fields(f)
            f.status = FindingStatus.RESOLVED.value
            s.flush()
            ledger_store.record(s, KIND_FINDING, str(f.id))
            scope.audit(
                s, audit.UPDATE, "verification_finding", str(f.id), before=fb, after=store.finding_fields(f)
            )
        return store.action_fields(a)


def close_finding(scope: Scope, finding_id: int, note: str) -> dict[str, Any]:
    """Close an open non-conformity as unresolved (verifier): it then weighs on the opinion.

    Raises
    ------
    DataError
        No note, or the finding is not open.
    """
    _require(scope, VERIFIERS, "close findings", str(finding_id))
    if not note.strip():
        raise DataError("say why the finding is closed unresolved (note)")
    with transaction(scope.engine) as s:
        f, eng = _finding_in_scope(s, scope, finding_id)
        _open_row(s, scope, eng.id)
        if f.status != FindingStatus.OPEN.value:
            raise DataError(f"finding {finding_id} is '{f.status}', not open; only an open finding is closed")
        before = store.finding_fields(f)
        f.status, f.close_note = FindingStatus.UNRESOLVED.value, note
        s.flush()
        ledger_store.record(s, KIND_FINDING, str(f.id))
        scope.audit(
            s, audit.UPDATE, "verification_finding", str(f.id), before=before, after=store.finding_fields(f)
        )
        return store.finding_fields(f)


# --- statement and sign-off -----------------------------------------------------------------------


def _engagement_of(row: VerificationEngagementRow) -> Engagement:
    return Engagement(
        row.park_id, row.run_id, row.run_fingerprint, row.year, row.method, row.total_tco2e,
        row.scope_text, Assurance(row.assurance), row.materiality_pct, row.seed,
    )  # fmt: skip


def _statement(ws: Workspace, row: VerificationEngagementRow) -> Statement:
    states = [
        FindingState(
            int(f["id"]), Severity(f["severity"]), FindingStatus(f["status"]), float(f["misstatement_tco2e"])
        )
        for f in ws.findings
    ]
    plan = ws.engagement["plan"]
    return draft_statement(
        _engagement_of(row),
        states,
        n_line_items=len(plan["line_items"]["selections"]),
        n_meters=len(plan["meters"]["selections"]),
    )


def draft(scope: Scope, engagement_id: int) -> Statement:
    """The statement as it would read now (opinion and text in zh and en); writes nothing.

    Raises
    ------
    StatementBlocked
        A major non-conformity is still open.
    """
    with transaction(scope.engine) as s:
        row = _engagement_row(s, scope, engagement_id)
        so = _signoff(s, engagement_id)
        if so is not None:
            return Statement(
                Opinion(so.opinion), so.uncorrected_tco2e, so.materiality_tco2e, so.text_zh, so.text_en
            )
        return _statement(_load(s, scope, row, everything=True), row)


def _key_id() -> str:
    der = ledger.signing_key().public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def _sections(ws: Workspace, statement: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    return {
        "engagement": ws.engagement,
        "checklist": ws.checks,
        "findings": ws.findings,
        "actions": ws.actions,
        "statement": statement,
        "run": run,
    }


def sign_off(scope: Scope, engagement_id: int, note: str = "") -> dict[str, Any]:
    """The verifier signs the statement off: recompute, draw, sign, store, log (and sign the run off).

    1. the run is recomputed from the readings (:func:`zeropark.services.inventory.recompute`) and
       must reproduce bit for bit, with the fingerprint the engagement pinned;
    2. the statement is drawn (:func:`~zeropark.verification.statement.draft_statement`);
    3. the sections (engagement, checklist, findings, actions, statement, run) are hashed and the
       sign-off signed with the ledger's Ed25519 key (:func:`zeropark.services.ledger.signing_key`);
    4. stored with its leaf and audit record in one transaction, in which the run is signed off
       too when it is not yet (both or neither).

    Raises
    ------
    PermissionDenied
        Not a verifier (audited).
    RunDoesNotReproduce
        The run no longer reproduces from the readings, or its fingerprint is not the engagement's.
    StatementBlocked
        A major non-conformity is still open.
    EngagementSigned
        Already signed.
    """
    _require(scope, VERIFIERS, "sign a verification statement off", str(engagement_id))
    with transaction(scope.engine) as s:
        row = _open_row(s, scope, engagement_id)
        run_id, fp = row.run_id, row.run_fingerprint
    again = inventory.recompute(scope, run_id)
    if not (again.identical and again.fingerprint_match):
        raise RunDoesNotReproduce(run_id, again.differences)
    if again.stored_fingerprint != fp:
        raise RunDoesNotReproduce(
            run_id, (f"input fingerprint: engagement {fp}, run now {again.stored_fingerprint}",)
        )
    summary = inventory.visible_summary(scope, run_id)
    with transaction(scope.engine) as s:
        row = _open_row(s, scope, engagement_id)
        ws = _load(s, scope, row, everything=True)
        st = _statement(ws, row)
        run = {"id": row.run_id, "input_fingerprint": row.run_fingerprint, "total_tco2e": row.total_tco2e}
        so = VerificationSignoffRow(
            engagement_id=row.id,
            run_id=row.run_id,
            run_fingerprint=row.run_fingerprint,
            opinion=st.opinion.value,
            uncorrected_tco2e=st.uncorrected_tco2e,
            materiality_tco2e=st.materiality_tco2e,
            text_zh=st.text_zh,
            text_en=st.text_en,
            sections=section_hashes(_sections(ws, st.to_dict(), run)),
            signed_by=scope.user.username,
            signed_at=_now(),
            key_id=_key_id(),
            signature="",
        )
        so.signature = ledger.signing_key().sign(signoff_message(store.signoff_fields(so))).hex()
        s.add(so)
        s.flush()
        ledger_store.record(s, KIND_SIGNOFF, str(row.id))
        after = store.signoff_fields(so)
        scope.audit(s, audit.SIGN_OFF, ENTITY, str(row.id), after=after)
        if not summary.frozen:  # the run is signed off with its statement, in the same transaction
            runs.sign_off_in(s, run_id, scope.user.username, note.strip() or "verification statement")
            scope.audit(
                s,
                audit.SIGN_OFF,
                inventory.ENTITY,
                str(run_id),
                after={"signed_off_by": scope.user.username, "engagement": engagement_id},
            )
    ledger.sign_pending(scope.engine)
    return after


# --- the pack -------------------------------------------------------------------------------------


def _leaf_json(leaf: Any, tree: MerkleTree, size: int) -> dict[str, Any]:
    return {
        "index": int(leaf.idx),
        "kind": leaf.kind,
        "id": leaf.object_id,
        "content_sha256": leaf.content_sha256,
        "created_at": leaf.created_at,
        "leaf_hash": leaf.leaf_hash,
        "fields": leaf.fields,
        "audit_path": [p.hex() for p in tree.inclusion_proof(int(leaf.idx), size)],
    }


def pack(scope: Scope, engagement_id: int) -> dict[str, Any]:
    """The verification pack's JSON (:data:`zeropark.verification.pack.FORMAT`), checkable offline.

    Holds the sections the sign-off signed, the sign-off, the newest signed tree head and the
    public key, and every cited leaf (the newest of the engagement, each finding and action, the
    sign-off, the run, each cited document; each cited leaf index) with its inclusion proof.

    Raises
    ------
    PermissionDenied
        Not an admin, verifier or park manager (audited).
    NotFound
        No such engagement, or it is not signed off yet (sign it off first).
    """
    _require(scope, PACK_READERS, "export the verification pack", str(engagement_id))
    with transaction(scope.engine) as s:
        row = _engagement_row(s, scope, engagement_id)
        ws = _load(s, scope, row, everything=True)
    if ws.signoff is None:
        raise NotFound(
            f"engagement {engagement_id} has no signed statement yet; "
            f"sign it off first (`zeropark verification signoff {engagement_id}`)"
        )
    th = ledger.sign_pending(scope.engine)
    assert th is not None  # the engagement's leaf exists
    rows = [r for r in ledger_store.leaves(scope.engine) if r.idx < th.tree_size]
    tree = MerkleTree(bytes.fromhex(r.leaf_hash) for r in rows)
    newest: dict[tuple[str, str], Any] = {(r.kind, r.object_id): r for r in rows}
    wanted = [
        (KIND_ENGAGEMENT, str(engagement_id)),
        (KIND_SIGNOFF, str(engagement_id)),
        ("inventory_run", str(row.run_id)),
    ]
    wanted += [(KIND_FINDING, str(f["id"])) for f in ws.findings]
    wanted += [(KIND_ACTION, str(a["id"])) for a in ws.actions]
    cited_leaves: set[int] = set()
    for f in ws.findings:
        wanted += [("document", d) for d in f["evidence"]["documents"]]
        cited_leaves |= set(f["evidence"]["leaves"])
    picked = {int(newest[k].idx) for k in wanted if k in newest} | {
        i for i in cited_leaves if i < th.tree_size
    }
    statement = {
        k: ws.signoff[k] for k in ("opinion", "uncorrected_tco2e", "materiality_tco2e", "text_zh", "text_en")
    }
    run = {"id": row.run_id, "input_fingerprint": row.run_fingerprint, "total_tco2e": row.total_tco2e}
    return {
        "format": FORMAT,
        "public_key": ledger.public_key(),
        "head": {
            "tree_size": th.tree_size,
            "root_hash": th.root_hash,
            "timestamp_ms": th.timestamp_ms,
            "signature": th.signature,
            "key_id": th.key_id,
        },
        **_sections(ws, statement, run),
        "checklist_items": ws.checklist,
        "signoff": ws.signoff,
        "leaves": [_leaf_json(rows[i], tree, th.tree_size) for i in sorted(picked)],
    }


def pack_files(scope: Scope, engagement_id: int) -> dict[str, bytes]:
    """The pack's files: ``pack.json`` (:func:`pack`) and ``statement.pdf`` rendered from it.

    Raises
    ------
    As :func:`pack`; SetupError when the report font is missing.
    """
    doc = pack(scope, engagement_id)
    body = json.dumps(doc, ensure_ascii=False, indent=1).encode()
    audit.record_now(
        scope.engine,
        user=scope.user.username,
        role=scope.user.role,
        action="export",
        entity=ENTITY,
        entity_id=str(engagement_id),
        after={"pack_sha256": hashlib.sha256(body).hexdigest()},
        ip=scope.ip,
    )
    return {"pack.json": body, "statement.pdf": render_pack_pdf(doc)}


def write_pack(files: dict[str, bytes]) -> bytes:
    """The pack's files as one zip (deterministic member order)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            z.writestr(name, files[name])
    return buf.getvalue()


def read_pack(content: bytes) -> dict[str, Any]:
    """The pack JSON from a zip's ``pack.json`` or from the JSON itself.

    Raises
    ------
    DataError
        Neither a zip holding ``pack.json`` nor JSON.
    """
    try:
        if content[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                content = z.read("pack.json")
        doc = json.loads(content.decode("utf-8"))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"not a verification pack (a zip with pack.json, or its JSON): {exc}") from None
    if not isinstance(doc, dict):
        raise DataError("not a verification pack: the JSON is not an object")
    return doc


def check_pack_bytes(content: bytes) -> list[str]:
    """Every finding about a pack file's content (:func:`zeropark.verification.pack.check_pack`); no database.

    Raises
    ------
    DataError
        Unreadable, or missing a part the check needs.
    """
    doc = read_pack(content)
    try:
        return check_pack(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"the verification pack is incomplete or malformed: {exc!r}") from None


def check_park_of(scope: Scope, park_id: str, engagement_id: int | None = None) -> None:
    """The park exists and is in scope (and holds ``engagement_id``), else NotFound — for the doors' paths.

    Raises
    ------
    NotFound
        No such park, outside the scope, or the engagement is of another park.
    """
    require_park(scope.engine, park_id)
    scope.check_park(park_id)
    if engagement_id is not None:
        with transaction(scope.engine) as s:
            row = _engagement_row(s, scope, engagement_id)
            if row.park_id != park_id:
                raise NotFound(
                    f"verification engagement {engagement_id} is not an engagement of park '{park_id}'"
                )


def signed_statement(scope: Scope, run_id: int) -> dict[str, Any] | None:
    """The newest signed statement of a run (its sign-off's fields), or None: the report's chapter.

    Only for users who see the park's engagements (not an enterprise user's own report: the
    statement covers the park's run).
    """
    if scope.is_enterprise:
        return None
    with transaction(scope.engine) as s:
        row = s.scalars(
            select(VerificationSignoffRow)
            .join(
                VerificationEngagementRow,
                VerificationEngagementRow.id == VerificationSignoffRow.engagement_id,
            )
            .where(VerificationSignoffRow.run_id == run_id)
            .order_by(VerificationSignoffRow.engagement_id.desc())
        ).first()
        if row is None:
            return None
        eng = s.get(VerificationEngagementRow, row.engagement_id)
        if eng is None or not scope.sees_park(eng.park_id):
            return None
        return store.signoff_fields(row)
