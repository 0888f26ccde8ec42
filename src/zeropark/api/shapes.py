"""API shapes of domain values (接口数据形状): runs, inventories, line items, factors, evidence.

Routes call a service, then one of these to turn its typed result into the response model
(``zeropark.api.schemas``); nothing here reads the store.
"""

from __future__ import annotations

from typing import Any

from zeropark.accounting import CONSUMER_BASIS_EN, CONSUMER_BASIS_ZH, Inventory, LineItem
from zeropark.api.schemas import (
    ActivityOut,
    ConsumerShareOut,
    EvidenceOut,
    FactorOut,
    FactorUseOut,
    InventoryOut,
    LineItemOut,
    MeterOut,
    RunOut,
    SourceOut,
    SupersededOut,
)
from zeropark.errors import FactorNotFound
from zeropark.factors import Factor, FactorSet
from zeropark.services.inventory import run_statement
from zeropark.store import audit
from zeropark.store.queries import views
from zeropark.store.queries.evidence import Evidence, EvidenceKind
from zeropark.store.runs import RunSummary
from zeropark.store.scope import Scope


def run_out(s: RunSummary) -> RunOut:
    """API shape of a stored run's summary."""
    return RunOut(
        id=s.id,
        park_id=s.park_id,
        year=s.year,
        method=s.method,
        enterprise_id=s.enterprise_id,
        factor_set=s.factor_set,
        factor_set_version=s.factor_set_version,
        input_fingerprint=s.input_fingerprint,
        code_version=s.code_version,
        total_tco2e=s.total_tco2e,
        energy_tce=s.energy_tce,
        data_quality_score=s.data_quality_score,
        created_at=s.created_at,
        created_by=s.created_by,
        signed_off_by=s.signed_off_by,
        signed_off_at=s.signed_off_at,
        sign_off_note=s.sign_off_note,
        frozen=s.frozen,
        parent_run_id=s.parent_run_id,
        superseded=None
        if s.superseded is None
        else SupersededOut(
            data_version_id=s.superseded.data_version_id,
            enterprise_id=s.superseded.enterprise_id,
            year=s.superseded.year,
            version=s.superseded.number,
            reason=s.superseded.reason,
            at=s.superseded.at,
            by=s.superseded.by,
        ),
    )


def factor_out(f: Factor) -> FactorOut:
    """API shape of a factor with its full source record."""
    s = f.source
    return FactorOut(
        id=f.id,
        kind=str(f.kind),
        key=f.key,
        parameter=f.parameter,
        value=f.value,
        unit=f.unit,
        region=f.region,
        year=f.year,
        uncertainty_pct=f.uncertainty_pct,
        note=f.note,
        source=SourceOut(
            id=s.id,
            title=s.title,
            issuer=s.issuer,
            year=s.year,
            table=s.table,
            url=s.url,
            confidence=str(s.confidence),
            number=s.number,
            date=s.date,
            published=s.published,
        ),
    )


def _factor_detail(factors: FactorSet | None, factor_id: str) -> FactorOut | None:
    if factors is None:
        return None
    try:
        return factor_out(factors.get(factor_id))
    except FactorNotFound:  # a derived factor (measured NCV, CHP steam) is not in the set
        return None


def line_out(li: LineItem, factors: FactorSet | None = None) -> LineItemOut:
    """API shape of a line item; with ``factors`` each factor carries its full source record."""
    uses = [
        FactorUseOut(
            id=f.id,
            symbol=f.symbol,
            value=f.value,
            unit=f.unit,
            source=f.source,
            confidence=f.confidence,
            uncertainty_pct=f.uncertainty_pct,
            detail=_factor_detail(factors, f.id),
        )
        for f in li.factors
    ]
    return LineItemOut(
        id=li.id,
        method=li.method,
        category=li.category.value,
        scope=li.scope,
        enterprise_id=li.enterprise_id,
        zone_id=li.zone_id,
        carrier=None if li.carrier is None else li.carrier.value,
        month=li.month,
        activity=li.activity,
        activity_unit=li.activity_unit,
        emissions_tco2e=li.emissions_tco2e,
        energy_tce=li.energy_tce,
        formula=li.formula,
        uncertainty_pct=li.uncertainty_pct,
        activity_uncertainty_pct=li.activity_uncertainty_pct,
        basis=None if li.basis is None else li.basis.value,
        note=li.note,
        label_zh=li.label_zh,
        label_en=li.label_en,
        factors=uses,
        evidence=list(li.evidence),
    )


