"""Use cases of industrial symbiosis: match, guiding indicators, allocation, reference, the park registry.

A registry is read from a JSON file (the exchange format, docs/symbiosis.md §4) or from the park's
database (:func:`park_registry`). The park registry is scoped: an enterprise user sees and
registers only its own sources and sinks and the exchanges it is a party to; park managers and
admins see and edit all of it (:func:`import_registry` loads a file all or nothing). Every write
is checked against the whole park registry with the core's rules (grade, licence, distance, a
source's quantity), stored in one transaction and audited. Every door (CLI, API, page) calls
these functions.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from zeropark.errors import (
    DataError,
    EntryInUse,
    NotFound,
    PermissionDenied,
    RowError,
    SymbiosisError,
    ValidationError,
)
from zeropark.model import AccountingInput, IndicatorData, SymbiosisClaim
from zeropark.reports import symbiosis_contract
from zeropark.reports.symbiosis_chapter import SymbiosisChapter
from zeropark.reports.symbiosis_contract import ContractData
from zeropark.services.water import fresh_water_m3 as metered_fresh_water_m3
from zeropark.store import audit
from zeropark.store.db import transaction
from zeropark.store.queries import symbiosis as queries
from zeropark.store.queries.parks import park as park_in_scope
from zeropark.store.schema import (
    SymbiosisExchangeRow,
    SymbiosisMatchRow,
    SymbiosisSettingsRow,
    SymbiosisSinkRow,
    SymbiosisSourceRow,
)
from zeropark.store.scope import Scope, system_scope
from zeropark.symbiosis import ulsan
from zeropark.symbiosis.accounting import (
    ALLOCATION_ZH,
    DECLARED,
    DEFINITIONS,
    FLOWS,
    GUIDING_CODES,
    INDICATOR_KINDS,
    SOURCES,
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
    StreamKind,
    check_exchanges,
    grade_of,
)
from zeropark.symbiosis.sharing import Sharing, energy_sharing


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
    registry: Registry,
    declared: IndicatorData | None = None,
    fresh_water_m3: float | None = None,
    use: frozenset[str] | None = None,
) -> SymbiosisIndicators:
    """Guiding-indicator inputs from the registry's realised exchanges and their saving claims."""
    if fresh_water_m3 is not None and not fresh_water_m3 >= 0:
        raise DataError(f"--fresh-water-m3 {fresh_water_m3:g} must be ≥ 0 (the park's fresh water intake)")
    src = {s.id: s for s in registry.sources}
    snk = {k.id: k for k in registry.sinks}
    xs = [a.exchange for a in registry.exchanges]
    fig = flow_figures(registry.sources, registry.sinks, xs, registry.weights)
    data = guiding_from_flows(fig, declared or IndicatorData(), fresh_water_m3, use=use)
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


def accounting_claims(registry: Registry, year: int) -> tuple[SymbiosisClaim, ...]:
    """The accounting input's symbiosis claims of ``year``: each realised exchange's avoided CO2 by its rule.

    One claim per party the rule names (:func:`~zeropark.symbiosis.accounting.allocate`), with
    the exchange's total, the flow (source, sink, delivered quantity [unit/a], basis, metering
    point) and the rule, so the inventory's memo line traces back to the registry. Exchanges
    outside their ``from_year`` … ``to_year`` are left out. The claims are reconciled (each
    exchange counted once) before they are returned.

    Raises
    ------
    DoubleCountedSaving
        The claims of an exchange do not add up to its avoided CO2.
    """
    src = {s.id: s for s in registry.sources}
    snk = {k.id: k for k in registry.sinks}
    out: list[SymbiosisClaim] = []
    avoided: dict[str, float] = {}
    for a in registry.exchanges:
        x = a.exchange
        if not x.runs_in(year):
            continue
        s, k = src[x.source], snk[x.sink]
        e = avoided_tco2(x, s, k, registry.weights)
        avoided[x.id] = e
        delivered = annual(x.quantity, registry.weights) * (1.0 - min(1.0, x.loss_per_km * x.distance_km))
        claims = allocate(
            x.id, e, s.enterprise_id or "", k.enterprise_id or "", a.allocation, a.supplier_share
        )
        out.extend(
            SymbiosisClaim(
                exchange_id=x.id,
                enterprise_id=c.enterprise_id or None,
                role=c.role,
                allocation=a.allocation.value,
                supplier_share=_supplier_share(a),
                tco2=c.tco2,
                exchange_tco2=e,
                source_id=x.source,
                sink_id=x.sink,
                kind=s.kind.value,
                delivered=delivered,
                unit=UNIT[s.kind],
                basis=x.basis.value,
                metering_point=x.metering_point,
            )
            for c in claims
        )
    reconcile_claims(avoided, [Claim(c.exchange_id, c.enterprise_id or "", c.role, c.tco2) for c in out])
    return tuple(out)


def _supplier_share(a: AgreedExchange) -> float:
    """The supplier's share of an exchange's saving under its rule (1 to the supplier, 0 to the receiver)."""
    if a.allocation is Allocation.SPLIT:
        return a.supplier_share
    return 1.0 if a.allocation is Allocation.SUPPLIER else 0.0


