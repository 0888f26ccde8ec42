"""FastAPI dependencies: resources come by dependency, never from globals (STYLE.md §1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from zeropark.store.db import session_factory


async def get_engine(request: Request) -> Engine:
    """The engine the app was created with (``app.state.engine``)."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def get_db(engine: EngineDep) -> Iterator[Session]:
    """A session per request; the route commits what it writes."""
    with session_factory(engine)() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]
