"""Read and check a park register file 园区登记表 (.yaml/.yml or .xlsx) into a :class:`ParkRegister`.

The file names one park, its zones, its enterprises (with their 统一社会信用代码) and its meters
with the meter tree (each meter's 上级表号, or in YAML its ``children``). Every problem is collected
and returned as a :class:`~zeropark.errors.RowError` naming the file, the sheet (YAML section), the
row (xlsx row, or the line of the YAML item), the column and what to fix; a file with any error
gives no register, so nothing is stored (:mod:`zeropark.services.park_register`). The file is
read into rows by :mod:`~zeropark.ingest.register.parse`.

What the store already holds is part of the check: an id used in another park, a USCC registered to
another enterprise, a parent meter or zone registered earlier (the tree may be extended by a later
file), a cycle through meters already stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, select

from zeropark.errors import RowError, UnitMismatch
from zeropark.ingest.register.parse import read_rows
from zeropark.ingest.register.sheets import (
    BOOL_NAMES,
    DIRECTION_NAMES,
    EXAMPLE_PARK_ID,
    GRID_REGIONS,
    KIND_NAMES,
    REGISTER_SHEETS,
    SHEET_ENTERPRISES,
    SHEET_METERS,
    SHEET_PARK,
    SHEET_ZONES,
    carrier_of,
)
from zeropark.ingest.uscc import uscc_problem
from zeropark.ingest.workbook.parse import SourceRow
from zeropark.ingest.workbook.sheets import CARRIER_HINT
from zeropark.model import (
    CANONICAL_UNIT,
    GENERATION_TECHNOLOGIES,
    Direction,
    Enterprise,
    Meter,
    MeterKind,
    Park,
    Zone,
)
from zeropark.store.db import transaction
from zeropark.store.schema import EnterpriseRow, MeterRow, ParkRow, ZoneRow
from zeropark.units import convert

__all__ = ["ParkRegister", "read_register"]

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_INDUSTRY = re.compile(r"^[A-T]?\d{2,4}$")
#: Plausible coordinates of a park in China (mainland and islands).
_LAT = (3.0, 54.0)
_LON = (73.0, 136.0)


@dataclass(frozen=True, slots=True)
class ParkRegister:
    """A park as a register file gives it: the park, zones, enterprises and meters (parents first)."""

    park: Park
    zones: tuple[Zone, ...] = ()
    enterprises: tuple[Enterprise, ...] = ()
    meters: tuple[Meter, ...] = ()


# --- checking the rows --------------------------------------------------------------------------


class _Cells:
    """The cells of one row; each getter records an error and returns None when a cell is wrong."""

    def __init__(self, file: str, row: SourceRow, errors: list[RowError]) -> None:
        self.file = file
        self.row = row
        self.errors = errors
        self.n_before = len(errors)

    @property
    def ok(self) -> bool:
        return len(self.errors) == self.n_before

    def fail(self, key: str | None, message: str) -> None:
        label = key
        for c in REGISTER_SHEETS[self.row.sheet][1]:
            if c.key == key:
                label = c.zh
        self.errors.append(RowError(self.file, self.row.sheet, self.row.row or None, label, message))

    def text(self, key: str, *, required: bool = True) -> str | None:
        v = self.row.values.get(key)
        s = "" if v is None else str(v).strip()
        if not s:
            if required:
                self.fail(key, "is empty; fill it in")
            return None
        return s

    def ident(self, key: str, *, required: bool = True) -> str | None:
        s = self.text(key, required=required)
        if s is not None and not _ID.fullmatch(s):
            self.fail(key, f"'{s}' is not an id; use up to 64 letters, digits, '-', '_' or '.' (no spaces)")
            return None
        return s

    def number(
        self,
        key: str,
        *,
        required: bool = False,
        low: float | None = None,
        high: float | None = None,
        why: str = "",
    ) -> float | None:
        v = self.row.values.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.fail(key, "is empty; give a number")
            return None
        try:
            x = (
                float(v)
                if isinstance(v, int | float) and not isinstance(v, bool)
                else float(str(v).replace(",", ""))
            )
        except ValueError:
            self.fail(key, f"'{v}' is not a number; write digits only (e.g. 31.7), without units")
            return None
        if x != x or x in (float("inf"), float("-inf")):
            self.fail(key, f"'{v}' is not a finite number")
            return None
        if (low is not None and x < low) or (high is not None and x > high):
            self.fail(key, f"{x:g} is outside {low:g} … {high:g}{why}")
            return None
        return x

    def flag(self, key: str) -> bool:
        v = self.row.values.get(key)
        if v is None or str(v).strip() == "":
            return False
        if isinstance(v, bool):
            return v
        b = BOOL_NAMES.get(str(v).strip().lower())
        if b is None:
            self.fail(key, f"'{v}' is not yes or no; write 是 or 否")
            return False
        return b

    def choice(self, key: str, names: dict[str, Any], hint: str, *, required: bool = True) -> Any:
        s = self.text(key, required=required)
        if s is None:
            return None
        found = names.get(s.lower()) or names.get(s)
        if found is None:
            self.fail(key, f"unknown value '{s}'; write one of {hint}")
        return found


@dataclass(slots=True)
class _Stored:
    """What the store holds that a register is checked against."""

    parks: set[str]
    zones: dict[str, str]  # id → park
    enterprises: dict[str, str]  # id → park
    usccs: dict[str, str]  # USCC → enterprise id
    meters: dict[str, tuple[str, str | None, str]]  # id → (park, parent, carrier)


def _stored(engine: Engine) -> _Stored:
    with transaction(engine) as s:
        return _Stored(
            parks=set(s.scalars(select(ParkRow.id))),
            zones={r.id: r.park_id for r in s.execute(select(ZoneRow.id, ZoneRow.park_id))},
            enterprises={r.id: r.park_id for r in s.execute(select(EnterpriseRow.id, EnterpriseRow.park_id))},
            usccs={r.uscc: r.id for r in s.execute(select(EnterpriseRow.uscc, EnterpriseRow.id))},
            meters={
                r.id: (r.park_id, r.parent_id, r.carrier)
                for r in s.execute(
                    select(MeterRow.id, MeterRow.park_id, MeterRow.parent_id, MeterRow.carrier)
                )
            },
        )


def _check_park(file: str, rows: list[SourceRow], errors: list[RowError]) -> tuple[Park | None, str | None]:
    """The park of the register, and its id (given even when another cell is wrong, to check the rest)."""
    park_rows = [r for r in rows if r.sheet == SHEET_PARK]
    if not park_rows:
        errors.append(
            RowError(file, SHEET_PARK, 2, "园区编号", "no park given; fill in one row of sheet 园区 (park)")
        )
        return None, None
    for extra in park_rows[1:]:
        errors.append(
            RowError(
                file,
                SHEET_PARK,
                extra.row,
                None,
                f"a register holds one park (row {park_rows[0].row}); use one file per park",
            )
        )
    c = _Cells(file, park_rows[0], errors)
    pid = c.ident("id")
    name = c.text("name")
    province = c.text("province")
    region = c.text("grid_region")
    if region is not None and region not in GRID_REGIONS:
        c.fail("grid_region", f"unknown grid region '{region}'; write one of {', '.join(GRID_REGIONS)}")
    lat = c.number("latitude", required=True, low=_LAT[0], high=_LAT[1], why=" °N (a park in China)")
    lon = c.number("longitude", required=True, low=_LON[0], high=_LON[1], why=" °E (a park in China)")
    if pid == EXAMPLE_PARK_ID:
        c.fail("id", f"'{pid}' is the template's example park; replace the example by your park's data")
    tz = c.text("timezone", required=False) or "Asia/Shanghai"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        c.fail(
            "timezone", f"unknown time zone '{tz}'; write e.g. Asia/Shanghai (IANA name) or leave it empty"
        )
    if not c.ok or None in (pid, name, province, lat, lon) or region not in GRID_REGIONS:
        return None, pid
    assert pid and name and province and region and lat is not None and lon is not None
    return Park(pid, name, province, region, lat, lon, tz), pid


def _duplicate(c: _Cells, seen: dict[str, int], key: str, value: str, what: str) -> bool:
    if value in seen:
        c.fail(key, f"duplicate {what} '{value}' (also in row {seen[value]}); list each once")
        return True
    seen[value] = c.row.row
    return False


def _elsewhere(c: _Cells, key: str, what: str, ident: str, owner: str | None, park_id: str | None) -> None:
    if owner is not None and park_id is not None and owner != park_id:
        c.fail(key, f"{what} '{ident}' is already registered in park '{owner}'; choose another id")


def _check_zones(
    file: str,
    rows: list[SourceRow],
    park_id: str | None,
    stored: _Stored,
    errors: list[RowError],
    out: list[Zone],
) -> None:
    seen: dict[str, int] = {}
    for row in (r for r in rows if r.sheet == SHEET_ZONES):
        c = _Cells(file, row, errors)
        zid = c.ident("id")
        name = c.text("name")
        if zid is not None:
            _duplicate(c, seen, "id", zid, "zone id")
            _elsewhere(c, "id", "zone", zid, stored.zones.get(zid), park_id)
        if c.ok and zid and name and park_id:
            out.append(Zone(zid, park_id, name))


def _check_enterprises(
    file: str,
    rows: list[SourceRow],
    park_id: str | None,
    zones: set[str],
    stored: _Stored,
    errors: list[RowError],
    out: list[Enterprise],
) -> None:
    seen: dict[str, int] = {}
    seen_uscc: dict[str, int] = {}
    for row in (r for r in rows if r.sheet == SHEET_ENTERPRISES):
        c = _Cells(file, row, errors)
        eid = c.ident("id")
        name = c.text("name")
        uscc = c.text("uscc")
        industry = c.text("industry_code")
        zone = c.ident("zone", required=False)
        public = c.flag("public_facility")
        if eid is not None:
            _duplicate(c, seen, "id", eid, "enterprise id")
            _elsewhere(c, "id", "enterprise", eid, stored.enterprises.get(eid), park_id)
        if uscc is not None:
            uscc = uscc.upper()
            # a new or changed USCC must pass the check; one stored for this enterprise earlier
            # (through the API, which checks the form only) is taken as stored
            problem = None if eid is not None and stored.usccs.get(uscc) == eid else uscc_problem(uscc)
            if problem is not None:
                c.fail("uscc", f"'{uscc}' is not a valid 统一社会信用代码: {problem}")
            elif not _duplicate(c, seen_uscc, "uscc", uscc, "USCC"):
                holder = stored.usccs.get(uscc)
                if holder is not None and holder != eid:
                    c.fail(
                        "uscc", f"USCC {uscc} is already registered to enterprise '{holder}'; check the code"
                    )
        if industry is not None and not _INDUSTRY.fullmatch(industry):
            c.fail("industry_code", f"'{industry}' is not a GB/T 4754 code; write 2 to 4 digits (e.g. 2651)")
        if zone is not None and zone not in zones:
            c.fail("zone", f"unknown zone '{zone}'; add it to sheet 片区 (zones) or leave the cell empty")
        if c.ok and eid and name and uscc and industry and park_id:
            out.append(Enterprise(eid, park_id, name, uscc, industry, zone, public))


@dataclass(slots=True)
class _MeterDraft:
    meter: Meter
    row: SourceRow
    level_given: bool


def _check_meter(
    file: str, row: SourceRow, park_id: str, enterprises: set[str], errors: list[RowError]
) -> _MeterDraft | None:
    c = _Cells(file, row, errors)
    mid = c.ident("id")
    name = c.text("name", required=False) or ""
    carrier_name = c.text("carrier")
    carrier = carrier_of(carrier_name) if carrier_name else None
    if carrier_name and carrier is None:
        c.fail(
            "carrier",
            f"unknown carrier '{carrier_name}'; write one of {CARRIER_HINT} … (docs/data-formats.md)",
        )
    direction: Direction | None = c.choice(
        "direction", DIRECTION_NAMES, "购入 (import), 外送 (export), 发电 (generation), 消费 (consumption)"
    )
    kind: MeterKind = (
        c.choice("kind", KIND_NAMES, "区间量 (interval) or 表底数 (cumulative)", required=False)
        or MeterKind.INTERVAL
    )
    unit = c.text("unit", required=False)
    if carrier is not None:
        canonical = CANONICAL_UNIT[carrier]
        unit = unit or canonical
        try:
            convert(1.0, unit, canonical, f"carrier {carrier.value}")
        except UnitMismatch:
            c.fail(
                "unit",
                f"'{unit}' is not a unit of {carrier_name}; write {canonical} or a unit convertible to it",
            )
    enterprise = c.ident("enterprise", required=False)
    if enterprise is not None and enterprise not in enterprises:
        c.fail(
            "enterprise",
            f"unknown enterprise '{enterprise}'; add it to sheet 企业 or leave the cell empty (park meter)",
        )
    parent = c.ident("parent", required=False)
    level = c.number("level", low=1, high=9)
    if level is not None and level != int(level):
        c.fail("level", f"{level:g} is not a whole number; write 1, 2 or 3")
    technology = (c.text("technology", required=False) or "").lower()
    if technology and technology not in GENERATION_TECHNOLOGIES:
        c.fail(
            "technology",
            f"unknown technology '{technology}'; write one of {', '.join(sorted(GENERATION_TECHNOLOGIES))}",
        )
    if technology and direction is not None and direction is not Direction.GENERATION:
        c.fail(
            "technology",
            f"a technology is given for a {direction.value} meter; only generation (发电) meters have one",
        )
    multiplier = c.number("multiplier", low=1e-9, high=1e9)
    interval = c.number("interval_min", low=1, high=1440, why=" minutes")
    if interval is not None and (interval != int(interval) or 1440 % int(interval) != 0):
        c.fail("interval_min", f"{interval:g} min does not divide a day; write e.g. 1, 5, 15, 30 or 60")
    accuracy = c.number("accuracy_class", low=0.01, high=10, why=" % (e.g. 0.5S → 0.5)")
    rated = c.number("rated_capacity", low=1e-9, high=1e12)
    register_max = c.number("register_max", low=1e-9, high=1e15)
    if register_max is not None and kind is MeterKind.INTERVAL:
        c.fail("register_max", "is given for an interval meter; only 表底数 (cumulative) meters wrap around")
    if not c.ok or mid is None or carrier is None or direction is None or unit is None:
        return None
    meter = Meter(
        id=mid,
        park_id=park_id,
        carrier=carrier,
        unit=unit,
        direction=direction,
        kind=kind,
        enterprise_id=enterprise,
        parent_id=parent,
        level=int(level) if level is not None else 1,
        multiplier=multiplier if multiplier is not None else 1.0,
        accuracy_class=accuracy if accuracy is not None else 1.0,
        rated_capacity=rated,
        name=name,
        interval_s=int(interval) * 60 if interval is not None else 3600,
        technology=technology,
        register_max=register_max,
    )
    return _MeterDraft(meter, row, level is not None)


def _check_meters(
    file: str,
    rows: list[SourceRow],
    park_id: str | None,
    enterprises: set[str],
    stored: _Stored,
    errors: list[RowError],
) -> list[Meter]:
    if park_id is None:
        return []
    drafts: dict[str, _MeterDraft] = {}
    seen: dict[str, int] = {}
    for row in (r for r in rows if r.sheet == SHEET_METERS):
        n = len(errors)
        draft = _check_meter(file, row, park_id, enterprises, errors)
        c = _Cells(file, row, errors)
        mid = str(row.values.get("id") or "").strip()
        if mid:
            if _duplicate(c, seen, "id", mid, "meter id"):
                continue
            owner = stored.meters.get(mid, (None, None, ""))[0]
            _elsewhere(c, "id", "meter", mid, owner, park_id)
        if draft is not None and len(errors) == n:
            drafts[draft.meter.id] = draft
    # the tree: parents in the file or stored in this park; one carrier per tree; no cycle
    parent_of: dict[str, str | None] = {m: p for m, (pk, p, _c) in stored.meters.items() if pk == park_id}
    carrier_of_meter: dict[str, str] = {m: cr for m, (pk, _p, cr) in stored.meters.items() if pk == park_id}
    for mid, d in drafts.items():
        parent_of[mid] = d.meter.parent_id
        carrier_of_meter[mid] = d.meter.carrier.value
    bad: set[str] = set()
    for mid, d in drafts.items():
        c = _Cells(file, d.row, errors)
        parent = d.meter.parent_id
        if parent is None:
            continue
        if parent == mid:
            c.fail("parent", f"meter '{mid}' is its own parent; leave 上级表号 empty for a top meter")
        elif parent not in carrier_of_meter:
            elsewhere = stored.meters.get(parent)
            where = f" (it is a meter of park '{elsewhere[0]}')" if elsewhere else ""
            c.fail(
                "parent",
                f"unknown parent meter '{parent}'{where}; add it to sheet 计量器具 or correct the id",
            )
        elif carrier_of_meter[parent] != d.meter.carrier.value:
            c.fail(
                "parent",
                f"parent '{parent}' meters {carrier_of_meter[parent]}, this meter {d.meter.carrier.value}; "
                "a meter tree measures one carrier — correct 上级表号 or 能源品种",
            )
        else:
            path = [mid]
            node: str | None = parent
            while node is not None and node not in path:
                path.append(node)
                node = parent_of.get(node)
            if node is not None:
                cycle = " → ".join([*path[path.index(node) :], node])
                c.fail(
                    "parent",
                    f"the meter tree has a cycle {cycle}; one of these meters must have another parent",
                )
        if not c.ok:
            bad.add(mid)
    if bad or len(drafts) < len([r for r in rows if r.sheet == SHEET_METERS]):
        return []
    return _ordered(drafts, parent_of)


def _ordered(drafts: dict[str, _MeterDraft], parent_of: dict[str, str | None]) -> list[Meter]:
    """The meters parents first, each level (if not given) one below its parent's (top meters 1)."""
    levels: dict[str, int] = {}

    def depth(mid: str) -> int:
        if mid in levels:
            return levels[mid]
        parent = parent_of.get(mid)
        d = drafts.get(mid)
        if d is not None and d.level_given:
            levels[mid] = d.meter.level
        elif parent is None:
            levels[mid] = 1
        else:
            levels[mid] = depth(parent) + 1
        return levels[mid]

    order: list[Meter] = []
    done: set[str] = set()

    def visit(mid: str) -> None:
        if mid in done or mid not in drafts:
            return
        parent = parent_of.get(mid)
        if parent is not None:
            visit(parent)
        done.add(mid)
        m = drafts[mid].meter
        order.append(Meter(**{**_fields(m), "level": depth(mid)}))

    for mid in drafts:
        visit(mid)
    return order


