"""产品碳足迹 and CBAM as use cases: products, allocation, materials, footprint, SEE, export.

One set of functions for the page ``/footprint``, the API (``/parks/{id}/products…``,
``/parks/{id}/cbam…``) and the CLI (``zeropark footprint product …``, ``zeropark cbam …``):

- :func:`add_product` / :func:`list_products`: an enterprise's products (functional unit, CN code);
  an enterprise user adds and sees only its own, a park manager any of the park's;
- :func:`allocate`: a product's production in a year and the allocation rule with its basis or
  shares; the shares of the enterprise's products may not exceed 100 % per part
  (:class:`~zeropark.errors.AllocationExceeds`, nothing stored) and one rule holds per enterprise
  and year (the rule is recorded);
- :func:`add_material`: a purchased material [t] or transport leg [t·km] by upstream factor id;
- :func:`compute`: the cradle-to-gate footprint per functional unit with its 95 % interval, from
  the enterprise's latest GHG inventory run of the year (:func:`zeropark.services.inventory.latest_view`);
- :func:`cbam_see` / :func:`cbam_export`: specific embedded emissions of a product with a CBAM CN
  code (actual, from the same allocation; or the default value) and the operator's communication
  to EU importers as an xlsx workbook.

Every write is audited in the same transaction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from zeropark.errors import (
    DataError,
    NotCbamGood,
    NotFound,
    RowError,
    ValidationError,
)
from zeropark.footprint import cbam
from zeropark.footprint.product import (
    PARTS,
    Allocation,
    AllocationRule,
    EnterpriseInventory,
    Footprint,
    MaterialFactor,
    MaterialUse,
    Part,
    Product,
    builtin_materials,
    check_shares,
    enterprise_inventory,
    footprint,
    known_materials,
    resolve_shares,
)
from zeropark.model import Method
from zeropark.reports.cbam import Installation, SheetRow, communication_workbook
from zeropark.services import inventory
from zeropark.services.park_runs import require_park
from zeropark.store import audit
from zeropark.store import footprint as store
from zeropark.store.db import transaction
from zeropark.store.queries import enterprises as ent_q
from zeropark.store.schema import FootprintAllocationRow, FootprintProductRow
from zeropark.store.scope import Scope

__all__ = [
    "AllocationView",
    "CbamResult",
    "add_material",
    "add_product",
    "allocate",
    "cbam_export",
    "cbam_goods_of_park",
    "cbam_see",
    "compute",
    "list_materials",
    "list_products",
]

_MAX_TEXT = 200


def _product(row: FootprintProductRow) -> Product:
    return Product(row.product_id, row.enterprise_id, row.name, row.unit, row.cn_code)


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError([RowError("request", None, None, field, message)])


def _check_text(field: str, value: str, *, limit: int = _MAX_TEXT) -> str:
    v = value.strip()
    if not v or len(v) > limit or any(ord(c) < 32 for c in v):
        raise _bad(field, f"'{value[:40]}' must be 1–{limit} printable characters")
    return v


def _check_cn(cn_code: str | None) -> str | None:
    if cn_code is None or not cn_code.strip():
        return None
    code = cbam.normalise_cn(cn_code)
    if not (code.isdigit() and len(code) == 8):
        raise _bad("cn_code", f"'{cn_code}' is not an 8-digit CN code (e.g. 7208 51 20)")
    return code


def list_materials() -> list[MaterialFactor]:
    """The upstream factor table (every value with its source; recalled ones [UNCERTAIN])."""
    return list(builtin_materials().values())


def list_products(scope: Scope, park_id: str, *, enterprise_id: str | None = None) -> list[Product]:
    """The park's products the user may see (an enterprise user: its own).

    Raises
    ------
    NotFound
        The park is outside the scope or does not exist.
    """
    scope.check_park(park_id)
    require_park(scope.engine, park_id)
    if enterprise_id is not None:
        ent_q.check_in_park(scope, park_id, enterprise_id)
    return [_product(r) for r in store.list_products(scope, park_id, enterprise_id)]


def add_product(
    scope: Scope,
    park_id: str,
    *,
    enterprise_id: str | None,
    product_id: str,
    name: str,
    unit: str,
    cn_code: str | None = None,
) -> Product:
    """Add a product of an enterprise (an enterprise user: of its own; audited).

    Raises
    ------
    NotFound
        Park or enterprise unknown or outside the scope.
    PermissionDenied
        A read-only role.
    ValidationError
        An empty or too long id/name/unit, a CN code that is not 8 digits, an id the park already has.
    """
    scope.check_park(park_id)
    require_park(scope.engine, park_id)
    ent = enterprise_id or scope.enterprise_id
    if ent is None:
        raise _bad("enterprise_id", "name the enterprise that makes the product (--enterprise)")
    scope.check_write(store.ENTITY, product_id, park_id=park_id, enterprise_id=ent)
    ent_q.check_in_park(scope, park_id, ent)
    pid = _check_text("product_id", product_id, limit=64)
    product = Product(
        pid, ent, _check_text("name", name), _check_text("unit", unit, limit=32), _check_cn(cn_code)
    )
    with transaction(scope.engine) as s:
        if store.product_id_taken(s, park_id, pid):
            raise _bad("product_id", f"the park already has a product '{pid}'; choose another id")
        store.add_product(
            s,
            park_id=park_id,
            enterprise_id=ent,
            product_id=pid,
            name=product.name,
            unit=product.unit,
            cn_code=product.cn_code,
            created_by=scope.user.username,
            created_at=datetime.now(UTC),
        )
        scope.audit(s, audit.CREATE, store.ENTITY, pid, after=product.to_dict())
    return product


@dataclass(frozen=True, slots=True)
class AllocationView:
    """A product's production and recorded allocation in a year."""

    product: Product
    year: int
    production: float
    allocation: Allocation

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "product_id": self.product.id,
            "year": self.year,
            "production": self.production,
            "unit": self.product.unit,
            **self.allocation.to_dict(),
        }


