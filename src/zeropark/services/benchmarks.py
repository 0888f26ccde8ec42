"""标杆 (benchmarks): carbon productivity, energy intensity and product energy intensity, with ranks.

One function, :func:`benchmarks`, for every door (CLI ``zeropark benchmark show``, ``GET
/api/v1/parks/{id}/benchmarks``, the page ``/benchmarks``). Its figures come from the stored
national-method runs — each park's latest run of the year (newest signed off, else newest) and
the enterprise views accounted with it:

- carbon productivity (碳生产率) [10⁴ CNY/tCO2] = value added / CO2, as stored with the run;
- energy intensity (单位增加值能耗) [tce/10⁴ CNY] = energy / value added, where value added =
  carbon productivity × CO2 (the value of the accounted year, as :mod:`zeropark.services.roadmap`);
- core indicator 单位能耗碳排放 [tCO2/tce] of the run;
- product energy intensity: per product output (:class:`zeropark.model.ProductOutput`), graded
  against the energy-limit table (:mod:`zeropark.roadmap.benchmarks`). **Rule for the energy of
  a product**: the output's own ``energy_tce`` when given; else, when the enterprise reported only
  this one product for the year, the enterprise's whole accounted energy [tce] (basis ``energy``)
  or electricity consumed [kWh] (basis ``electricity``); else (several products, no own energy)
  no intensity is computed and the row says what to enter — the platform does not split an
  enterprise's energy among its products.

Ranks are among all parks, and all enterprises, in the database that have a national run for
the year with a carbon productivity (value added entered); competition ranking, percentile 100 =
best (:func:`zeropark.roadmap.benchmarks.rank`). Who sees what: a park user sees its park and its
enterprises by name, other parks as 其他园区 without name or id; an enterprise user sees only its
own row and its ranks.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zeropark.errors import DataError, NotFound
from zeropark.model import ProductOutput
from zeropark.roadmap.benchmarks import (
    Basis,
    EnergyLimit,
    EnergyLimitSource,
    Grade,
    Level,
    Rank,
    energy_limits,
    grade_of,
    level_of,
    limit_sources,
    product_intensity,
    rank,
)
from zeropark.store import audit, production, repo
from zeropark.store.db import transaction
from zeropark.store.queries import benchmarks as q
from zeropark.store.queries import enterprises as ent_q
from zeropark.store.queries import parks as park_q
from zeropark.store.scope import Scope

__all__ = [
    "Benchmarks",
    "LimitTable",
    "ProductFigure",
    "UnitFigure",
    "UnknownProduct",
    "WrongOutputUnit",
    "benchmarks",
    "limit_of",
    "limit_table",
    "product_outputs",
    "put_product_outputs",
]


class UnknownProduct(DataError):
    """A product code that is not in the energy-limit table."""


class WrongOutputUnit(DataError):
    """An output in another unit than the table's output unit of the product."""


