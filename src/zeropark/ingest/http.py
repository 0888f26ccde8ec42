"""HTTP ingest shell: gateway API keys and request bodies (JSON batch or CSV) → the ingest path.

A gateway (采集网关) authenticates with its own API key ``zpg_<prefix>_<secret>`` (header
``X-API-Key`` or ``Authorization: Bearer``). Only the argon2 hash and the 8-character lookup prefix
are stored (``gateway`` table); the clear key is shown once by :func:`create_gateway`. A verified
key is remembered for 60 s by its SHA-256, so argon2 runs once a minute per gateway, not per
request. A gateway may write only the meters assigned to it (``meter.gateway_id``); a row for any
other meter is rejected as ``forbidden_meter`` and quarantined like every other rejected row.

Bodies:

- JSON: ``[{"meter_id": "E-0001", "ts": "2026-03-01T08:00:00+08:00", "value": 12.5, "unit"?: "kWh"}]``
  or ``{"readings": [...]}``;
- CSV (``Content-Type: text/csv``): header ``meter_id,ts,value[,unit]`` (or 表号,时间,读数[,单位]).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select, update

from zeropark.errors import DataError, NotFound, PermissionDenied
from zeropark.ingest.columns import readings_columns
from zeropark.security import dummy_hash, hash_password, verify_password
from zeropark.store import repo
from zeropark.store.db import transaction
from zeropark.store.schema import GatewayRow, MeterRow

__all__ = [
    "KEY_PREFIX",
    "authenticate_gateway",
    "create_gateway",
    "parse_csv_body",
    "parse_json_body",
]

#: Clear gateway keys start with this marker (user API tokens start with ``zp_``).
KEY_PREFIX = "zpg_"


def create_gateway(
    engine: Engine, park_id: str, gateway_id: str, *, name: str = "", meter_ids: Sequence[str] = ()
) -> str:
    """Register gateway ``gateway_id`` in ``park_id``, assign ``meter_ids`` to it, return its clear key.

    The key is returned once and never stored in clear. Calling it for an existing gateway
    raises :class:`~zeropark.errors.DataError` (rotate with :func:`rotate_gateway_key`).

    Raises
    ------
    NotFound
        If the park or one of the meters does not exist, or a meter is in another park.
    """
    repo.get_park(engine, park_id)
    key, prefix = _new_key()
    repo.add_gateway(engine, repo.Gateway(gateway_id, park_id, name, hash_password(key), prefix))
    assign_meters(engine, gateway_id, meter_ids)
    return key


def rotate_gateway_key(engine: Engine, gateway_id: str) -> str:
    """Replace the key of ``gateway_id``; the old key stops working (after the 60 s cache)."""
    g = repo.get_gateway(engine, gateway_id)
    key, prefix = _new_key()
    repo.upsert_gateway(engine, repo.Gateway(g.id, g.park_id, g.name, hash_password(key), prefix))
    _CACHE.clear()
    return key


def assign_meters(engine: Engine, gateway_id: str, meter_ids: Sequence[str]) -> None:
    """Let ``gateway_id`` write ``meter_ids`` (each meter has at most one gateway)."""
    if not meter_ids:
        return
    g = repo.get_gateway(engine, gateway_id)
    with transaction(engine) as s:
        found = dict(
            s.execute(select(MeterRow.id, MeterRow.park_id).where(MeterRow.id.in_(list(meter_ids)))).all()
        )
        missing = [m for m in meter_ids if m not in found]
        if missing:
            raise NotFound(f"meter(s) {', '.join(missing)} do not exist; register them first")
        foreign = [m for m, p in found.items() if p != g.park_id]
        if foreign:
            raise DataError(
                f"meter(s) {', '.join(foreign)} are not in park '{g.park_id}' of gateway '{gateway_id}'"
            )
        s.execute(update(MeterRow).where(MeterRow.id.in_(list(meter_ids))).values(gateway_id=gateway_id))


def _new_key() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


class _KeyCache:
    def __init__(self, ttl_s: float = 60.0) -> None:
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._items: dict[str, tuple[str, str, float]] = {}

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, digest: str) -> tuple[str, str] | None:
        with self._lock:
            hit = self._items.get(digest)
            if hit is None or hit[2] < time.monotonic():
                return None
            return hit[0], hit[1]

    def put(self, digest: str, gateway_id: str, park_id: str) -> None:
        with self._lock:
            self._items[digest] = (gateway_id, park_id, time.monotonic() + self._ttl)


_CACHE = _KeyCache()


def authenticate_gateway(engine: Engine, key: str | None) -> tuple[str, str]:
    """The ``(gateway_id, park_id)`` of a clear key.

    Raises
    ------
    PermissionDenied
        If the key is missing, malformed or wrong (the message does not say which gateway).
    """
    if not key:
        raise PermissionDenied(
            "missing gateway API key; send 'X-API-Key: zpg_…' or 'Authorization: Bearer zpg_…'"
        )
    digest = hashlib.sha256(key.encode()).hexdigest()
    hit = _CACHE.get(digest)
    if hit is not None:
        return hit
    parts = key[len(KEY_PREFIX) :].split("_", 1) if key.startswith(KEY_PREFIX) else []
    candidates: list[GatewayRow] = []
    if len(parts) == 2 and len(parts[0]) == 8:
        with transaction(engine) as s:
            candidates = list(s.scalars(select(GatewayRow).where(GatewayRow.api_key_prefix == parts[0])))
    for g in candidates:
        if verify_password(g.api_key_hash, key):  # False for a mismatch or a malformed hash
            _CACHE.put(digest, g.id, g.park_id)
            return g.id, g.park_id
    if not candidates:  # same time whether or not the prefix exists
        verify_password(dummy_hash(), key)
    raise PermissionDenied("invalid gateway API key")


def _row_item(row: Any, index: int) -> tuple[str, Any] | tuple[None, str]:
    if not isinstance(row, dict) or "meter_id" not in row:
        return None, f"row {index}: expected an object with meter_id, ts, value"
    item = {k: v for k, v in row.items() if k != "meter_id"}
    return str(row["meter_id"]), item


def parse_json_body(
    body: bytes,
) -> tuple[list[tuple[str, Any]], list[tuple[str | None, str, str]], list[int]]:
    """Decode a JSON batch into ``(meter_id, item)`` pairs and undecodable rows.

    Returns
    -------
    items, undecodable, item_index
        ``item_index[i]`` is the position in the body of ``items[i]``.

    Raises
    ------
    DataError
        If the body is not JSON or not a list / ``{"readings": [...]}``.
    """
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise DataError(f"request body is not JSON ({exc}); send a list of readings or text/csv") from None
    except RecursionError:
        raise DataError(
            "request body is JSON nested too deeply to decode; send a flat list of readings "
            '[{"meter_id": …, "ts": …, "value": …}]'
        ) from None
    rows = doc.get("readings") if isinstance(doc, dict) else doc
    if not isinstance(rows, list):
        raise DataError('expected a JSON list of readings or {"readings": [...]}')
    items: list[tuple[str, Any]] = []
    bad: list[tuple[str | None, str, str]] = []
    index: list[int] = []
    for i, row in enumerate(rows):
        mid, item = _row_item(row, i)
        if mid is None:
            try:
                raw = json.dumps(row, ensure_ascii=False, default=str)
            except RecursionError:
                raw = json.dumps(f"<{type(row).__name__} nested too deeply to keep>")
            bad.append((None, raw, str(item)))
        else:
            items.append((mid, item))
            index.append(i)
    return items, bad, index


def parse_csv_body(body: bytes) -> tuple[list[tuple[str, Any]], list[tuple[str | None, str, str]], list[int]]:
    """Decode a CSV body (header meter_id, ts, value[, unit] or the Chinese headers).

    Returns the same triple as :func:`parse_json_body` (index = data row number, header = row 1).
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("gb18030")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise DataError("CSV body is empty; expected a header meter_id,ts,value[,unit]") from None
    cols, header_unit = readings_columns(list(header), "request body", None)
    width = max(cols.values()) + 1
    items: list[tuple[str, Any]] = []
    bad: list[tuple[str | None, str, str]] = []
    index: list[int] = []
    for line_no, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < width:
            bad.append((None, ",".join(row), f"CSV row {line_no} has {len(row)} cells, expected {width}"))
            continue
        item: dict[str, Any] = {"ts": row[cols["ts"]].strip(), "value": row[cols["value"]].strip()}
        unit = row[cols["unit"]].strip() if "unit" in cols else header_unit
        if unit:
            item["unit"] = unit
        items.append((row[cols["meter_id"]].strip(), item))
        index.append(line_no)
    return items, bad, index