def _fields(m: Meter) -> dict[str, Any]:
    return {f: getattr(m, f) for f in Meter.__dataclass_fields__}


def _named(rows: list[SourceRow], sheet: str) -> set[str]:
    return {
        str(r.values["id"]).strip() for r in rows if r.sheet == sheet and r.values.get("id") not in (None, "")
    }


def read_register(engine: Engine, path: Path | str) -> tuple[ParkRegister | None, list[RowError]]:
    """The park register in ``path`` checked against the store, or every error found.

    Returns
    -------
    register, errors
        ``register`` is ``None`` as soon as there is one error (nothing may be stored then);
        each error names the file, sheet, row, column and what to fix.

    Raises
    ------
    DataError
        If the file type is not .yaml/.yml or .xlsx.
    """
    path = Path(path)
    rows, errors = read_rows(path)
    if errors and not rows:
        return None, errors  # the file's shape is wrong: its own errors, not "no park given"
    stored = _stored(engine)
    file = path.name
    park, park_id = _check_park(file, rows, errors)
    zones: list[Zone] = []
    _check_zones(file, rows, park_id, stored, errors, zones)
    # ids named in the file count as known even when their row has an error (reported once, there)
    zone_ids = _named(rows, SHEET_ZONES) | {z for z, p in stored.zones.items() if p == park_id}
    enterprises: list[Enterprise] = []
    _check_enterprises(file, rows, park_id, zone_ids, stored, errors, enterprises)
    ent_ids = _named(rows, SHEET_ENTERPRISES) | {e for e, p in stored.enterprises.items() if p == park_id}
    meters = _check_meters(file, rows, park_id, ent_ids, stored, errors)
    if errors or park is None:
        return None, errors
    return ParkRegister(park, tuple(zones), tuple(enterprises), tuple(meters)), []
