"""The demo park's electricity meter tree, from the grid boundary down to the workshops.

Level 1: the 110 kV boundary meters (关口表, import and export, every 15 min or hourly) and the
park's 10 kV distribution total. Level 2: each tenant's and public facility's main meter (总表) and
the battery's charging meter, under the distribution total. Level 3: the workshop submeters under
a tenant's main meter. The tree balances: children sum to their parent minus a small loss in every
interval (line losses :data:`LINE_LOSS`, 1–4 % unmetered use under a main meter); the boundary
closes the balance with on-site generation (PV, CHP, battery discharge) and the main transformer's
:data:`BUS_LOSS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zeropark.demo.loads import facility_profile, hourly_kwh, split_children, steam_demand_gj, tenant_profile
from zeropark.demo.meters import MeterBook
from zeropark.demo.site import PARK_ID
from zeropark.demo.tenants import FACILITY_MWH, Tenant
from zeropark.demo.timeline import Timeline
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind

BUS_LOSS = 0.005  # main transformer losses [-]
LINE_LOSS = 0.012  # park distribution losses, distribution total → enterprise main meters [-]
DISTRIBUTION_METER_ID = f"{PARK_ID}-EL-DIST"

#: Every fourth tenant's main meter (and its workshops) reports a register, behind a CT 600/5.
REGISTER_CT_RATIO = 120.0
#: The first register main meter has 6 digits and starts close to its end: it rolls over once.
ROLLOVER_REGISTER_MAX = 1_000_000.0


@dataclass(frozen=True, slots=True)
class TenantLoads:
    """Hourly demand of the tenants, in catalogue order.

    ``electricity_kwh`` holds each tenant's energy at its main meter [kWh]; ``steam_gj`` the steam
    [GJ] of the tenants that take steam, by enterprise id.
    """

    electricity_kwh: tuple[np.ndarray, ...]
    steam_gj: dict[str, np.ndarray]


def add_tenant_meters(
    book: MeterBook,
    tenants: Sequence[Tenant],
    enterprises: Sequence[Enterprise],
    hours: Timeline,
    temp_daily_c: np.ndarray,
    max_submeters: int,
    rng: np.random.Generator,
) -> TenantLoads:
    """Each tenant's main meter (level 2) and workshop submeters (level 3); returns their demand.

    Draws, per tenant in order: its load profile, its main meter's register start, its submeters.
    """
    electricity: list[np.ndarray] = []
    steam: dict[str, np.ndarray] = {}
    for i, (tenant, ent) in enumerate(zip(tenants, enterprises, strict=True)):
        profile = tenant_profile(tenant, hours, temp_daily_c, rng)
        main_kwh = hourly_kwh(profile, tenant.annual_mwh)
        electricity.append(main_kwh)
        _add_main_meter(book, i, tenant, ent, main_kwh, rng)
        _add_workshop_meters(book, i, tenant, ent, main_kwh, max_submeters, rng)
        if tenant.steam_gj_per_h > 0:
            steam[ent.id] = steam_demand_gj(tenant, profile)
    return TenantLoads(tuple(electricity), steam)


def _reports_register(tenant_index: int) -> bool:
    """Whether the tenant's meters are cumulative registers (every fourth tenant)."""
    return tenant_index % 4 == 3


def _main_register(
    tenant_index: int, main_kwh: np.ndarray, multiplier: float, rng: np.random.Generator
) -> tuple[float, float | None]:
    """(register start, rollover value) of a main meter; the first register one rolls over.

    The start is drawn for every main meter (an interval meter ignores it), so the draws do not
    depend on the meter's kind.
    """
    start = float(rng.uniform(1_000, 400_000))
    if tenant_index == 3:  # the first register meter: ≈ one day before the 6-digit register wraps
        return 999_999.0 - main_kwh[:48].sum() / multiplier / 2, ROLLOVER_REGISTER_MAX
    return start, None