def _allocation_of(product_id: str, row: FootprintAllocationRow) -> Allocation:
    shares = {
        p: v
        for p, v in (
            (Part.DIRECT, row.direct_share),
            (Part.ELECTRICITY, row.electricity_share),
            (Part.HEAT, row.heat_share),
        )
        if v is not None
    }
    return Allocation(product_id, AllocationRule(row.rule), row.basis, shares, row.note)


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise _bad("year", f"{year} is not a reporting year (2000–2100)")
    return year


def _fraction(field: str, pct: float | None) -> float | None:
    if pct is None:
        return None
    if not (math.isfinite(pct) and 0.0 <= pct <= 100.0):
        raise _bad(field, f"{pct} is not a share in % between 0 and 100")
    return pct / 100.0


def allocate(
    scope: Scope,
    park_id: str,
    product_id: str,
    *,
    year: int,
    production: float,
    rule: str,
    basis: float | None = None,
    share_pct: float | None = None,
    direct_pct: float | None = None,
    electricity_pct: float | None = None,
    heat_pct: float | None = None,
    note: str = "",
) -> AllocationView:
    """Record a product's production and allocation for ``year`` (replacing the year's; audited).

    ``rule`` ``mass`` / ``economic`` take ``basis`` (the product's mass [t] / revenue [CNY]) or a
    stated ``share_pct``; ``metered`` takes the measured ``direct_pct``, ``electricity_pct``,
    ``heat_pct`` (``share_pct`` fills those not given).

    Raises
    ------
    ValidationError
        An unknown rule, a production ≤ 0, a share outside 0–100 %, a mass/economic rule without a
        basis or share, another rule than the enterprise's other products of the year.
    AllocationExceeds
        With this product the enterprise's shares of a part add up to more than 100 % (nothing stored).
    NotFound, PermissionDenied
        The product is outside the scope, or a read-only role.
    """
    require_park(scope.engine, park_id)
    row = store.get_product(scope, park_id, product_id)
    scope.check_write(store.ENTITY, product_id, park_id=park_id, enterprise_id=row.enterprise_id)
    _year(year)
    if rule not in {r.value for r in AllocationRule}:
        raise _bad("rule", f"'{rule}' is not one of {', '.join(r.value for r in AllocationRule)}")
    the_rule = AllocationRule(rule)
    if not (math.isfinite(production) and production > 0):
        raise _bad("production", f"{production} must be a positive quantity in {row.unit}")
    if basis is not None and not (math.isfinite(basis) and basis >= 0):
        raise _bad("basis", f"{basis} must be ≥ 0 (t for mass, CNY for economic)")
    share = _fraction("share_pct", share_pct)
    parts = {
        Part.DIRECT: _fraction("direct_pct", direct_pct),
        Part.ELECTRICITY: _fraction("electricity_pct", electricity_pct),
        Part.HEAT: _fraction("heat_pct", heat_pct),
    }
    shares: dict[Part, float] = {}
    for p, v in parts.items():
        if v is not None or share is not None:
            shares[p] = v if v is not None else share or 0.0
    if the_rule is AllocationRule.METERED and basis is not None:
        raise _bad("basis", "a metered allocation takes measured shares (--direct-pct …), not a basis")
    if the_rule is AllocationRule.METERED and not shares:
        raise _bad("direct_pct", "a metered allocation needs the measured share of each line")
    if the_rule is not AllocationRule.METERED and basis is None and share is None:
        raise _bad("basis", f"a {rule} allocation needs the product's basis (--basis) or --share-pct")
    new = Allocation(
        product_id, the_rule, basis if the_rule is not AllocationRule.METERED else None, shares, note
    )
    others = [
        (p, a)
        for p, a in store.allocations_of_enterprise(scope, park_id, row.enterprise_id, year)
        if p.id != row.id
    ]
    mixed = sorted({a.rule for _, a in others} - {rule})
    if mixed:
        raise _bad(
            "rule",
            f"the other products of {row.enterprise_id} in {year} are allocated by '{mixed[0]}'; "
            "one rule holds per enterprise and year (ISO 14067 §6.4.6) — use it, or re-allocate them",
        )
    allocations = [_allocation_of(p.product_id, a) for p, a in others] + [new]
    if not (the_rule is not AllocationRule.METERED and basis is not None):
        explicit = {a.product_id: dict(a.shares) for a in allocations if a.basis is None}
        check_shares(row.enterprise_id, explicit, complete=False)
    with transaction(scope.engine) as s:
        store.put_allocation(
            s,
            row.id,
            year,
            production=production,
            rule=rule,
            basis=new.basis,
            direct_share=shares.get(Part.DIRECT),
            electricity_share=shares.get(Part.ELECTRICITY),
            heat_share=shares.get(Part.HEAT),
            note=note,
        )
        view = AllocationView(_product(row), year, production, new)
        scope.audit(s, audit.UPDATE, "footprint_allocation", f"{product_id}/{year}", after=view.to_dict())
    return view


