"""Reading factor tables: the built-in sets (package data) and a user's custom CSV.

Parsing is pure (text in, :class:`FactorSet` out); only :func:`load_factor_set` and
:func:`load_custom_csv` open files. Every row is checked and all problems are reported together
in one :class:`zeropark.errors.ValidationError` whose :class:`~zeropark.errors.RowError` s name the
file, the row (1-based, header = row 1, as a spreadsheet shows it), the column and the fix.

A custom CSV has the columns of a factor table (``FACTOR_COLUMNS``) and, optionally, the source
columns (``SOURCE_COLUMNS``: ``source_title, source_issuer, source_year, source_table, source_url,
source_confidence``, and optionally ``source_number, source_date, source_published``) to cite a
document the base set does not know (a supplier's certificate, a lab report of measured NCV). Its
rows override the base set's rows with the same id or the same (kind, key, parameter, region,
year); the result is a new immutable version
``<base version>+<first 12 hex digits of its sha256>``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from zeropark.errors import RowError, UnitMismatch, ValidationError
from zeropark.factors.factorset import (
    CONTENT_COLUMNS,
    FACTOR_COLUMNS,
    NATIONAL,
    OPTIONAL_SOURCE_COLUMNS,
    PARAMETERS,
    Confidence,
    Factor,
    FactorKind,
    FactorSet,
    Source,
    canonical_unit,
    carrier_of,
)
from zeropark.model import Carrier
from zeropark.units import convert

__all__ = [
    "is_builtin_factor",
    "user_factors",
    "BUILTIN_SET",
    "builtin_set_names",
    "load_custom_csv",
    "load_factor_set",
    "parse_custom_csv",
    "parse_factor_rows",
    "parse_sources",
    "set_from_content",
]

#: Name of the default built-in set.
BUILTIN_SET = "CN-park-2025"
#: The built-in tables (sets.csv, sources.csv, one CSV per kind), shipped beside this module.
_DATA_DIR = Path(__file__).with_name("data")
_SOURCE_BASE_COLUMNS = (
    "id",
    "title",
    "issuer",
    "number",
    "date",
    "published",
    "year",
    "table",
    "url",
    "confidence",
)
#: Hosts of the issuers the built-in library cites (their own sites, never a re-post): ministries
#: and agencies of the State Council (``gov.cn``), the national standards platform, the IPCC and
#: its inventory programme, the UNFCCC, and the DOI resolver of a published book.
OFFICIAL_HOSTS: tuple[str, ...] = (
    "gov.cn",
    "ipcc.ch",
    "ipcc-nggip.iges.or.jp",
    "unfccc.int",
    "doi.org",
)
_CONFIDENCE_HELP = "P, S or UNCERTAIN"


@dataclass(frozen=True, slots=True)
class _Manifest:
    name: str
    version: str
    description: str
    files: tuple[str, ...]


def _read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    return header, rows


def _missing_columns(header: list[str], required: Iterable[str], file: str) -> list[RowError]:
    missing = [c for c in required if c not in header]
    if not missing:
        return []
    return [
        RowError(
            file,
            None,
            1,
            None,
            f"missing column(s) {', '.join(missing)}; the header must be: {','.join(required)}",
        )
    ]


def _parse_int(text: str) -> int:
    value = float(text)
    if not value.is_integer():
        raise ValueError(text)
    return int(value)


def parse_sources(text: str, file: str = "sources.csv") -> dict[str, Source]:
    """Parse the library's sources table (``id,title,issuer,number,date,published,year,table,url,...``).

    The library cites official documents only: every source names its issuer, the document's
    number (文号, standard number, DOI/ISBN) and date, and where the issuer publishes it; a URL,
    when given, is on the issuer's own site (:data:`OFFICIAL_HOSTS`), never a re-post.

    Raises
    ------
    ValidationError
        On a missing column, an empty id, title, issuer, number, date or place of publication, a
        duplicate id, a bad year, date or confidence, a URL that is not the issuer's own.
    """
    header, rows = _read_csv(text)
    errors = _missing_columns(header, _SOURCE_BASE_COLUMNS, file)
    if errors:
        raise ValidationError(errors)
    sources: dict[str, Source] = {}
    for line, row in enumerate(rows, start=2):
        source, row_errors = _source_from_fields(
            row["id"],
            row["title"],
            row["issuer"],
            row["year"],
            row["table"],
            row["url"],
            row["confidence"],
            file,
            line,
            prefix="",
            number=row["number"],
            date=row["date"],
            published=row["published"],
        )
        row_errors.extend(_official_citation_errors(row, file, line))
        if source is not None and source.id in sources:
            row_errors.append(
                RowError(file, None, line, "id", f"duplicate source id '{source.id}'; ids must be unique")
            )
        errors.extend(row_errors)
        if source is not None and not row_errors:
            sources[source.id] = source
    if errors:
        raise ValidationError(errors)
    return sources


def _official_citation_errors(row: Mapping[str, str], file: str, line: int) -> list[RowError]:
    """What a library source lacks to cite an official document (issuer, number, date, place)."""
    errors: list[RowError] = []
    needs = {
        "issuer": "name the issuing body (e.g. 生态环境部 / 国家统计局)",
        "number": "give the document's number (文号 such as 公告2024年第12号, a standard's number, a DOI)",
        "date": "give the date of issue as YYYY-MM-DD (or YYYY-MM / YYYY when only that is known)",
        "published": "say where the issuer publishes it (its website or the official gazette)",
    }
    # an [UNCERTAIN] source (stated as such in every report) may still lack its document number
    optional = {"number"} if row["confidence"] == Confidence.UNCERTAIN.value else set()
    for column, fix in needs.items():
        if not row[column].strip() and column not in optional:
            errors.append(RowError(file, None, line, column, f"empty {column}; {fix}"))
    url = row["url"].strip()
    if url and not is_official_url(url):
        errors.append(
            RowError(
                file,
                None,
                line,
                "url",
                f"'{url}' is not on an issuer's own site ({', '.join(OFFICIAL_HOSTS)}); cite the "
                "document where its issuer publishes it, never a re-post",
            )
        )
    return errors


def is_official_url(url: str) -> bool:
    """Whether ``url`` is an https/http address on one of :data:`OFFICIAL_HOSTS` (or a subdomain)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        return False
    host = rest.split("/", 1)[0].split(":", 1)[0].lower()
    return any(host == h or host.endswith("." + h) for h in OFFICIAL_HOSTS)