def with_symbiosis(scope: Scope, inputs: AccountingInput) -> AccountingInput:
    """``inputs`` with the park's realised exchanges' claims of its year and its chosen guiding inputs.

    What every accounting of the park reads (:func:`zeropark.services.inventory.account` and its
    recomputation), so the memo line and the guiding indicators are in the run and in its
    fingerprint. The claims come from the whole registry (a park input). For each guiding indicator
    the park has marked complete (:func:`set_indicator_source` ``flows``), the input's figure is the
    one :func:`guiding_indicators` computes from the exchanges and meters, marked ``flows``; the
    others keep the typed-in value, marked ``declared``.
    """
    rows = queries.registry_rows(scope, inputs.park.id, whole=True)
    use = frozenset(c for c, v in _sources_of(rows).items() if v == FLOWS)
    if rows.exchanges:
        registry = _registry_of(rows, f"park {inputs.park.id}")
        inputs = replace(inputs, symbiosis=accounting_claims(registry, inputs.year))
    if not use:  # every typed-in value stays, marked declared
        none = FlowFigures(None, None, None, None, None)
        return replace(inputs, indicator_data=guiding_from_flows(none, inputs.indicator_data, use=use))
    whole = system_scope(scope.engine, scope.user.username)
    got = guiding_indicators(whole, inputs.park.id, inputs.year, inputs.indicator_data, use)
    return replace(inputs, indicator_data=got.data)


def guiding_indicators(
    scope: Scope,
    park_id: str,
    year: int,
    declared: IndicatorData | None = None,
    use: frozenset[str] | None = None,
) -> SymbiosisIndicators:
    """The guiding indicators of ``year`` from the registry's exchanges running in it and the meters.

    One figure for the accounting (:func:`with_symbiosis`), the report's chapter and the page: the
    registry's exchanges running in ``year`` (:func:`indicators`) and the park's metered fresh-water
    intake of the year (:func:`zeropark.services.water.fresh_water_m3`, the water Sankey's
    supply meters). ``declared`` and ``use`` as :func:`~zeropark.symbiosis.accounting.guiding_from_flows`.
    """
    registry = _year_registry(park_registry(scope, park_id), year)
    return indicators(registry, declared, metered_fresh_water_m3(scope, park_id, year), use)


def _sources_of(rows: queries.RegistryRows) -> dict[str, str]:
    """Each guiding indicator's stored source (``declared`` unless the park marked it ``flows``)."""
    stored = rows.indicator_sources or {}
    return {c: stored.get(c, DECLARED) for c in GUIDING_CODES}


def indicator_sources(scope: Scope, park_id: str) -> dict[str, str]:
    """Per guiding indicator, whether the park's registry is complete for it: ``flows`` or ``declared``.

    ``declared`` (the default) keeps the typed-in value in the accounting; ``flows`` takes the figure
    computed from the exchanges and meters (:func:`with_symbiosis`).

    Raises
    ------
    NotFound
        The park is outside the scope or does not exist.
    """
    park_in_scope(scope, park_id)
    return _sources_of(queries.registry_rows(scope, park_id))


def set_indicator_source(scope: Scope, park_id: str, code: str, source: str) -> dict[str, str]:
    """Mark the registry complete (``flows``) or not (``declared``) for one guiding indicator, audited.

    ``flows`` is refused while the registry has no source of that indicator's kind (a complete
    registry with nothing in it would turn the typed figure into a missing one): register the
    sources and exchanges first. The next accounting of the park takes the chosen source; runs already
    stored keep theirs (their fingerprint records it).

    Raises
    ------
    SymbiosisError
        An unknown indicator code or source; ``flows`` with no exchange of the kind.
    NotFound, PermissionDenied
        The park is outside the scope; a user who is not a park manager or admin.
    """
    if code not in GUIDING_CODES:
        raise SymbiosisError(
            f"indicator '{code}': not a guiding indicator computed from flows; choose one of "
            f"{', '.join(GUIDING_CODES)}"
        )
    if source not in SOURCES:
        raise SymbiosisError(f"indicator {code}: source '{source}' unknown; choose {FLOWS} or {DECLARED}")
    park_in_scope(scope, park_id)
    scope.require_manager(ENTITY_SETTINGS, f"{park_id}/{code}")
    scope.check_write(ENTITY_SETTINGS, f"{park_id}/{code}", park_id=park_id, enterprise_id=None)
    if source == FLOWS:
        whole = _registry_of(queries.registry_rows(scope, park_id, whole=True), f"park {park_id}")
        if not {s.kind for s in whole.sources} & INDICATOR_KINDS[code]:
            raise SymbiosisError(
                f"indicator {code}: the park registry has no source of "
                f"{'/'.join(sorted(k.value for k in INDICATOR_KINDS[code]))}; register its sources and "
                f"exchanges before marking it complete ({FLOWS})"
            )
    with transaction(scope.engine) as session:
        row = session.get(SymbiosisSettingsRow, park_id)
        if row is None:
            row = SymbiosisSettingsRow(park_id=park_id, weights=[], indicator_sources={})
            session.add(row)
        before = {c: (row.indicator_sources or {}).get(c, DECLARED) for c in GUIDING_CODES}
        after = before | {code: source}
        row.indicator_sources = {c: v for c, v in after.items() if v != DECLARED}
        scope.audit(
            session,
            audit.UPDATE,
            ENTITY_SETTINGS,
            f"{park_id}/{code}",
            before={"source": before[code]},
            after={"source": source},
        )
    return after


@functools.cache
def ulsan_reference(discount_rate: float = 0.08) -> MatchingResult:
    """The Ulsan steam projects of seed 000 (表1) through the engine (:mod:`zeropark.symbiosis.ulsan`).

    Solved once per process and discount rate: the case is fixed data (its build and solve times
    are the first solve's).
    """
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


# --- the park's registry in the database ----------------------------------------------------------

ENTITY_SOURCE = "symbiosis_source"
ENTITY_SINK = "symbiosis_sink"
ENTITY_EXCHANGE = "symbiosis_exchange"
ENTITY_MATCH = "symbiosis_match"
ENTITY_SETTINGS = "symbiosis_settings"
#: Longest id of a source, sink, exchange or enterprise (the store's columns).
ID_LENGTH = 64


