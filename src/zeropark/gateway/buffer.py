"""Store-and-forward buffer (本地缓存): SQLite on disk, every message kept until its PUBACK.

The file also keeps the gaps the gateway recorded and each point's last value.

A message is written (committed) before it is published and deleted only after its PUBACK: a
broker outage, a network cut or a gateway restart loses nothing. A message published twice (its
PUBACK lost in a cut) is a duplicate the ingester stores once (idempotent write).

Tables: ``outbox(id, topic, payload, created)``, ``gaps(ts, device, meter, reason, detail)``,
``last_value(meter, value, ts)``. WAL mode: the poll loop writes while the publisher reads.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Buffer", "Gap"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS gaps (
    ts TEXT NOT NULL,
    device TEXT NOT NULL,
    meter TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS last_value (
    meter TEXT PRIMARY KEY,
    value REAL NOT NULL,
    ts TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Gap:
    """A reading the gateway could not make, and why (``timeout``, ``bad_frame``, …)."""

    ts: str
    device: str
    meter: str
    reason: str
    detail: str


class Buffer:
    """The on-disk buffer; one instance per process, safe to use from two threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    # -- outbox ------------------------------------------------------------------------------------
    def put(
        self,
        messages: list[tuple[str, bytes]],
        gaps: list[Gap] | None = None,
        last: dict[str, tuple[float, str]] | None = None,
    ) -> None:
        """Keep ``messages`` (topic, payload), ``gaps`` and the points' last values, in one commit."""
        now = time.time()
        gaps = gaps or []
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT INTO outbox (topic, payload, created) VALUES (?, ?, ?)",
                    [(t, p, now) for t, p in messages],
                )
                self._db.executemany(
                    "INSERT INTO gaps VALUES (?, ?, ?, ?, ?)",
                    [(g.ts, g.device, g.meter, g.reason, g.detail) for g in gaps],
                )
                if last:
                    self._db.executemany(
                        "INSERT INTO last_value VALUES (?, ?, ?) "
                        "ON CONFLICT (meter) DO UPDATE SET value = excluded.value, ts = excluded.ts",
                        [(m, v, ts) for m, (v, ts) in last.items()],
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def pending(self, after_id: int = 0, limit: int = 500) -> list[tuple[int, str, bytes]]:
        """The oldest messages not yet acknowledged, with an id above ``after_id``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, topic, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
            ).fetchall()
        return [(int(i), str(t), bytes(p)) for i, t, p in rows]

    def acknowledged(self, ids: list[int]) -> None:
        """Forget messages the broker acknowledged."""
        if not ids:
            return
        with self._lock:
            self._db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])

    def backlog(self) -> int:
        """Messages waiting for the broker."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    # -- gaps and last values ----------------------------------------------------------------------
    def gaps(self, limit: int = 1000) -> list[Gap]:
        """The latest recorded gaps, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, device, meter, reason, detail FROM gaps ORDER BY rowid DESC LIMIT ?", (limit,)
            ).fetchall()
        return [Gap(*r) for r in rows]

    def last_values(self) -> dict[str, tuple[float, str]]:
        """Each point's last value and its timestamp (to flag a cumulative register going back)."""
        with self._lock:
            rows = self._db.execute("SELECT meter, value, ts FROM last_value").fetchall()
        return {m: (float(v), str(ts)) for m, v, ts in rows}
