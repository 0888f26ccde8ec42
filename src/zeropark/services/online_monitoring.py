"""能耗在线监测 upload records: export from the park's data, pre-submission checks, import of filed files.

One function per use case, the same for the CLI (``zeropark report --kind online-monitoring``,
``zeropark import``), the API (``/api/v1/online-monitoring/…``) and the page download
(``/reports/online-monitoring.json``). The records are made by the pure core
(:mod:`zeropark.accounting.online_monitoring`) from the hourly energy of each enterprise's
consumption meters (:func:`zeropark.store.aggregate.meter_hourly`), with the history loaded from
earlier filed files filling hours (and days, months) the readings do not cover.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zeropark.accounting import online_monitoring as om
from zeropark.errors import (
    DataError,
    NotFound,
    PermissionDenied,
    RowError,
    UploadProfileError,
    ValidationError,
)
from zeropark.ingest.quarantine import quarantine_rows
from zeropark.ingest.validate import Reason, Rejected
from zeropark.model import CANONICAL_UNIT, Carrier, Direction, Enterprise, Meter
from zeropark.store import repo
from zeropark.store.aggregate import meter_slots
from zeropark.store.db import transaction
from zeropark.store.schema import ImportBatchRow, OnlineMonitoringRecordRow
from zeropark.store.scope import Scope

#: The import kind stored in ``import_batch.kind``.
IMPORT_KIND = "online_monitoring"
#: Audit entity of an import.
ENTITY = "online_monitoring"


@dataclass(frozen=True, slots=True)
class UploadExport:
    """An exported upload file with the checks of each enterprise's records."""

    file_name: str
    content: bytes
    profile: str
    period: om.Period
    n_records: int
    checks: tuple[om.CheckResult, ...]


@dataclass(frozen=True, slots=True)
class UploadImport:
    """What an import of an upload file did."""

    file: str
    profile: str
    status: str  # stored / partial / rejected
    records: int
    stored: int
    rejected: int
    errors: tuple[RowError, ...]
    batch_id: int | None
    checks: tuple[om.CheckResult, ...]


def parse_month(text: str) -> om.Period:
    """``YYYY-MM`` → the month's period.

    Raises
    ------
    DataError
        Naming the value and the form expected.
    """
    try:
        y, m = (int(x) for x in text.strip().split("-"))
        return om.Period.month(y, m)
    except ValueError:
        raise DataError(f"month '{text}': give it as YYYY-MM, e.g. 2025-03") from None


def _consumption_meters(meters: Sequence[Meter]) -> list[Meter]:
    return [m for m in meters if m.direction in (Direction.IMPORT, Direction.CONSUMPTION)]


def _check_units(profile: om.UploadProfile) -> None:
    for carrier, e in profile.energy.items():
        try:
            canonical = CANONICAL_UNIT[Carrier(carrier)]
        except ValueError:
            raise UploadProfileError(profile.label, f"energy.{carrier}", "not a zeropark carrier") from None
        if e.unit != canonical:
            raise UploadProfileError(
                profile.label, f"energy.{carrier}.unit", f"'{e.unit}': zeropark's series are in {canonical}"
            )


def _visible_enterprises(scope: Scope, park_id: str, enterprise_id: str | None) -> list[Enterprise]:
    scope.check_park(park_id)
    if scope.is_enterprise:
        if enterprise_id not in (None, scope.enterprise_id):
            scope.deny("enterprise", str(enterprise_id), "outside scope")
            raise NotFound(f"enterprise '{enterprise_id}' not found")
        enterprise_id = scope.enterprise_id
    found = repo.list_enterprises(scope.engine, park_id, enterprise_id=enterprise_id)
    if enterprise_id is not None and not found:
        raise NotFound(f"enterprise '{enterprise_id}' not found in park '{park_id}'")
    return found