def source_dict(source: Source) -> dict[str, Any]:
    """A source in the registry file's JSON form."""
    out: dict[str, Any] = TypeAdapter(Source).dump_python(source, mode="json")
    return out


def sink_dict(sink: Sink) -> dict[str, Any]:
    """A sink in the registry file's JSON form."""
    out: dict[str, Any] = TypeAdapter(Sink).dump_python(sink, mode="json")
    return out


def agreed_dict(agreed: AgreedExchange) -> dict[str, Any]:
    """A realised exchange with its allocation rule in the registry file's JSON form."""
    out: dict[str, Any] = TypeAdapter(AgreedExchange).dump_python(agreed, mode="json")
    return out


def entry_dict(item: Source | Sink | AgreedExchange) -> dict[str, Any]:
    """A source, sink or realised exchange in the registry file's JSON form."""
    if isinstance(item, Source):
        return source_dict(item)
    if isinstance(item, Sink):
        return sink_dict(item)
    return agreed_dict(item)


def registry_dict(registry: Registry) -> dict[str, Any]:
    """The registry in the file format :func:`parse_registry` reads (docs/symbiosis.md §4)."""
    return {
        "weights": list(registry.weights),
        "sources": [source_dict(s) for s in registry.sources],
        "sinks": [sink_dict(k) for k in registry.sinks],
        "exchanges": [agreed_dict(a) for a in registry.exchanges],
    }


def result_dict(res: MatchingResult) -> dict[str, Any]:
    """JSON form of a matching result (CLI ``--format json``, API, the stored latest result)."""
    return {
        "objective": res.objective.value,
        "candidates": res.candidates,
        "periods": res.periods,
        "build_time_s": res.build_time_s,
        "solve_time_s": res.solve_time_s,
        "co2_avoided_t_per_year": res.co2_avoided_t_per_year,
        "capex": res.capex_cny,
        "net_benefit_per_year": res.net_benefit_cny_per_year,
        "payback_years": res.payback_years,
        "exchanges": [
            {
                "source": x.source,
                "sink": x.sink,
                "kind": x.kind.value,
                "unit": x.unit,
                "distance_km": x.distance_km,
                "build_share": x.build_share,
                "sent_per_year": x.sent_per_year,
                "delivered_per_year": x.delivered_per_year,
                "co2_avoided_t_per_year": x.co2_avoided_t_per_year,
                "capex": x.capex_cny,
                "net_benefit_per_year": x.net_benefit_cny_per_year,
                "payback_years": x.payback_years,
            }
            for x in res.exchanges
        ],
    }


#: The three guiding indicators computed from flows: code, Chinese label, numerator/denominator, unit.
INDICATOR_ROWS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "solid_waste_utilisation",
        "工业固体废物综合利用率",
        "industrial solid waste utilisation rate",
        "industrial_solid_waste_utilised_t",
        "industrial_solid_waste_generated_t",
        "t",
    ),
    (
        "waste_heat_utilisation",
        "余热/余冷/余压综合利用率",
        "waste heat/cold/pressure utilisation rate",
        "waste_heat_utilised_gj",
        "waste_heat_available_gj",
        "GJ",
    ),
    (
        "water_reuse",
        "工业用水重复利用率",
        "industrial water reuse rate",
        "water_reused_m3",
        "water_total_use_m3",
        "m³",
    ),
)


def indicators_dict(got: SymbiosisIndicators) -> dict[str, Any]:
    """JSON form of :func:`indicators` (CLI ``--format json``, API, page)."""
    d = got.data
    rows = []
    for code, zh, en, num, den, unit in INDICATOR_ROWS:
        n, t = getattr(d, num), getattr(d, den)
        rows.append(
            {
                "code": code,
                "label_zh": zh,
                "label_en": en,
                "numerator": n,
                "denominator": t,
                "unit": unit,
                "rate_pct": None if n is None or not t else 100.0 * n / t,
                "provenance": d.provenance.get(code, "missing"),
                "definition_zh": DEFINITIONS[code][0],
                "definition_en": DEFINITIONS[code][1],
            }
        )
    return {
        "indicators": rows,
        "avoided_t_per_year": got.avoided_t,
        "claims": [
            {"exchange": c.exchange_id, "enterprise": c.enterprise_id, "role": c.role, "tco2": c.tco2}
            for c in got.claims
        ],
        "total_avoided_t_per_year": got.total_avoided_t,
    }


def _registry_of(rows: queries.RegistryRows, where: str) -> Registry:
    sources = tuple(_adapt(Source, r.body, where, f"source {r.source_id}") for r in rows.sources)
    sinks = tuple(_adapt(Sink, r.body, where, f"sink {r.sink_id}") for r in rows.sinks)
    agreed = tuple(
        AgreedExchange(
            _adapt(Exchange, r.body, where, f"exchange {r.exchange_id}"),
            Allocation(r.allocation),
            r.supplier_share,
        )
        for r in rows.exchanges
    )
    periods = len(sources[0].quantity) if sources else len(sinks[0].demand) if sinks else 1
    weights = tuple(rows.weights) if rows.weights else (8760.0 / periods,) * periods
    return Registry(sources, sinks, agreed, weights)


def park_registry(scope: Scope, park_id: str) -> Registry:
    """The park's stored registry as the scope sees it (an enterprise: its own part, see the store).

    Raises
    ------
    NotFound
        The park is outside the scope or does not exist (audited).
    """
    park_in_scope(scope, park_id)
    return _registry_of(queries.registry_rows(scope, park_id), f"park {park_id}")


