"""Use cases of industrial symbiosis on a registry file: match, guiding indicators, allocation, reference.

The registry is read from a JSON file (the exchange registry's exchange format, docs/symbiosis.md
§4) — the park database tables come later; every door (today the CLI) calls these functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from zeropark.errors import DataError, NotFound, RowError, ValidationError
from zeropark.model import IndicatorData
from zeropark.reports import symbiosis_contract
from zeropark.reports.symbiosis_contract import ContractData
from zeropark.symbiosis import ulsan
from zeropark.symbiosis.accounting import (
    ALLOCATION_ZH,
    Allocation,
    Claim,
    FlowFigures,
    allocate,
    annual,
    avoided_tco2,
    flow_figures,
    guiding_from_flows,
    reconcile_claims,
)
from zeropark.symbiosis.matching import Candidate, MatchingOptions, MatchingResult, Objective, match
from zeropark.symbiosis.registry import (
    KIND_LABEL_ZH,
    LISTED_KINDS,
    UNIT,
    Basis,
    Exchange,
    Sink,
    Source,
    check_exchanges,
    grade_of,
)


@dataclass(frozen=True, slots=True)
class AgreedExchange:
    """A realised exchange with its parties' allocation rule (as in the registry file)."""

    exchange: Exchange
    allocation: Allocation = Allocation.RECEIVER
    supplier_share: float = 0.5


@dataclass(frozen=True, slots=True)
class Registry:
    """A park's exchange registry: sources, sinks, realised exchanges, period weights."""

    sources: tuple[Source, ...]
    sinks: tuple[Sink, ...]
    exchanges: tuple[AgreedExchange, ...]
    weights: tuple[float, ...]
    candidates: tuple[Candidate, ...] | None = None


def _adapt(kind: Any, value: Any, file: str, where: str) -> Any:
    try:
        return TypeAdapter(kind).validate_python(value)
    except PydanticValidationError as exc:
        errors = [
            RowError(file, where, None, ".".join(str(p) for p in e["loc"]) or None, e["msg"])
            for e in exc.errors()
        ]
        raise ValidationError(errors) from None


def parse_registry(payload: Any, file: str = "<registry>") -> Registry:
    """A :class:`Registry` from the JSON payload; every realised exchange is checked.

    Raises
    ------
    ValidationError
        A field of the wrong type or missing (file, section, field named).
    SymbiosisError (IncompatibleGrade, FlowExceedsSource, UnlicensedHazardousSink, NegativeDistance)
        A realised exchange the registry's rules refuse.
    """
    if not isinstance(payload, dict) or "sources" not in payload or "sinks" not in payload:
        raise DataError(
            f"{file}: a registry is a JSON object with 'sources' and 'sinks' lists (docs/symbiosis.md)"
        )
    sources = tuple(_adapt(list[Source], payload["sources"], file, "sources"))
    sinks = tuple(_adapt(list[Sink], payload["sinks"], file, "sinks"))
    agreed = tuple(_adapt(list[AgreedExchange], payload.get("exchanges", []), file, "exchanges"))
    periods = len(sources[0].quantity) if sources else 1
    weights = tuple(
        _adapt(list[float], payload.get("weights", [8760.0 / periods] * periods), file, "weights")
    )
    cands = payload.get("candidates")
    candidates = None if cands is None else tuple(_adapt(list[Candidate], cands, file, "candidates"))
    check_exchanges(sources, sinks, [a.exchange for a in agreed])
    return Registry(sources, sinks, agreed, weights, candidates)


def load_registry(path: Path) -> Registry:
    """Read and check a registry file.

    Raises
    ------
    OSError
        The file cannot be read.
    DataError
        Not UTF-8 JSON, or not a registry (see :func:`parse_registry`).
    """
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(
            f"{path}: not a UTF-8 JSON registry ({exc}); write it as docs/symbiosis.md §4 shows"
        ) from None
    return parse_registry(payload, str(path))


def match_registry(
    registry: Registry, objective: Objective = Objective.COST, binary_build: bool = False
) -> MatchingResult:
    """The exchanges to build for the registry (its explicit candidates if any, else by location)."""
    return match(
        registry.sources,
        registry.sinks,
        registry.weights,
        MatchingOptions(objective=objective, binary_build=binary_build),
        candidates=registry.candidates,
    )


