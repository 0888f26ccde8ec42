"""重点用能单位能耗在线监测 upload records: the upload profile, the records, the pre-submission checks.

Pure core (no database; reading a profile file is the only I/O, as for the bundled factor tables).

The message schema of GB/T 37947 part 1 is not public. What *is* seen in public code (the
Yunnan provincial-platform client of Linyang Energy, 2020: the MySQL tables behind its uploads
and the services that send them) fixes the field names of one enterprise's data records
(``enterpriseCode``, ``regVersion``, ``dicVersion``, ``dataCode`` ≤ 18 characters, ``dataValue``,
``convertRation``, ``valid``, ``scope``, ``inputType``, ``statType``, ``statDate``,
``uploadDate``) and of its configured collection items (``dataCode`` composed of 生产工序编码 +
工序单元编码 + 重点设备编码 + 采集数据分类编码 + 能源品种编码 + 数据用途编码). Code values and
part widths are not seen: they are named, configurable entries of an **upload profile** (a YAML
file, :func:`load_profile`), each marked ``[S]`` or ``[UNCERTAIN]`` there, and every exported
file names the profile it was written with.

The upload quality rules come from a vendor summary of the platform's requirements [S]:
completeness ≥ 90 %, daily vs monthly deviation ≤ 5 %, a daily record starts at 00:00 ± 1 min
and a monthly one on the 1st at 00:00 ± 1 day (:func:`check_upload`).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from zeropark.errors import RowError, UploadProfileError, ValidationError

#: The bundled default profile (see its header for what was verified).
DEFAULT_PROFILE_PATH = Path(__file__).with_name("data") / "online_monitoring_default.yaml"
#: The ``format`` field of every file zeropark writes (and the only one it reads back).
FILE_FORMAT = "zeropark/online-monitoring-upload"


class StatType(StrEnum):
    """统计类型 of a record: realtime (interval), daily or monthly indicator."""

    REALTIME = "realtime"
    DAILY = "daily"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class EnergyCode:
    """能源品种 as the profile codes it: code, unit, decimals of ``dataValue``, 折标系数 [tce/unit]."""

    code: str
    unit: str
    decimals: int
    convert_ratio: float


@dataclass(frozen=True, slots=True)
class CodePart:
    """One part of the 数据项编码: its name, width [characters] and default value."""

    name: str
    width: int
    default: str | None


@dataclass(frozen=True, slots=True)
class UploadProfile:
    """上传配置: field names, codes, the data-code composition, indicators and quality limits."""

    name: str
    version: int
    title_zh: str
    title_en: str
    timezone: str
    sources: tuple[dict[str, str], ...]
    envelope: Mapping[str, str]
    reg_version: str
    dic_version: str
    record: Mapping[str, str]
    collect: Mapping[str, str]
    stat_date_format: str
    stat_codes: Mapping[StatType, str]
    input_codes: Mapping[str, str]
    valid_codes: Mapping[str, str]
    scope_code: str
    parts: tuple[CodePart, ...]
    max_length: int
    energy: Mapping[str, EnergyCode]
    total: EnergyCode
    realtime_interval_min: int
    completeness_min: float
    deviation_max: float
    daily_window_s: float
    monthly_window_days: float

    @property
    def label(self) -> str:
        """``name@version``, as stated in every file."""
        return f"{self.name}@{self.version}"

    def stat_type_of(self, code: str) -> StatType | None:
        """The stat type a ``statType`` code stands for (None when unknown)."""
        for st, c in self.stat_codes.items():
            if c == code:
                return st
        return None


def _need(data: Mapping[str, Any], key: str, label: str, where: str = "") -> Any:
    if not isinstance(data, Mapping) or key not in data:
        raise UploadProfileError(label, f"{where}{key}", "missing; see the bundled default profile")
    return data[key]


def load_profile(path: str | Path | None = None) -> UploadProfile:
    """Read an upload profile (YAML); ``None`` = the bundled default.

    Raises
    ------
    UploadProfileError
        Naming the file and the key that is missing or wrong.
    """
    p = Path(path) if path is not None else DEFAULT_PROFILE_PATH
    label = str(path) if path is not None else "zeropark/accounting/data/online_monitoring_default.yaml"
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:  # a binary file is not a profile
        raise UploadProfileError(label, None, f"cannot read it as UTF-8 YAML: {exc}") from None
    if not isinstance(raw, Mapping):
        raise UploadProfileError(label, None, "not a YAML mapping")
    codes = _need(raw, "codes", label)
    stat = _need(codes, "stat_type", label, "codes.")
    try:
        stat_codes = {StatType(k): str(v) for k, v in stat.items()}
    except ValueError as exc:
        raise UploadProfileError(
            label, "codes.stat_type", f"{exc}; keys are realtime, daily, monthly"
        ) from None
    if set(stat_codes) != set(StatType) or len(set(stat_codes.values())) != 3:
        raise UploadProfileError(
            label, "codes.stat_type", "give three different codes: realtime, daily, monthly"
        )
    dc = _need(raw, "data_code", label)
    parts = []
    for i, part in enumerate(_need(dc, "parts", label, "data_code.")):
        name = _need(part, "name", label, f"data_code.parts[{i}].")
        width = _need(part, "width", label, f"data_code.parts[{i}].")
        if not isinstance(width, int) or width <= 0:
            raise UploadProfileError(
                label, f"data_code.parts[{i}].width", f"must be a positive integer, {width!r}"
            )
        default = part.get("default")
        if default is not None and len(str(default)) != width:
            raise UploadProfileError(
                label, f"data_code.parts[{i}].default", f"'{default}' is not {width} characters wide"
            )
        parts.append(CodePart(str(name), width, None if default is None else str(default)))
    names = [p_.name for p_ in parts]
    if "energy" not in names:
        raise UploadProfileError(label, "data_code.parts", "one part must be named 'energy' (能源品种编码)")
    max_length = int(_need(dc, "max_length", label, "data_code."))
    if sum(p_.width for p_ in parts) > max_length:
        raise UploadProfileError(
            label,
            "data_code.parts",
            f"the widths add up to {sum(p_.width for p_ in parts)} > max_length {max_length}",
        )
    energy_width = next(p_.width for p_ in parts if p_.name == "energy")

    def energy_code(key: str, e: Mapping[str, Any]) -> EnergyCode:
        code = str(_need(e, "code", label, f"{key}."))
        if len(code) != energy_width:
            raise UploadProfileError(label, f"{key}.code", f"'{code}' is not {energy_width} characters wide")
        ratio = float(e.get("convert_ratio", 1.0))
        if ratio < 0:
            raise UploadProfileError(label, f"{key}.convert_ratio", f"must be ≥ 0, {ratio} was given")
        return EnergyCode(code, str(_need(e, "unit", label, f"{key}.")), int(e.get("decimals", 2)), ratio)

    energy = {str(k): energy_code(f"energy.{k}", v) for k, v in _need(raw, "energy", label).items()}
    quality = _need(raw, "quality", label)
    ind = _need(raw, "indicators", label)
    interval = int(_need(ind, "realtime_interval_min", label, "indicators."))
    if interval not in (15, 30, 60):
        raise UploadProfileError(
            label, "indicators.realtime_interval_min", f"{interval}: the platform allows 15, 30 or 60 [S]"
        )
    return UploadProfile(
        name=str(_need(raw, "profile", label)),
        version=int(_need(raw, "version", label)),
        title_zh=str(raw.get("title_zh", "")),
        title_en=str(raw.get("title_en", "")),
        timezone=str(raw.get("timezone", "Asia/Shanghai")),
        sources=tuple({str(k): str(v) for k, v in s.items()} for s in raw.get("sources", ())),
        envelope={str(k): str(v) for k, v in _need(raw, "envelope", label).items()},
        reg_version=str(raw.get("reg_version", "")),
        dic_version=str(raw.get("dic_version", "")),
        record={str(k): str(v) for k, v in _need(raw, "record", label).items()},
        collect={str(k): str(v) for k, v in _need(raw, "collect", label).items()},
        stat_date_format=str(_need(raw, "stat_date_format", label)),
        stat_codes=stat_codes,
        input_codes={str(k): str(v) for k, v in _need(codes, "input_type", label, "codes.").items()},
        valid_codes={str(k): str(v) for k, v in _need(codes, "valid", label, "codes.").items()},
        scope_code=str(_need(codes, "scope", label, "codes.")),
        parts=tuple(parts),
        max_length=max_length,
        energy=energy,
        total=energy_code("total", _need(raw, "total", label)),
        realtime_interval_min=interval,
        completeness_min=float(_need(quality, "completeness_min", label, "quality.")),
        deviation_max=float(_need(quality, "daily_monthly_deviation_max", label, "quality.")),
        daily_window_s=float(_need(quality, "daily_window_s", label, "quality.")),
        monthly_window_days=float(_need(quality, "monthly_window_days", label, "quality.")),
    )


def compose_data_code(profile: UploadProfile, values: Mapping[str, str]) -> str:
    """数据项编码: the profile's parts in order, each from ``values`` or its default.

    Raises
    ------
    UploadProfileError
        A part without a value and without a default, or a value of the wrong width.

    >>> p = load_profile()
    >>> compose_data_code(p, {"equipment": "001", "energy": "3300"})
    '000000010133000000'
    """
    out = []
    for part in profile.parts:
        value = values.get(part.name, part.default)
        if value is None:
            raise UploadProfileError(profile.label, f"data_code.{part.name}", "no value and no default")
        if len(value) != part.width:
            raise UploadProfileError(
                profile.label, f"data_code.{part.name}", f"'{value}' is not {part.width} characters wide"
            )
        out.append(value)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class CollectItem:
    """One configured collection item (采集数据项): a meter's data code."""

    meter_id: str
    name: str
    carrier: str
    data_code: str
    parts: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class UploadRecord:
    """One upload record: data code, stat type, start (local, aware), value [profile unit], flags."""

    data_code: str
    stat_type: StatType
    start: datetime
    value: float
    valid: bool = True
    collected: bool = True