def _valid_date(text: str) -> bool:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` with a real month and day."""
    parts = text.split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return False
    try:
        _dt.date(
            int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1
        )
    except ValueError:
        return False
    return all(len(p) == 2 for p in parts[1:])


def _source_from_fields(
    sid: str,
    title: str,
    issuer: str,
    year: str,
    table: str,
    url: str,
    confidence: str,
    file: str,
    line: int,
    *,
    prefix: str,
    number: str = "",
    date: str = "",
    published: str = "",
) -> tuple[Source | None, list[RowError]]:
    errors: list[RowError] = []
    if date and not _valid_date(date):
        errors.append(
            RowError(
                file, None, line, f"{prefix}date", f"date '{date}' is not YYYY-MM-DD (or YYYY-MM / YYYY)"
            )
        )
    if not sid:
        errors.append(
            RowError(
                file, None, line, "source_id" if prefix else "id", "empty source id; give the source an id"
            )
        )
    if not title:
        errors.append(
            RowError(
                file,
                None,
                line,
                f"{prefix}title",
                "empty source title; name the document the value comes from",
            )
        )
    year_value: int | None = None
    if year:
        try:
            year_value = _parse_int(year)
        except ValueError:
            errors.append(
                RowError(
                    file, None, line, f"{prefix}year", f"year '{year}' is not a whole number; write e.g. 2024"
                )
            )
    try:
        conf = Confidence(confidence or Confidence.SECONDARY.value)
    except ValueError:
        errors.append(
            RowError(
                file,
                None,
                line,
                f"{prefix}confidence",
                f"confidence '{confidence}' is unknown; use {_CONFIDENCE_HELP}",
            )
        )
        conf = Confidence.UNCERTAIN
    if errors:
        return None, errors
    return Source(sid, title, issuer, year_value, table, url, conf, number, date, published), errors


def _check_key(kind: FactorKind, key: str) -> str | None:
    """Return an error message when ``key`` is not valid for ``kind``."""
    if not key:
        return "empty key; give the carrier, gas or process name"
    if kind in (FactorKind.STANDARD_COAL, FactorKind.FUEL, FactorKind.CONVERSION):
        try:
            carrier_of(key)
        except ValueError:
            known = ", ".join(c.value for c in Carrier)
            return f"unknown carrier '{key.partition('/')[0]}'; use one of: {known}"
    if kind is FactorKind.GRID_ELECTRICITY and key != "electricity":
        return f"key '{key}' is not valid for grid_electricity; write 'electricity'"
    if kind is FactorKind.HEAT and key != "heat":
        return f"key '{key}' is not valid for heat; write 'heat'"
    return None


def parse_factor_rows(
    text: str,
    file: str,
    known_sources: Mapping[str, Source],
    *,
    allow_inline_sources: bool = False,
) -> tuple[list[Factor], dict[str, Source]]:
    """Parse a factor table into factors (canonical ``value``, cited ``cited_value``).

    Parameters
    ----------
    text : str
        CSV text with the columns ``FACTOR_COLUMNS`` (and ``SOURCE_COLUMNS`` when
        ``allow_inline_sources``).
    file : str
        File name quoted in errors.
    known_sources : Mapping[str, Source]
        Sources a row may cite by ``source_id``.
    allow_inline_sources : bool
        Whether a row may define a new source with the ``source_*`` columns.

    Returns
    -------
    (list of Factor, dict of new sources)

    Raises
    ------
    ValidationError
        Every problem found, each with row, column and fix: missing column, empty or duplicate id,
        unknown kind, carrier, parameter or source_id, non-numeric value or year, a unit that does
        not convert to the canonical unit.
    """
    header, rows = _read_csv(text)
    errors = _missing_columns(header, FACTOR_COLUMNS, file)
    if errors:
        raise ValidationError(errors)
    factors: list[Factor] = []
    new_sources: dict[str, Source] = {}
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue  # blank line
        row_errors: list[RowError] = []

        def err(column: str, message: str, _line: int = line, _errs: list[RowError] = row_errors) -> None:
            _errs.append(RowError(file, None, _line, column, message))

        fid = row["id"]
        if not fid:
            err("id", "empty id; give every factor a unique id such as 'grid.average.supplier.2024'")
        elif fid in seen:
            err("id", f"duplicate id '{fid}' (first on row {seen[fid]}); ids must be unique within a file")
        else:
            seen[fid] = line
        kind: FactorKind | None = None
        try:
            kind = FactorKind(row["kind"])
        except ValueError:
            err("kind", f"unknown kind '{row['kind']}'; use one of: {', '.join(k.value for k in FactorKind)}")
        key, parameter = row["key"], row["parameter"]
        unit_canonical: str | None = None
        if kind is not None:
            key_error = _check_key(kind, key)
            if key_error:
                err("key", key_error)
            if parameter not in PARAMETERS[kind]:
                err(
                    "parameter",
                    f"parameter '{parameter}' is not valid for kind {kind.value}; "
                    f"use one of: {', '.join(sorted(PARAMETERS[kind]))}",
                )
            if not key_error and parameter in PARAMETERS[kind]:
                unit_canonical = canonical_unit(kind, key, parameter)
        cited_value: float | None = None
        try:
            cited_value = float(row["value"])
        except ValueError:
            err(
                "value",
                f"value '{row['value']}' is not a non-negative number; write digits with a decimal "
                "point, e.g. 0.5703",
            )
        if cited_value is not None and not math.isfinite(cited_value):
            err("value", f"value '{row['value']}' is not a finite number; write the factor, e.g. 0.5703")
            cited_value = None
        elif cited_value is not None and cited_value < 0:
            err(
                "value",
                f"value {cited_value:g} is negative; factors are ≥ 0 (an emission factor, heat value or "
                "coefficient cannot be below zero) — check the sign",
            )
            cited_value = None
        value: float | None = None
        if unit_canonical is not None and cited_value is not None:
            try:
                value = convert(cited_value, row["unit"], unit_canonical, f"factor {fid}")
            except UnitMismatch:
                err(
                    "unit",
                    f"unit '{row['unit']}' does not convert to '{unit_canonical}' "
                    f"for {kind} {key}/{parameter}; "
                    f"write a unit such as '{unit_canonical}'",
                )
        year: int | None = None
        if row["year"]:
            try:
                year = _parse_int(row["year"])
            except ValueError:
                err("year", f"year '{row['year']}' is not a whole number; write e.g. 2023 or leave it empty")
        region = row["region"]
        if kind is FactorKind.GRID_ELECTRICITY:
            region = region or NATIONAL
            if year is None and "year" not in {e.field for e in row_errors}:
                err("year", "a grid electricity factor needs the data year it applies to, e.g. 2023")
        if (
            kind is FactorKind.STANDARD_COAL
            and parameter == "equal_value"
            and year is None
            and row["year"] == ""
        ):
            err(
                "year",
                "an equal_value (等价值) coefficient needs its year (the supply coal rate changes yearly)",
            )
        uncertainty: float | None = None
        if row["uncertainty_pct"]:
            try:
                uncertainty = float(row["uncertainty_pct"])
                if not math.isfinite(uncertainty) or uncertainty < 0:
                    raise ValueError(row["uncertainty_pct"])
            except ValueError:
                uncertainty = None
                err(
                    "uncertainty_pct",
                    f"'{row['uncertainty_pct']}' is not a non-negative number of percent; e.g. 5",
                )
        source = _resolve_source(
            row, known_sources, new_sources, file, line, allow_inline_sources, row_errors
        )
        errors.extend(row_errors)
        if row_errors or kind is None or value is None or cited_value is None or source is None:
            continue
        factors.append(
            Factor(
                id=fid,
                kind=kind,
                key=key,
                parameter=parameter,
                value=value,
                unit=unit_canonical or "",
                cited_value=cited_value,
                cited_unit=row["unit"],
                region=region,
                year=year,
                source=source,
                uncertainty_pct=uncertainty,
                note=row["note"],
            )
        )
    if errors:
        raise ValidationError(errors)
    return factors, new_sources


def _resolve_source(
    row: Mapping[str, str],
    known: Mapping[str, Source],
    new: dict[str, Source],
    file: str,
    line: int,
    allow_inline: bool,
    errors: list[RowError],
) -> Source | None:
    sid = row["source_id"]
    if allow_inline and row.get("source_title"):
        inline, inline_errors = _source_from_fields(
            sid,
            row.get("source_title", ""),
            row.get("source_issuer", ""),
            row.get("source_year", ""),
            row.get("source_table", ""),
            row.get("source_url", ""),
            row.get("source_confidence", ""),
            file,
            line,
            prefix="source_",
            number=row.get("source_number", "") or "",
            date=row.get("source_date", "") or "",
            published=row.get("source_published", "") or "",
        )
        errors.extend(inline_errors)
        if inline is None:
            return None
        previous = known.get(sid) or new.get(sid)
        if previous is not None and previous != inline:
            errors.append(
                RowError(
                    file,
                    None,
                    line,
                    "source_id",
                    f"source id '{sid}' already names another document ('{previous.title}'); "
                    "choose a new source_id for this document",
                )
            )
            return None
        new[sid] = inline
        return inline
    if not sid:
        errors.append(
            RowError(file, None, line, "source_id", "empty source_id; cite the document the value comes from")
        )
        return None
    found = known.get(sid) or new.get(sid)
    if found is None:
        fix = (
            "use an id of the base set's sources (`zeropark factors sources` lists them) or fill the "
            "source_title, source_issuer, source_year, source_table, source_url and source_confidence columns"
            if allow_inline
            else "add it to sources.csv"
        )
        errors.append(RowError(file, None, line, "source_id", f"unknown source_id '{sid}'; {fix}"))
    return found


@lru_cache(maxsize=1)
def _manifests() -> Mapping[str, _Manifest]:
    """The built-in sets of ``sets.csv`` (package data, read once: every accounted view asks)."""
    text = (_DATA_DIR / "sets.csv").read_text(encoding="utf-8")
    _, rows = _read_csv(text)
    return {
        r["name"]: _Manifest(r["name"], r["version"], r["description"], tuple(r["files"].split(";")))
        for r in rows
    }


def builtin_set_names() -> tuple[str, ...]:
    """Names of the built-in factor sets."""
    return tuple(sorted(_manifests()))


@lru_cache(maxsize=8)
def load_factor_set(name: str = BUILTIN_SET) -> FactorSet:
    """Load a built-in factor set from the package data (``zeropark/factors/data``).

    Parameters
    ----------
    name : str
        Set name, default ``CN-park-2025``.

    Returns
    -------
    FactorSet
        Immutable; ``sha256`` over its :meth:`FactorSet.content_csv`.

    Raises
    ------
    KeyError
        If no built-in set has that name (the message lists the names).
    ValidationError
        If the packaged tables are inconsistent (a test guards against it).
    """
    manifests = _manifests()
    if name not in manifests:
        raise KeyError(f"no built-in factor set '{name}'; built-in sets: {', '.join(sorted(manifests))}")
    manifest = manifests[name]
    sources = parse_sources((_DATA_DIR / "sources.csv").read_text(encoding="utf-8"))
    factors: list[Factor] = []
    errors: list[RowError] = []
    for file in manifest.files:
        try:
            rows, _ = parse_factor_rows((_DATA_DIR / file).read_text(encoding="utf-8"), file, sources)
        except ValidationError as exc:
            errors.extend(exc.errors)
            continue
        factors.extend(rows)
    ids = [f.id for f in factors]
    errors.extend(
        RowError("factors/data", None, None, "id", f"id '{i}' appears in more than one file")
        for i in sorted({i for i in ids if ids.count(i) > 1})
    )
    if errors:
        raise ValidationError(errors)
    return FactorSet.build(
        name, manifest.version, factors, sources.values(), description=manifest.description
    )


def _provenance(f: Factor) -> tuple[object, ...]:
    """What makes two factor rows the same cited value (a stored copy of a built-in row included)."""
    return (f.id, f.kind, f.key, f.parameter, f.region, f.year, f.cited_value, f.cited_unit, f.source.id)


@lru_cache(maxsize=1)
def _builtin_provenance() -> frozenset[tuple[object, ...]]:
    return frozenset(_provenance(f) for name in builtin_set_names() for f in load_factor_set(name).factors)


def is_builtin_factor(factor: Factor) -> bool:
    """Whether ``factor`` is a row shipped with zeropark (same id, key, year, cited value and source)."""
    return _provenance(factor) in _builtin_provenance()


def user_factors(factor_set: FactorSet) -> tuple[Factor, ...]:
    """The factors of ``factor_set`` that are not shipped with zeropark: a user's own rows.

    A built-in set has none; a custom set (:func:`load_custom_csv`) has the rows its file gave (a
    stored set keeps no list of overrides, so provenance is compared row by row).
    """
    if factor_set.name in builtin_set_names():
        return ()
    return tuple(f for f in factor_set.factors if not is_builtin_factor(f))


def parse_custom_csv(text: str, *, file: str, name: str, base: FactorSet) -> FactorSet:
    """Parse a custom factor table and lay it over ``base`` (pure; see the module docstring).

    Raises
    ------
    ValidationError
        Every rejected row with its row, column and fix; nothing is half-applied.
    """
    known = {s.id: s for s in base.sources}
    custom, new_sources = parse_factor_rows(text, file, known, allow_inline_sources=True)
    if not custom:
        raise ValidationError(
            [RowError(file, None, None, None, "the file has no factor rows; add at least one row")]
        )
    custom_ids = {f.id for f in custom}
    custom_keys = {(f.kind, f.key, f.parameter, f.region, f.year) for f in custom}
    replaced = [
        f.id
        for f in base.factors
        if f.id in custom_ids or (f.kind, f.key, f.parameter, f.region, f.year) in custom_keys
    ]
    kept = [f for f in base.factors if f.id not in set(replaced)]
    merged = kept + custom
    sources = {s.id: s for s in base.sources} | new_sources
    draft = FactorSet.build(name, "draft", merged, sources.values())
    version = f"{base.version}+{draft.sha256[:12]}"
    return FactorSet.build(
        name,
        version,
        merged,
        sources.values(),
        description=f"custom factors from {file} over {base.label}",
        base=base.label,
        overrides=replaced,
    )


def load_custom_csv(path: str | Path, *, name: str, base: FactorSet) -> FactorSet:
    """Load a user's factor CSV (supplier grid factor, measured NCV...) as a new version over ``base``.

    Parameters
    ----------
    path : str or Path
        CSV file (UTF-8, with or without BOM) with the factor-table columns and optional source columns.
    name : str
        Name of the new set, e.g. ``"my-park-2025"``.
    base : FactorSet
        The set the custom rows override (usually ``load_factor_set()``).

    Returns
    -------
    FactorSet
        Version ``<base version>+<sha256[:12]>``; ``overrides`` lists the base ids replaced.

    Raises
    ------
    ValidationError
        With one RowError per problem (file, row, column, fix).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError(
            [RowError(str(p), None, None, None, "file not found; check the path")]
        ) from None
    except UnicodeDecodeError:
        raise ValidationError(
            [
                RowError(
                    str(p), None, None, None, "the file is not UTF-8 text; save it as 'CSV UTF-8' and retry"
                )
            ]
        ) from None
    return parse_custom_csv(text, file=p.name, name=name, base=base)


def set_from_content(
    content: str,
    *,
    name: str,
    version: str,
    sha256: str | None = None,
    description: str = "",
    base: str | None = None,
) -> FactorSet:
    """Rebuild a set from its self-contained CSV (:meth:`FactorSet.content_csv`), e.g. from the store.

    Raises
    ------
    ValidationError
        If the content does not parse, or its sha256 differs from ``sha256`` (tampered or corrupt).
    """
    header, _ = _read_csv(content)
    file = f"{name}@{version}"
    required = tuple(c for c in CONTENT_COLUMNS if c not in OPTIONAL_SOURCE_COLUMNS)
    errors = _missing_columns(header, required, file)
    if errors:
        raise ValidationError(errors)
    factors, sources = parse_factor_rows(content, file, {}, allow_inline_sources=True)
    built = FactorSet.build(name, version, factors, sources.values(), description=description, base=base)
    if sha256 is not None and built.sha256 != sha256:
        raise ValidationError(
            [
                RowError(
                    file,
                    None,
                    None,
                    None,
                    f"content sha256 {built.sha256} differs from the recorded {sha256}; "
                    "the stored factor set was altered — reload it from its source file",
                )
            ]
        )
    return built