def _notes(rows: queries.RegistryRows) -> dict[str, str]:
    out = {f"source:{r.source_id}": r.note for r in rows.sources}
    out |= {f"sink:{r.sink_id}": r.note for r in rows.sinks}
    out |= {f"exchange:{r.exchange_id}": r.note for r in rows.exchanges}
    return out


def registry_notes(scope: Scope, park_id: str) -> dict[str, str]:
    """The note of each visible row (``source:id`` → ``示例数据`` for demo rows), for the page."""
    park_in_scope(scope, park_id)
    return _notes(queries.registry_rows(scope, park_id))


def _check_merged(existing: Registry, new: Registry, file: str) -> Registry:
    """The whole registry after adding ``new``; raise the first problem (ids, periods, the core's rules)."""
    for kind, old_ids, new_ids in (
        ("source", [s.id for s in existing.sources], [s.id for s in new.sources]),
        ("sink", [k.id for k in existing.sinks], [k.id for k in new.sinks]),
        ("exchange", [a.exchange.id for a in existing.exchanges], [a.exchange.id for a in new.exchanges]),
    ):
        seen = set(old_ids)
        for i in new_ids:
            if i in seen:
                raise SymbiosisError(
                    f"{file}: the park registry already has a {kind} '{i}'; choose another id"
                )
            seen.add(i)
    entries: list[tuple[str, str | None, tuple[float, ...]]] = [
        *((s.id, s.enterprise_id, s.quantity) for s in new.sources),
        *((k.id, k.enterprise_id, k.demand) for k in new.sinks),
    ]
    for item_id, enterprise_id, profile in entries:
        if not item_id or len(item_id) > ID_LENGTH or len(enterprise_id or "") > ID_LENGTH:
            raise SymbiosisError(f"{file}: ids of '{item_id}' must have 1 to {ID_LENGTH} characters")
        if not profile or not all(math.isfinite(q) and q >= 0 for q in profile):
            raise SymbiosisError(
                f"{file}: {item_id} needs one finite quantity ≥ 0 per period (got {list(profile)})"
            )
    for a in new.exchanges:
        if not a.exchange.id or len(a.exchange.id) > ID_LENGTH:
            raise SymbiosisError(
                f"{file}: exchange id '{a.exchange.id}' must have 1 to {ID_LENGTH} characters"
            )
    stored = bool(existing.sources or existing.sinks)
    weights = existing.weights if stored else new.weights
    if stored and tuple(new.weights) != tuple(existing.weights) and (new.sources or new.sinks):
        if len(new.weights) != len(existing.weights):
            raise SymbiosisError(
                f"{file}: {len(new.weights)} periods but the park registry has {len(existing.weights)}; "
                "give every profile the park's periods"
            )
        raise SymbiosisError(
            f"{file}: weights {list(new.weights)} differ from the park registry's {list(existing.weights)}; "
            "use the park's period weights"
        )
    for s in new.sources:
        if len(s.quantity) != len(weights):
            raise SymbiosisError(
                f"{file}: source {s.id} has {len(s.quantity)} periods, the registry {len(weights)}; "
                "give one quantity per period"
            )
    for k in new.sinks:
        if len(k.demand) != len(weights):
            raise SymbiosisError(
                f"{file}: sink {k.id} has {len(k.demand)} periods, the registry {len(weights)}; "
                "give one demand per period"
            )
    merged = Registry(
        existing.sources + new.sources,
        existing.sinks + new.sinks,
        existing.exchanges + new.exchanges,
        tuple(weights),
    )
    check_exchanges(merged.sources, merged.sinks, [a.exchange for a in merged.exchanges])
    return merged


def _party_row(
    item: Source | Sink, park_id: str, *, note: str, user: str, now: datetime
) -> SymbiosisSourceRow | SymbiosisSinkRow:
    """The stored row of a source or a sink (the two share one shape: id, enterprise, kind, body)."""
    if isinstance(item, Source):
        return SymbiosisSourceRow(
            park_id=park_id,
            source_id=item.id,
            enterprise_id=item.enterprise_id,
            kind=item.kind.value,
            body=source_dict(item),
            note=note,
            created_by=user,
            created_at=now,
        )
    return SymbiosisSinkRow(
        park_id=park_id,
        sink_id=item.id,
        enterprise_id=item.enterprise_id,
        kind=item.kind.value,
        body=sink_dict(item),
        note=note,
        created_by=user,
        created_at=now,
    )


def _exchange_row(
    agreed: AgreedExchange, park_id: str, parties: Registry, *, note: str, user: str, now: datetime
) -> SymbiosisExchangeRow:
    """The stored row of a realised exchange; its parties' enterprises copied from ``parties``."""
    x = agreed.exchange
    return SymbiosisExchangeRow(
        park_id=park_id,
        exchange_id=x.id,
        source_id=x.source,
        sink_id=x.sink,
        supplier_enterprise_id=next(s.enterprise_id for s in parties.sources if s.id == x.source),
        receiver_enterprise_id=next(k.enterprise_id for k in parties.sinks if k.id == x.sink),
        allocation=agreed.allocation.value,
        supplier_share=agreed.supplier_share,
        body=TypeAdapter(Exchange).dump_python(x, mode="json"),
        note=note,
        created_by=user,
        created_at=now,
    )


def _entity(item: Source | Sink | AgreedExchange) -> tuple[str, str]:
    """The audit entity and the id of an entry."""
    if isinstance(item, Source):
        return ENTITY_SOURCE, item.id
    if isinstance(item, Sink):
        return ENTITY_SINK, item.id
    return ENTITY_EXCHANGE, item.exchange.id


