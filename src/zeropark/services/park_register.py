"""Register a park from a file (园区登记表), and read a park back as a register: one use case each.

:func:`register_park` stores what a register file (:mod:`zeropark.ingest.register`) gives — the
park, its zones, enterprises and meters — in one transaction with one audit record per entity
created (``create``) or changed (``update``, before and after). It is idempotent: an entity whose
stored fields equal the file's is left alone, so registering the same file again writes nothing
and says so (:attr:`RegisterResult.changed` is False). A file only adds and changes; an entity
the file does not name stays as it is (the register of a park may come in several files).

Fields the register does not carry are kept: an enterprise's 工业增加值 (from the enterprise
workbook) and a meter's gateway. A meter that already has readings keeps its carrier, unit, kind
and multiplier: a change would reinterpret every stored reading, so it is an error naming the
meter (register a new meter id for a replaced meter).

Who may register: an admin any park (a new park only an admin); a park manager their own park.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeropark.errors import PermissionDenied, RowError, ValidationError
from zeropark.ingest.register import ParkRegister, read_register, register_document
from zeropark.ingest.register.sheets import SHEET_METERS
from zeropark.model import Enterprise, Meter, Park, Role, Zone
from zeropark.store import audit, repo
from zeropark.store.db import transaction
from zeropark.store.queries import parks
from zeropark.store.schema import EnterpriseRow, MeterRow, ParkRow, ReadingRow, ZoneRow
from zeropark.store.scope import Scope

__all__ = ["ENTITIES", "RegisterResult", "park_register", "register_document_of", "register_park"]

#: The entities of a register, in the order they are stored and reported.
ENTITIES: tuple[str, ...] = ("park", "zone", "enterprise", "meter")

#: Meter fields a reading depends on: fixed once the meter has readings.
_READING_FIELDS: tuple[str, ...] = ("carrier", "unit", "kind", "multiplier")


@dataclass(frozen=True, slots=True)
class RegisterResult:
    """What :func:`register_park` did, per entity: the ids created and changed, how many were unchanged."""

    file: str
    park_id: str
    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return any(self.created.values()) or any(self.updated.values())

    def summary(self) -> str:
        """One line, Chinese first: created / changed / unchanged per entity, or 'nothing changed'."""
        if not self.changed:
            n = sum(self.unchanged.values())
            return (
                f"{self.file}: 无变化 nothing changed — park '{self.park_id}' is registered "
                f"as in the file ({n} items)"
            )
        parts = []
        for entity in ENTITIES:
            c, u, k = (
                len(self.created.get(entity, [])),
                len(self.updated.get(entity, [])),
                self.unchanged.get(entity, 0),
            )
            if c or u or k:
                parts.append(f"{entity}: {c} new, {u} changed, {k} unchanged")
        return f"{self.file}: park '{self.park_id}' registered 已登记 — " + "; ".join(parts)


def _invalid(file: str, sheet: str, field_: str | None, message: str) -> RowError:
    return RowError(file, sheet, None, field_, message)


def _require(scope: Scope, park_id: str, exists: bool) -> None:
    if not exists:
        if scope.user.role != Role.ADMIN:
            scope.deny("park", park_id, f"role '{scope.user.role}' may not create parks")
            raise PermissionDenied(f"role '{scope.user.role}' may not create parks; ask an admin")
        return
    scope.check_park(park_id)
    scope.require_manager("park", park_id)


class _Writer:
    """Stores the entities of one register in ``session``, auditing each create and change."""

    def __init__(self, scope: Scope, session: Session, file: str) -> None:
        self.scope = scope
        self.s = session
        self.file = file
        self.created: dict[str, list[str]] = {e: [] for e in ENTITIES}
        self.updated: dict[str, list[str]] = {e: [] for e in ENTITIES}
        self.unchanged: dict[str, int] = dict.fromkeys(ENTITIES, 0)

    def put(self, entity: str, row_type: type[Any], ident: str, old: Any, new: Any, upsert: Any) -> None:
        if old == new:
            self.unchanged[entity] += 1
            return
        before = audit.row_snapshot(self.s.get(row_type, ident)) if old is not None else None
        upsert(self.s, new)
        self.s.flush()
        after = audit.row_snapshot(self.s.get(row_type, ident))
        action = audit.CREATE if old is None else audit.UPDATE
        self.scope.audit(self.s, action, entity, ident, before=before, after=after)
        (self.created if old is None else self.updated)[entity].append(ident)


def _get_or_none(session: Session, row_type: type[Any], ident: str, to_model: Any) -> Any:
    row = session.get(row_type, ident)
    return None if row is None else to_model(session, ident)


def _has_readings(session: Session, meter_id: str) -> bool:
    return (
        session.scalar(
            select(ReadingRow.meter_id)
            .where(
                ReadingRow.park_id
                == select(MeterRow.park_id).where(MeterRow.id == meter_id).scalar_subquery(),
                ReadingRow.meter_id == meter_id,
            )
            .limit(1)
        )
        is not None
    )


def register_park(scope: Scope, path: Path | str) -> RegisterResult:
    """Store the park register in ``path`` (.yaml or .xlsx): all of it, or nothing if anything is wrong.

    Raises
    ------
    ValidationError
        The file has errors (each names the file, sheet, row, column and what to fix), or it
        changes a meter that has readings in a way that would reinterpret them. Nothing is stored.
    PermissionDenied, NotFound
        The user may not register this park (audited ``denied``).
    DataError
        The file type is not .yaml/.yml or .xlsx.
    """
    path = Path(path)
    register, errors = read_register(scope.engine, path)
    if register is None:
        raise ValidationError(errors)
    park_id = register.park.id
    with transaction(scope.engine) as s:
        exists = s.get(ParkRow, park_id) is not None
    _require(scope, park_id, exists)
    with transaction(scope.engine) as s:
        w = _Writer(scope, s, path.name)
        old_park: Park | None = _get_or_none(s, ParkRow, park_id, repo.get_park)
        new_park = register.park if old_park is None else replace(register.park, is_demo=old_park.is_demo)
        w.put("park", ParkRow, park_id, old_park, new_park, repo.upsert_park)
        for zone in register.zones:
            old_zone: Zone | None = _get_or_none(s, ZoneRow, zone.id, repo.get_zone)
            w.put("zone", ZoneRow, zone.id, old_zone, zone, repo.upsert_zone)
        for ent in register.enterprises:
            old_ent: Enterprise | None = _get_or_none(s, EnterpriseRow, ent.id, repo.get_enterprise)
            if old_ent is not None:
                ent = replace(ent, value_added_10k_cny=old_ent.value_added_10k_cny)
            w.put("enterprise", EnterpriseRow, ent.id, old_ent, ent, repo.upsert_enterprise)
        refused: list[RowError] = []
        for meter in register.meters:
            old_meter: Meter | None = _get_or_none(s, MeterRow, meter.id, repo.get_meter)
            if old_meter is not None:
                meter = replace(meter, gateway_id=old_meter.gateway_id)
                moved = [f for f in _READING_FIELDS if getattr(old_meter, f) != getattr(meter, f)]
                if moved and _has_readings(s, meter.id):
                    refused.append(
                        _invalid(
                            path.name,
                            SHEET_METERS,
                            "表号",
                            f"meter '{meter.id}' has readings; its {', '.join(moved)} cannot change "
                            f"(stored: {', '.join(str(getattr(old_meter, f)) for f in moved)}) — "
                            "register the new meter under a new id",
                        )
                    )
                    continue
            w.put("meter", MeterRow, meter.id, old_meter, meter, repo.upsert_meter)
        if refused:
            raise ValidationError(refused)  # rolls the transaction back: nothing stored
    return RegisterResult(path.name, park_id, w.created, w.updated, w.unchanged)


def park_register(scope: Scope, park_id: str) -> ParkRegister:
    """The stored park ``park_id`` as a register (what ``zeropark park show`` prints or exports).

    An enterprise user sees its own enterprise and meters only.

    Raises
    ------
    NotFound
        No such park, or outside the scope (audited).
    """
    parks.park(scope, park_id)
    engine = scope.engine
    ent = scope.enterprise_id
    park = repo.get_park(engine, park_id)
    zones = tuple(repo.list_zones(engine, park_id))
    enterprises = tuple(repo.list_enterprises(engine, park_id, enterprise_id=ent))
    meters = repo.list_meters(engine, park_id, enterprise_id=ent)
    by_id = {m.id: m for m in meters}
    ordered: list[Meter] = []
    done: set[str] = set()

    def visit(m: Meter) -> None:
        if m.id in done:
            return
        done.add(m.id)
        if m.parent_id in by_id:
            visit(by_id[m.parent_id])
        ordered.append(m)

    for m in meters:
        visit(m)
    return ParkRegister(park, zones, enterprises, tuple(ordered))


def register_document_of(scope: Scope, park_id: str) -> dict[str, Any]:
    """The stored park as the register document ``park init`` reads (the API's and the CLI's export).

    Raises
    ------
    NotFound
        No such park, or outside the scope (audited).
    """
    return register_document(park_register(scope, park_id))