def build_uploads(
    scope: Scope,
    park_id: str,
    period: om.Period,
    *,
    profile: om.UploadProfile,
    enterprise_id: str | None = None,
) -> list[om.EnterpriseUpload]:
    """Each visible enterprise's upload records for ``period`` (one month) — the one source of the figures."""
    _check_units(profile)
    enterprises = _visible_enterprises(scope, park_id, enterprise_id)
    meters = _consumption_meters(repo.list_meters(scope.engine, park_id))
    slot_s = 60 * profile.realtime_interval_min
    hourly = (
        meter_slots(scope.engine, park_id, period.start.year, meters, slot_s=slot_s, tz=profile.timezone)
        if meters
        else {}
    )
    tz = ZoneInfo(profile.timezone)
    year_start = datetime(period.start.year, 1, 1, tzinfo=tz)
    h0 = int((datetime.combine(period.start, datetime.min.time(), tz) - year_start).total_seconds() // slot_s)
    n_h = 86400 // slot_s * period.n_days
    lo = datetime.combine(period.start, datetime.min.time(), tz)
    hi = datetime.combine(period.end, datetime.min.time(), tz)
    uploads = []
    with Session(scope.engine) as s:
        for ent in enterprises:
            mine = [m for m in meters if m.enterprise_id == ent.id]
            items = om.items_for(profile, [(m.id, m.name, m.carrier.value) for m in mine])
            ids = {m.id for m in mine}
            top = frozenset(m.id for m in mine if m.parent_id not in ids)
            series: dict[str, list[float]] = {}
            for it in items:
                hs = hourly.get(it.meter_id)
                series[it.meter_id] = (
                    [float(v) for v in hs.values[h0 : h0 + n_h]] if hs is not None else [math.nan] * n_h
                )
            history = s.scalars(
                select(OnlineMonitoringRecordRow).where(
                    OnlineMonitoringRecordRow.enterprise_id == ent.id,
                    OnlineMonitoringRecordRow.start >= lo.astimezone(UTC),
                    OnlineMonitoringRecordRow.start < hi.astimezone(UTC),
                )
            ).all()
            by_code = {it.data_code: it for it in items}
            daily: dict[tuple[str, date], float] = {}
            monthly: dict[tuple[str, date], float] = {}
            for h in history:
                found = by_code.get(h.data_code)
                if found is None:
                    continue
                start = _aware(h.start).astimezone(tz)
                if h.stat_type == om.StatType.REALTIME:
                    k = int((start - lo).total_seconds() // slot_s)
                    vals = series[found.meter_id]
                    if 0 <= k < n_h and math.isnan(vals[k]):
                        vals[k] = h.value
                elif h.stat_type == om.StatType.DAILY:
                    daily[(h.data_code, start.date())] = h.value
                else:
                    monthly[(h.data_code, start.date())] = h.value
            uploads.append(
                om.build_upload(
                    profile,
                    ent.uscc,
                    ent.name,
                    items,
                    series,
                    period,
                    daily_fallback=daily,
                    monthly_fallback=monthly,
                    in_total=top,
                )
            )
    return uploads


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def export_upload(
    scope: Scope,
    park_id: str,
    month: str,
    *,
    profile_path: str | Path | None = None,
    enterprise_id: str | None = None,
    now: datetime | None = None,
) -> UploadExport:
    """The upload file of ``month`` (YYYY-MM) for the park's (or one enterprise's) enterprises.

    The file states its profile (``profile.name``/``version``); the checks of the upload quality
    rules come with it (they do not stop the export: the user decides before submitting).
    """
    scope.check_park(park_id)  # another park's data is refused before its arguments are read
    profile = om.load_profile(profile_path)
    period = parse_month(month)
    uploads = build_uploads(scope, park_id, period, profile=profile, enterprise_id=enterprise_id)
    created = now or datetime.now(UTC)
    doc = om.to_document(profile, uploads, period, created=created)
    checks = tuple(c for up in uploads for c in om.check_upload(profile, up, period))
    suffix = f"-{enterprise_id}" if enterprise_id else ""
    return UploadExport(
        file_name=f"online-monitoring-{park_id}{suffix}-{period.start:%Y-%m}.json",
        content=om.dumps(doc),
        profile=profile.label,
        period=period,
        n_records=sum(len(u.records) for u in uploads),
        checks=checks,
    )


def check_file(
    data: bytes, label: str, *, profile_path: str | Path | None = None
) -> tuple[om.CheckResult, ...]:
    """The pre-submission checks of an upload file (any file of the profile, ours or a filer's).

    Raises
    ------
    ValidationError
        The file cannot be read as a whole, or has bad records (each named).
    """
    profile = om.load_profile(profile_path)
    parsed = om.parse_document(profile, data, label)
    if parsed.errors:
        raise ValidationError(list(parsed.errors))
    return tuple(c for up in parsed.uploads for c in om.check_upload(profile, up, parsed.period))


def import_upload(
    scope: Scope,
    path: Path,
    *,
    as_month: str | None = None,
    profile_path: str | Path | None = None,
    partial: bool = False,
) -> UploadImport:
    """Load a filed upload file as the enterprises' history (``as_month``: stamped as another month).

    Every record is checked; a bad record is named (file, ``uploads[i]``, record number, field)
    and kept in quarantine. Without ``partial`` nothing is stored when any record is bad. A
    record replaces the stored one of the same enterprise, data code, stat type and start.

    Raises
    ------
    PermissionDenied
        A role that may not import, or an enterprise user importing another enterprise.
    ValidationError
        The file cannot be read, or (without ``partial``) has bad records; nothing is stored.
    """
    if scope.user.role not in ("admin", "park_manager", "enterprise"):
        scope.deny(ENTITY, path.name, f"role '{scope.user.role}' may not import")
        raise PermissionDenied(f"role '{scope.user.role}' may not import data")
    profile = om.load_profile(profile_path)
    data = path.read_bytes()
    parsed = om.parse_document(profile, data, path.name)
    period = parsed.period
    shift = 0
    if as_month is not None:
        target = parse_month(as_month)
        if period.n_days != target.n_days or period.start.day != 1:
            raise ValidationError(
                [
                    RowError(
                        path.name,
                        None,
                        None,
                        "period",
                        f"the file holds {period.n_days} days from {period.start}; --as-month {as_month} has "
                        f"{target.n_days}: choose a month of the same length",
                    )
                ]
            )
        shift = (target.start - period.start).days
        period = target
    errors = list(parsed.errors)
    rejected_raw = list(parsed.rejected_raw)
    parks = repo.list_parks(scope.engine)
    by_uscc: dict[str, Enterprise] = {}
    for p in parks:
        if scope.sees_park(p.id):
            for e in repo.list_enterprises(scope.engine, p.id):
                by_uscc[e.uscc] = e
    rows: list[dict[str, object]] = []
    uploads = []
    for i, up in enumerate(parsed.uploads):
        ent = by_uscc.get(up.enterprise_code)
        if ent is None or not scope.sees(park_id=ent.park_id, enterprise_id=ent.id):
            err = RowError(
                path.name,
                f"uploads[{i}]",
                None,
                profile.envelope["enterprise_code"],
                f"no enterprise with 统一社会信用代码 {up.enterprise_code} here; register it first",
            )
            errors.append(err)
            rejected_raw.append((err, up.enterprise_code))
            continue
        moved = om.shift_upload(up, shift) if shift else up
        uploads.append(moved)
        meters = {it.data_code: it.meter_id or None for it in up.items}
        for r in moved.records:
            rows.append(
                {
                    "park_id": ent.park_id,
                    "enterprise_id": ent.id,
                    "data_code": r.data_code,
                    "meter_id": meters.get(r.data_code),
                    "stat_type": r.stat_type.value,
                    "start": r.start.astimezone(UTC),
                    "value": r.value,
                    "valid": r.valid,
                    "collected": r.collected,
                    "profile": profile.label,
                }
            )
    status = "stored" if not errors else ("partial" if partial and rows else "rejected")
    now = datetime.now(UTC)
    with transaction(scope.engine) as s:
        batch = ImportBatchRow(
            park_id=scope.park_id,
            file_name=path.name[:400],
            sha256=hashlib.sha256(data).hexdigest(),
            kind=IMPORT_KIND,
            status=status,
            n_rows=parsed.n_records,
            n_stored=len(rows) if status != "rejected" else 0,
            n_rejected=len(errors),
            errors=[str(e) for e in errors[:200]],
            created_at=now,
            created_by=scope.user.username,
        )
        s.add(batch)
        s.flush()
        quarantine_rows(
            s.connection(),
            [Rejected(None, scope.park_id, Reason.MALFORMED, str(err), raw) for err, raw in rejected_raw],
            source=f"file:{path.name}"[:405],
            received_at=now,
        )
        if status != "rejected":
            _replace(s, rows, batch.id)
        scope.audit(
            s,
            "import",
            ENTITY,
            str(batch.id),
            after={"file": path.name, "profile": profile.label, "status": status, "records": len(rows)},
        )
        batch_id = batch.id
    if status == "rejected":
        raise ValidationError(errors, stored=0)
    checks = tuple(c for up in uploads for c in om.check_upload(profile, up, period))
    return UploadImport(
        path.name,
        profile.label,
        status,
        parsed.n_records,
        len(rows),
        len(errors),
        tuple(errors),
        batch_id,
        checks,
    )


def _replace(s: Session, rows: list[dict[str, object]], batch_id: int) -> None:
    """Write ``rows``, replacing stored records of the same keys (per enterprise and code, one query)."""
    keys: dict[tuple[object, object], list[datetime]] = {}
    for r in rows:
        keys.setdefault((r["enterprise_id"], r["data_code"]), []).append(r["start"])  # type: ignore[arg-type]
    for (ent, code), starts in keys.items():
        lo, hi = min(starts), max(starts)
        s.execute(
            delete(OnlineMonitoringRecordRow).where(
                OnlineMonitoringRecordRow.enterprise_id == ent,
                OnlineMonitoringRecordRow.data_code == code,
                OnlineMonitoringRecordRow.start >= lo,
                OnlineMonitoringRecordRow.start <= hi,
            )
        )
    s.bulk_insert_mappings(OnlineMonitoringRecordRow, [{**r, "batch_id": batch_id} for r in rows])


__all__ = [
    "IMPORT_KIND",
    "UploadExport",
    "UploadImport",
    "build_uploads",
    "check_file",
    "export_upload",
    "import_upload",
    "parse_month",
]
