"""因子库 factor library: every factor with its cited source."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from zeropark.factors import FactorSet
from zeropark.services.factor_sets import resolve_factor_set
from zeropark.web.context import PageDep, make_pager

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class FactorRow:
    """One factor of the library with its source."""

    id: str
    kind: str
    key: str
    value: float
    unit: str
    region: str
    year: str
    source: str
    confidence: str
    url: str
    note: str


@dataclass(frozen=True, slots=True)
class FactorLibrary:
    """The built-in factor set."""

    name: str
    version: str
    sha256: str
    rows: list[FactorRow]
    kinds: list[str]


def factor_library(fs: FactorSet, kind: str = "") -> FactorLibrary:
    """The factors of ``fs`` with their sources, optionally one kind only."""
    rows: list[FactorRow] = []
    for f in fs.factors:
        src = f.source
        rows.append(
            FactorRow(
                id=f.id,
                kind=f.kind.value,
                key=f.key,
                value=f.value,
                unit=f.unit,
                region=f.region,
                year="" if f.year is None else str(f.year),
                source=" · ".join(
                    str(x) for x in (src.issuer, src.title, src.number, src.date or src.year, src.table) if x
                ),
                confidence=src.confidence.value,
                url=src.url,
                note=f.note,
            )
        )
    kinds = sorted({r.kind for r in rows})
    if kind:
        rows = [r for r in rows if r.kind == kind]
    return FactorLibrary(fs.name, fs.version, fs.sha256, rows, kinds)


@router.get("/factors", response_class=HTMLResponse)
def factors(page: PageDep, kind: str = "") -> Response:
    """因子库: every factor with value, unit, region, year and its cited source."""
    fs = resolve_factor_set(page.engine, page.request.app.state.settings.factor_set)
    lib = factor_library(fs, kind)
    pager = make_pager(page.request, len(lib.rows), per_page=30)
    return page.render(
        "factors.html",
        "factors",
        "nav_factors",
        lib=lib,
        rows=lib.rows[pager.offset : pager.offset + pager.per_page],
        pager=pager,
        kind=kind,
    )