def add_material(
    scope: Scope,
    park_id: str,
    product_id: str,
    *,
    year: int,
    material_id: str,
    quantity: float,
    evidence: str = "",
) -> MaterialUse:
    """Record a purchased material [t] (or transport leg [t·km]) of a product in ``year`` (audited).

    Raises
    ------
    UnknownMaterial
        No upstream factor of that id (the known ids named).
    ValidationError
        A quantity that is not a positive number, a bad year.
    NotFound, PermissionDenied
        The product is outside the scope, or a read-only role.
    """
    require_park(scope.engine, park_id)
    row = store.get_product(scope, park_id, product_id)
    scope.check_write(store.ENTITY, product_id, park_id=park_id, enterprise_id=row.enterprise_id)
    _year(year)
    factor = known_materials(builtin_materials(), material_id)
    if not (math.isfinite(quantity) and quantity > 0):
        raise _bad("quantity", f"{quantity} must be a positive quantity in {factor.quantity_unit}")
    with transaction(scope.engine) as s:
        store.add_material(s, row.id, year, material_id, quantity, evidence[:2000])
        scope.audit(
            s,
            audit.CREATE,
            "footprint_material",
            f"{product_id}/{year}/{material_id}",
            after={"quantity": quantity, "unit": factor.quantity_unit, "factor": factor.to_dict()},
        )
    return MaterialUse(product_id, factor, quantity)