@dataclass(frozen=True, slots=True)
class EnterpriseUpload:
    """One enterprise's upload for a period: its items and records."""

    enterprise_code: str
    enterprise_name: str
    items: tuple[CollectItem, ...]
    records: tuple[UploadRecord, ...]


@dataclass(frozen=True, slots=True)
class Period:
    """The local period ``[start, start + n_days)`` of an upload (whole days)."""

    start: date
    n_days: int

    @property
    def end(self) -> date:
        """First day after the period."""
        return self.start + timedelta(days=self.n_days)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """One calendar month."""
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return cls(date(year, month, 1), (nxt - date(year, month, 1)).days)


def items_for(
    profile: UploadProfile,
    meters: Sequence[tuple[str, str, str]],
    overrides: Mapping[str, Mapping[str, str]] = {},
) -> tuple[CollectItem, ...]:
    """Collection items of one enterprise's meters ``(meter_id, name, carrier)``, in meter-id order.

    The 重点设备编码 part is the meter's number 1… within the enterprise unless ``overrides``
    (meter id → part values) says otherwise; the energy part is the carrier's code. Meters of a
    carrier the profile has no code for are left out.
    """
    eq = next((p for p in profile.parts if p.name == "equipment"), None)
    out = []
    for n, (mid, name, carrier) in enumerate(sorted(meters), start=1):
        e = profile.energy.get(carrier)
        if e is None:
            continue
        values = {"energy": e.code}
        if eq is not None:
            values["equipment"] = str(n).zfill(eq.width)[-eq.width :]
        values.update(overrides.get(mid, {}))
        out.append(CollectItem(mid, name or mid, carrier, compose_data_code(profile, values), values))
    codes = [i.data_code for i in out]
    dup = {c for c in codes if codes.count(c) > 1}
    if dup:
        raise UploadProfileError(
            profile.label, "data_code", f"two meters share the data code {sorted(dup)[0]}"
        )
    return tuple(out)


