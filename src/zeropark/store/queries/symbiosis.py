"""A park's industrial-symbiosis registry as read (产业共生登记), inside the caller's scope.

An enterprise user sees its own sources and sinks, the exchanges it is a party to (supplier or
receiver) and the counterpart's source or sink of those exchanges (the agreement names both);
park managers, verifiers and admins see the whole registry. Writes are the use cases of
:mod:`zeropark.services.symbiosis`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from zeropark.store.db import session_factory
from zeropark.store.schema import (
    SymbiosisExchangeRow,
    SymbiosisMatchRow,
    SymbiosisSettingsRow,
    SymbiosisSinkRow,
    SymbiosisSourceRow,
)
from zeropark.store.scope import Scope

__all__ = ["RegistryRows", "latest_match", "registry_rows"]


@dataclass(frozen=True, slots=True)
class RegistryRows:
    """The stored rows of a park's registry a scope sees."""

    sources: list[SymbiosisSourceRow]
    sinks: list[SymbiosisSinkRow]
    exchanges: list[SymbiosisExchangeRow]
    weights: list[float] | None
    indicator_sources: dict[str, str] | None = None  # guiding indicator code → flows | declared


def registry_rows(scope: Scope, park_id: str, *, whole: bool = False) -> RegistryRows:
    """The park's registry rows inside ``scope`` (the caller has checked the park is in scope).

    ``whole=True`` reads every row of the park, for a use case that checks a write against the
    whole registry (a flow must not exceed its source's quantity whoever else takes from it); it
    never returns those rows to the user.
    """
    with session_factory(scope.engine)() as session:
        src = select(SymbiosisSourceRow).where(SymbiosisSourceRow.park_id == park_id)
        snk = select(SymbiosisSinkRow).where(SymbiosisSinkRow.park_id == park_id)
        xs = select(SymbiosisExchangeRow).where(SymbiosisExchangeRow.park_id == park_id)
        own = scope.enterprise_id if scope.is_enterprise and not whole else None
        if own is not None:
            xs = xs.where(
                or_(
                    SymbiosisExchangeRow.supplier_enterprise_id == own,
                    SymbiosisExchangeRow.receiver_enterprise_id == own,
                )
            )
        exchanges = list(session.scalars(xs.order_by(SymbiosisExchangeRow.exchange_id)))
        if own is not None:
            src = src.where(
                or_(
                    SymbiosisSourceRow.enterprise_id == own,
                    SymbiosisSourceRow.source_id.in_({x.source_id for x in exchanges}),
                )
            )
            snk = snk.where(
                or_(
                    SymbiosisSinkRow.enterprise_id == own,
                    SymbiosisSinkRow.sink_id.in_({x.sink_id for x in exchanges}),
                )
            )
        sources = list(session.scalars(src.order_by(SymbiosisSourceRow.source_id)))
        sinks = list(session.scalars(snk.order_by(SymbiosisSinkRow.sink_id)))
        settings = session.get(SymbiosisSettingsRow, park_id)
        return RegistryRows(
            sources,
            sinks,
            exchanges,
            list(settings.weights) if settings else None,
            dict(settings.indicator_sources or {}) if settings else None,
        )


def latest_match(scope: Scope, park_id: str) -> SymbiosisMatchRow | None:
    """The park's latest matching result, or ``None`` (the caller filters it for an enterprise)."""
    stmt = scope.filter(
        select(SymbiosisMatchRow).where(SymbiosisMatchRow.park_id == park_id),
        park_col=SymbiosisMatchRow.park_id,
        park_level=True,
    ).order_by(SymbiosisMatchRow.id.desc())
    with session_factory(scope.engine)() as session:
        return session.scalars(stmt.limit(1)).first()