def _store_new(scope: Scope, park_id: str, new: Registry, *, file: str, note: str = "") -> Registry:
    """Check ``new`` against the whole park registry and store it in one transaction, audited."""
    whole = _registry_of(queries.registry_rows(scope, park_id, whole=True), f"park {park_id}")
    merged = _check_merged(whole, new, file)
    now = datetime.now(UTC)
    user = scope.user.username
    try:
        with transaction(scope.engine) as session:
            settings = session.get(SymbiosisSettingsRow, park_id)
            if settings is None:
                session.add(SymbiosisSettingsRow(park_id=park_id, weights=list(merged.weights)))
            elif not settings.weights:  # a row an indicator source created before any entry
                settings.weights = list(merged.weights)
            items: list[Source | Sink | AgreedExchange] = [*new.sources, *new.sinks, *new.exchanges]
            for item in items:
                if isinstance(item, AgreedExchange):
                    session.add(_exchange_row(item, park_id, merged, note=note, user=user, now=now))
                else:
                    session.add(_party_row(item, park_id, note=note, user=user, now=now))
                entity, item_id = _entity(item)
                scope.audit(session, audit.CREATE, entity, f"{park_id}/{item_id}", after=entry_dict(item))
    except IntegrityError:
        # another request stored one of these ids in between; nothing of this one was stored
        raise SymbiosisError(
            f"{file}: the park registry changed meanwhile (an id is now taken); reload and retry"
        ) from None
    return merged


def _require_own(
    scope: Scope, entity: str, park_id: str, item_id: str, enterprise_ids: set[str | None]
) -> None:
    """Refuse (403, audited) a write of an enterprise user about another party's rows."""
    park_in_scope(scope, park_id)
    if not any(scope.sees(park_id=park_id, enterprise_id=e) for e in enterprise_ids):
        scope.deny(entity, f"{park_id}/{item_id}", "not the user's enterprise")
        raise PermissionDenied(
            f"{entity} '{item_id}': an enterprise user registers only its own enterprise's "
            f"entries (enterprise_id {scope.user.enterprise_id}); ask a park manager for others"
        )
    scope.check_write(entity, f"{park_id}/{item_id}", park_id=park_id, enterprise_id=scope.enterprise_id)


def _profile(item: Source | Sink) -> tuple[float, ...]:
    return item.quantity if isinstance(item, Source) else item.demand


def _add_party(scope: Scope, park_id: str, item: Source | Sink) -> None:
    """Register one source or sink (the shared shape of :func:`add_source` and :func:`add_sink`)."""
    entity, what = (ENTITY_SOURCE, "source") if isinstance(item, Source) else (ENTITY_SINK, "sink")
    profile = _profile(item)
    if not profile:
        raise SymbiosisError(f"{what} {item.id}: give one quantity per period of the registry")
    _require_own(scope, entity, park_id, item.id, {item.enterprise_id})
    weights = park_registry(scope, park_id).weights
    if len(weights) != len(profile):
        weights = (8760.0 / len(profile),) * len(profile)
    new = (
        Registry((item,), (), (), weights) if isinstance(item, Source) else Registry((), (item,), (), weights)
    )
    _store_new(scope, park_id, new, file=f"{what} {item.id}")


def add_source(scope: Scope, park_id: str, payload: Any) -> Source:
    """Register one source (an enterprise user: only its own enterprise's), checked, audited.

    Raises
    ------
    NotFound, PermissionDenied
        The park is outside the scope; another enterprise's source, or a read-only role.
    ValidationError, SymbiosisError
        A bad field (named), an id already used, a profile of another length than the registry's.
    """
    source: Source = _adapt(Source, payload, "request body", "source")
    _add_party(scope, park_id, source)
    return source


def add_sink(scope: Scope, park_id: str, payload: Any) -> Sink:
    """Register one sink (an enterprise user: only its own enterprise's), checked, audited.

    Raises
    ------
    NotFound, PermissionDenied, ValidationError, SymbiosisError
        As :func:`add_source`.
    """
    sink: Sink = _adapt(Sink, payload, "request body", "sink")
    _add_party(scope, park_id, sink)
    return sink


def add_exchange(scope: Scope, park_id: str, payload: Any) -> AgreedExchange:
    """Register a realised exchange with its allocation rule (a party to it, or a park manager).

    Raises
    ------
    NotFound, PermissionDenied
        The park is outside the scope; the user's enterprise is neither supplier nor receiver.
    ValidationError, SymbiosisError
        A bad field, an unknown source/sink, a grade, licence, distance or quantity the rules refuse.
    """
    agreed: AgreedExchange = _adapt(AgreedExchange, payload, "request body", "exchange")
    park_in_scope(scope, park_id)
    whole = _registry_of(queries.registry_rows(scope, park_id, whole=True), f"park {park_id}")
    x = agreed.exchange
    _require_own(scope, ENTITY_EXCHANGE, park_id, x.id, _parties(whole, x) or {None})
    _store_new(scope, park_id, Registry((), (), (agreed,), whole.weights), file=f"exchange {x.id}")
    return agreed


def _parties(registry: Registry, x: Exchange) -> set[str | None]:
    """The enterprises of an exchange's source and sink (those that may edit it)."""
    out = {s.enterprise_id for s in registry.sources if s.id == x.source}
    return out | {k.enterprise_id for k in registry.sinks if k.id == x.sink}


# --- edit and delete of stored entries ------------------------------------------------------------

#: What an entry kind is called in messages, the CLI and the API path.
ENTRY_KINDS = ("source", "sink", "exchange")


