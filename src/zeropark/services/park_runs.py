"""Park-level runs (optimisation and forecast runs): who may make and read them, and their JSON.

Both kinds of run belong to a park as a whole (``optimization_run``, ``forecast_run``), so the
same rules hold for both (:mod:`zeropark.services.optimization`, :mod:`zeropark.services.forecasting`):

- read: any role that may see the park (admin; park manager and verifier of the park); enterprise
  users are refused (403 + audit ``denied``) — a park-level plan or forecast shows every
  enterprise's load;
- create: admin and park manager (403 + audit ``denied`` for the others);
- a park outside the user's scope is answered as unknown (404 + audit ``denied``), and a park that
  does not exist as :class:`~zeropark.errors.NotFound` before anything is computed.

A run's parameters and results are stored as JSON: :func:`json_safe` turns NumPy values into plain
ones and non-finite numbers into ``null``. Its time is read back as aware UTC (:func:`utc`) from
either database.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine

from zeropark.errors import NotFound, PermissionDenied
from zeropark.model import Park
from zeropark.store import repo
from zeropark.store.db import RunRowT, newest_detached
from zeropark.store.scope import Scope


def check_read(scope: Scope, park_id: str | None, entity: str, entity_id: str) -> None:
    """Refuse a read of a park's ``entity`` by a user outside the park or an enterprise user.

    ``park_id`` None: a read across every park the user sees (the list is filtered by the caller).

    Raises
    ------
    NotFound
        The park is outside the scope (audited).
    PermissionDenied
        The user is an enterprise user (audited).
    """
    if park_id is not None:
        scope.check_park(park_id)
    if scope.is_enterprise:
        scope.deny(entity, entity_id, f"{entity} is park-level; enterprise users may not see it")
        raise PermissionDenied(
            f"{entity.replace('_', ' ')}s are park-level: enterprise users may not see them; "
            "ask a park manager"
        )


def check_create(scope: Scope, park_id: str, entity: str) -> Park:
    """The park a new ``entity`` is for, once the user may create one there.

    Raises
    ------
    NotFound
        The park is outside the scope (audited) or does not exist.
    PermissionDenied
        The user is not admin or park manager (audited).
    """
    scope.check_park(park_id)
    park = require_park(scope.engine, park_id)
    scope.require_manager(entity, park_id)
    return park


def visible_rows(
    scope: Scope, model: type[RunRowT], entity: str, park_id: str | None, limit: int
) -> list[RunRowT]:
    """The newest stored runs of ``model`` first, of ``park_id`` (else of every park the user sees).

    Raises
    ------
    NotFound
        If ``park_id`` is outside the scope or does not exist.
    PermissionDenied
        For an enterprise user.
    """
    check_read(scope, park_id, entity, f"runs of {park_id or 'all parks'}")
    if park_id is not None:
        require_park(scope.engine, park_id)
        return newest_detached(scope.engine, model, park_id, limit)
    mine = scope.park_condition(model.park_id)
    return newest_detached(scope.engine, model, None, limit, *(() if mine is None else (mine,)))


def require_park(engine: Engine, park_id: str) -> Park:
    """The stored park ``park_id``.

    Raises
    ------
    NotFound
        Naming the park and how parks get into the store.
    """
    try:
        return repo.get_park(engine, park_id)
    except NotFound as exc:
        raise NotFound(
            f"park '{park_id}' does not exist; runs belong to a stored park "
            "(zeropark demo, or import the park's workbook)"
        ) from exc


def utc(ts: datetime) -> datetime:
    """``ts`` as an aware UTC time (SQLite hands back naive datetimes; they were stored in UTC)."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def json_safe(obj: Any) -> Any:
    """A JSON-storable copy: NumPy arrays and scalars as lists and numbers, inf/NaN as None.

    Examples
    --------
    >>> json_safe({"a": np.array([1.0, np.inf]), "b": (np.float64(2.5), math.nan)})
    {'a': [1.0, None], 'b': [2.5, None]}
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(float(v)) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        return json_safe(obj.item())
    return obj