def _r(x: float, decimals: int) -> float:
    return round(x + 0.0, decimals)


def build_upload(
    profile: UploadProfile,
    enterprise_code: str,
    enterprise_name: str,
    items: Sequence[CollectItem],
    hourly: Mapping[str, Sequence[float]],
    period: Period,
    *,
    daily_fallback: Mapping[tuple[str, date], float] = {},
    monthly_fallback: Mapping[tuple[str, date], float] = {},
    in_total: frozenset[str] | None = None,
) -> EnterpriseUpload:
    """The upload records of one enterprise for ``period`` from its energy per realtime interval.

    ``hourly[meter_id]`` holds one value per ``profile.realtime_interval_min`` of the period
    (``24 × period.n_days`` for 60 min, 96 per day for 15 min) [the carrier's profile unit], NaN
    where the interval is not completely metered. A realtime record per metered interval; a daily
    record per day with at least one metered interval (``valid`` only when all are), else the fallback value
    (e.g. a filed daily figure loaded earlier, ``collected`` = False); a monthly record the same
    way per calendar month in the period. The enterprise's 综合能源消费量 (profile ``total``) is
    Σ value × convertRation of its daily and monthly records [tce], over the meters in
    ``in_total`` (default all; give the top-level meters so a submeter is not counted twice).
    Values are rounded to the energy code's decimals *before* they are summed, so a file's daily
    record equals the sum of its realtime records as written.
    """
    tz = ZoneInfo(profile.timezone)
    step = profile.realtime_interval_min
    per_day = 24 * 60 // step
    n_h = per_day * period.n_days
    records: list[UploadRecord] = []
    totals: dict[tuple[StatType, date], list[float]] = defaultdict(lambda: [0.0, 1.0])
    for item in items:
        e = profile.energy[item.carrier]
        vals = list(hourly.get(item.meter_id, [math.nan] * n_h))
        if len(vals) != n_h:
            raise ValueError(f"meter {item.meter_id}: {len(vals)} values for {n_h} intervals of {step} min")
        rounded = [math.nan if math.isnan(v) else _r(v, e.decimals) for v in vals]
        for h, v in enumerate(rounded):
            if not math.isnan(v):
                t = datetime.combine(period.start, datetime.min.time(), tz) + timedelta(minutes=step * h)
                records.append(UploadRecord(item.data_code, StatType.REALTIME, t, v))
        months: dict[date, list[float]] = {}
        for d in range(period.n_days):
            day = period.start + timedelta(days=d)
            chunk = [v for v in rounded[per_day * d : per_day * (d + 1)] if not math.isnan(v)]
            mkey = day.replace(day=1)
            acc = months.setdefault(mkey, [0.0, 0.0, 0.0])  # sum, days with a value, valid days
            start = datetime.combine(day, datetime.min.time(), tz)
            if chunk:
                value, valid, collected = _r(math.fsum(chunk), e.decimals), len(chunk) == per_day, True
            elif (item.data_code, day) in daily_fallback:
                value, valid, collected = daily_fallback[(item.data_code, day)], True, False
            else:
                continue
            acc[0] = _r(acc[0] + value, e.decimals)
            acc[1] += 1
            acc[2] += float(valid)
            records.append(UploadRecord(item.data_code, StatType.DAILY, start, value, valid, collected))
            if in_total is not None and item.meter_id not in in_total:
                continue
            tot = totals[(StatType.DAILY, day)]
            tot[0] += value * e.convert_ratio
            tot[1] = min(tot[1], float(valid))
        for mkey, (msum, n_days_with, n_valid) in months.items():
            start = datetime.combine(mkey, datetime.min.time(), tz)
            if n_days_with:
                full = n_valid == Period.month(mkey.year, mkey.month).n_days
                rec = UploadRecord(item.data_code, StatType.MONTHLY, start, msum, full)
            elif (item.data_code, mkey) in monthly_fallback:
                rec = UploadRecord(
                    item.data_code,
                    StatType.MONTHLY,
                    start,
                    monthly_fallback[(item.data_code, mkey)],
                    True,
                    False,
                )
            else:
                continue
            records.append(rec)
            if in_total is not None and item.meter_id not in in_total:
                continue
            tot = totals[(StatType.MONTHLY, mkey)]
            tot[0] += rec.value * e.convert_ratio
            tot[1] = min(tot[1], float(rec.valid))
    total_code = compose_data_code(profile, {"energy": profile.total.code})
    for (st, day), (value, all_valid) in sorted(totals.items()):
        start = datetime.combine(day, datetime.min.time(), tz)
        records.append(
            UploadRecord(total_code, st, start, _r(value, profile.total.decimals), bool(all_valid))
        )
    return EnterpriseUpload(enterprise_code, enterprise_name, tuple(items), tuple(records))


