"""Validation of incoming readings (pure): accept with quality bits, or reject with a reason.

Rules (DESIGN.md §5), applied to one reading item of one meter:

- unknown meter, a meter the sending gateway does not own, a malformed item or value, NaN or
  infinity, a timestamp more than 5 minutes in the future or before the earliest accepted instant
  (1 January of :data:`DEFAULT_EARLIEST_YEAR`, park time, unless the caller configures another),
  a timestamp outside what a calendar date can hold, a unit that does not convert to the
  carrier's canonical unit → :class:`Rejected` (goes to quarantine with the raw payload);
- physically implausible values (negative, beyond 1.5× rated capacity × interval) →
  :class:`Accepted` with ``Quality`` bits set (stored and flagged).

An item is a mapping ``{"ts": ISO-8601 or epoch seconds, "value": number, "unit"?: str}``.
Naive timestamps are local time of the park (``assume_tz``, Asia/Shanghai by default), as meter
exports in China write them. The core never sees source headers or transport details.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from zeropark.errors import UnitMismatch
from zeropark.model import Carrier, MeterKind, Reading
from zeropark.timeseries import CAPACITY_FACTOR_LIMIT, IMPLAUSIBLE_MASK, Quality, implausible_flags

__all__ = [
    "DEFAULT_EARLIEST_YEAR",
    "FUTURE_TOLERANCE",
    "Accepted",
    "MeterInfo",
    "Reason",
    "Rejected",
    "accept_clean",
    "earliest_instant",
    "parse_ts",
    "validate_item",
]

_NEGATIVE_BIT = int(Quality.NEGATIVE)
_ABOVE_CAPACITY_BIT = int(Quality.ABOVE_CAPACITY)

#: A reading more than this far in the future is quarantined (DESIGN.md §5).
FUTURE_TOLERANCE = timedelta(minutes=5)

#: Readings before 1 January of this year (park time) are quarantined as ``early_ts`` unless the
#: deployment configures another year (``ZEROPARK_EARLIEST_READING_YEAR``). Not a standard: a
#: guard against a device clock reset to its epoch (1970, 2000-01-01 on some RTCs is *after* it)
#: or a zero date (0001-01-01), which would otherwise be stored, create storage partitions and
#: show up as reporting years.
DEFAULT_EARLIEST_YEAR = 2000


def earliest_instant(year: int = DEFAULT_EARLIEST_YEAR, tz: str = "Asia/Shanghai") -> datetime:
    """The first accepted instant: 1 January ``year`` 00:00 in ``tz``, as aware UTC."""
    return datetime(year, 1, 1, tzinfo=_zone(tz)).astimezone(UTC)


class Reason(StrEnum):
    """隔离原因: why a reading went to quarantine (``quarantine.reason``)."""

    UNKNOWN_METER = "unknown_meter"
    FORBIDDEN_METER = "forbidden_meter"
    MALFORMED = "malformed"
    NAN = "nan"
    FUTURE_TS = "future_ts"
    UNIT = "unit"
    #: timestamp before the earliest accepted instant (:func:`earliest_instant`)
    EARLY_TS = "early_ts"
    #: MQTT topic not of the shape ``<prefix>/<park>/<meter>/reading``
    BAD_TOPIC = "bad_topic"
    #: the database refused the record itself (not a database outage): kept raw for inspection
    STORE_REFUSED = "store_refused"


@dataclass(frozen=True, slots=True)
class MeterInfo:
    """What validation needs to know about a meter (a projection of ``MeterRow``)."""

    id: str
    park_id: str
    carrier: Carrier
    unit: str
    kind: MeterKind
    multiplier: float = 1.0
    rated_capacity: float | None = None  # [meter unit per hour]
    interval_s: int = 3600
    gateway_id: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Accepted:
    """A valid reading, value converted to the canonical unit, implausibility in ``quality``."""

    reading: Reading


@dataclass(frozen=True, slots=True)
class Rejected:
    """A reading that goes to quarantine: reason, a human-readable detail, the raw item.

    ``raw`` is text (a JSON record) or, for a message that could not be decoded at all, its
    bytes exactly as received (quarantine keeps them, base64-encoded when they are not text).
    """

    meter_id: str | None
    park_id: str | None
    reason: Reason
    detail: str
    raw: str | bytes
    #: where a whole message was received (its MQTT topic): part of its quarantine fingerprint, so
    #: the same payload on two topics is two records
    origin: str = ""


Converter = Callable[[float, str, Carrier], float]


def parse_ts(value: Any, assume_tz: str = "Asia/Shanghai") -> datetime:
    """Parse an ISO-8601 string or epoch seconds into an aware UTC datetime.

    Raises
    ------
    ValueError
        If the value is neither; the message shows the value and the accepted forms.
    """
    if isinstance(value, bool):
        raise ValueError(f"timestamp {value!r} is a boolean; use ISO-8601 like 2026-01-01T08:00:00+08:00")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"timestamp {value!r} is not finite")
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(
                f"epoch timestamp {value!r} is outside the years 1–9999; send seconds since "
                "1970-01-01 UTC, e.g. 1772323200, or ISO-8601"
            ) from None
    if not isinstance(value, str):
        raise ValueError(f"timestamp {value!r} is not a string; use ISO-8601 like 2026-01-01T08:00:00+08:00")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"timestamp {value!r} is not ISO-8601; use e.g. 2026-01-01T08:00:00+08:00 or 2026-01-01 08:00:00"
        ) from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=_zone(assume_tz))
    try:
        return ts.astimezone(UTC)
    except (OverflowError, ValueError):  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise ValueError(f"timestamp {value!r} falls outside the years 1–9999 in UTC") from None


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


_DEFAULT_EARLIEST = earliest_instant()


def _parse_value(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"value {value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"value {value!r} is not a number") from None
    raise ValueError(f"value {value!r} is not a number")


def _raw(meter_id: str | None, item: Any, park_id: str | None = None, gateway_id: str | None = None) -> str:
    """The raw record kept in quarantine: ``{"meter_id", "item"}``, plus park and gateway.

    The park named by the topic and the sending gateway are kept when known, so that
    re-processing applies the same checks as ingest.
    """
    try:
        body = json.dumps(item, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        body = json.dumps(repr(item), ensure_ascii=False)
    except RecursionError:  # nested deeper than the encoder goes
        body = json.dumps(f"<{type(item).__name__} nested too deeply to keep>")
    if meter_id is None:
        return body
    head = {"meter_id": meter_id}
    if park_id is not None:
        head["park_id"] = park_id
    if gateway_id is not None:
        head["gateway_id"] = gateway_id
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "item": ' + body + "}"


def validate_item(
    meter_id: str,
    item: Any,
    *,
    meters: Mapping[str, MeterInfo],
    now_utc: datetime,
    convert: Converter,
    gateway_id: str | None = None,
    park_id: str | None = None,
    assume_tz: str = "Asia/Shanghai",
    earliest_utc: datetime | None = None,
) -> Accepted | Rejected:
    """Validate one reading item of ``meter_id``.

    Parameters
    ----------
    meter_id : str
        Meter code from the topic, the CSV row or the JSON body.
    item : Any
        The decoded item, normally ``{"ts": ..., "value": ..., "unit"?: ...}``.
    meters : mapping of str to MeterInfo
        Registered meters.
    now_utc : datetime
        The receive time; a ``ts`` beyond ``now_utc + 5 min`` is rejected.
    convert : callable
        ``convert(value, unit, carrier) -> float`` in the canonical unit, raising
        :class:`~zeropark.errors.UnitMismatch` (``zeropark.units.to_canonical``).
    gateway_id : str or None
        When given (HTTP), the meter must belong to this gateway.
    park_id : str or None
        When given (MQTT topic), the meter must be registered in this park.
    assume_tz : str
        Time zone of naive timestamps.
    earliest_utc : datetime, optional
        A ``ts`` before it is rejected as ``early_ts`` (default :func:`earliest_instant`).

    Returns
    -------
    Accepted or Rejected
    """
    meter = meters.get(meter_id)
    if meter is None or not meter.active:
        why = "is not registered" if meter is None else "is inactive"
        return Rejected(
            meter_id,
            None,
            Reason.UNKNOWN_METER,
            f"meter '{meter_id}' {why}; register it (zeropark data import / API), then "
            "`zeropark quarantine reprocess`",
            _raw(meter_id, item, park_id, gateway_id),
        )
    if park_id is not None and meter.park_id != park_id:
        return Rejected(
            meter_id,
            meter.park_id,
            Reason.UNKNOWN_METER,
            f"meter '{meter_id}' is registered in park '{meter.park_id}', not in '{park_id}' "
            "(the park of the topic or import)",
            _raw(meter_id, item, park_id, gateway_id),
        )
    if gateway_id is not None and meter.gateway_id != gateway_id:
        return Rejected(
            meter_id,
            meter.park_id,
            Reason.FORBIDDEN_METER,
            f"gateway '{gateway_id}' may not write meter '{meter_id}' "
            f"(owned by gateway '{meter.gateway_id}')",
            _raw(meter_id, item, park_id, gateway_id),
        )
    if not isinstance(item, Mapping) or "ts" not in item or "value" not in item:
        return Rejected(
            meter_id,
            meter.park_id,
            Reason.MALFORMED,
            'expected an object {"ts": ISO-8601, "value": number}',
            _raw(meter_id, item, park_id, gateway_id),
        )
    try:
        value = _parse_value(item["value"])
        ts = parse_ts(item["ts"], assume_tz)
    except ValueError as exc:
        return Rejected(
            meter_id, meter.park_id, Reason.MALFORMED, str(exc), _raw(meter_id, item, park_id, gateway_id)
        )
    if not math.isfinite(value):
        return Rejected(
            meter_id,
            meter.park_id,
            Reason.NAN,
            f"value {value!r} is not finite",
            _raw(meter_id, item, park_id, gateway_id),
        )
    if ts > now_utc + FUTURE_TOLERANCE:
        return Rejected(
            meter_id,
            meter.park_id,
            Reason.FUTURE_TS,
            f"timestamp {ts.isoformat()} is more than 5 min after receive time {now_utc.isoformat()}; "
            "check the device clock (NTP)",
            _raw(meter_id, item, park_id, gateway_id),
        )
    earliest = earliest_utc if earliest_utc is not None else _DEFAULT_EARLIEST
    if ts < earliest:
        return Rejected(
            meter_id,
            meter.park_id,
            Reason.EARLY_TS,
            f"timestamp {ts.isoformat()} is before the earliest accepted instant {earliest.isoformat()}; "
            "check the device clock (a reset clock reports 1970 or 2000), or configure an earlier "
            "year (ZEROPARK_EARLIEST_READING_YEAR) for genuine historical data",
            _raw(meter_id, item, park_id, gateway_id),
        )
    unit = item.get("unit") or meter.unit
    if not isinstance(unit, str):
        return Rejected(
            meter_id,
            meter.park_id,
            Reason.MALFORMED,
            f"unit {unit!r} is not a string",
            _raw(meter_id, item, park_id, gateway_id),
        )
    try:
        canonical = convert(value, unit, meter.carrier)
    except UnitMismatch as exc:
        return Rejected(
            meter_id, meter.park_id, Reason.UNIT, str(exc), _raw(meter_id, item, park_id, gateway_id)
        )
    except Exception as exc:  # an undefined unit name raises pint's own errors
        return Rejected(
            meter_id,
            meter.park_id,
            Reason.UNIT,
            f"unit '{unit}' is not understood for {meter.carrier.value} ({exc}); use e.g. '{meter.unit}'",
            _raw(meter_id, item, park_id, gateway_id),
        )
    quality = implausible_flags(
        canonical,
        consumption_like=True,
        rated_capacity_per_h=(
            convert(meter.rated_capacity, meter.unit, meter.carrier)
            if meter.rated_capacity is not None and meter.kind is MeterKind.INTERVAL
            else None
        ),
        interval_s=meter.interval_s,
        multiplier=1.0,
    )
    return Accepted(Reading(meter_id, ts, canonical, int(quality)))


def accept_clean(
    meter: MeterInfo,
    items: Sequence[Any],
    *,
    now_utc: datetime,
    convert: Converter,
    earliest_utc: datetime | None = None,
) -> tuple[list[Reading], list[int]]:
    """Batch fast path: accept the plainly valid items of one (registered, permitted) meter.

    An item is *plain* when it is exactly ``{"ts": <ISO-8601 string with offset>, "value": <int
    or float>}`` (no ``unit``, so the meter's own unit applies), the value is finite and the
    timestamp is at most 5 minutes after ``now_utc`` and not before ``earliest_utc``. For these
    the result is identical to :func:`validate_item` (same UTC instant, canonical value and
    quality bits) at a fraction of the cost: the unit factor and the capacity limit are resolved
    once per call, not per item.
    Everything else — naive or epoch timestamps, string values, NaN, future timestamps, an
    explicit unit, non-objects — is returned by index for the full per-item path, which accepts
    or rejects it with its reason.

    The caller checks meter registration, park and gateway first (they concern all items).

    Parameters
    ----------
    meter : MeterInfo
        The registered, active meter all ``items`` belong to.
    items : sequence
        Decoded items.
    now_utc : datetime
        Receive time.
    convert : callable
        Unit converter (``zeropark.units.to_canonical``, cached).
    earliest_utc : datetime, optional
        The earliest accepted instant (default :func:`earliest_instant`).

    Returns
    -------
    (list of Reading, list of int)
        Accepted readings (values [canonical unit], ``ts_utc`` in UTC) and indices of the items
        that need :func:`validate_item`.
    """
    try:
        factor = convert(1.0, meter.unit, meter.carrier)
        cap = (
            convert(meter.rated_capacity, meter.unit, meter.carrier)
            if meter.rated_capacity is not None and meter.kind is MeterKind.INTERVAL
            else None
        )
    except Exception:  # the meter's own unit does not convert: every item takes the full path
        return [], list(range(len(items)))
    # timeseries.implausible_flags: value > 1.5 × rated capacity [unit/h] × interval [h] (DESIGN.md §5)
    limit = (
        CAPACITY_FACTOR_LIMIT * cap * (meter.interval_s / 3600.0)
        if cap is not None and meter.interval_s > 0
        else math.inf
    )
    latest = now_utc + FUTURE_TOLERANCE
    earliest = earliest_utc if earliest_utc is not None else _DEFAULT_EARLIEST
    fromiso = datetime.fromisoformat
    isfinite = math.isfinite
    mid = meter.id
    accepted: list[Reading] = []
    slow: list[int] = []
    for i, it in enumerate(items):
        if type(it) is not dict or len(it) != 2:
            slow.append(i)
            continue
        raw_ts = it.get("ts")
        value: Any = it.get("value")
        tv = type(value)
        if (tv is not float and tv is not int) or type(raw_ts) is not str or not isfinite(value):
            slow.append(i)
            continue
        try:
            ts = fromiso(raw_ts)
        except ValueError:
            slow.append(i)
            continue
        if ts.tzinfo is None:
            slow.append(i)
            continue
        try:
            ts = ts.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+08:00: the full path says why
            slow.append(i)
            continue
        if ts > latest or ts < earliest:
            slow.append(i)
            continue
        canonical = float(value) * factor
        quality = (_NEGATIVE_BIT if canonical < 0 else 0) | (_ABOVE_CAPACITY_BIT if canonical > limit else 0)
        accepted.append(Reading(mid, ts, canonical, quality))
    return accepted, slow


def caching_converter(convert: Converter) -> Converter:
    """Wrap a linear unit converter so that each (unit, carrier) is resolved once.

    Energy, volume and mass units are linear (no offset), so ``convert(v) = v × convert(1)``.
    A unit that fails to convert raises every time (the failure is not cached as a factor).
    """

    @lru_cache(maxsize=1024)
    def factor(unit: str, carrier: Carrier) -> float:
        return convert(1.0, unit, carrier)

    def cached(value: float, unit: str, carrier: Carrier) -> float:
        return value * factor(unit, carrier)

    return cached


def flagged(quality: int) -> bool:
    """Whether a reading's quality bits count as flagged (implausible)."""
    return bool(quality & IMPLAUSIBLE_MASK)