def add_entry(scope: Scope, park_id: str, kind: str, payload: Any) -> Source | Sink | AgreedExchange:
    """Register one entry of ``kind`` (:func:`add_source`, :func:`add_sink` or :func:`add_exchange`).

    Raises
    ------
    SymbiosisError
        ``kind`` is not source, sink or exchange (and everything the three raise).
    """
    if kind == "source":
        return add_source(scope, park_id, payload)
    if kind == "sink":
        return add_sink(scope, park_id, payload)
    if kind == "exchange":
        return add_exchange(scope, park_id, payload)
    raise SymbiosisError(f"entry kind '{kind}' is not one of {', '.join(ENTRY_KINDS)}")


def entry_template(kind: str) -> dict[str, Any]:
    """The file form of a new entry of ``kind`` to start from: the example registry's first one.

    The example's own id is kept (the form says to choose one's own); docs/symbiosis.md §4 explains
    each field.
    """
    example = example_registry()
    key = {"source": "sources", "sink": "sinks", "exchange": "exchanges"}[kind]
    return dict(example[key][0])


def _stored(whole: Registry, kind: str, item_id: str, park_id: str) -> Source | Sink | AgreedExchange:
    """The stored entry ``kind``/``item_id`` of the whole registry.

    Raises
    ------
    NotFound
        No such entry in the park (the known ids named).
    """
    pool: list[Source | Sink | AgreedExchange]
    if kind == "source":
        pool = list(whole.sources)
        ids = [s.id for s in whole.sources]
    elif kind == "sink":
        pool = list(whole.sinks)
        ids = [k.id for k in whole.sinks]
    elif kind == "exchange":
        pool = list(whole.exchanges)
        ids = [a.exchange.id for a in whole.exchanges]
    else:
        raise SymbiosisError(f"entry kind '{kind}' is not one of {', '.join(ENTRY_KINDS)}")
    for item, i in zip(pool, ids, strict=True):
        if i == item_id:
            return item
    raise NotFound(
        f"park {park_id} has no {kind} '{item_id}' in its symbiosis registry "
        f"(known: {', '.join(ids) or 'none'})"
    )


def _owners(whole: Registry, item: Source | Sink | AgreedExchange) -> set[str | None]:
    if isinstance(item, AgreedExchange):
        return _parties(whole, item.exchange) or {None}
    return {item.enterprise_id}