# --- the file ------------------------------------------------------------------------------------


def to_document(
    profile: UploadProfile, uploads: Sequence[EnterpriseUpload], period: Period, *, created: datetime
) -> dict[str, Any]:
    """The export file (JSON-able): format, profile, period, one upload per enterprise."""
    rf, cf, ef = profile.record, profile.collect, profile.envelope
    fmt = profile.stat_date_format
    created_text = created.astimezone(ZoneInfo(profile.timezone)).strftime(fmt)

    def decimals(code: str) -> int:
        energy_at = _energy_slice(profile)
        e = next((v for v in profile.energy.values() if v.code == code[energy_at]), profile.total)
        return e.decimals

    def ratio(code: str) -> float:
        energy_at = _energy_slice(profile)
        e = next((v for v in profile.energy.values() if v.code == code[energy_at]), None)
        return 1.0 if e is None else e.convert_ratio

    out_uploads = []
    for up in uploads:
        out_uploads.append(
            {
                ef["enterprise_code"]: up.enterprise_code,
                ef["reg_version"]: profile.reg_version,
                ef["dic_version"]: profile.dic_version,
                "enterpriseName": up.enterprise_name,
                "collect": [
                    {
                        cf["name"]: it.name,
                        cf["data_code"]: it.data_code,
                        **{cf[k]: v for k, v in it.parts.items() if k in cf},
                        cf["meter_id"]: it.meter_id,
                    }
                    for it in up.items
                ],
                "data": [
                    {
                        rf["data_code"]: r.data_code,
                        rf["data_value"]: f"{r.value:.{decimals(r.data_code)}f}",
                        rf["convert_ratio"]: f"{ratio(r.data_code):g}",
                        rf["valid"]: profile.valid_codes["yes" if r.valid else "no"],
                        rf["scope"]: profile.scope_code,
                        rf["input_type"]: profile.input_codes["collected" if r.collected else "manual"],
                        rf["stat_type"]: profile.stat_codes[r.stat_type],
                        rf["stat_date"]: r.start.strftime(fmt),
                        rf["upload_date"]: created_text,
                    }
                    for r in up.records
                ],
            }
        )
    return {
        "format": FILE_FORMAT,
        "profile": {"name": profile.name, "version": profile.version, "title_zh": profile.title_zh},
        "period": {"from": period.start.isoformat(), "days": period.n_days},
        "note": (
            "Field names and codes follow the profile; its [UNCERTAIN] entries are stated in the profile."
        ),
        "uploads": out_uploads,
    }