@dataclass(frozen=True, slots=True)
class LimitTable:
    """The published benchmark table: the products' limits and the other cited documents."""

    limits: tuple[EnergyLimit, ...]
    sources: tuple[EnergyLimitSource, ...]

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Products whose figures are [UNCERTAIN]."""
        return tuple(r.product for r in self.limits if r.is_uncertain)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "limits": [r.to_dict() for r in self.limits],
            "sources": [s.to_dict() for s in self.sources],
            "uncertain": list(self.uncertain),
        }


def limit_table() -> LimitTable:
    """The packaged energy-limit table and its sources."""
    return LimitTable(energy_limits(), limit_sources())


def limit_of(product: str) -> EnergyLimit:
    """The table row of ``product``.

    Raises
    ------
    UnknownProduct
        Not in the table (the message lists the codes).
    """
    for r in energy_limits():
        if r.product == product:
            return r
    codes = ", ".join(r.product for r in energy_limits())
    raise UnknownProduct(f"product '{product}' is not in the energy-limit table; codes: {codes}")


@dataclass(frozen=True, slots=True)
class UnitFigure:
    """A park's or an enterprise's figures of the year and its ranks (``id``/``name`` None: hidden)."""

    id: str | None
    name: str
    run_id: int | None
    co2_t: float
    energy_tce: float
    value_added_10k_cny: float | None
    carbon_productivity: float | None  # [10⁴ CNY/tCO2]
    energy_intensity: float | None  # [tce/10⁴ CNY]
    core_intensity: float | None  # [tCO2/tce]
    productivity_rank: Rank | None
    intensity_rank: Rank | None
    own: bool  # the scope's own park / one of its enterprises

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "id": self.id,
            "name": self.name,
            "run_id": self.run_id,
            "co2_t": self.co2_t,
            "energy_tce": self.energy_tce,
            "value_added_10k_cny": self.value_added_10k_cny,
            "carbon_productivity_10k_cny_per_t": self.carbon_productivity,
            "energy_intensity_tce_per_10k_cny": self.energy_intensity,
            "core_intensity_t_per_tce": self.core_intensity,
            "productivity_rank": None if self.productivity_rank is None else self.productivity_rank.to_dict(),
            "intensity_rank": None if self.intensity_rank is None else self.intensity_rank.to_dict(),
            "own": self.own,
        }


@dataclass(frozen=True, slots=True)
class ProductFigure:
    """One product output: its intensity [limit unit], GB grade, 标杆/基准 level, and how it was had."""

    enterprise_id: str
    enterprise_name: str
    limit: EnergyLimit
    quantity: float
    unit: str
    intensity: float | None
    grade: Grade | None
    level: Level | None
    energy_rule: str  # own | enterprise | none
    note_zh: str
    note_en: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping."""
        return {
            "enterprise_id": self.enterprise_id,
            "enterprise_name": self.enterprise_name,
            "product": self.limit.product,
            "product_zh": self.limit.name_zh,
            "quantity": self.quantity,
            "unit": self.unit,
            "intensity": self.intensity,
            "intensity_unit": self.limit.unit,
            "grade": None if self.grade is None else self.grade.value,
            "level": None if self.level is None else self.level.value,
            "grade_1": self.limit.grade_1,
            "grade_2": self.limit.grade_2,
            "grade_3": self.limit.grade_3,
            "benchmark": self.limit.benchmark,
            "baseline": self.limit.baseline,
            "standard": self.limit.standard,
            "url": self.limit.url,
            "uncertain": self.limit.is_uncertain,
            "energy_rule": self.energy_rule,
            "note_zh": self.note_zh,
            "note_en": self.note_en,
        }