def _replaced(
    whole: Registry, old: Source | Sink | AgreedExchange, new: Source | Sink | AgreedExchange | None
) -> Registry:
    """The whole registry with ``old`` replaced by ``new`` (``None``: removed)."""

    def swap(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(i for i in (new if i is old else i for i in items) if i is not None)

    return Registry(swap(whole.sources), swap(whole.sinks), swap(whole.exchanges), whole.weights)


def _rows_of(session: Any, park_id: str, item: Source | Sink | AgreedExchange) -> Any:
    if isinstance(item, Source):
        return session.get(SymbiosisSourceRow, (park_id, item.id))
    if isinstance(item, Sink):
        return session.get(SymbiosisSinkRow, (park_id, item.id))
    return session.get(SymbiosisExchangeRow, (park_id, item.exchange.id))


def update_entry(
    scope: Scope, park_id: str, kind: str, item_id: str, payload: Any
) -> Source | Sink | AgreedExchange:
    """Replace a stored source, sink or exchange by ``payload`` (its whole file form), checked, audited.

    The id stays (a payload without ``id`` takes ``item_id``; another id is refused); the whole
    registry after the change must pass the core's rules — lowering a source below what its
    realised exchanges take is :class:`~zeropark.errors.FlowExceedsSource`, a grade its exchanges'
    sinks no longer accept :class:`~zeropark.errors.IncompatibleGrade`. An enterprise user edits
    only its own entries and may not hand them to another enterprise. The audit record keeps the
    entry before and after.

    Raises
    ------
    NotFound, PermissionDenied
        No such entry, the park outside the scope; another party's entry, a read-only role.
    ValidationError, SymbiosisError (and its named subclasses)
        A bad field, a changed id, a profile of other periods, a rule the change breaks.
    """
    park_in_scope(scope, park_id)
    whole = _registry_of(queries.registry_rows(scope, park_id, whole=True), f"park {park_id}")
    old = _stored(whole, kind, item_id, park_id)
    body = dict(payload) if isinstance(payload, dict) else payload
    if isinstance(body, dict):  # the id comes from the path when the payload has none (copies only)
        if kind == "exchange" and isinstance(body.get("exchange"), dict):
            body["exchange"] = {"id": item_id, **body["exchange"]}
        elif kind != "exchange":
            body = {"id": item_id, **body}
    where = f"{kind} {item_id}"
    new: Source | Sink | AgreedExchange = _adapt(
        {"source": Source, "sink": Sink, "exchange": AgreedExchange}[kind], body, "request body", where
    )
    entity, new_id = _entity(new)
    if new_id != item_id:
        raise SymbiosisError(
            f"{where}: the payload's id '{new_id}' differs; an id cannot change (delete and add instead)"
        )
    _require_own(scope, entity, park_id, item_id, _owners(whole, old))
    _require_own(scope, entity, park_id, item_id, _owners(whole, new))
    if not isinstance(new, AgreedExchange) and len(_profile(new)) != len(whole.weights):
        raise SymbiosisError(
            f"{where}: {len(_profile(new))} periods, the park registry has {len(whole.weights)}; "
            "give one quantity per period"
        )
    after = _replaced(whole, old, new)
    check_exchanges(after.sources, after.sinks, [a.exchange for a in after.exchanges])
    before_body, after_body = entry_dict(old), entry_dict(new)
    with transaction(scope.engine) as session:
        row = _rows_of(session, park_id, old)
        if isinstance(new, AgreedExchange):
            x = new.exchange
            row.source_id, row.sink_id = x.source, x.sink
            row.supplier_enterprise_id = next(s.enterprise_id for s in after.sources if s.id == x.source)
            row.receiver_enterprise_id = next(k.enterprise_id for k in after.sinks if k.id == x.sink)
            row.allocation, row.supplier_share = new.allocation.value, new.supplier_share
            row.body = TypeAdapter(Exchange).dump_python(x, mode="json")
        else:
            row.enterprise_id, row.kind, row.body = new.enterprise_id, new.kind.value, entry_dict(new)
            _follow_party(session, park_id, new)
        scope.audit(
            session, audit.UPDATE, entity, f"{park_id}/{item_id}", before=before_body, after=after_body
        )
    return new


def _follow_party(session: Any, park_id: str, item: Source | Sink) -> None:
    """Copy a source's or sink's (possibly new) enterprise to the exchanges that name it."""
    stmt = select(SymbiosisExchangeRow).where(SymbiosisExchangeRow.park_id == park_id)
    if isinstance(item, Source):
        for row in session.scalars(stmt.where(SymbiosisExchangeRow.source_id == item.id)):
            row.supplier_enterprise_id = item.enterprise_id
    else:
        for row in session.scalars(stmt.where(SymbiosisExchangeRow.sink_id == item.id)):
            row.receiver_enterprise_id = item.enterprise_id


def delete_entry(scope: Scope, park_id: str, kind: str, item_id: str) -> Source | Sink | AgreedExchange:
    """Delete a stored source, sink or exchange, audited (the audit record keeps what it was).

    A source or sink a realised exchange uses is refused (:class:`~zeropark.errors.EntryInUse`,
    naming the exchanges): delete those exchanges first, so that no avoided emission loses its
    flow. An enterprise user deletes only its own entries (an exchange: as a party to it).

    Raises
    ------
    NotFound, PermissionDenied
        No such entry, the park outside the scope; another party's entry, a read-only role.
    EntryInUse
        A source or sink that realised exchanges use.
    """
    park_in_scope(scope, park_id)
    whole = _registry_of(queries.registry_rows(scope, park_id, whole=True), f"park {park_id}")
    old = _stored(whole, kind, item_id, park_id)
    entity, _ = _entity(old)
    _require_own(scope, entity, park_id, item_id, _owners(whole, old))
    if not isinstance(old, AgreedExchange):
        users = [
            a.exchange.id
            for a in whole.exchanges
            if (a.exchange.source if isinstance(old, Source) else a.exchange.sink) == item_id
        ]
        if users:
            raise EntryInUse(kind, item_id, tuple(users))
    with transaction(scope.engine) as session:
        session.delete(_rows_of(session, park_id, old))
        scope.audit(session, audit.DELETE, entity, f"{park_id}/{item_id}", before=entry_dict(old))
    return old


def import_registry(scope: Scope, park_id: str, path: Path, *, note: str = "") -> Registry:
    """Load a registry file into the park (park manager or admin), all or nothing; returns what was added.

    Raises
    ------
    NotFound, PermissionDenied
        The park is outside the scope; the user is not a park manager or admin.
    DataError (ValidationError, SymbiosisError and its named subclasses)
        The file or any entry is refused, or an id is already in the park: nothing is stored.
    """
    park_in_scope(scope, park_id)
    scope.require_manager(ENTITY_SOURCE, f"{park_id}/{path.name}")
    new = load_registry(path)
    _store_new(scope, park_id, new, file=str(path), note=note)
    return new


def store_registry(scope: Scope, park_id: str, payload: Any, *, file: str, note: str = "") -> Registry:
    """Like :func:`import_registry` from an already read JSON payload (the demo, the API)."""
    park_in_scope(scope, park_id)
    scope.require_manager(ENTITY_SOURCE, f"{park_id}/{file}")
    new = parse_registry(payload, file)
    _store_new(scope, park_id, new, file=file, note=note)
    return new


def match_park(
    scope: Scope, park_id: str, objective: Objective = Objective.COST, binary_build: bool = False
) -> MatchingResult:
    """Match the park's whole registry (park manager or admin) and keep the result as the latest.

    Raises
    ------
    NotFound, PermissionDenied
        The park is outside the scope; the user is not a park manager or admin.
    SymbiosisError
        The park has no sources or no sinks registered.
    """
    park_in_scope(scope, park_id)
    scope.require_manager(ENTITY_MATCH, park_id)
    registry = park_registry(scope, park_id)
    if not registry.sources or not registry.sinks:
        raise SymbiosisError(
            f"park {park_id} has no registered sources or sinks to match; "
            "register them (or `zeropark symbiosis import FILE`) first"
        )
    res = match_registry(registry, objective, binary_build)
    body = result_dict(res)
    with transaction(scope.engine) as session:
        row = SymbiosisMatchRow(
            park_id=park_id,
            computed_at=datetime.now(UTC),
            computed_by=scope.user.username,
            objective=objective.value,
            result=body,
        )
        session.add(row)
        session.flush()
        scope.audit(
            session,
            audit.CREATE,
            ENTITY_MATCH,
            f"{park_id}/{row.id}",
            after={"objective": objective.value, "exchanges": len(res.exchanges)},
        )
    return res


def latest_match(scope: Scope, park_id: str) -> dict[str, Any] | None:
    """The park's latest matching result (:func:`result_dict` + ``computed_at``/``by``), or ``None``.

    An enterprise user sees the suggested exchanges of its own sources and sinks only (and their totals).
    """
    park_in_scope(scope, park_id)
    row = queries.latest_match(scope, park_id)
    if row is None:
        return None
    body = dict(row.result)
    body["computed_at"] = row.computed_at.isoformat()
    body["computed_by"] = row.computed_by
    if scope.enterprise_id is not None:
        visible = park_registry(scope, park_id)
        own = {s.id for s in visible.sources if s.enterprise_id == scope.enterprise_id}
        own |= {k.id for k in visible.sinks if k.enterprise_id == scope.enterprise_id}
        xs = [x for x in body["exchanges"] if x["source"] in own or x["sink"] in own]
        body["exchanges"] = xs
        body["co2_avoided_t_per_year"] = sum(x["co2_avoided_t_per_year"] for x in xs)
        body["capex"] = sum(x["capex"] for x in xs)
        body["net_benefit_per_year"] = sum(x["net_benefit_per_year"] for x in xs)
        body["payback_years"] = None
    return body


def park_indicators(scope: Scope, park_id: str, fresh_water_m3: float | None = None) -> SymbiosisIndicators:
    """:func:`indicators` of the park's stored registry as the scope sees it."""
    return indicators(park_registry(scope, park_id), fresh_water_m3=fresh_water_m3)


def _year_registry(registry: Registry, year: int) -> Registry:
    """The registry with only the exchanges running in ``year``."""
    running = tuple(a for a in registry.exchanges if a.exchange.runs_in(year))
    return Registry(registry.sources, registry.sinks, running, registry.weights, registry.candidates)


def report_chapter(
    scope: Scope, park_id: str, year: int, fresh_water_m3: float | None
) -> SymbiosisChapter | None:
    """The report's symbiosis chapter of ``year`` as the scope sees the registry (``None``: none).

    The figures are :func:`indicators` of the park registry's exchanges running in the year (the
    avoided CO2 per exchange, the guiding indicators from flows); ``fresh_water_m3`` is the park's
    metered fresh-water intake of the year (the water Sankey's inflow), the denominator's other part
    of the water reuse rate.
    """
    registry = _year_registry(park_registry(scope, park_id), year)
    if not registry.sources and not registry.sinks:
        return None
    got = indicators(registry, fresh_water_m3=fresh_water_m3)
    body = indicators_dict(got)
    kinds = {s.kind for s in registry.sources} | {k.kind for k in registry.sinks}
    src = {s.id: s for s in registry.sources}
    rows = tuple(
        (
            kind.value,
            sum(1 for s in registry.sources if s.kind is kind),
            sum(1 for k in registry.sinks if k.kind is kind),
            sum(1 for a in registry.exchanges if src[a.exchange.source].kind is kind),
        )
        for kind in sorted(kinds, key=list(StreamKind).index)
    )
    exchanges = tuple(
        {
            "id": a.exchange.id,
            "source": a.exchange.source,
            "sink": a.exchange.sink,
            "kind": src[a.exchange.source].kind.value,
            "delivered": annual(a.exchange.quantity, registry.weights)
            * (1.0 - min(1.0, a.exchange.loss_per_km * a.exchange.distance_km)),
            "unit": UNIT[src[a.exchange.source].kind],
            "allocation": a.allocation.value,
            "supplier_share": _supplier_share(a),
            "avoided_t": got.avoided_t[a.exchange.id],
        }
        for a in registry.exchanges
    )
    used = indicator_sources(scope, park_id)  # which figure the accounting takes (flows or declared)
    shown = tuple({**r, "accounting_source": used.get(r["code"], "declared")} for r in body["indicators"])
    return SymbiosisChapter(year, rows, exchanges, shown, fresh_water_m3)


def sharing(registry: Registry) -> Sharing:
    """The energy-sharing dashboard's figures of a registry (:mod:`zeropark.symbiosis.sharing`)."""
    return energy_sharing(
        registry.sources,
        registry.sinks,
        [(a.exchange, a.allocation, a.supplier_share) for a in registry.exchanges],
        registry.weights,
    )


def park_sharing(scope: Scope, park_id: str) -> Sharing:
    """:func:`sharing` of the park's stored registry as the scope sees it (an enterprise: its own part)."""
    return sharing(park_registry(scope, park_id))


def sharing_dict(got: Sharing) -> dict[str, Any]:
    """JSON form of the energy-sharing figures (API, CLI ``--format json``; the page shows the same)."""
    return {
        "unit": "GJ",
        "weights": list(got.weights),
        "supplied_gj_per_year": got.supplied_gj,
        "received_gj_per_year": got.received_gj,
        "avoided_t_per_year": got.avoided_t,
        "saving_cny_per_year": got.saving_cny,
        "exchanges": [
            {
                "id": x.id,
                "source": x.source,
                "sink": x.sink,
                "supplier": x.supplier,
                "receiver": x.receiver,
                "kind": x.kind,
                "sent": list(x.sent),
                "delivered": list(x.delivered),
                "sent_gj_per_year": x.sent_per_year,
                "delivered_gj_per_year": x.delivered_per_year,
                "avoided_t_per_year": x.avoided_t,
                "saving_cny_per_year": x.saving_cny,
                "supplier_saving_cny_per_year": x.supplier_saving_cny,
                "receiver_saving_cny_per_year": x.receiver_saving_cny,
            }
            for x in got.exchanges
        ],
        "enterprises": [
            {
                "enterprise": p.enterprise_id,
                "supplied_gj_per_year": p.supplied_gj,
                "received_gj_per_year": p.received_gj,
                "avoided_claimed_t_per_year": p.avoided_claimed_t,
                "saving_cny_per_year": p.saving_cny,
            }
            for p in got.parties
        ],
        "periods": {
            "surplus_gj": list(got.surplus),
            "shared_gj": list(got.shared),
            "unmet_gj": list(got.unmet),
        },
    }


def park_contract(scope: Scope, park_id: str, exchange_id: str, fmt: str = "docx") -> bytes:
    """:func:`contract` of a realised exchange of the park's stored registry (a party or a manager)."""
    return contract(park_registry(scope, park_id), exchange_id, fmt)