def _energy_slice(profile: UploadProfile) -> slice:
    pos = 0
    for p in profile.parts:
        if p.name == "energy":
            return slice(pos, pos + p.width)
        pos += p.width
    raise UploadProfileError(profile.label, "data_code.parts", "no 'energy' part")


def dumps(document: Mapping[str, Any]) -> bytes:
    """The file's bytes (UTF-8 JSON, Chinese kept readable)."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A read upload file: its profile label, period, uploads and the rejected records."""

    profile_label: str
    period: Period
    uploads: tuple[EnterpriseUpload, ...]
    errors: tuple[RowError, ...]
    rejected_raw: tuple[tuple[RowError, str], ...] = field(default=())
    n_records: int = 0


def is_upload_file(data: bytes) -> bool:
    """Whether ``data`` is an online-monitoring upload file zeropark wrote (its ``format``)."""
    head = data[:400].decode("utf-8", errors="replace")
    return FILE_FORMAT in head


def parse_document(profile: UploadProfile, data: bytes, label: str) -> ParsedFile:
    """Read an upload file written with ``profile``.

    A bad file (not JSON, another format or profile, no period) raises; a bad *record* is
    listed in ``errors`` with the file, ``uploads[i]`` as the sheet, the record's number (1-based)
    as the row and the field, and kept raw in ``rejected_raw``; the good records are returned.

    Raises
    ------
    ValidationError
        The file as a whole cannot be read.
    """
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError([RowError(label, None, None, None, f"not a JSON upload file: {exc}")]) from None
    if not isinstance(doc, dict) or doc.get("format") != FILE_FORMAT:
        raise ValidationError([RowError(label, None, None, "format", f"expected '{FILE_FORMAT}'")])
    prof = doc.get("profile") or {}
    file_label = f"{prof.get('name')}@{prof.get('version')}"
    if file_label != profile.label:
        raise ValidationError(
            [
                RowError(
                    label,
                    None,
                    None,
                    "profile",
                    f"the file was written with profile {file_label}; import it with that profile "
                    f"(--profile FILE), not {profile.label}",
                )
            ]
        )
    try:
        per = doc["period"]
        period = Period(date.fromisoformat(per["from"]), int(per["days"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError([RowError(label, None, None, "period", f"missing or bad: {exc}")]) from None
    tz = ZoneInfo(profile.timezone)
    cf, ef = profile.collect, profile.envelope
    errors: list[RowError] = []
    rejected: list[tuple[RowError, str]] = []
    uploads = []
    n_records = 0
    for i, up in enumerate(doc.get("uploads") or []):
        sheet = f"uploads[{i}]"
        code = str(up.get(ef["enterprise_code"], "")).strip()
        if not code:
            errors.append(RowError(label, sheet, None, ef["enterprise_code"], "missing 统一社会信用代码"))
            continue
        items = []
        for j, c in enumerate(up.get("collect") or [], start=1):
            try:
                dcode = str(c[cf["data_code"]])
                parts = {
                    k: str(c[v]) for k, v in cf.items() if k in {p.name for p in profile.parts} and v in c
                }
                items.append(
                    CollectItem(str(c.get(cf["meter_id"], "")), str(c.get(cf["name"], "")), "", dcode, parts)
                )
            except (KeyError, TypeError) as exc:
                errors.append(RowError(label, f"{sheet}.collect", j, str(exc).strip("'"), "missing"))
        records = []
        for j, r in enumerate(up.get("data") or [], start=1):
            n_records += 1
            try:
                records.append(_parse_record(profile, r, tz))
            except _FieldError as exc:
                err = RowError(label, sheet, j, exc.field, exc.message)
                errors.append(err)
                rejected.append((err, json.dumps(r, ensure_ascii=False)))
        uploads.append(
            EnterpriseUpload(code, str(up.get("enterpriseName", "")), tuple(items), tuple(records))
        )
    return ParsedFile(file_label, period, tuple(uploads), tuple(errors), tuple(rejected), n_records)


class _FieldError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def _parse_record(profile: UploadProfile, r: Any, tz: ZoneInfo) -> UploadRecord:
    rf = profile.record
    if not isinstance(r, dict):
        raise _FieldError("", "a record must be a JSON object")

    def get(key: str) -> str:
        name = rf[key]
        if name not in r or r[name] in (None, ""):
            raise _FieldError(name, "missing")
        return str(r[name]).strip()

    code = get("data_code")
    if len(code) > profile.max_length:
        raise _FieldError(rf["data_code"], f"'{code}' is longer than {profile.max_length} characters")
    text = get("data_value")
    try:
        value = float(text)
    except ValueError:
        raise _FieldError(rf["data_value"], f"'{text}' is not a number (use a dot)") from None
    if not math.isfinite(value) or value < 0:
        raise _FieldError(rf["data_value"], f"'{text}': an energy quantity must be a finite number ≥ 0")
    st = profile.stat_type_of(get("stat_type"))
    if st is None:
        raise _FieldError(
            rf["stat_type"],
            f"'{r[rf['stat_type']]}' is none of the profile's codes {dict(profile.stat_codes)}",
        )
    when = get("stat_date")
    try:
        start = datetime.strptime(when, profile.stat_date_format).replace(tzinfo=tz)
    except ValueError:
        raise _FieldError(rf["stat_date"], f"'{when}' does not match {profile.stat_date_format}") from None
    valid = str(r.get(rf["valid"], profile.valid_codes["yes"])) == profile.valid_codes["yes"]
    collected = str(r.get(rf["input_type"], profile.input_codes["collected"])) != profile.input_codes.get(
        "manual"
    )
    return UploadRecord(code, st, start, value, valid, collected)


# --- pre-submission checks -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One named upload-quality check of one enterprise: passed, the measured value and the limit."""

    name: str
    enterprise_code: str
    passed: bool
    value: float
    limit: float
    detail: str
    source: str = "NHJC-QUALITY"


CHECK_LABELS: dict[str, tuple[str, str]] = {
    "completeness": ("数据完整性 ≥ 90 %", "completeness ≥ 90 %"),
    "daily_monthly": ("日报与月报偏差 ≤ 5 %", "daily vs monthly deviation ≤ 5 %"),
    "daily_window": ("日数据统计时间 00:00 ± 1 分钟", "daily records start at 00:00 ± 1 min"),
    "monthly_window": ("月数据统计时间 1 日 00:00 ± 1 天", "monthly records start on the 1st ± 1 day"),
}


def check_upload(profile: UploadProfile, upload: EnterpriseUpload, period: Period) -> tuple[CheckResult, ...]:
    """The upload quality rules [S NHJC-QUALITY] on one enterprise's records.

    - ``completeness``: per data code with realtime records, realtime records present ÷ expected
      (one per ``realtime_interval_min`` of the period); the worst code is the value.
    - ``daily_monthly``: per code and month, |Σ daily − monthly| ÷ monthly; the worst is the value.
    - ``daily_window`` / ``monthly_window``: the largest distance of a daily start from 00:00
      [s], of a monthly start from the 1st 00:00 [days].

    Worked example (tests/unit/test_online_monitoring.py): 2 days × 24 h expected, 44 present →
    44 / 48 = 0.9167 ≥ 0.90 passes; 43 → 0.8958 fails.
    """
    code = upload.enterprise_code
    expected = period.n_days * 24 * 60 // profile.realtime_interval_min
    by_code: dict[str, dict[StatType, list[UploadRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in upload.records:
        by_code[r.data_code][r.stat_type].append(r)
    out = []
    worst, worst_code = 1.0, ""
    for dc, groups in by_code.items():
        if groups[StatType.REALTIME]:
            share = len({r.start for r in groups[StatType.REALTIME]}) / expected
            if share < worst:
                worst, worst_code = share, dc
    out.append(
        CheckResult(
            "completeness",
            code,
            worst >= profile.completeness_min,
            worst,
            profile.completeness_min,
            f"worst data code {worst_code}: {worst:.2%}" if worst_code else "every data code complete",
        )
    )
    dev, dev_where = 0.0, ""
    for dc, groups in by_code.items():
        daily_sum: dict[tuple[int, int], float] = defaultdict(float)
        for r in groups[StatType.DAILY]:
            daily_sum[(r.start.year, r.start.month)] += r.value
        for m in groups[StatType.MONTHLY]:
            s = daily_sum.get((m.start.year, m.start.month), 0.0)
            d = abs(s - m.value) / m.value if m.value else (0.0 if s == 0 else math.inf)
            if d > dev:
                dev, dev_where = d, f"{dc} {m.start:%Y-%m}: Σ daily {s:g} vs monthly {m.value:g}"
    out.append(
        CheckResult(
            "daily_monthly",
            code,
            dev <= profile.deviation_max,
            dev,
            profile.deviation_max,
            dev_where or "daily records add up to the monthly ones",
        )
    )
    off_s, where = 0.0, ""
    for r in upload.records:
        if r.stat_type is StatType.DAILY:
            midnight = r.start.replace(hour=0, minute=0, second=0, microsecond=0)
            o = min(
                abs((r.start - midnight).total_seconds()),
                abs((midnight + timedelta(days=1) - r.start).total_seconds()),
            )
            if o > off_s:
                off_s, where = o, f"{r.data_code} {r.start:%Y-%m-%d %H:%M:%S}"
    out.append(
        CheckResult(
            "daily_window",
            code,
            off_s <= profile.daily_window_s,
            off_s,
            profile.daily_window_s,
            where or "all at 00:00",
        )
    )
    off_d, where = 0.0, ""
    for r in upload.records:
        if r.stat_type is StatType.MONTHLY:
            first = r.start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            o = abs((r.start - first).total_seconds()) / 86400.0
            if o > off_d:
                off_d, where = o, f"{r.data_code} {r.start:%Y-%m-%d %H:%M:%S}"
    out.append(
        CheckResult(
            "monthly_window",
            code,
            off_d <= profile.monthly_window_days,
            off_d,
            profile.monthly_window_days,
            where or "all on the 1st at 00:00",
        )
    )
    return tuple(out)


def shift_upload(upload: EnterpriseUpload, delta_days: int) -> EnterpriseUpload:
    """The same upload stamped ``delta_days`` later (an import *as another period*)."""
    moved = tuple(
        UploadRecord(
            r.data_code, r.stat_type, r.start + timedelta(days=delta_days), r.value, r.valid, r.collected
        )
        for r in upload.records
    )
    return EnterpriseUpload(upload.enterprise_code, upload.enterprise_name, upload.items, moved)


__all__ = [
    "CHECK_LABELS",
    "DEFAULT_PROFILE_PATH",
    "FILE_FORMAT",
    "CheckResult",
    "CollectItem",
    "EnterpriseUpload",
    "ParsedFile",
    "Period",
    "StatType",
    "UploadProfile",
    "UploadRecord",
    "build_upload",
    "check_upload",
    "compose_data_code",
    "dumps",
    "is_upload_file",
    "items_for",
    "load_profile",
    "parse_document",
    "shift_upload",
    "to_document",
]
