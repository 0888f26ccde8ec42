"""Validate the rows of an enterprise data file and turn them into domain records.

Every check collects errors instead of stopping at the first: each :class:`~zeropark.errors.RowError`
names the file, the sheet, the row as the user sees it, the column (its Chinese header) and what to
fix. Rows that pass become :class:`~zeropark.model.ActivityRecord` (energy, process materials),
:class:`~zeropark.model.GreenPowerClaim` (green certificates and contracts), product outputs and
the value added, collected in :class:`Checked` for :mod:`zeropark.ingest.workbook.store`. The
enterprise (sheet 企业信息) and already claimed certificates are looked up in the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from zeropark.errors import RowError, UnitMismatch
from zeropark.factors import BUILTIN_SET, load_factor_set
from zeropark.ingest.workbook.parse import SourceRow, read_rows
from zeropark.ingest.workbook.sheets import (
    CARRIER_HINT,
    CARRIER_NAMES,
    CLAIM_KIND_NAMES,
    DEFAULT_UNIT,
    EXAMPLE_MARK,
    EXAMPLES,
    PROCESS_MATERIALS,
    SHEET_ENERGY,
    SHEET_INFO,
    SHEET_PROCESS,
    SHEET_PRODUCTION,
    SHEETS,
    USAGE_NAMES,
)
from zeropark.model import (
    CANONICAL_UNIT,
    CARRIER_LABEL_ZH,
    HEAT_CARRIERS,
    ActivityRecord,
    Carrier,
    ClaimKind,
    Direction,
    Enterprise,
    Flow,
    GreenPowerClaim,
    SerialRange,
    serial_range,
)
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import EnterpriseRow, GreenPowerClaimRow, MeterRow
from zeropark.units import convert, to_canonical

__all__ = ["Checked", "check_rows", "resolve_enterprise", "workbook_enterprise"]


@dataclass(slots=True)
class Checked:
    """Rows that passed validation, ready to store."""

    activities: list[tuple[str, ActivityRecord]] = field(default_factory=list)
    claims: list[tuple[str, GreenPowerClaim]] = field(default_factory=list)
    products: dict[str, list[float]] = field(default_factory=dict)  # product → [qty, tce, limit]
    product_rows: int = 0
    value_added: float | None = None
    unchanged: int = 0  # certificates already stored exactly as given (re-import of the same rows)
    notes: list[str] = field(default_factory=list)  # what the import decided for the user (blank 用途)
    serials: list[tuple[SerialRange, int]] = field(default_factory=list)  # certificate runs and their rows


class _RowCheck:
    """Collects the errors of one row; each getter returns None when the cell is wrong."""

    def __init__(self, file: str, row: SourceRow) -> None:
        self.file = file
        self.row = row
        self.errors: list[RowError] = []

    def _label(self, key: str) -> str:
        for c in SHEETS[self.row.sheet][1]:
            if c.key == key:
                return c.zh
        return key

    def fail(self, key: str | None, message: str) -> None:
        self.errors.append(
            RowError(
                self.file, self.row.sheet, self.row.row or None, self._label(key) if key else None, message
            )
        )

    def text(self, key: str, *, required: bool = True) -> str | None:
        v = self.row.values.get(key)
        s = "" if v is None else str(v).strip()
        if not s:
            if required:
                self.fail(key, "is empty; fill it in")
            return None
        return s

    def number(self, key: str, *, required: bool = True, positive: bool = True) -> float | None:
        v = self.row.values.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.fail(key, "is empty; give a number")
            return None
        try:
            x = float(str(v).replace(",", "")) if not isinstance(v, int | float) else float(v)
        except ValueError:
            self.fail(key, f"'{v}' is not a number; write digits only (e.g. 1234.5), without units")
            return None
        if x != x or x in (float("inf"), float("-inf")):
            self.fail(key, f"'{v}' is not a finite number")
            return None
        if positive and x < 0:
            self.fail(key, f"{x:g} is negative; quantities are ≥ 0 (report returns as a separate correction)")
            return None
        return x

    def month(self, key: str, year: int | None) -> date | None:
        v = self.row.values.get(key)
        if isinstance(v, datetime | date):
            d = date(v.year, v.month, 1)
        else:
            m = re.fullmatch(r"\s*(\d{4})[-/.年](\d{1,2})月?\s*", str(v or ""))
            if not m or not 1 <= int(m.group(2)) <= 12:
                self.fail(key, f"'{v if v is not None else ''}' is not a month; write YYYY-MM (e.g. 2025-03)")
                return None
            d = date(int(m.group(1)), int(m.group(2)), 1)
        if year is not None and d.year != year:
            self.fail(
                key, f"{d:%Y-%m} is outside the reporting year {year}; report it in that year's workbook"
            )
            return None
        return d

    def day(self, key: str) -> date | None:
        v = self.row.values.get(key)
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(v or "").strip())
        except ValueError:
            self.fail(key, f"'{v if v is not None else ''}' is not a date; write YYYY-MM-DD")
            return None


def _month_end(m: date) -> date:
    nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def resolve_enterprise(
    engine: Engine, file: str, rows: list[SourceRow]
) -> tuple[Enterprise | None, int | None, list[RowError]]:
    """The registered enterprise and reporting year named by the 企业信息 rows (by 企业编号, else USCC).

    Returns
    -------
    enterprise, year, errors
        ``None`` for an enterprise or year that is missing, unknown or implausible; each such
        problem is one error naming the cell and what to fix.
    """
    info_rows = [r for r in rows if r.sheet == SHEET_INFO and not _is_example(r)]
    errors: list[RowError] = []
    if not info_rows:
        edited = edited_examples(file, [r for r in rows if r.sheet == SHEET_INFO])
        return (
            None,
            None,
            edited or [RowError(file, SHEET_INFO, 3, "企业编号", "no enterprise given; fill in 企业信息")],
        )
    row = info_rows[0]
    chk = _RowCheck(file, row)
    ident = chk.text("id", required=False)
    uscc = chk.text("uscc", required=False)
    year_v = chk.number("year")
    year = int(year_v) if year_v is not None else None
    if year is not None and not 2000 <= year <= 2100:
        chk.fail("year", f"{year} is not a plausible reporting year; write the 4-digit year")
        year = None
    ent: Enterprise | None = None
    with transaction(engine) as s:
        r = None
        if ident:
            r = s.get(EnterpriseRow, ident)
        if r is None and uscc:
            r = s.scalars(select(EnterpriseRow).where(EnterpriseRow.uscc == uscc)).first()
        if r is not None:
            ent = repo.get_enterprise(s, r.id)
    if ent is None:
        what = ident or uscc or ""
        chk.fail(
            "id" if ident or not uscc else "uscc",
            f"unknown enterprise '{what}'; register it first or use its 企业编号 on the platform",
        )
    errors.extend(chk.errors)
    return ent, year, errors


def _is_example(row: SourceRow) -> bool:
    return str(row.values.get("note") or "").strip().startswith(EXAMPLE_MARK)


def _same_cell(given: object, example: object) -> bool:
    if isinstance(given, datetime | date):
        given = given.strftime("%Y-%m" if len(str(example)) == 7 else "%Y-%m-%d")
    try:
        return float(str(given)) == float(str(example))
    except ValueError:
        return str(given).strip() == str(example).strip()


def edited_examples(file: str, rows: list[SourceRow]) -> list[RowError]:
    """An error for each row still marked 示例行 whose cells differ from the template's example.

    Such a row is the example overwritten with real data but with its marker left in 备注: it would
    be skipped as the example, silently. The row is named and the user told to clear the marker.
    """
    errors: list[RowError] = []
    for row in rows:
        if not _is_example(row):
            continue
        example = EXAMPLES.get(row.sheet, {})
        differs = [
            k
            for k, v in row.values.items()
            if k != "note" and v not in (None, "") and (k not in example or not _same_cell(v, example[k]))
        ]
        if differs:
            errors.append(
                RowError(
                    file,
                    row.sheet,
                    row.row,
                    "备注",
                    f"the row is marked {EXAMPLE_MARK} (the template's example, skipped) but holds "
                    f"other data ({', '.join(_label(row.sheet, k) for k in differs)}); delete "
                    f"'{EXAMPLE_MARK}' from 备注 to import it, or delete the row",
                )
            )
    return errors


def _label(sheet: str, key: str) -> str:
    return next((c.zh for c in SHEETS[sheet][1] if c.key == key), key)


def boundary_carriers(engine: Engine, park_id: str) -> set[Carrier]:
    """The carriers the park buys at its boundary: a park meter (no enterprise) of direction import."""
    with transaction(engine) as s:
        found = s.scalars(
            select(MeterRow.carrier)
            .where(MeterRow.park_id == park_id)
            .where(MeterRow.enterprise_id.is_(None))
            .where(MeterRow.direction == Direction.IMPORT.value)
            .distinct()
        )
        return {Carrier(c) for c in found}


def _blank_usage(carrier: Carrier, boundary: set[Carrier]) -> Flow:
    """用途 of an energy row left blank (docs/data-formats.md §1, 能源消费).

    Fossil fuels are burned. Electricity and heat are 消费 (drawn from the park's network) when the
    park buys that carrier at a metered boundary — the park view counts it there — and otherwise
    园区外购入: the park has no boundary meter that would count it, so as 消费 it would fall out of
    the park view. Water is consumed.
    """
    if carrier not in (*HEAT_CARRIERS, Carrier.ELECTRICITY, Carrier.WATER):
        return Flow.COMBUSTION
    if carrier is Carrier.WATER or carrier in boundary:
        return Flow.CONSUMED
    return Flow.PURCHASED


def _tonnes(qty: float, unit: str) -> float | None:
    """``qty`` in tonnes if ``unit`` is a mass (t, kg, 吨), else None."""
    try:
        return convert(qty, unit, "t")
    except UnitMismatch:
        return None


def _heat_of_mass(
    chk: _RowCheck,
    carrier: Carrier,
    qty: float,
    unit: str,
    tonnes: float,
    heat_per_unit: float | None,
    default: bool,
) -> tuple[float | None, str]:
    """Heat [GJ] of steam or hot water given as a mass, and the note that says how it was found.

    In order: the row's own heat per unit (column 实测低位发热量（GJ/计量单位）: GJ per t of the
    supplier's steam); for steam with ``default`` the named option DEFAULT_STEAM_HEAT of the
    built-in factor set (``conversion.steam.heat_content``, 3.763 GJ/t, GB/T 2589 低压蒸汽; marked on
    the record); otherwise an error that says in words what to write.
    """
    label = CARRIER_LABEL_ZH[carrier]
    if heat_per_unit is not None:
        gj = qty * heat_per_unit
        return gj, f"{label} {qty:g} {unit} × {heat_per_unit:g} GJ/{unit} (given heat content) = {gj:.6g} GJ"
    if carrier is Carrier.STEAM and default:
        factor = load_factor_set(BUILTIN_SET).steam_heat_content()  # [GJ/t]
        gj = tonnes * factor.value
        return gj, (
            f"{label} {tonnes:g} t × {factor.value:g} GJ/t = {gj:.6g} GJ — DEFAULT_STEAM_HEAT "
            f"({factor.id}, {factor.source.title}; 低压蒸汽 default, used because the heat was not given)"
        )
    if carrier is Carrier.STEAM:
        chk.fail(
            "unit",
            f"steam is accounted as heat: write the quantity in GJ, not '{unit}'. From the mass: "
            "GJ = t × (enthalpy kJ/kg − 83.74) / 1000 with the enthalpy of the supplier's pressure and "
            "temperature (e.g. 1.0 MPa, 250 °C: 2 943 kJ/kg → 2.86 GJ/t); or give the heat per tonne in "
            "实测低位发热量（GJ/计量单位）; or import with --steam-default-heat to apply the default "
            "3.763 GJ/t (GB/T 2589 低压蒸汽), marked on the record",
        )
    else:
        chk.fail(
            "unit",
            f"hot water is accounted as heat: write the quantity in GJ, not '{unit}'. From the mass: "
            "GJ = t × (supply °C − 20) × 4.1868 / 1000 (e.g. 1 000 t at 90 °C → 293.1 GJ); or give the "
            "heat per tonne in 实测低位发热量（GJ/计量单位）",
        )
    return None, ""


def _check_energy(
    file: str,
    row: SourceRow,
    ent: Enterprise,
    year: int | None,
    out: Checked,
    boundary: set[Carrier],
    steam_default: bool = False,
) -> list[RowError]:
    chk = _RowCheck(file, row)
    month = chk.month("month", year)
    name = chk.text("carrier")
    carrier = CARRIER_NAMES.get(name.lower() if name else "") or (CARRIER_NAMES.get(name) if name else None)
    if name and carrier is None:
        chk.fail(
            "carrier",
            f"unknown carrier '{name}'; choose one of the list (e.g. {CARRIER_HINT} …)",
        )
    usage_text = chk.text("usage", required=False)
    flow: Flow | None = None
    if usage_text:
        flow = USAGE_NAMES.get(usage_text.lower())
        if flow is None:
            chk.fail(
                "usage",
                f"unknown usage '{usage_text}'; choose 燃料燃烧, 用作原料, 园区外购入, 园区内购入 or 消费",
            )
    elif carrier is not None:
        flow = _blank_usage(carrier, boundary)
        if carrier in (*HEAT_CARRIERS, Carrier.ELECTRICITY):
            label = (
                "园区外购入 purchased from outside the park" if flow is Flow.PURCHASED else "消费 consumed"
            )
            why = (
                "the park has no boundary meter of it"
                if flow is Flow.PURCHASED
                else "the park buys it at a metered boundary"
            )
            out.notes.append(
                f"{row.sheet} row {row.row}: 用途 blank for {CARRIER_LABEL_ZH[carrier]} → {label} ({why}); "
                "write the 用途 to decide otherwise"
            )
    qty = chk.number("quantity")
    unit = chk.text("unit", required=False) or (DEFAULT_UNIT.get(carrier) if carrier else None)
    if unit is None and carrier is not None:
        chk.fail("unit", "is empty; give the unit (e.g. t, m3, kWh, GJ)")
    ncv = chk.number("ncv_gj_per_unit", required=False)
    cc = chk.number("cc_tc_per_gj", required=False)
    canonical: float | None = None
    heat_note = ""
    if carrier is not None and qty is not None and unit is not None:
        try:
            canonical = to_canonical(qty, unit, carrier)
        except UnitMismatch as exc:
            tonnes = _tonnes(qty, unit) if carrier in HEAT_CARRIERS else None
            if tonnes is None:
                chk.fail("unit", f"'{unit}' does not fit {CARRIER_LABEL_ZH[carrier]}: {exc}")
            else:
                canonical, heat_note = _heat_of_mass(chk, carrier, qty, unit, tonnes, ncv, steam_default)
                ncv = None  # the heat per tonne made the GJ; it is no NCV of the GJ
    if chk.errors or month is None or carrier is None or flow is None or canonical is None or unit is None:
        return chk.errors
    if heat_note:
        out.notes.append(f"{row.sheet} row {row.row}: {heat_note}")
    cu = CANONICAL_UNIT[carrier]
    ncv_canonical = ncv * (qty or 0.0) / canonical if ncv is not None and canonical else None
    record = ActivityRecord(
        id=f"{ent.id}-{carrier.value}-{flow.value}-{month:%Y%m}",
        enterprise_id=ent.id,
        carrier=carrier,
        flow=flow,
        period_start=month,
        period_end=_month_end(month),
        quantity=canonical,
        unit=cu,
        evidence=str(row.values.get("evidence") or f"{file} {row.sheet} row {row.row}"),
        ncv_gj_per_unit=ncv_canonical,
        carbon_content_tc_per_gj=cc,
        description=" ".join(
            filter(
                None,
                (str(row.values.get("note") or f"{CARRIER_LABEL_ZH[carrier]} {qty:g} {unit}"), heat_note),
            )
        ),
    )
    out.activities.append((row.sheet, record))
    return []


def _check_process(
    file: str, row: SourceRow, ent: Enterprise, year: int | None, out: Checked
) -> list[RowError]:
    chk = _RowCheck(file, row)
    month = chk.month("month", year)
    material = chk.text("material")
    factor_id = PROCESS_MATERIALS.get(material.lower() if material else "") or PROCESS_MATERIALS.get(
        material or ""
    )
    if material and factor_id is None:
        chk.fail(
            "material",
            f"unknown process material '{material}'; choose 石灰石, 白云石, 碳酸钙（纯） or 菱镁石（纯）",
        )
    qty = chk.number("quantity")
    unit = chk.text("unit", required=False) or "t"
    tonnes: float | None = None
    if qty is not None:
        try:
            tonnes = to_canonical(qty, unit, Carrier.DIESEL)  # a mass in t (diesel's canonical unit is t)
        except UnitMismatch:
            chk.fail("unit", f"'{unit}' is not a mass; give t or kg")
    if chk.errors or month is None or factor_id is None or tonnes is None:
        return chk.errors
    out.activities.append(
        (
            row.sheet,
            ActivityRecord(
                id=f"{ent.id}-process-{factor_id}-{month:%Y%m}",
                enterprise_id=ent.id,
                carrier=None,
                flow=Flow.PROCESS,
                period_start=month,
                period_end=_month_end(month),
                quantity=tonnes,
                unit="t",
                factor_id=factor_id,
                evidence=str(row.values.get("evidence") or f"{file} {row.sheet} row {row.row}"),
                uncertainty_pct=3.0,
                description=str(row.values.get("note") or f"{material} {qty:g} {unit}"),
            ),
        )
    )
    return []


def _check_production(file: str, row: SourceRow, year: int | None, out: Checked) -> list[RowError]:
    chk = _RowCheck(file, row)
    chk.month("month", year)
    product = chk.text("product")
    qty = chk.number("quantity")
    unit = chk.text("unit")
    tce = chk.number("energy_tce", required=False)
    limit = chk.number("limit_kgce_per_unit", required=False)
    if chk.errors or product is None or qty is None:
        return chk.errors
    key = f"{product} [{unit}]"
    acc = out.products.setdefault(key, [0.0, 0.0, 0.0])
    acc[0] += qty
    acc[1] += tce or 0.0
    acc[2] = limit if limit is not None else acc[2]
    out.product_rows += 1
    return []


def _check_claim(
    file: str,
    row: SourceRow,
    ent: Enterprise,
    year: int | None,
    out: Checked,
    seen: dict[str, int],
    engine: Engine,
) -> list[RowError]:
    """One certificate or contract row; an id written as a run of serial numbers is checked as that run.

    A run (``HOB-0001..HOB-3000``, :func:`zeropark.model.serial_range`) of GECs must hold as many
    certificates as MWh, may not share a serial number with another row, and may not share one with
    a stored claim (any park, owner or year): one certificate, one claim.
    """
    chk = _RowCheck(file, row)
    cid = chk.text("certificate_id")
    kind_text = chk.text("kind")
    kind = CLAIM_KIND_NAMES.get((kind_text or "").lower().replace(" ", ""))
    if kind_text and kind is None:
        chk.fail("kind", f"unknown kind '{kind_text}'; choose 绿证, 绿电交易 or 绿电直连")
    mwh = chk.number("mwh")
    if mwh is not None and mwh == 0:
        chk.fail("mwh", "is 0; give the certificate energy in MWh (1 GEC = 1 MWh)")
    start = chk.day("period_start")
    end = chk.day("period_end")
    if start and end and end < start:
        chk.fail("period_end", f"{end} is before the start {start}; swap the dates")
    if year is not None and start and end and (end.year < year or start.year > year):
        chk.fail("period_start", f"{start} … {end} does not overlap the reporting year {year}")
    serials: SerialRange | None = None
    if cid:
        try:
            serials = serial_range(cid)
        except ValueError as exc:
            chk.fail("certificate_id", str(exc))
    if serials is not None and kind is ClaimKind.GEC and serials.count > 1 and mwh and mwh != serials.count:
        chk.fail(
            "mwh",
            f"{cid} is {serials.count} certificates (1 GEC = 1 MWh) but the row says {mwh:g} MWh; "
            f"write {serials.count} or correct the range",
        )
    if cid:
        if cid in seen:
            chk.fail(
                "certificate_id",
                f"duplicate certificate id '{cid}' (also in row {seen[cid]}); list each once",
            )
            serials = None
        else:
            seen[cid] = row.row
    if serials is not None:
        clash = next(((o, r) for o, r in out.serials if o.overlaps(serials)), None)
        if clash is not None:
            chk.fail(
                "certificate_id",
                f"serial numbers {serials.shared(clash[0])} are also in row {clash[1]}; "
                "a certificate is claimed once — list each serial number in one row",
            )
        out.serials.append((serials, row.row))
    if cid and cid in seen and seen[cid] == row.row:
        with transaction(engine) as s:
            existing = s.get(GreenPowerClaimRow, cid)
            if existing is not None:
                same = (
                    existing.owner_enterprise_id == ent.id
                    and existing.kind == (kind.value if kind else None)
                    and existing.mwh == mwh
                    and existing.period_start == start
                    and existing.period_end == end
                )
                if same and not chk.errors:  # this workbook imported again: already stored as it is
                    out.unchanged += 1
                    return []
                owner = existing.owner_enterprise_id or "park operator"
                chk.fail(
                    "certificate_id",
                    f"certificate '{cid}' is already claimed by '{owner}' for {existing.claimed_year}; "
                    "a certificate can be claimed only once — remove the row or correct the id",
                )
            elif serials is not None:
                for overlap in repo.claim_overlaps(s, cid)[:1]:
                    chk.fail(
                        "certificate_id",
                        f"serial numbers {overlap.shared} are already claimed as '{overlap.claim_id}' by "
                        f"'{overlap.owner_enterprise_id or 'park operator'}' for {overlap.claimed_year} in "
                        f"park '{overlap.park_id}'; a certificate is claimed once — take them out of the row",
                    )
    if chk.errors or cid is None or kind is None or mwh is None or start is None or end is None:
        return chk.errors
    out.claims.append((row.sheet, GreenPowerClaim(cid, kind, mwh, start, end, ent.id, year or start.year)))
    return []


def check_rows(
    engine: Engine, file: str, rows: list[SourceRow], *, steam_default_heat: bool = False
) -> tuple[Enterprise | None, int | None, Checked, list[RowError], int]:
    """Check every row of an enterprise data file; collect what passed and every error.

    ``steam_default_heat`` applies the named option DEFAULT_STEAM_HEAT to steam given in tonnes
    without its heat content (see :func:`_heat_of_mass`); without it such a row is an error.

    Returns
    -------
    enterprise, year, checked, errors, n_rows
        The enterprise and year of the 企业信息 sheet (``None`` when unknown: then no data row is
        checked), the rows that passed, every error, and the number of data rows (examples and
        the 企业信息 sheet not counted).
    """
    ent, year, errors = resolve_enterprise(engine, file, rows)
    named = {(e.sheet, e.row) for e in errors}
    errors.extend(e for e in edited_examples(file, rows) if (e.sheet, e.row) not in named)
    out = Checked()
    data_rows = [r for r in rows if r.sheet != SHEET_INFO and not _is_example(r)]
    if ent is None:
        return None, year, out, errors, len(data_rows)
    info = next(r for r in rows if r.sheet == SHEET_INFO and not _is_example(r))
    va = _RowCheck(file, info)
    out.value_added = va.number("value_added_10k_cny", required=False)
    errors.extend(va.errors)
    seen_ids: dict[str, int] = {}
    seen_records: dict[str, int] = {}
    boundary = boundary_carriers(engine, ent.park_id)
    for r in data_rows:
        n_before = len(out.activities)
        if r.sheet == SHEET_ENERGY:
            errs = _check_energy(file, r, ent, year, out, boundary, steam_default_heat)
        elif r.sheet == SHEET_PROCESS:
            errs = _check_process(file, r, ent, year, out)
        elif r.sheet == SHEET_PRODUCTION:
            errs = _check_production(file, r, year, out)
        else:
            errs = _check_claim(file, r, ent, year, out, seen_ids, engine)
        if len(out.activities) > n_before:
            rid = out.activities[-1][1].id
            if rid in seen_records:
                out.activities.pop()
                errs = [
                    RowError(
                        file,
                        r.sheet,
                        r.row,
                        "月份（YYYY-MM）",
                        f"same carrier/usage and month as row {seen_records[rid]}; add the two into one row",
                    )
                ]
            else:
                seen_records[rid] = r.row
        errors.extend(errs)
    errors.extend(_double_usage(file, out, seen_records))
    return ent, year, out, errors, len(data_rows)


#: Usages that each give the whole of a month's electricity or heat as bought in the enterprise
#: view: 消费 (whatever its origin) beside 园区外购入 or 园区内购入 counts the same energy twice.
_BOUGHT = (Flow.CONSUMED, Flow.PURCHASED, Flow.INTERNAL_PURCHASE)
_USAGE_ZH = {Flow.CONSUMED: "消费", Flow.PURCHASED: "园区外购入", Flow.INTERNAL_PURCHASE: "园区内购入"}


def _double_usage(file: str, out: Checked, row_of: dict[str, int]) -> list[RowError]:
    """An error for electricity or heat given for one month both as 消费 and as 外购入/内购入.

    园区外购入 and 园区内购入 together are a real split (an outside supplier and a park facility);
    消费 is the month's consumption whatever its origin, so beside either it is counted twice.
    The rejected records are taken out of ``out``.
    """
    errors: list[RowError] = []
    first: dict[tuple[Carrier, date], tuple[Flow, int]] = {}
    keep: list[tuple[str, ActivityRecord]] = []
    for sheet, rec in out.activities:
        carrier = rec.carrier
        if carrier is None or carrier not in (*HEAT_CARRIERS, Carrier.ELECTRICITY) or rec.flow not in _BOUGHT:
            keep.append((sheet, rec))
            continue
        key = (carrier, rec.period_start)
        seen = first.get(key)
        if seen is not None and Flow.CONSUMED in (seen[0], rec.flow) and seen[0] != rec.flow:
            errors.append(
                RowError(
                    file,
                    sheet,
                    row_of[rec.id],
                    "用途",
                    f"{CARRIER_LABEL_ZH[carrier]} {rec.period_start:%Y-%m} is also given as "
                    f"{_USAGE_ZH[seen[0]]} in row {seen[1]}; 消费 is the whole month whatever its origin, "
                    "so the enterprise view would count it twice — keep one row "
                    "(or split it into 园区外购入 and 园区内购入)",
                )
            )
            continue
        first.setdefault(key, (rec.flow, row_of[rec.id]))
        keep.append((sheet, rec))
    out.activities[:] = keep
    return errors


def workbook_enterprise(engine: Engine, path: Path | str) -> Enterprise | None:
    """The registered enterprise an enterprise data file is for, read from its 企业信息 sheet/section.

    Lets a caller check who may import the file *before* anything is stored (an enterprise user
    only their own enterprise, a park manager only their park's). Only the enterprise is resolved
    (by 企业编号, else 统一社会信用代码); the data rows are not validated here.

    Returns
    -------
    Enterprise or None
        ``None`` if the file names no enterprise or one that is not registered
        (:func:`import_workbook` then rejects the file and says why).

    Raises
    ------
    DataError
        If the file type is not supported.
    """
    path = Path(path)
    rows, _ = read_rows(path)
    ent, _, _ = resolve_enterprise(engine, path.name, rows)
    return ent