def _inventory(scope: Scope, park_id: str, enterprise_id: str, year: int) -> EnterpriseInventory:
    view = inventory.latest_view(scope, park_id, year, Method.GHG, enterprise_id=enterprise_id)
    if view is None:
        raise NotFound(
            f"no GHG inventory run of enterprise {enterprise_id} for {year}; account the year first "
            f"(`zeropark account --year {year} --method ghg`)"
        )
    return enterprise_inventory(view.inventory.lines, enterprise_id, run_id=view.run_id)


def _allocation_context(
    scope: Scope, park_id: str, product_id: str, year: int
) -> tuple[FootprintProductRow, float, AllocationRule, Mapping[Part, float], EnterpriseInventory]:
    require_park(scope.engine, park_id)
    row = store.get_product(scope, park_id, product_id)
    _year(year)
    rows = store.allocations_of_enterprise(scope, park_id, row.enterprise_id, year)
    mine = [a for p, a in rows if p.id == row.id]
    if not mine:
        raise DataError(
            f"product {product_id} has no production and allocation for {year}; record them first "
            "(`zeropark footprint product allocate`)"
        )
    allocations = [_allocation_of(p.product_id, a) for p, a in rows]
    shares = resolve_shares(allocations)
    inv = _inventory(scope, park_id, row.enterprise_id, year)
    present = {p: shares.get(product_id, {}).get(p, 0.0) for p in PARTS}
    # a part the enterprise has emissions in must be allocated whole (ISO 14067 §6.4.6.1)
    emitting = [p for p in PARTS if inv.tco2e.get(p, 0.0)]
    check_shares(row.enterprise_id, shares, complete=True, parts=emitting)
    return row, mine[0].production, AllocationRule(mine[0].rule), present, inv


def compute(scope: Scope, park_id: str, product_id: str, *, year: int) -> Footprint:
    """The product's cradle-to-gate footprint per functional unit in ``year``, with its 95 % interval.

    Raises
    ------
    NotFound
        The product is outside the scope, or the enterprise has no GHG run for the year.
    DataError
        No production/allocation recorded for the year.
    AllocationIncomplete, AllocationExceeds
        The enterprise's shares do not add up to 100 % of a part it has emissions in.
    """
    row, production, rule, shares, inv = _allocation_context(scope, park_id, product_id, year)
    uses = [
        MaterialUse(product_id, known_materials(builtin_materials(), m.material_id), m.quantity)
        for m in store.materials_of(scope, row.id, year)
    ]
    return footprint(_product(row), year, production, rule, shares, inv, uses)


# --- CBAM ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CbamResult:
    """A product's CBAM good, its SEE and where the inputs came from."""

    product: Product
    year: int
    see: cbam.SpecificEmissions
    run_id: int | None
    default: cbam.DefaultValue | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "product": self.product.to_dict(),
            "year": self.year,
            "run_id": self.run_id,
            **self.see.to_dict(),
            "default_see_direct_tco2e_per_t": None if self.default is None else self.default.direct,
            "default_see_indirect_tco2e_per_t": None if self.default is None else self.default.indirect,
            "default_uncertain": None if self.default is None else self.default.uncertain,
        }


