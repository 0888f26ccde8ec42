"""产品碳足迹 store: products, their yearly production and allocation, purchased materials.

Reads take a :class:`~zeropark.store.scope.Scope` and filter in SQL (an enterprise user sees only
its own products); a product outside the scope is answered as not found (audited). Writes take the
caller's session so that they commit together with their audit record
(:mod:`zeropark.services.footprint`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zeropark.errors import NotFound
from zeropark.store.db import session_factory
from zeropark.store.schema import FootprintAllocationRow, FootprintMaterialRow, FootprintProductRow
from zeropark.store.scope import Scope

__all__ = [
    "ENTITY",
    "add_material",
    "add_product",
    "allocations_of_enterprise",
    "get_product",
    "list_products",
    "materials_of",
    "product_id_taken",
    "put_allocation",
]

ENTITY = "footprint_product"


def list_products(scope: Scope, park_id: str, enterprise_id: str | None = None) -> list[FootprintProductRow]:
    """The park's products inside ``scope`` (optionally of one enterprise), by enterprise and id."""
    stmt = scope.filter(
        select(FootprintProductRow).where(FootprintProductRow.park_id == park_id),
        enterprise_col=FootprintProductRow.enterprise_id,
        park_col=FootprintProductRow.park_id,
    )
    if enterprise_id is not None:
        stmt = stmt.where(FootprintProductRow.enterprise_id == enterprise_id)
    stmt = stmt.order_by(FootprintProductRow.enterprise_id, FootprintProductRow.product_id)
    with session_factory(scope.engine)() as s:
        return list(s.scalars(stmt))


def get_product(scope: Scope, park_id: str, product_id: str) -> FootprintProductRow:
    """One product of the park inside ``scope`` (NotFound otherwise; outside the scope audited)."""
    with session_factory(scope.engine)() as s:
        row = s.scalars(
            select(FootprintProductRow).where(
                FootprintProductRow.park_id == park_id, FootprintProductRow.product_id == product_id
            )
        ).one_or_none()
    if row is None:
        raise NotFound(
            f"product '{product_id}' not found in park '{park_id}'; "
            "`zeropark footprint product list` lists them"
        )
    scope.check(ENTITY, product_id, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


def allocations_of_enterprise(
    scope: Scope, park_id: str, enterprise_id: str, year: int
) -> list[tuple[FootprintProductRow, FootprintAllocationRow]]:
    """Every product of the enterprise with its allocation of ``year`` (products without one left out)."""
    stmt = scope.filter(
        select(FootprintProductRow, FootprintAllocationRow)
        .join(FootprintAllocationRow, FootprintAllocationRow.product_row_id == FootprintProductRow.id)
        .where(
            FootprintProductRow.park_id == park_id,
            FootprintProductRow.enterprise_id == enterprise_id,
            FootprintAllocationRow.year == year,
        ),
        enterprise_col=FootprintProductRow.enterprise_id,
        park_col=FootprintProductRow.park_id,
    ).order_by(FootprintProductRow.product_id)
    with session_factory(scope.engine)() as s:
        return [(p, a) for p, a in s.execute(stmt).all()]


def materials_of(scope: Scope, product_row_id: int, year: int) -> list[FootprintMaterialRow]:
    """The materials of one product (already checked against the scope) in ``year``, oldest first."""
    stmt = (
        select(FootprintMaterialRow)
        .where(FootprintMaterialRow.product_row_id == product_row_id, FootprintMaterialRow.year == year)
        .order_by(FootprintMaterialRow.id)
    )
    with session_factory(scope.engine)() as s:
        return list(s.scalars(stmt))


def add_product(
    session: Session,
    *,
    park_id: str,
    enterprise_id: str,
    product_id: str,
    name: str,
    unit: str,
    cn_code: str | None,
    created_by: str,
    created_at: datetime,
) -> FootprintProductRow:
    """Store a product (the caller checked the scope and that the id is new in the park)."""
    row = FootprintProductRow(
        park_id=park_id,
        enterprise_id=enterprise_id,
        product_id=product_id,
        name=name,
        unit=unit,
        cn_code=cn_code,
        created_by=created_by,
        created_at=created_at,
    )
    session.add(row)
    session.flush()
    return row


def product_id_taken(session: Session, park_id: str, product_id: str) -> bool:
    """Whether the park already has a product ``product_id``."""
    return (
        session.scalars(
            select(FootprintProductRow.id).where(
                FootprintProductRow.park_id == park_id, FootprintProductRow.product_id == product_id
            )
        ).first()
        is not None
    )


def put_allocation(session: Session, product_row_id: int, year: int, **values: object) -> None:
    """Replace the product's production and allocation of ``year`` by ``values``."""
    session.execute(
        delete(FootprintAllocationRow).where(
            FootprintAllocationRow.product_row_id == product_row_id, FootprintAllocationRow.year == year
        )
    )
    session.add(FootprintAllocationRow(product_row_id=product_row_id, year=year, **values))


def add_material(
    session: Session, product_row_id: int, year: int, material_id: str, quantity: float, evidence: str
) -> None:
    """Store one purchased material (or transport leg) of a product in ``year``."""
    session.add(
        FootprintMaterialRow(
            product_row_id=product_row_id,
            year=year,
            material_id=material_id,
            quantity=quantity,
            evidence=evidence,
        )
    )
