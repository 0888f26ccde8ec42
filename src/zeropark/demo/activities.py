"""Monthly activity data of the demo (活动数据): fuels bought and process inputs, with 示例 evidence.

Non-metered quantities follow each tenant's monthly production (its electricity): diesel for
vehicles, forklifts and a standby generator, LPG for canteens, natural gas for own boilers and
ovens, and the limestone of the 轻质碳酸钙 plant (a process emission, CaCO3 → CaO + CO2). Every
record's evidence is a 示例凭证 number and its description ends in "（示例数据）".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from zeropark.demo.tenants import Tenant
from zeropark.demo.timeline import Timeline, month_end
from zeropark.model import ActivityRecord, Carrier, Enterprise, Flow

#: Tenants (by GB/T 4754 class) that burn natural gas in their own boilers or ovens, besides the
#: textile plants that take steam.
OWN_GAS_INDUSTRY_CODES = ("3670", "3411", "2641")
#: 轻质碳酸钙: the tenant that calcines limestone.
LIME_INDUSTRY_CODE = "2613"


def activity_records(
    tenants: Sequence[Tenant],
    enterprises: Sequence[Enterprise],
    wwtp: Enterprise,
    electricity_kwh: Sequence[np.ndarray],
    hours: Timeline,
    rng: np.random.Generator,
) -> tuple[ActivityRecord, ...]:
    """Monthly activity records of every tenant, then the wastewater plant's canteen LPG.

    Draws, per tenant in order: diesel, LPG, boiler gas, limestone (each only if the tenant has
    that source), every record's evidence number after its quantities.
    """
    out: list[ActivityRecord] = []
    for tenant, ent, kwh in zip(tenants, enterprises, electricity_kwh, strict=True):
        rel = _relative_monthly_production(kwh, hours)
        out += _diesel(tenant, ent, rel, hours.months, rng)
        out += _lpg(tenant, ent, rel, hours.months, rng)
        out += _own_gas(tenant, ent, rel, hours.months, rng)
        out += _limestone(tenant, ent, rel, hours.months, rng)
    out += _monthly(
        wwtp,
        "LPG",
        Carrier.LPG,
        Flow.COMBUSTION,
        np.full(len(hours.months), 1.2),
        "t",
        "液化石油气 园区公共食堂",
        hours.months,
        rng,
    )
    return tuple(out)


def _relative_monthly_production(kwh: np.ndarray, hours: Timeline) -> np.ndarray:
    """Monthly electricity of a tenant relative to its mean month [-] (its production index)."""
    prod = np.array([kwh[hours.month_index == m.month - 1].sum() for m in hours.months])
    return np.asarray(prod / max(prod.mean(), 1e-9))


def _diesel(
    tenant: Tenant, ent: Enterprise, rel: np.ndarray, months: Sequence[date], rng: np.random.Generator
) -> list[ActivityRecord]:
    """Diesel [t] of vehicles, forklifts and the standby generator.

    Logistics tenants run vehicles; 60 % of machinery plants run diesel forklifts; the data centre
    test-runs its standby generator every month.
    """
    if tenant.sector == "logistics":
        qty = rel * rng.uniform(75, 210)
        return _monthly(
            ent, "DSL", Carrier.DIESEL, Flow.COMBUSTION, qty, "t", "柴油 厂内及短驳车辆", months, rng
        )
    if tenant.sector == "machinery" and rng.random() < 0.6:
        qty = rel * rng.uniform(4.5, 15)
        return _monthly(ent, "DSL", Carrier.DIESEL, Flow.COMBUSTION, qty, "t", "柴油 叉车", months, rng)
    if tenant.sector == "datacentre":
        qty = np.full(len(months), rng.uniform(1.2, 3.6))
        return _monthly(
            ent, "DSL", Carrier.DIESEL, Flow.COMBUSTION, qty, "t", "柴油 备用发电机月度试车", months, rng
        )
    return []


def _lpg(
    tenant: Tenant, ent: Enterprise, rel: np.ndarray, months: Sequence[date], rng: np.random.Generator
) -> list[ActivityRecord]:
    """LPG [t] for the staff canteen of half the machinery, electronics and textile plants."""
    if tenant.sector in ("machinery", "electronics", "textiles") and rng.random() < 0.5:
        qty = rel * rng.uniform(1.8, 7.5)
        return _monthly(
            ent, "LPG", Carrier.LPG, Flow.COMBUSTION, qty, "t", "液化石油气 职工食堂", months, rng
        )
    return []


def _own_gas(
    tenant: Tenant, ent: Enterprise, rel: np.ndarray, months: Sequence[date], rng: np.random.Generator
) -> list[ActivityRecord]:
    """Natural gas [m³] of own boilers, stenters and ovens."""
    if (
        tenant.sector == "textiles" and tenant.steam_gj_per_h > 0
    ) or tenant.industry_code in OWN_GAS_INDUSTRY_CODES:
        qty = rel * rng.uniform(90_000, 360_000)
        return _monthly(
            ent,
            "NG",
            Carrier.NATURAL_GAS,
            Flow.COMBUSTION,
            qty,
            "m3",
            "天然气 自备锅炉/定型机/烘干炉",
            months,
            rng,
        )
    return []


def _limestone(
    tenant: Tenant, ent: Enterprise, rel: np.ndarray, months: Sequence[date], rng: np.random.Generator
) -> list[ActivityRecord]:
    """Limestone [t] calcined in the lime kiln of the 轻质碳酸钙 plant (industrial process)."""
    if tenant.industry_code != LIME_INDUSTRY_CODE:
        return []
    qty = rel * rng.uniform(9_000, 13_500)
    return _monthly(
        ent,
        "LIMESTONE",
        None,
        Flow.PROCESS,
        qty,
        "t",
        "石灰石 煅烧（工业生产过程）",
        months,
        rng,
        factor_id="process.limestone.cn",
        uncertainty_pct=3.0,
    )


def _monthly(
    ent: Enterprise,
    tag: str,
    carrier: Carrier | None,
    flow: Flow,
    qty: np.ndarray,
    unit: str,
    desc: str,
    months: Sequence[date],
    rng: np.random.Generator,
    *,
    factor_id: str | None = None,
    uncertainty_pct: float = 2.0,
) -> list[ActivityRecord]:
    """One record per month of ``qty``, each with a seeded 示例凭证 evidence number."""
    return [
        ActivityRecord(
            id=f"{ent.id}-{tag}-{m:%Y%m}",
            enterprise_id=ent.id,
            carrier=carrier,
            flow=flow,
            period_start=m,
            period_end=month_end(m),
            quantity=round(float(q), 3),
            unit=unit,
            factor_id=factor_id,
            evidence=f"示例凭证 {tag}-{m:%Y%m}-{int(rng.integers(10_000_000, 99_999_999))}",
            uncertainty_pct=uncertainty_pct,
            description=f"{desc}（示例数据）",
        )
        for m, q in zip(months, qty, strict=True)
    ]