def _add_main_meter(
    book: MeterBook,
    tenant_index: int,
    tenant: Tenant,
    ent: Enterprise,
    main_kwh: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """A tenant's main meter (总表, level 2) under the park's distribution total."""
    cumulative = _reports_register(tenant_index)
    multiplier = REGISTER_CT_RATIO if cumulative else 1.0
    register_start, rollover = _main_register(tenant_index, main_kwh, multiplier, rng)
    meter = Meter(
        id=f"{ent.id}-EL",
        park_id=PARK_ID,
        carrier=Carrier.ELECTRICITY,
        unit="kWh",
        direction=Direction.CONSUMPTION,
        kind=MeterKind.CUMULATIVE if cumulative else MeterKind.INTERVAL,
        enterprise_id=ent.id,
        parent_id=DISTRIBUTION_METER_ID,
        level=2,
        multiplier=multiplier,
        accuracy_class=0.5,
        rated_capacity=float(main_kwh.max() * 1.6),
        name=f"{tenant.name} 总表",
    )
    book.add(meter, main_kwh, register_start=register_start, rollover_at=rollover)


def _add_workshop_meters(
    book: MeterBook,
    tenant_index: int,
    tenant: Tenant,
    ent: Enterprise,
    main_kwh: np.ndarray,
    max_submeters: int,
    rng: np.random.Generator,
) -> None:
    """The workshop submeters (level 3) of a tenant: they meter 96–99 % of its main meter.

    Draws: the number of submeters, their mean shares, the unmetered share, the hourly split, then
    each submeter's register start.
    """
    n_sub = int(rng.integers(max(2, max_submeters - 4), max_submeters + 1))
    shares = rng.dirichlet(np.full(n_sub, 3.0))
    keep = 1.0 - float(rng.uniform(0.01, 0.04))  # unmetered use + cable losses
    subs = split_children(main_kwh, shares, keep, rng)
    kind = MeterKind.CUMULATIVE if _reports_register(tenant_index) else MeterKind.INTERVAL
    for j in range(n_sub):
        meter = Meter(
            id=f"{ent.id}-EL-{j + 1:02d}",
            park_id=PARK_ID,
            carrier=Carrier.ELECTRICITY,
            unit="kWh",
            direction=Direction.CONSUMPTION,
            kind=kind,
            enterprise_id=ent.id,
            parent_id=f"{ent.id}-EL",
            level=3,
            multiplier=1.0,
            accuracy_class=1.0,
            rated_capacity=float(subs[j].max() * 1.6),
            name=f"{tenant.workshops[j]}",
        )
        book.add(meter, subs[j], register_start=float(rng.uniform(0, 90_000)))


def add_facility_meters(
    book: MeterBook,
    facilities: dict[str, Enterprise],
    hours: Timeline,
    temp_daily_c: np.ndarray,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Main meters of the consuming public facilities (WWTP, administration and street lights).

    Returns their hourly energy [kWh] in :data:`zeropark.demo.tenants.FACILITY_MWH` order.
    """
    out = []
    for key, mwh in FACILITY_MWH.items():
        fac = facilities[key]
        kwh = hourly_kwh(facility_profile(key, hours, temp_daily_c, rng), mwh)
        out.append(kwh)
        meter = Meter(
            id=f"{fac.id}-EL",
            park_id=PARK_ID,
            carrier=Carrier.ELECTRICITY,
            unit="kWh",
            direction=Direction.CONSUMPTION,
            kind=MeterKind.INTERVAL,
            enterprise_id=fac.id,
            parent_id=DISTRIBUTION_METER_ID,
            level=2,
            multiplier=1.0,
            accuracy_class=0.5,
            rated_capacity=float(kwh.max() * 1.6),
            name=f"{fac.name} 总表",
        )
        book.add(meter, kwh)
    return out


def add_distribution_meter(
    book: MeterBook, consumers_kwh: Sequence[np.ndarray], battery_charge_kwh: np.ndarray
) -> np.ndarray:
    """The 10 kV distribution total (level 1): its children plus :data:`LINE_LOSS`; returns it [kWh]."""
    children_total = np.sum(consumers_kwh, axis=0) + battery_charge_kwh
    dist_total = np.asarray(children_total / (1.0 - LINE_LOSS))
    meter = Meter(
        id=DISTRIBUTION_METER_ID,
        park_id=PARK_ID,
        carrier=Carrier.ELECTRICITY,
        unit="kWh",
        direction=Direction.CONSUMPTION,
        kind=MeterKind.INTERVAL,
        enterprise_id=None,
        parent_id=None,
        level=1,
        multiplier=1.0,
        accuracy_class=0.2,
        rated_capacity=float(dist_total.max() * 1.5),
        name="园区10kV配电 总出线表",
    )
    book.add(meter, dist_total)
    return dist_total


def grid_net_kwh(
    distribution_kwh: np.ndarray,
    pv_kwh: np.ndarray,
    chp_net_kwh: np.ndarray,
    battery_discharge_kwh: np.ndarray,
) -> np.ndarray:
    """Hourly net exchange with the grid [kWh], > 0 = import.

    The distribution total before the transformer's :data:`BUS_LOSS`, less on-site generation
    (PV, CHP net of its own use, battery discharge).
    """
    return np.asarray(distribution_kwh / (1.0 - BUS_LOSS) - pv_kwh - chp_net_kwh - battery_discharge_kwh)


def add_grid_boundary(
    book: MeterBook, net_kwh: np.ndarray, quarter_hourly: bool, rng: np.random.Generator
) -> None:
    """Grid import and export boundary meters (关口表) from the hourly net exchange [kWh].

    Quarter-hourly meters split each hour's exchange with seeded weights (the only draws here).
    """
    if quarter_hourly:
        net, starts = _quarter_hours(net_kwh, book.hours_utc, rng)
        interval = 900
    else:
        net, starts, interval = net_kwh, book.hours_utc, 3600
    peak = float(np.abs(net).max() * 3600 / interval * 1.5) or 1.0
    for suffix, direction, values, what in (
        ("IMP", Direction.IMPORT, np.maximum(net, 0.0), "下网/购电"),
        ("EXP", Direction.EXPORT, np.maximum(-net, 0.0), "上网/外送"),
    ):
        meter = Meter(
            id=f"{PARK_ID}-EL-{suffix}",
            park_id=PARK_ID,
            carrier=Carrier.ELECTRICITY,
            unit="kWh",
            direction=direction,
            kind=MeterKind.INTERVAL,
            enterprise_id=None,
            parent_id=None,
            level=1,
            multiplier=1.0,
            accuracy_class=0.2,
            rated_capacity=peak,
            name=f"110kV 关口表（{what}）",
        )
        book.add_at(meter, values, starts, interval_s=interval)


def _quarter_hours(
    hourly_kwh: np.ndarray, hours_utc: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each hour's energy split into four quarter hours with seeded weights; (energy, starts)."""
    w = np.exp(rng.normal(0.0, 0.05, (len(hourly_kwh), 4)))
    w /= w.sum(axis=1, keepdims=True)
    net = (hourly_kwh[:, None] * w).ravel()
    starts = (hours_utc[:, None] + np.arange(4) * np.timedelta64(900, "s")).ravel()
    return net, starts
