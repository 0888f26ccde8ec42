"""Which database errors mean "the database is unavailable" (retry) and which mean "this input" (quarantine).

A long-running writer (the MQTT ingester) must tell the two apart: retrying a batch that the
database refuses *because of its content* (a value it cannot hold, a resource one statement
exhausts) loops forever, and dropping a batch because the database restarted loses data. Only
these count as unavailability and are retried:

- a dropped connection (SQLAlchemy invalidated it) or a connection that could not be made
  (no SQLSTATE: the server never answered);
- SQLSTATE class ``08`` (connection exception), ``57P01``–``57P03`` (server shutting down,
  crash recovery, cannot connect now), ``53300`` (too many connections), ``53100`` (disk full),
  class ``40`` (serialization failure, deadlock: retrying is the prescribed answer),
  ``55P03`` (lock not available);
- SQLite busy, locked, I/O, full and cannot-open errors;
- the connection pool timing out.

Everything else — a data exception (class ``22``), an integrity violation (``23``),
``53200`` out of (shared) memory, a syntax or program error — belongs to the input or the code,
and retrying it cannot help. SQLSTATE codes: PostgreSQL 15 documentation, Appendix A
"PostgreSQL Error Codes".
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

__all__ = ["database_error", "database_unavailable"]

_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300", "53100", "55P03"})
_UNAVAILABLE_CLASSES = frozenset({"08", "40"})
_SQLITE_UNAVAILABLE = frozenset(
    {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_PROTOCOL"}
)


#: Driver packages whose exceptions may reach a caller unwrapped (the COPY path uses psycopg directly).
_DRIVERS = frozenset({"psycopg", "sqlite3"})


def _driver_error(exc: BaseException) -> tuple[BaseException, bool] | None:
    """``(driver exception, connection invalidated)`` of a database error, or None."""
    if isinstance(exc, DBAPIError):
        return (exc.orig if exc.orig is not None else exc), bool(exc.connection_invalidated)
    if type(exc).__module__.split(".")[0] in _DRIVERS:
        return exc, False
    return None


def database_error(exc: BaseException) -> bool:
    """Whether ``exc`` came from the database (wrapped by SQLAlchemy or straight from the driver)."""
    return isinstance(exc, PoolTimeout) or _driver_error(exc) is not None


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is (temporarily) unavailable, so the same write may be retried.

    Parameters
    ----------
    exc : BaseException
        What a write raised.

    Returns
    -------
    bool
        True for a lost or refused connection, a server shutting down or overloaded, a deadlock
        or lock timeout, a busy SQLite file; False for anything the written data or the code caused.
    """
    if isinstance(exc, PoolTimeout):
        return True
    found = _driver_error(exc)
    if found is None:
        return False
    orig, invalidated = found
    if invalidated:
        return True
    if isinstance(orig, sqlite3.Error):
        return any(orig.sqlite_errorname.startswith(n) for n in _SQLITE_UNAVAILABLE)
    state: str | None = None
    if type(orig).__module__.split(".")[0] == "psycopg":
        import psycopg  # already loaded: the error came from it (SQLite-only processes never load it)

        if isinstance(orig, psycopg.Error):
            state = orig.sqlstate
    if not state:
        # no answer from a server at all (connection refused, reset before a reply)
        return isinstance(exc, OperationalError) or type(orig).__name__ in {
            "OperationalError",
            "InterfaceError",
        }
    return state in _UNAVAILABLE_STATES or state[:2] in _UNAVAILABLE_CLASSES
