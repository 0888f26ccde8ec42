"""Change generations (变更代) of tables whose rows are cached by the serving processes.

A watched table has a *generation* per process: a counter bumped when a session that inserted,
updated or deleted rows of it (unit of work or ORM bulk ``update``/``delete``) commits. A cache
(``zeropark.api.caching.TtlCache``) remembers the generation that was current *before* its value
was read from the database, and serves it only while that generation is still current and its
TTL has not run out. So:

- a change committed through the ORM in this process invalidates every cached value at once,
  including a value whose read raced with the change;
- a change made elsewhere (another uvicorn worker, the CLI, raw SQL) is seen within ``ttl_s``.

Pure in-process state; nothing is shared between workers.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, object_session

from zeropark.store.schema import (
    ActivityRecordRow,
    AlarmRow,
    GreenPowerClaimRow,
    InventoryRunRow,
    MeterRow,
    ParkRow,
    RunSupersessionRow,
    TransferRow,
    UserRow,
    UserSessionRow,
)

_generations: dict[str, int] = {}
_topics: dict[type[Any], str] = {}
_lock = threading.Lock()
_INFO_KEY = "zeropark.changed_topics"


def generation(topic: str) -> int:
    """The current generation of ``topic`` (read it *before* reading the rows you will cache)."""
    return _generations.get(topic, 0)


def bump(topic: str) -> None:
    """Invalidate every cached value of ``topic`` in this process now."""
    with _lock:
        _generations[topic] = _generations.get(topic, 0) + 1


def _note(session: Session, topic: str) -> None:
    session.info.setdefault(_INFO_KEY, set()).add(topic)


def watch(model: type[Any], topic: str) -> None:
    """Bump ``topic`` whenever a session that changed rows of ``model`` commits."""
    if model in _topics:
        return
    _topics[model] = topic

    def changed(_mapper: Any, _connection: Any, target: Any) -> None:
        session = object_session(target)
        if session is not None:
            _note(session, topic)

    for name in ("after_insert", "after_update", "after_delete"):
        event.listen(model, name, changed)


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    for mapper in state.all_mappers:
        topic = _topics.get(mapper.class_) if mapper is not None else None
        if topic is not None:
            _note(state.session, topic)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for topic in session.info.pop(_INFO_KEY, ()):
        bump(topic)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


# -- the watched tables ------------------------------------------------------------------------
#: Topics of the tables the serving processes cache rows of: a commit through this process's ORM
#: drops every cached value of the topic at once; a change made elsewhere is seen within the TTL.
USER_TOPIC = "user"
PARK_TOPIC = "park"
METER_TOPIC = "meter"
ALARM_TOPIC = "alarm"
RUN_TOPIC = "inventory_run"
EVIDENCE_TOPIC = "evidence"

watch(UserRow, USER_TOPIC)
watch(UserSessionRow, USER_TOPIC)  # logout ends a cached session principal at once
watch(ParkRow, PARK_TOPIC)
watch(MeterRow, METER_TOPIC)
watch(AlarmRow, ALARM_TOPIC)
watch(InventoryRunRow, RUN_TOPIC)
for _model in (ActivityRecordRow, GreenPowerClaimRow, TransferRow):
    watch(_model, EVIDENCE_TOPIC)
# data approval (issue #15): a run marked superseded is a changed run summary
watch(RunSupersessionRow, RUN_TOPIC)