@dataclass(frozen=True, slots=True)
class SymbiosisIndicators:
    """The three guiding inputs from flows, the allocation of the realised savings, the park total."""

    figures: FlowFigures
    data: IndicatorData
    avoided_t: dict[str, float]
    claims: tuple[Claim, ...]
    total_avoided_t: float


def indicators(
    registry: Registry, declared: IndicatorData | None = None, fresh_water_m3: float | None = None
) -> SymbiosisIndicators:
    """Guiding-indicator inputs from the registry's realised exchanges and their saving claims."""
    if fresh_water_m3 is not None and not fresh_water_m3 >= 0:
        raise DataError(f"--fresh-water-m3 {fresh_water_m3:g} must be ≥ 0 (the park's fresh water intake)")
    src = {s.id: s for s in registry.sources}
    snk = {k.id: k for k in registry.sinks}
    xs = [a.exchange for a in registry.exchanges]
    fig = flow_figures(registry.sources, registry.sinks, xs, registry.weights)
    data = guiding_from_flows(fig, declared or IndicatorData(), fresh_water_m3)
    avoided: dict[str, float] = {}
    claims: list[Claim] = []
    for a in registry.exchanges:
        x = a.exchange
        e = avoided_tco2(x, src[x.source], snk[x.sink], registry.weights)
        avoided[x.id] = e
        supplier = src[x.source].enterprise_id or x.source
        receiver = snk[x.sink].enterprise_id or x.sink
        claims.extend(allocate(x.id, e, supplier, receiver, a.allocation, a.supplier_share))
    total = reconcile_claims(avoided, claims)
    return SymbiosisIndicators(fig, data, avoided, tuple(claims), total)


def ulsan_reference(discount_rate: float = 0.08) -> MatchingResult:
    """The Ulsan steam projects of seed 000 (表1) through the engine (:mod:`zeropark.symbiosis.ulsan`)."""
    sources, sinks, cands, weights = ulsan.case()
    return match(sources, sinks, weights, MatchingOptions(discount_rate=discount_rate), candidates=cands)


def example_registry() -> dict[str, Any]:
    """A small registry (示例数据: a steam, a slag and a reclaimed-water exchange) to start from."""
    return {
        "note": "示例数据 example data",
        "weights": [4380.0, 4380.0],
        "sources": [
            {
                "id": "incinerator-steam",
                "kind": "steam",
                "grade": "MP",
                "quantity": [3.0, 2.0],
                "location": {"x_km": 0.0, "y_km": 0.0},
                "enterprise_id": "E01",
                "name": "垃圾焚烧厂余汽",
            },
            {
                "id": "steel-slag",
                "kind": "solid_waste",
                "grade": "slag",
                "quantity": [1.2, 1.2],
                "location": {"x_km": 2.0, "y_km": 1.0},
                "enterprise_id": "E02",
                "name": "钢渣",
                "disposal_cost_cny_per_unit": 30.0,
            },
            {
                "id": "wwtp-reclaimed",
                "kind": "water",
                "grade": "reclaimed",
                "quantity": [60.0, 60.0],
                "location": {"x_km": 1.0, "y_km": 2.0},
                "name": "污水厂再生水",
            },
        ],
        "sinks": [
            {
                "id": "paper-dryer",
                "kind": "steam",
                "grade": "LP",
                "demand": [2.5, 2.5],
                "location": {"x_km": 0.8, "y_km": 0.0},
                "enterprise_id": "E03",
                "name": "造纸烘缸",
                "alternative_cost_cny_per_unit": 90.0,
                "displaced_tco2_per_unit": 0.0616,
            },
            {
                "id": "cement-mill",
                "kind": "solid_waste",
                "grade": "",
                "demand": [2.0, 2.0],
                "accepts": ["slag"],
                "location": {"x_km": 3.0, "y_km": 1.5},
                "enterprise_id": "E04",
                "name": "水泥粉磨",
                "alternative_cost_cny_per_unit": 20.0,
                "displaced_tco2_per_unit": 0.05,
            },
            {
                "id": "cooling-tower",
                "kind": "water",
                "grade": "reclaimed",
                "demand": [50.0, 50.0],
                "location": {"x_km": 1.5, "y_km": 2.5},
                "enterprise_id": "E02",
                "name": "循环冷却补水",
                "alternative_cost_cny_per_unit": 4.0,
                "displaced_tco2_per_unit": 0.0003,
            },
        ],
        "exchanges": [
            {
                "exchange": {
                    "id": "X1",
                    "source": "incinerator-steam",
                    "sink": "paper-dryer",
                    "quantity": [2.5, 2.0],
                    "distance_km": 0.8,
                    "loss_per_km": 0.01,
                    "basis": "metered",
                    "price_cny_per_unit": 60.0,
                    "metering_point": "M-ST-01",
                },
                "allocation": "split",
                "supplier_share": 0.5,
            },
            {
                "exchange": {
                    "id": "X2",
                    "source": "steel-slag",
                    "sink": "cement-mill",
                    "quantity": [1.0, 1.0],
                    "distance_km": 1.1,
                    "price_cny_per_unit": 10.0,
                },
                "allocation": "receiver",
            },
            {
                "exchange": {
                    "id": "X3",
                    "source": "wwtp-reclaimed",
                    "sink": "cooling-tower",
                    "quantity": [50.0, 50.0],
                    "distance_km": 0.71,
                    "loss_per_km": 0.005,
                    "basis": "metered",
                    "price_cny_per_unit": 2.0,
                    "metering_point": "M-W-07",
                },
                "allocation": "supplier",
            },
        ],
    }


