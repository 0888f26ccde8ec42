"""OPC UA devices (CHP, boiler and PV plant controllers, SCADA servers) for the gateway (asyncua).

A device is an OPC UA server (``url: opc.tcp://host:4840/…``); a point is one Variable node
(``node: "ns=2;s=CHP1.GasTotal"``) with the unit and quantity the config gives (the server's
EngineeringUnits are not read: the config is the single place a point's unit is declared).

- Values are read in one Read service call per device (OPC UA Part 4 §5.10.2); a value whose
  StatusCode is not Good is a gap ``opcua_bad_status`` naming the code.
- Backfill: a server that keeps history for a node (Part 11, Historical Access) is asked for the
  raw values between the last answered poll and now (HistoryRead, ``read_raw_history``); a server
  without history answers ``BadHistoryOperationUnsupported`` and the gap stays a gap.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from asyncua.client.client import Client
from asyncua.common.node import Node
from asyncua.ua.uaerrors import UaError

__all__ = ["OpcUaLine", "OpcUaReadError"]

log = logging.getLogger(__name__)


class OpcUaReadError(Exception):
    """A device could not be read: ``kind`` is ``timeout``, ``connection`` or ``bad_status``."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind, self.detail = kind, detail
        super().__init__(detail)


class OpcUaLine:
    """One client session to one OPC UA server; one request at a time."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self.lock = asyncio.Lock()
        self._client: Client | None = None

    async def _session(self) -> Client:
        if self._client is None:
            client = Client(self.url, timeout=self.timeout)
            try:
                await asyncio.wait_for(client.connect(), self.timeout * 2)
            except TimeoutError:
                raise OpcUaReadError(
                    "timeout", f"no OPC UA session with {self.url} in {self.timeout} s"
                ) from None
            except (OSError, UaError, asyncio.CancelledError) as exc:
                raise OpcUaReadError("connection", f"{self.url}: {type(exc).__name__}: {exc}") from None
            self._client = client
        return self._client

    async def close(self) -> None:
        """End the session (after a failure the next poll opens a new one)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.disconnect(), self.timeout)
            except Exception as exc:  # a dead server: nothing to close politely
                log.debug("OPC UA disconnect from %s: %s", self.url, exc)

    async def read(self, node_ids: list[str]) -> list[float]:
        """The values of ``node_ids`` as numbers; failures as :class:`OpcUaReadError`."""
        client = await self._session()
        try:
            nodes = [client.get_node(n) for n in node_ids]
            values = await asyncio.wait_for(client.read_attributes(nodes), self.timeout)
        except TimeoutError:
            await self.close()
            raise OpcUaReadError("timeout", f"{self.url} did not answer a Read in {self.timeout} s") from None
        except (OSError, UaError, ConnectionError) as exc:
            await self.close()
            raise OpcUaReadError("connection", f"{self.url}: {type(exc).__name__}: {exc}") from None
        out: list[float] = []
        for nid, dv in zip(node_ids, values, strict=True):
            status = dv.StatusCode
            if status is not None and not status.is_good():
                raise OpcUaReadError("bad_status", f"{self.url} node {nid}: status {status.name}")
            try:
                out.append(float(dv.Value.Value if dv.Value is not None else float("nan")))
            except (TypeError, ValueError):
                raise OpcUaReadError("bad_status", f"{self.url} node {nid}: value is not a number") from None
        return out

    async def history(self, node_id: str, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
        """Raw historical values of ``node_id`` in ``(start, end)``; [] when the server keeps none."""
        client = await self._session()
        node: Node = client.get_node(node_id)
        try:
            dvs = await asyncio.wait_for(node.read_raw_history(start, end), self.timeout * 5)
        except (TimeoutError, UaError, OSError) as exc:
            log.info("no history of %s from %s (%s): the gap stays", node_id, self.url, exc)
            return []
        out: list[tuple[datetime, float]] = []
        for dv in dvs:
            when = dv.SourceTimestamp or dv.ServerTimestamp
            if (
                when is None
                or dv.Value is None
                or (dv.StatusCode is not None and not dv.StatusCode.is_good())
            ):
                continue
            if when.tzinfo is None:  # asyncua gives UTC as naive datetimes
                when = when.replace(tzinfo=UTC)
            if start < when < end:
                out.append((when, float(dv.Value.Value)))
        return sorted(out)
