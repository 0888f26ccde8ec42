"""Engine and sessions. SQLite file by default; PostgreSQL when ``ZEROPARK_DATABASE_URL`` says so."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    String,
    any_,
    bindparam,
    create_engine,
    event,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from zeropark.errors import NotFound
from zeropark.store.schema import ForecastRunRow, OptimizationRunRow


def make_engine(url: str, *, pre_ping: bool = True) -> Engine:
    """Create an engine for ``url`` with the pragmas and pool settings zeropark relies on.

    SQLite gets WAL journaling and enforced foreign keys; PostgreSQL uses psycopg 3.
    ``pre_ping`` tests each PostgreSQL connection with a round trip when it leaves the pool, so a
    database restart costs no failed statement (ingest and the CLI want that). The API server
    turns it off: it answers the one request that meets a dropped connection with 503 and the pool
    replaces every connection older than the drop (SQLAlchemy's disconnect handling), and it saves
    a round trip per request.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # pool ≥ the API worker's thread pool (anyio: 40 threads) minus a margin, so busy periods reuse
    # kept connections: an overflow connection is closed when returned, and opening one forks a
    # PostgreSQL backend (measured with benchmarks/api.py: 10 kept + 20 overflow → 480 req/s,
    # 30 kept + 10 overflow → 584 req/s, same 30 s run otherwise)
    return create_engine(url, pool_pre_ping=pre_ping, pool_size=30, max_overflow=10)


def is_postgres(engine: Engine) -> bool:
    """Whether ``engine`` talks to PostgreSQL (enables COPY and partition-aware SQL)."""
    return engine.dialect.name == "postgresql"


def among(conn: Connection, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one array parameter (``column = ANY(:array)``).

    Thousands of IN placeholders cost PostgreSQL (and the driver) more to convert than the query
    costs to run; SQLite keeps the plain IN list.
    """
    if conn.dialect.name == "postgresql":
        cond: ColumnElement[bool] = column == any_(
            bindparam(None, list(values), type_=postgresql.ARRAY(String))
        )
        return cond
    cond = column.in_(list(values))
    return cond


def read_connection(engine: Engine) -> Connection:
    """A connection for reads in autocommit mode: each statement sees the latest committed data.

    Saves the ``BEGIN`` and ``ROLLBACK`` round trips of a transaction nobody needs for a few
    independent reads (the API's hot paths); use it as ``with read_connection(engine) as conn:``.
    Never write through it.
    """
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: commit on success, roll back on error."""
    with session_factory(engine)() as session, session.begin():
        yield session


#: A stored run table keyed by ``id`` and owned by a park.
RunRowT = TypeVar("RunRowT", ForecastRunRow, OptimizationRunRow)


def get_detached(engine: Engine, model: type[RunRowT], run_id: int, not_found: str) -> RunRowT:
    """Row ``run_id`` of ``model``, detached from its session so callers can read it freely.

    Raises
    ------
    NotFound
        With the message ``not_found`` if there is no such row.
    """
    with session_factory(engine)() as session:
        row = session.get(model, run_id)
        if row is None:
            raise NotFound(not_found)
        session.expunge(row)
        return row


def newest_detached(
    engine: Engine,
    model: type[RunRowT],
    park_id: str | None = None,
    limit: int = 50,
    *where: ColumnElement[bool],
) -> list[RunRowT]:
    """The newest ``limit`` rows of ``model`` first (of one park if given, matching ``where``), detached."""
    stmt = select(model).where(*where).order_by(model.id.desc()).limit(limit)
    if park_id is not None:
        stmt = stmt.where(model.park_id == park_id)
    with session_factory(engine)() as session:
        rows = list(session.scalars(stmt))
        for row in rows:
            session.expunge(row)
        return rows
