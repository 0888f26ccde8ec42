"""FastAPI dependencies: resources come by dependency, never from globals (STYLE.md §1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool


async def get_engine(request: Request) -> Engine:
    """The engine the app was created with (``app.state.engine``)."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


async def get_db(engine: EngineDep) -> AsyncIterator[Session]:
    """A session per request; the route commits what it writes.

    Opening a session touches no connection (the route's first query checks one out, in the
    route's thread), so it is made in the event loop. Closing it goes to the thread pool only when
    the route left a transaction open (a rollback on its connection); a route that committed or
    never queried costs no thread hop. Objects stay usable after commit (``expire_on_commit=False``).
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_db)]
