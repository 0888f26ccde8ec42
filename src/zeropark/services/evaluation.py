"""Evaluation (评价) as use cases: frameworks (list, show, add) and evaluation runs (evaluate, get, list).

One function per use case, shared by the CLI (``zeropark evaluate``), the API
(``/api/v1/frameworks``, ``/api/v1/parks/{id}/evaluations``), the 评价 pages and the report:

- frameworks are the built-in ones (package data, :mod:`zeropark.evaluation.builtin`) and those a
  park added (its provincial framework, or its own version of a built-in one with an [UNCERTAIN]
  value changed). A stored version is immutable: a change is a new version; the newest version of
  a code is the default;
- an evaluation scores the park (or one enterprise) for a year on the latest national-method
  inventory run of that view (:func:`zeropark.services.inventory.latest_view`); every item is
  traced to that run and its line items; missing data are named, never scored as 0;
- an enterprise user evaluates and sees only its own enterprise; adding a framework is for the
  park's managers; every write is audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from zeropark.accounting.lineitems import LineItem
from zeropark.errors import DataError, NotFound, PermissionDenied
from zeropark.evaluation.builtin import builtin_frameworks
from zeropark.evaluation.catalogue import measures
from zeropark.evaluation.rubric import Framework, parse_framework
from zeropark.evaluation.scoring import Declaration, Scorecard, score
from zeropark.model import Method
from zeropark.services.indicators import no_run
from zeropark.services.inventory import latest_view, view_of_run
from zeropark.store import audit, repo
from zeropark.store.db import transaction
from zeropark.store.queries import evaluation as queries
from zeropark.store.schema import EvaluationFrameworkRow, EvaluationRunRow
from zeropark.store.scope import Scope

__all__ = [
    "Evaluation",
    "EvaluationRun",
    "FrameworkVersionExists",
    "SubjectNotSupported",
    "add_framework",
    "diagnose",
    "evaluate",
    "get_framework",
    "get_run",
    "list_frameworks",
    "usable_frameworks",
    "list_runs",
    "parse_declarations",
    "trace",
]

FRAMEWORK = "evaluation_framework"
RUN = "evaluation_run"
MAX_FRAMEWORK_CHARS = 200_000


class FrameworkVersionExists(DataError):
    """A framework with this code and version exists already (versions are immutable)."""


class SubjectNotSupported(DataError):
    """The framework does not evaluate this kind of subject (park / enterprise)."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A framework scored on one inventory run (not stored): what :func:`diagnose` returns."""

    park_id: str
    enterprise_id: str | None
    year: int
    framework: Framework
    inventory_run_id: int
    scorecard: Scorecard
    declarations: dict[str, Declaration] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (as :meth:`EvaluationRun.to_dict`, without the stored run's fields)."""
        return {
            "park_id": self.park_id,
            "enterprise_id": self.enterprise_id,
            "year": self.year,
            "framework_code": self.framework.code,
            "framework_version": self.framework.version,
            "framework_builtin": self.framework.builtin,
            "inventory_run_id": self.inventory_run_id,
            "declarations": {k: v.to_dict() for k, v in self.declarations.items()},
            **self.scorecard.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class EvaluationRun:
    """A stored evaluation run."""

    id: int
    park_id: str
    enterprise_id: str | None
    year: int
    framework_code: str
    framework_version: str
    framework_builtin: bool
    inventory_run_id: int
    scorecard: Scorecard
    declarations: dict[str, Declaration]
    created_by: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (the API's and the CLI's JSON)."""
        return {
            "id": self.id,
            "park_id": self.park_id,
            "enterprise_id": self.enterprise_id,
            "year": self.year,
            "framework_code": self.framework_code,
            "framework_version": self.framework_version,
            "framework_builtin": self.framework_builtin,
            "inventory_run_id": self.inventory_run_id,
            "declarations": {k: v.to_dict() for k, v in self.declarations.items()},
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            **self.scorecard.to_dict(),
        }


def _framework_of(row: EvaluationFrameworkRow) -> Framework:
    return parse_framework(row.text)


def list_frameworks(scope: Scope, park_id: str | None) -> list[Framework]:
    """The built-in frameworks, then every version the park added (by code, oldest version first).

    ``park_id`` None: the built-in frameworks only.
    """
    if park_id is None:
        return list(builtin_frameworks())
    scope.check_park(park_id)
    return [*builtin_frameworks(), *(_framework_of(r) for r in queries.framework_rows(scope, park_id))]


def usable_frameworks(scope: Scope, park_id: str) -> list[Framework]:
    """The newest version of each framework that scores what the scope is (its subject).

    An enterprise user: frameworks listing ``enterprise`` as a subject; anyone else: the park's.
    """
    subject = "enterprise" if scope.is_enterprise else "park"
    newest = {f.code: f for f in list_frameworks(scope, park_id) if subject in f.subjects}
    return list(newest.values())


def get_framework(scope: Scope, park_id: str | None, code: str, version: str | None = None) -> Framework:
    """The framework ``code`` at ``version`` (default: the newest — the park's own version if it added one).

    ``park_id`` None: among the built-in frameworks only.

    Raises
    ------
    NotFound
        No such framework or version (the message lists the codes / versions there are).
    """
    candidates = [f for f in builtin_frameworks() if f.code == code]
    if park_id is not None:
        scope.check_park(park_id)
        candidates += [_framework_of(r) for r in queries.framework_rows(scope, park_id, code)]
    if not candidates:
        codes = sorted({f.code for f in list_frameworks(scope, park_id)})
        raise NotFound(f"no evaluation framework '{code}'; the frameworks are: {', '.join(codes)}")
    if version is None:
        return candidates[-1]
    for f in candidates:
        if f.version == version:
            return f
    raise NotFound(
        f"framework '{code}' has no version '{version}'; "
        f"its versions are: {', '.join(f.version for f in candidates)}"
    )


def add_framework(scope: Scope, park_id: str, text: str) -> Framework:
    """Check and store a framework (YAML or JSON text) for the park; audited.

    Raises
    ------
    InvalidFramework
        A named subclass per fault (:mod:`zeropark.evaluation.rubric`), every fault in ``problems``.
    FrameworkVersionExists
        The code and version exist already (built-in or added): give a new version.
    PermissionDenied
        An enterprise user or a read-only role.
    """
    scope.check_park(park_id)
    if scope.is_enterprise:
        scope.deny(FRAMEWORK, "(new)", "an enterprise user may not add a park's framework")
        raise PermissionDenied("only the park's managers may add an evaluation framework")
    scope.check_write(FRAMEWORK, "(new)", park_id=park_id, enterprise_id=None)
    repo.get_park(scope.engine, park_id)  # NotFound for a park that does not exist
    if len(text) > MAX_FRAMEWORK_CHARS:
        raise DataError(f"the framework file is longer than {MAX_FRAMEWORK_CHARS} characters")
    framework = parse_framework(text)
    existing = [f for f in list_frameworks(scope, park_id) if f.code == framework.code]
    if any(f.version == framework.version for f in existing):
        raise FrameworkVersionExists(
            f"framework '{framework.code}' version '{framework.version}' exists already and cannot change; "
            f"give a new version (versions there are: {', '.join(f.version for f in existing)})"
        )
    with transaction(scope.engine) as session:
        row = EvaluationFrameworkRow(
            park_id=park_id,
            code=framework.code,
            version=framework.version,
            name_zh=framework.name_zh[:200],
            text=text,
            created_by=scope.user.username,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            user=scope.user.username,
            role=scope.user.role,
            action=audit.CREATE,
            entity=FRAMEWORK,
            entity_id=str(row.id),
            after={"park_id": park_id, "code": framework.code, "version": framework.version},
            ip=scope.ip,
        )
    return framework


def parse_declarations(raw: Mapping[str, Any] | None) -> dict[str, Declaration]:
    """Declarations from JSON (``{item: {"met": true, "evidence": ["id", ...], "points": 80}}``).

    Raises
    ------
    DataError
        Not a mapping of mappings.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise DataError('declarations: write a JSON object {"item": {"met": true, "evidence": ["…"]}}')
    out: dict[str, Declaration] = {}
    for code, d in raw.items():
        if not isinstance(d, Mapping):
            raise DataError(f'declarations.{code}: write {{"met": true, "evidence": ["…"]}}')
        try:
            out[str(code)] = Declaration.from_dict(d)
        except (TypeError, ValueError) as exc:
            raise DataError(f"declarations.{code}: {exc}") from None
    return out


def diagnose(
    scope: Scope,
    park_id: str,
    year: int,
    code: str,
    *,
    version: str | None = None,
    enterprise_id: str | None = None,
    declarations: Mapping[str, Declaration] | None = None,
) -> Evaluation:
    """Score the park (or ``enterprise_id``; an enterprise user: its own) for ``year``; nothing stored.

    Raises
    ------
    NotFound
        Framework unknown, no national-method run of the view for the year, or outside the scope.
    SubjectNotSupported
        The framework does not evaluate that kind of subject.
    UnknownDeclaration, DeclarationWithoutEvidence
        A declaration that cannot be used.
    """
    framework = get_framework(scope, park_id, code, version)
    view = latest_view(scope, park_id, year, Method.NATIONAL, enterprise_id=enterprise_id)
    if view is None:
        raise no_run(park_id, year, enterprise_id if not scope.is_enterprise else scope.enterprise_id)
    subject = "park" if view.inventory.enterprise_id is None else "enterprise"
    if subject not in framework.subjects:
        raise SubjectNotSupported(
            f"framework '{framework.code}' evaluates {', '.join(framework.subjects)}, not an {subject}; "
            "choose another framework (e.g. eu-races-self-assessment for an enterprise)"
        )
    decl = dict(declarations or {})
    card = score(framework, measures(view.inventory, view.indicators), subject=subject, declarations=decl)
    return Evaluation(park_id, view.inventory.enterprise_id, year, framework, view.run_id, card, decl)


def evaluate(
    scope: Scope,
    park_id: str,
    year: int,
    code: str,
    *,
    version: str | None = None,
    enterprise_id: str | None = None,
    declarations: Mapping[str, Declaration] | None = None,
) -> EvaluationRun:
    """:func:`diagnose`, then store the run (audited) and return it.

    Raises
    ------
    PermissionDenied
        A read-only role (verifier, device).
    (and everything :func:`diagnose` raises)
    """
    scope.check_park(park_id)
    result = diagnose(
        scope, park_id, year, code, version=version, enterprise_id=enterprise_id, declarations=declarations
    )
    scope.check_write(RUN, "(new)", park_id=park_id, enterprise_id=result.enterprise_id)
    card = result.scorecard
    with transaction(scope.engine) as session:
        row = EvaluationRunRow(
            park_id=park_id,
            enterprise_id=result.enterprise_id,
            year=year,
            framework_code=result.framework.code,
            framework_version=result.framework.version,
            framework_builtin=result.framework.builtin,
            inventory_run_id=result.inventory_run_id,
            score=card.score,
            grade=card.grade,
            declarations={k: v.to_dict() for k, v in result.declarations.items()},
            scorecard=card.to_dict(),
            created_by=scope.user.username,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            user=scope.user.username,
            role=scope.user.role,
            action=audit.CREATE,
            entity=RUN,
            entity_id=str(row.id),
            after={
                "park_id": park_id,
                "enterprise_id": result.enterprise_id,
                "year": year,
                "framework": f"{result.framework.code}@{result.framework.version}",
                "inventory_run_id": result.inventory_run_id,
                "score": card.score,
                "grade": card.grade,
            },
            ip=scope.ip,
        )
        run = _run_of(row)
    return run


def _run_of(row: EvaluationRunRow) -> EvaluationRun:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return EvaluationRun(
        id=row.id,
        park_id=row.park_id,
        enterprise_id=row.enterprise_id,
        year=row.year,
        framework_code=row.framework_code,
        framework_version=row.framework_version,
        framework_builtin=row.framework_builtin,
        inventory_run_id=row.inventory_run_id,
        scorecard=Scorecard.from_dict(row.scorecard),
        declarations={k: Declaration.from_dict(v) for k, v in (row.declarations or {}).items()},
        created_by=row.created_by,
        created_at=created,
    )


def get_run(scope: Scope, run_id: int) -> EvaluationRun:
    """One stored evaluation run inside ``scope`` (NotFound otherwise, audited)."""
    return _run_of(queries.run_row(scope, run_id))


def list_runs(
    scope: Scope, park_id: str, *, year: int | None = None, enterprise_id: str | None = None
) -> list[EvaluationRun]:
    """The park's evaluation runs inside ``scope``, newest first (an enterprise user: its own only)."""
    scope.check_park(park_id)
    return [_run_of(r) for r in queries.run_rows(scope, park_id, year=year, enterprise_id=enterprise_id)]


def trace(scope: Scope, run: EvaluationRun, item_code: str) -> list[LineItem]:
    """The inventory line items an item of ``run`` used (from the inventory run it was scored on).

    Raises
    ------
    NotFound
        No such item, or the inventory run is outside the scope (or was deleted).
    """
    try:
        ids = set(run.scorecard.item(item_code).line_ids)
    except KeyError:
        raise NotFound(f"evaluation run {run.id} has no item '{item_code}'") from None
    view = view_of_run(scope, run.inventory_run_id)
    return [li for li in view.inventory.lines if li.id in ids]