def cbam_see(
    scope: Scope,
    park_id: str,
    product_id: str,
    *,
    year: int,
    period: str = "definitive",
    basis: str = "actual",
    defaults: Mapping[str, cbam.DefaultValue] | None = None,
) -> CbamResult:
    """SEE of a product with a CBAM CN code (2023/956 Annex IV; 2023/1773 Annex III).

    ``actual``: AttrEm_dir = the product's allocated direct + heat emissions, AL = its production
    [t], electricity = its allocated share of the enterprise's MWh, EF_el = the enterprise's
    location-based electricity emissions / MWh. ``default``: the Commission's default value.

    Raises
    ------
    NotCbamGood
        The product has no CN code or one outside Annex I.
    ValidationError
        An unknown period or basis, a product whose unit is not ``t``, no default value for its code.
    """
    if period not in {p.value for p in cbam.Period}:
        raise _bad("period", f"'{period}' is not transitional or definitive")
    if basis not in {b.value for b in cbam.Basis}:
        raise _bad("basis", f"'{basis}' is not actual or default")
    require_park(scope.engine, park_id)
    row = store.get_product(scope, park_id, product_id)
    if not row.cn_code:
        raise NotCbamGood(f"(none: product {product_id} has no CN code)")
    good = cbam.cbam_good(row.cn_code)
    table = cbam.builtin_defaults() if defaults is None else defaults
    default = cbam.default_see(good.cn_code, table)
    per = cbam.Period(period)
    if basis == cbam.Basis.DEFAULT.value:
        if default is None:
            raise _bad("basis", f"no default value for CN {good.cn_code}; give a defaults file or use actual")
        see = cbam.default_emissions(good, default, activity_level_t=0.0, period=per)
        return CbamResult(_product(row), _year(year), see, None, default)
    if row.unit != "t":
        raise _bad(
            "unit", f"CBAM activity levels are in tonnes; product {product_id} is counted in {row.unit}"
        )
    _row, production, _rule, shares, inv = _allocation_context(scope, park_id, product_id, year)
    direct = shares[Part.DIRECT] * inv.tco2e[Part.DIRECT] + shares[Part.HEAT] * inv.tco2e[Part.HEAT]
    mwh = shares[Part.ELECTRICITY] * inv.electricity_mwh
    ef = inv.tco2e[Part.ELECTRICITY] / inv.electricity_mwh if inv.electricity_mwh else 0.0
    see = cbam.specific_embedded_emissions(
        good,
        activity_level_t=production,
        attributed_direct_tco2e=direct,
        electricity_mwh=mwh,
        ef_el_tco2_per_mwh=ef,
        period=per,
    )
    return CbamResult(_product(row), year, see, inv.run_id, default)


def cbam_goods_of_park(
    scope: Scope, park_id: str, *, year: int, period: str = "definitive"
) -> list[CbamResult]:
    """The SEE (actual where the year is allocated, else default) of every visible CBAM product."""
    out: list[CbamResult] = []
    for p in list_products(scope, park_id):
        if not p.cn_code:
            continue
        try:
            cbam.cbam_good(p.cn_code)
        except NotCbamGood:
            continue
        try:
            out.append(cbam_see(scope, park_id, p.id, year=year, period=period))
        except (DataError, NotFound):
            try:
                out.append(cbam_see(scope, park_id, p.id, year=year, period=period, basis="default"))
            except ValidationError:
                continue
    return out


def cbam_export(scope: Scope, park_id: str, *, year: int, period: str = "definitive") -> bytes:
    """The operator's communication to EU importers (xlsx) of every visible CBAM product in ``year``.

    One installation per park (the park's name, province and coordinates); the goods are
    :func:`cbam_goods_of_park`. Raises NotFound for a park outside the scope.
    """
    scope.check_park(park_id)
    park = require_park(scope.engine, park_id)
    results = cbam_goods_of_park(scope, park_id, year=_year(year), period=period)
    inst = Installation(
        name=park.name,
        operator=park.name,
        country="CN",
        city=park.province,
        latitude=park.latitude,
        longitude=park.longitude,
        period_start=f"{year}-01-01",
        period_end=f"{year}-12-31",
    )
    return communication_workbook(inst, [SheetRow(r.product.name, r.see) for r in results])