def summary_options(inv: Inventory) -> dict[str, Any]:
    """The run's options as plain JSON values."""
    return inv.options.to_dict()


def visible_lines(scope: Scope, inventory: Inventory) -> list[LineItem]:
    """The line items ``scope`` may see (an enterprise user: its own enterprise's)."""
    sees = views.sees_enterprise(scope)
    return [li for li in inventory.lines if sees(li.enterprise_id)]


def inventory_out(summary: RunSummary, inv: Inventory, scope: Scope) -> InventoryOut:
    """API shape of a stored run as ``scope`` may see it (an enterprise user: its own share, no gaps)."""
    sees = views.sees_enterprise(scope)
    by_enterprise = {k: v for k, v in inv.by_enterprise.items() if sees(k)}
    consumers = [c for c in inv.consumers if sees(c.party)]
    statement = run_statement(inv)
    return InventoryOut(
        run=run_out(summary),
        options=summary_options(inv),
        options_statement_zh=statement.options_zh,
        options_statement_en=statement.options_en,
        notices=[n.to_dict() for n in statement.notices],
        factor_set_sha256=inv.factor_set_sha256,
        total_tco2e=inv.total_tco2e,
        total_market_tco2e=inv.total_market_tco2e,
        energy_tce=inv.energy_tce,
        intensity_tco2_per_tce=inv.intensity_tco2_per_tce,
        by_source=dict(inv.by_source),
        by_scope=dict(inv.by_scope),
        by_enterprise=by_enterprise,
        consumers=[
            ConsumerShareOut(
                party=c.party,
                kind=c.kind.value,
                emissions_tco2e=c.emissions_tco2e,
                energy_tce=c.energy_tce,
                market_tco2e=c.market_tco2e,
            )
            for c in consumers
        ],
        consumer_basis_zh=CONSUMER_BASIS_ZH,
        consumer_basis_en=CONSUMER_BASIS_EN,
        by_zone=dict(inv.by_zone),
        by_carrier=dict(inv.by_carrier),
        by_month=dict(inv.by_month),
        energy_by_carrier=dict(inv.energy_by_carrier),
        interval_95=inv.interval_95.to_dict(),
        interval_95_market=None if inv.interval_95_market is None else inv.interval_95_market.to_dict(),
        electricity=dict(inv.electricity),
        clean_energy_share=inv.clean_energy_share,
        green_electricity_share=inv.green_electricity_share,
        hourly=inv.hourly.to_dict(),
        eliminations=[e.to_dict() for e in inv.eliminations],
        gaps=[g.to_dict() for g in inv.gaps] if views.sees_park_level(scope) else [],
        notes=[n.to_dict() for n in inv.notes],
        n_line_items=len(visible_lines(scope, inv)),
    )


def evidence_out(e: Evidence, readings_url: str) -> EvidenceOut:
    """API shape of one resolved evidence id (``readings_url``: the meter's readings in the line's month)."""
    if e.kind is EvidenceKind.METER:
        return EvidenceOut(
            id=e.id, kind=e.kind.value, meter=MeterOut.model_validate(e.row), readings_url=readings_url
        )
    if e.kind is EvidenceKind.ACTIVITY_RECORD:
        return EvidenceOut(id=e.id, kind=e.kind.value, activity_record=ActivityOut.model_validate(e.row))
    if e.kind in (EvidenceKind.CLAIM, EvidenceKind.TRANSFER):
        return EvidenceOut(id=e.id, kind=e.kind.value, detail=audit.row_snapshot(e.row))
    return EvidenceOut(id=e.id, kind=e.kind.value)