@dataclass(frozen=True, slots=True)
class Benchmarks:
    """The benchmarks of a park for a year, as the scope may see them (module docstring)."""

    park_id: str
    year: int
    park: UnitFigure | None
    parks: tuple[UnitFigure, ...]
    enterprises: tuple[UnitFigure, ...]
    enterprises_ranked: int
    products: tuple[ProductFigure, ...]
    table: LimitTable
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def uncertain(self) -> bool:
        """Whether a product figure uses an [UNCERTAIN] table row."""
        return any(p.limit.is_uncertain for p in self.products)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able mapping (what the CLI's ``--format json`` and the API return)."""
        return {
            "park_id": self.park_id,
            "year": self.year,
            "park": None if self.park is None else self.park.to_dict(),
            "parks": [p.to_dict() for p in self.parks],
            "enterprises": [e.to_dict() for e in self.enterprises],
            "enterprises_ranked": self.enterprises_ranked,
            "products": [p.to_dict() for p in self.products],
            "uncertain": self.uncertain,
            "notes": list(self.notes),
            "table": self.table.to_dict(),
        }


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or not b > 0 else a / b


def _unit(
    f: q.RunFigures,
    name: str | None,
    key: str | None,
    cp_ranks: dict[str, Rank],
    ei_ranks: dict[str, Rank],
    rank_key: str,
    own: bool,
) -> UnitFigure:
    cp = f.carbon_productivity
    va = None if cp is None else cp * f.co2_t
    return UnitFigure(
        key,
        name or "",
        f.run_id if own else None,
        f.co2_t,
        f.energy_tce,
        va,
        cp,
        _ratio(f.energy_tce, va),
        f.core_intensity,
        cp_ranks.get(rank_key),
        ei_ranks.get(rank_key),
        own,
    )


def _ranks(figs: Sequence[q.RunFigures], key: Any) -> tuple[dict[str, Rank], dict[str, Rank]]:
    cp: dict[str, float] = {}
    ei: dict[str, float] = {}
    for f in figs:
        if f.carbon_productivity is None:
            continue
        cp[key(f)] = f.carbon_productivity
        va = f.carbon_productivity * f.co2_t
        if va > 0:
            ei[key(f)] = f.energy_tce / va
    return rank(cp), rank(ei, higher_is_better=False)


def benchmarks(scope: Scope, park_id: str, year: int) -> Benchmarks:
    """The benchmarks of ``park_id`` for ``year`` inside ``scope`` (module docstring).

    Raises
    ------
    NotFound
        The park is outside the scope, or it has no national-method run for the year (the
        message says how to make one).
    """
    park_q.park(scope, park_id)
    figures = q.national_figures(scope.engine, year)
    park_figs = [f for f in figures if f.enterprise_id is None]
    own_park = next((f for f in park_figs if f.park_id == park_id), None)
    if own_park is None:
        raise NotFound(
            f"no national-method inventory run of park '{park_id}' for {year}; account the year first "
            f"(`zeropark account --year {year}`, the 碳排放核算 page, or "
            f'POST /api/v1/parks/{park_id}/inventory-runs with {{"year": {year}}})'
        )
    ent_figs = [f for f in figures if f.enterprise_id is not None]
    pcp, pei = _ranks(park_figs, lambda f: f.park_id)
    ecp, eei = _ranks(ent_figs, lambda f: f.enterprise_id)
    names = {p.id: p.name for p in repo.list_parks(scope.engine)}
    own_ents = [f for f in ent_figs if f.park_id == park_id and f.run_id is not None]
    ent_names = {e.id: e.name for e in ent_q.enterprises(scope, park_id)}
    park_unit: UnitFigure | None = None
    parks: list[UnitFigure] = []
    if scope.is_enterprise:
        visible = [f for f in own_ents if f.enterprise_id == scope.enterprise_id]
    else:
        visible = [f for f in own_ents if scope.sees(park_id=f.park_id, enterprise_id=f.enterprise_id)]
        park_unit = _unit(own_park, names.get(park_id), park_id, pcp, pei, park_id, True)
        for f in sorted(park_figs, key=lambda f: -(f.carbon_productivity or -math.inf)):
            mine = scope.sees_park(f.park_id)
            parks.append(
                _unit(
                    f,
                    names.get(f.park_id, "") if mine else "",
                    f.park_id if mine else None,
                    pcp,
                    pei,
                    f.park_id,
                    mine,
                )
            )
    units = [
        _unit(f, ent_names.get(f.enterprise_id or ""), f.enterprise_id, ecp, eei, f.enterprise_id or "", True)
        for f in visible
    ]
    units.sort(
        key=lambda u: (
            u.productivity_rank is None,
            u.productivity_rank.place if u.productivity_rank else 0,
            u.id or "",
        )
    )
    products = _products(scope, park_id, year, {f.enterprise_id: f for f in visible}, ent_names)
    notes = []
    if own_park.carbon_productivity is None:
        notes.append(
            "园区运行未存碳生产率（缺少工业增加值），不参与园区排名 / "
            "the park run has no carbon productivity (value added missing): not ranked"
        )
    return Benchmarks(
        park_id,
        year,
        park_unit,
        tuple(parks),
        tuple(units),
        len(ecp),
        tuple(products),
        limit_table(),
        tuple(notes),
    )


def _products(
    scope: Scope,
    park_id: str,
    year: int,
    runs: dict[str | None, q.RunFigures],
    names: dict[str, str],
) -> list[ProductFigure]:
    outputs = q.product_outputs(scope, park_id, year)
    count = Counter(o.enterprise_id for o in outputs)
    out: list[ProductFigure] = []
    for o in outputs:
        limit = limit_of(o.product)
        fig = runs.get(o.enterprise_id)
        name = names.get(o.enterprise_id, o.enterprise_id)
        intensity: float | None = None
        rule = "none"
        if limit.basis is Basis.REFERENCE:
            zh, en = (
                "仅供参考：平台未保存该标准的分母（如能量因数）",
                "reference only: the platform keeps no denominator for it",
            )
        elif o.energy_tce is not None and limit.basis is Basis.ENERGY:
            intensity = product_intensity(limit, o.quantity, energy_tce=o.energy_tce, electricity_kwh=0.0)
            rule = "own"
            zh, en = "按该产品自身能耗计算", "from this product's own energy"
        elif count[o.enterprise_id] > 1:
            zh = "企业有多个产品，平台不分摊企业能耗：请填写该产品自身能耗（energy_tce）"
            en = (
                "the enterprise reports several products and the platform does not split its energy: "
                "enter this product's own energy_tce"
            )
        elif fig is None:
            zh, en = (
                f"企业在 {year} 年无国家方法核算结果",
                f"the enterprise has no national-method run for {year}",
            )
        else:
            kwh = q.consumed_kwh(scope.engine, fig.run_id) if limit.basis is Basis.ELECTRICITY else 0.0
            intensity = product_intensity(limit, o.quantity, energy_tce=fig.energy_tce, electricity_kwh=kwh)
            rule = "enterprise"
            elec = limit.basis is Basis.ELECTRICITY
            zh = f"按企业核算{'用电量' if elec else '综合能耗'}（核算记录 #{fig.run_id}）计算"
            en = f"from the enterprise's accounted {'electricity' if elec else 'energy'} (run #{fig.run_id})"
        if limit.is_uncertain:
            zh, en = f"{zh}；限额数值 [待确认]", f"{en}; limit figures [UNCERTAIN]"
        out.append(
            ProductFigure(
                o.enterprise_id,
                name,
                limit,
                o.quantity,
                o.unit,
                intensity,
                None if intensity is None else grade_of(limit, intensity),
                None if intensity is None else level_of(limit, intensity),
                rule,
                zh,
                en,
            )
        )
    return out


def put_product_outputs(
    scope: Scope, park_id: str, enterprise_id: str, year: int, outputs: Sequence[ProductOutput]
) -> int:
    """Replace the product outputs ``enterprise_id`` reported for ``year``; returns how many.

    Raises
    ------
    UnknownProduct
        A product code not in the table.
    WrongOutputUnit
        An output unit other than the table's.
    DataError
        A quantity ≤ 0 or not finite, a negative energy, or a row of another enterprise or year.
    NotFound, PermissionDenied
        Outside the scope, or a read-only role.
    """
    scope.check_write(
        q.PRODUCT_OUTPUT, f"{enterprise_id}/{year}", park_id=park_id, enterprise_id=enterprise_id
    )
    ent_q.check_in_park(scope, park_id, enterprise_id)
    seen: set[str] = set()
    for i, o in enumerate(outputs, start=1):
        where = f"output {i} ({o.product})"
        limit = limit_of(o.product)
        if o.enterprise_id != enterprise_id or o.year != year:
            raise DataError(f"{where}: is of {o.enterprise_id}/{o.year}, not {enterprise_id}/{year}")
        if o.unit != limit.output_unit:
            raise WrongOutputUnit(
                f"{where}: unit '{o.unit}'; the table's output unit of {o.product} is '{limit.output_unit}'"
            )
        if not (math.isfinite(o.quantity) and o.quantity > 0):
            raise DataError(f"{where}: quantity {o.quantity} must be a positive number")
        if o.energy_tce is not None and not (math.isfinite(o.energy_tce) and o.energy_tce >= 0):
            raise DataError(f"{where}: energy_tce {o.energy_tce} must be ≥ 0 (or left empty)")
        if o.product in seen:
            raise DataError(f"{where}: product {o.product} given twice; give one total per product and year")
        seen.add(o.product)
    with transaction(scope.engine) as s:
        production.replace_product_outputs(s, park_id, enterprise_id, year, list(outputs))
        scope.audit(
            s,
            audit.UPDATE,
            q.PRODUCT_OUTPUT,
            f"{enterprise_id}/{year}",
            after={
                "outputs": [
                    {"product": o.product, "quantity": o.quantity, "unit": o.unit, "energy_tce": o.energy_tce}
                    for o in outputs
                ]
            },
        )
    return len(outputs)


def product_outputs(scope: Scope, park_id: str, year: int) -> list[ProductOutput]:
    """The park's product outputs of ``year`` inside ``scope`` (an enterprise user: its own)."""
    return q.product_outputs(scope, park_id, year)
