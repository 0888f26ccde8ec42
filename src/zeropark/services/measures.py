"""Reduction measures (减排措施) as use cases: the built-in library and a park's own measures.

One set of functions for the web page, the API and the CLI (one number, one source):

- :func:`list_measures` / :func:`get_measure`: the built-in library (``roadmap/data/measures.csv``,
  every row citing an official document) and the park's own measures, each with a ``builtin``
  flag, its cited source and the unit of its effect. Every user of the park reads them (an
  enterprise user too: the park's plan concerns it);
- :func:`add_measure` / :func:`import_measures`: a park manager (or admin) adds measures, checked
  by the same :func:`zeropark.roadmap.measures.parse_measure_row` and
  :func:`~zeropark.roadmap.measures.check` as the library (a cited source, a lifetime > 0, a
  fuel switch naming what it switches to, ...), an id unique within the park and not a built-in
  id; a file is stored all or nothing, in one transaction; audited;
- :func:`delete_measure`: a park manager deletes a park measure (a built-in one cannot be), audited.

Units: effects in the carrier's canonical unit per unit per year (:func:`effect_unit`), money in
CNY, lifetimes and ramps in years.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from zeropark.errors import NotFound, RowError
from zeropark.factors.factorset import Confidence, Source
from zeropark.model import Carrier
from zeropark.roadmap.measures import (
    MEASURE_COLUMNS,
    SOURCE_COLUMNS,
    Measure,
    MeasureError,
    Mechanism,
    Pathway,
    builtin_measures,
    builtin_sources,
    effect_unit,
    measure_row,
    parse_inline_source,
    parse_measure_row,
    parse_measure_rows,
)
from zeropark.store import audit
from zeropark.store.db import transaction
from zeropark.store.queries import measures as queries
from zeropark.store.queries.parks import park as park_in_scope
from zeropark.store.schema import ParkMeasureRow
from zeropark.store.scope import Scope

__all__ = [
    "MEASURE_COLUMNS",
    "MeasureView",
    "add_measure",
    "delete_measure",
    "get_measure",
    "import_measures",
    "known_sources",
    "list_measures",
    "park_library",
    "measures_table",
    "park_sources",
]

ENTITY = "park_measure"


@dataclass(frozen=True, slots=True)
class MeasureView:
    """A measure as every door shows it: the measure, whether built in, its source and units."""

    measure: Measure
    builtin: bool
    source: Source
    created_by: str | None = None
    created_at: datetime | None = None

    @property
    def effect_unit(self) -> str:
        """Unit of ``effect_per_unit`` (e.g. ``kWh/a per kW``)."""
        return effect_unit(self.measure)

    @property
    def uncertain(self) -> bool:
        """[UNCERTAIN]: the row says so or its source is UNCERTAIN."""
        return self.measure.uncertain or self.source.confidence.value == "UNCERTAIN"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (API, ``--format json``): the measure's fields typed, plus units and source."""
        m = self.measure
        return {
            "id": m.id,
            "builtin": self.builtin,
            "name_zh": m.name_zh,
            "name_en": m.name_en,
            "pathway": m.pathway.value,
            "mechanism": m.mechanism.value,
            "carrier": m.carrier.value if m.carrier else None,
            "to_carrier": m.to_carrier.value if m.to_carrier else None,
            "ratio": m.ratio,
            "factor_id": m.factor_id,
            "unit": m.unit,
            "effect_per_unit": m.effect_per_unit,
            "effect_unit": self.effect_unit,
            "capex_cny_per_unit": m.capex_cny_per_unit,
            "opex_cny_per_unit_year": m.opex_cny_per_unit_year,
            "lifetime_years": m.lifetime_years,
            "ramp_years": m.ramp_years,
            "max_share": m.max_share,
            "build_limit": m.build_limit,
            "industries": list(m.industries),
            "source_id": m.source_id,
            "source": {
                "title": self.source.title,
                "issuer": self.source.issuer,
                "number": self.source.number,
                "date": self.source.date,
                "url": self.source.url,
                "confidence": self.source.confidence.value,
                "citation": self.source.citation(),
            },
            "uncertain": self.uncertain,
            "note": m.note,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


def measures_table(views: list[MeasureView]) -> str:
    """A CSV of ``views`` (:data:`MEASURE_COLUMNS` + ``SOURCE_COLUMNS``) that :func:`import_measures` reads.

    A park's own document is written out in the ``source_*`` columns of the measures citing it;
    built-in sources are cited by id. Export, edit, give the rows new ids and import.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=(*MEASURE_COLUMNS, *SOURCE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    builtin = known_sources()
    for v in views:
        row: dict[str, str] = dict(measure_row(v.measure))
        if v.source.id not in builtin:
            row |= {
                "source_title": v.source.title,
                "source_issuer": v.source.issuer,
                "source_number": v.source.number,
                "source_date": v.source.date,
                "source_url": v.source.url,
                "source_confidence": v.source.confidence.value,
            }
        writer.writerow(row)
    return out.getvalue()


def known_sources() -> Mapping[str, Source]:
    """The documents a measure may cite: the roadmap sources and the factor library's."""
    return builtin_sources()


def _measure_of(row: ParkMeasureRow) -> Measure:
    return Measure(
        id=row.measure_id,
        name_zh=row.name_zh,
        name_en=row.name_en,
        pathway=Pathway(row.pathway),
        mechanism=Mechanism(row.mechanism),
        carrier=Carrier(row.carrier) if row.carrier else None,
        unit=row.unit,
        effect_per_unit=row.effect_per_unit,
        capex_cny_per_unit=row.capex_cny_per_unit,
        opex_cny_per_unit_year=row.opex_cny_per_unit_year,
        lifetime_years=row.lifetime_years,
        source_id=row.source_id,
        to_carrier=Carrier(row.to_carrier) if row.to_carrier else None,
        ratio=row.ratio,
        factor_id=row.factor_id,
        max_share=row.max_share,
        build_limit=row.build_limit,
        ramp_years=row.ramp_years,
        industries=tuple(p for p in row.industries.split(";") if p),
        uncertain=row.uncertain,
        note=row.note,
    )


def _source_of_row(row: ParkMeasureRow) -> Source | None:
    """The park's own document a row cites (its ``source_*`` columns), or None for a built-in one."""
    if not row.source_title:
        return None
    date = row.source_date or ""
    return Source(
        id=row.source_id,
        title=row.source_title,
        issuer=row.source_issuer or "",
        year=int(date[:4]) if date[:4].isdigit() else None,
        table="",
        url=row.source_url or "",
        confidence=Confidence(row.source_confidence or Confidence.UNCERTAIN.value),
        number=row.source_number or "",
        date=date,
        published=row.source_url or row.source_issuer or "",
    )


def _view_of_row(row: ParkMeasureRow) -> MeasureView:
    m = _measure_of(row)
    source = _source_of_row(row) or known_sources()[m.source_id]
    return MeasureView(m, False, source, row.created_by, row.created_at)


def park_sources(scope: Scope, park_id: str) -> dict[str, Source]:
    """The park's own documents cited by its measures (id → source)."""
    out: dict[str, Source] = {}
    for row in queries.park_measures(scope, park_id):
        source = _source_of_row(row)
        if source is not None:
            out[source.id] = source
    return out


def _builtin_view(m: Measure) -> MeasureView:
    return MeasureView(m, True, known_sources()[m.source_id])


def park_library(scope: Scope, park_id: str) -> tuple[Measure, ...]:
    """The measures a park plans with: the built-in library and the park's own (scenarios, pathway)."""
    return tuple(v.measure for v in list_measures(scope, park_id))


def list_measures(
    scope: Scope, park_id: str, *, pathway: str | None = None, mechanism: str | None = None
) -> list[MeasureView]:
    """The built-in measures, then the park's own (by id), optionally of one pathway/mechanism.

    Raises
    ------
    NotFound
        The park is outside the scope or does not exist (audited).
    MeasureError
        ``pathway`` or ``mechanism`` is not one of the known values (field named).
    """
    park_in_scope(scope, park_id)
    problems: list[RowError] = []
    for name, value, kind in (("pathway", pathway, Pathway), ("mechanism", mechanism, Mechanism)):
        if value and value not in {k.value for k in kind}:
            known = ", ".join(k.value for k in kind)
            problems.append(
                RowError("measures", None, None, name, f"unknown {name} '{value}'; use one of: {known}")
            )
    if problems:
        raise MeasureError(problems)
    views = [_builtin_view(m) for m in builtin_measures()]
    views += [_view_of_row(r) for r in queries.park_measures(scope, park_id)]
    return [
        v
        for v in views
        if (not pathway or v.measure.pathway.value == pathway)
        and (not mechanism or v.measure.mechanism.value == mechanism)
    ]


def get_measure(scope: Scope, park_id: str, measure_id: str) -> MeasureView:
    """One measure, built-in or the park's own.

    Raises
    ------
    NotFound
        No such measure (or the park is outside the scope).
    """
    park_in_scope(scope, park_id)
    for m in builtin_measures():
        if m.id == measure_id:
            return _builtin_view(m)
    row = queries.park_measure(scope, park_id, measure_id)
    if row is None:
        raise NotFound(f"measure '{measure_id}' not found in park {park_id} or the built-in library")
    return _view_of_row(row)


def _row_of(
    measure: Measure, source: Source | None, park_id: str, user: str, now: datetime
) -> ParkMeasureRow:
    return ParkMeasureRow(
        source_title=source.title if source else None,
        source_issuer=source.issuer if source else None,
        source_number=source.number if source else None,
        source_date=source.date if source else None,
        source_url=source.url if source else None,
        source_confidence=source.confidence.value if source else None,
        park_id=park_id,
        measure_id=measure.id,
        name_zh=measure.name_zh,
        name_en=measure.name_en,
        pathway=measure.pathway.value,
        mechanism=measure.mechanism.value,
        carrier=measure.carrier.value if measure.carrier else None,
        to_carrier=measure.to_carrier.value if measure.to_carrier else None,
        ratio=measure.ratio,
        factor_id=measure.factor_id,
        unit=measure.unit,
        effect_per_unit=measure.effect_per_unit,
        capex_cny_per_unit=measure.capex_cny_per_unit,
        opex_cny_per_unit_year=measure.opex_cny_per_unit_year,
        lifetime_years=measure.lifetime_years,
        ramp_years=measure.ramp_years,
        max_share=measure.max_share,
        build_limit=measure.build_limit,
        industries=";".join(measure.industries),
        source_id=measure.source_id,
        uncertain=measure.uncertain,
        note=measure.note,
        created_by=user,
        created_at=now,
    )


def _store(
    scope: Scope,
    park_id: str,
    measures: list[Measure],
    file: str,
    lines: list[int],
    sources: list[Source | None],
) -> list[MeasureView]:
    """Check ids against the library and the park, then store every measure in one transaction."""
    builtin_ids = {m.id for m in builtin_measures()}
    park_ids = {r.measure_id for r in queries.park_measures(scope, park_id)}
    problems: list[RowError] = []
    for m, line in zip(measures, lines, strict=True):
        if m.id in builtin_ids:
            problems.append(
                RowError(
                    file, None, line or None, "id", f"'{m.id}' is a built-in measure's id; choose another id"
                )
            )
        elif m.id in park_ids:
            problems.append(
                RowError(
                    file,
                    None,
                    line or None,
                    "id",
                    f"the park already has a measure '{m.id}'; choose another id",
                )
            )
    if problems:
        raise MeasureError(problems)
    now = datetime.now(UTC)
    views: list[MeasureView] = []
    try:
        with transaction(scope.engine) as session:
            for m, source in zip(measures, sources, strict=True):
                row = _row_of(m, source, park_id, scope.user.username, now)
                session.add(row)
                session.flush()
                after: dict[str, Any] = dict(measure_row(m))
                if source is not None:
                    after["source"] = source.citation()
                scope.audit(session, audit.CREATE, ENTITY, f"{park_id}/{m.id}", after=after)
                views.append(_view_of_row(row))
    except IntegrityError:
        # another request stored one of these ids in between (uq_park_measure); nothing was stored
        ids = ", ".join(m.id for m in measures)
        raise MeasureError(
            [
                RowError(
                    file, None, None, "id", f"the park already has a measure among {ids}; reload and retry"
                )
            ]
        ) from None
    return views


def _require_writer(scope: Scope, park_id: str, measure_id: str) -> None:
    park_in_scope(scope, park_id)
    scope.require_manager(ENTITY, f"{park_id}/{measure_id}")


def add_measure(
    scope: Scope, park_id: str, fields: Mapping[str, str], *, file: str = "measure"
) -> MeasureView:
    """Add one park measure from its text fields (:data:`MEASURE_COLUMNS`; a form, an API body).

    Raises
    ------
    NotFound
        The park is outside the scope (audited).
    PermissionDenied
        The user is not a park manager or admin (audited).
    MeasureError
        Every problem of the fields (column named), or an id already used.
    """
    _require_writer(scope, park_id, str(fields.get("id", "")))
    own = park_sources(scope, park_id)
    known = {**known_sources(), **own}
    inline: Source | None = None
    problems: list[RowError] = []
    try:
        inline = parse_inline_source(fields, known, file=file)
    except MeasureError as exc:
        problems.extend(exc.errors)
    try:
        measure = parse_measure_row(fields, {*known, *([inline.id] if inline else [])}, file=file)
    except MeasureError as exc:
        reported = {p.field for p in problems}
        problems.extend(e for e in exc.errors if e.field not in reported)
    if problems:
        raise MeasureError(problems)
    source = inline or own.get(measure.source_id)
    return _store(scope, park_id, [measure], file, [0], [source])[0]


def import_measures(scope: Scope, park_id: str, text: str, *, file: str) -> list[MeasureView]:
    """Add every measure of a CSV (header :data:`MEASURE_COLUMNS`), all or nothing.

    Raises
    ------
    MeasureError
        Any rejected row (file, row, column named) — then nothing is stored.
    """
    _require_writer(scope, park_id, file)
    own = park_sources(scope, park_id)
    rows = parse_measure_rows(text, file, {**known_sources(), **own}, allow_inline_sources=True)
    return _store(
        scope,
        park_id,
        [m for m, _, _ in rows],
        file,
        [line for _, _, line in rows],
        [source or own.get(m.source_id) for m, source, _ in rows],
    )


def delete_measure(scope: Scope, park_id: str, measure_id: str) -> None:
    """Delete one of the park's own measures (audited with what it was).

    Raises
    ------
    NotFound
        No such park measure; a built-in measure cannot be deleted (the message says so).
    PermissionDenied
        The user is not a park manager or admin.
    """
    _require_writer(scope, park_id, measure_id)
    if any(m.id == measure_id for m in builtin_measures()):
        raise NotFound(f"'{measure_id}' is a built-in measure; only a park's own measures can be deleted")
    with transaction(scope.engine) as session:
        found = session.scalars(
            select(ParkMeasureRow).where(
                ParkMeasureRow.park_id == park_id, ParkMeasureRow.measure_id == measure_id
            )
        ).first()
        if found is None:
            raise NotFound(f"park {park_id} has no measure '{measure_id}'")
        scope.audit(
            session, audit.DELETE, ENTITY, f"{park_id}/{measure_id}", before=measure_row(_measure_of(found))
        )
        session.delete(found)