def contract_data(registry: Registry, exchange_id: str) -> ContractData:
    """The agreement's clauses for one realised exchange of the registry.

    Raises
    ------
    NotFound
        No realised exchange ``exchange_id`` in the registry.
    """
    agreed = next((a for a in registry.exchanges if a.exchange.id == exchange_id), None)
    if agreed is None:
        known = ", ".join(a.exchange.id for a in registry.exchanges) or "none"
        raise NotFound(
            f"exchange '{exchange_id}' is not a realised exchange of the registry (known: {known})"
        )
    x = agreed.exchange
    src = next(s for s in registry.sources if s.id == x.source)
    snk = next(k for k in registry.sinks if k.id == x.sink)
    unit = UNIT[src.kind]
    supplier = src.enterprise_id or src.id
    receiver = snk.enterprise_id or snk.id
    yearly = annual(x.quantity, registry.weights)
    e = avoided_tco2(x, src, snk, registry.weights)
    claims = allocate(x.id, e, supplier, receiver, agreed.allocation, agreed.supplier_share)
    reconcile_claims({x.id: e}, claims)
    if src.kind in LISTED_KINDS:
        grade = f"{src.grade}" + (f"（危险废物 {src.hazardous_class}）" if src.hazardous_class else "")
    else:
        grade = grade_of(src.kind, src.grade).label_zh
    rule = ALLOCATION_ZH[agreed.allocation] + (
        f"（供方 {agreed.supplier_share:.0%}）" if agreed.allocation is Allocation.SPLIT else ""
    )
    rows = (
        ("供方 Supplier", f"{supplier}（{src.name or src.id}）"),
        ("受方 Receiver", f"{receiver}（{snk.name or snk.id}）"),
        ("交换介质 Stream", f"{KIND_LABEL_ZH[src.kind]} {src.kind.value}"),
        ("品质等级 Quality grade", grade),
        ("各时段数量 Quantity per period", " / ".join(f"{q:g}" for q in x.quantity) + f" {unit}"),
        ("年交换量 Yearly quantity", f"{yearly:,.1f} {unit}/a"),
        ("价格 Price", f"{x.price_cny_per_unit:g} CNY/{unit}"),
        ("年金额 Yearly amount", f"{yearly * x.price_cny_per_unit:,.0f} CNY/a"),
        ("计量点 Metering point", x.metering_point or "待定 to be agreed"),
        ("数量依据 Basis", "计量 metered" if x.basis is Basis.METERED else "申报 declared"),
        ("输送距离与损耗 Distance and loss", f"{x.distance_km:g} km，{x.loss_per_km:.2%}/km"),
        ("年减排量 CO2 avoided", f"{e:,.3f} tCO2/a"),
        ("减排量归属规则 Allocation rule", f"{rule} {agreed.allocation.value}"),
    )
    return ContractData(
        x.id,
        supplier,
        receiver,
        rows,
        tuple(
            (c.enterprise_id, "供方 supplier" if c.role == "supplier" else "受方 receiver", f"{c.tco2:,.3f}")
            for c in claims
        ),
    )


def contract(registry: Registry, exchange_id: str, fmt: str = "docx") -> bytes:
    """The exchange agreement as Word (``docx``) or PDF (``pdf``) bytes."""
    data = contract_data(registry, exchange_id)
    return symbiosis_contract.render_pdf(data) if fmt == "pdf" else symbiosis_contract.render_docx(data)
