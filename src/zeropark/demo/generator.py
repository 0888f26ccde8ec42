"""Generate the demo park (pure: no I/O): one seeded generator drives every draw, in a fixed order.

The order of the draws is part of the data: the enterprises' value added and USCCs, the weather,
each tenant's load and meters, the facilities' loads, the plant's gas registers, the PV weather,
the boundary's quarter hours, the water meters, then the activity data, the green power claims and
the guiding-indicator inputs. Each step below draws only inside itself, so the same ``seed`` and
:class:`zeropark.demo.park.DemoSize` give the same park.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zeropark.demo.activities import activity_records
from zeropark.demo.bad_inputs import bad_inputs
from zeropark.demo.battery import add_battery_meters, battery_schedule
from zeropark.demo.chp import PlantOperation, add_plant_meters, operate_plant
from zeropark.demo.claims import green_power_claims
from zeropark.demo.electricity import (
    TenantLoads,
    add_distribution_meter,
    add_facility_meters,
    add_grid_boundary,
    add_tenant_meters,
    grid_net_kwh,
)
from zeropark.demo.indicator_data import indicator_data
from zeropark.demo.meters import MeterBook
from zeropark.demo.park import FULL_SIZE, DemoPark, DemoSize
from zeropark.demo.production import product_outputs
from zeropark.demo.pv import PvArray, add_pv_meters, rooftop_arrays, rooftop_pv_kwh
from zeropark.demo.site import DEFAULT_SEED, DEFAULT_YEAR, PARK_ID, demo_park, demo_zones
from zeropark.demo.tenants import FACILITY_MWH, Tenant, facility_enterprises, pick_tenants, tenant_enterprises
from zeropark.demo.timeline import Timeline, timeline
from zeropark.demo.transfers import chp_electricity_transfers, steam_transfers
from zeropark.demo.water import add_water_meters
from zeropark.demo.weather import daily_temperature_c, hourly_temperature_c
from zeropark.model import Enterprise, Transfer


@dataclass(frozen=True, slots=True)
class _MeteredPark:
    """The meter tree with its series and the hourly flows the rest of the generation needs."""

    book: MeterBook
    tenant_loads: TenantLoads
    consumers_kwh: list[np.ndarray]  # tenants' then consuming facilities' main meters [kWh]
    plant: PlantOperation
    pv_arrays: tuple[PvArray, ...]
    fresh_water_m3: list[np.ndarray]  # per tenant


def generate(seed: int = DEFAULT_SEED, size: DemoSize = FULL_SIZE, year: int = DEFAULT_YEAR) -> DemoPark:
    """Generate the demo park (pure: no I/O). Same ``seed`` and ``size`` → same data.

    Parameters
    ----------
    seed : int
        Seed of the single :class:`numpy.random.Generator`.
    size : DemoSize
        Number of enterprises, submeters and days.
    year : int
        Calendar year of the readings and activity data (default 2025, the national base year).
    """
    rng = np.random.default_rng(seed)
    tenants = pick_tenants(size.n_enterprises)
    enterprises = tenant_enterprises(tenants, rng)
    facilities = facility_enterprises(rng)
    hours = timeline(year, size.days)
    metered = _meter_park(tenants, enterprises, facilities, hours, size, rng)
    activities = activity_records(
        tenants, enterprises, facilities["WWTP"], metered.tenant_loads.electricity_kwh, hours, rng
    )
    transfers = _transfers(enterprises, facilities, metered, hours)
    claims = green_power_claims(year, enterprises, tenants, hours.months, len(hours.days) / 365.0, rng)
    indicators = indicator_data(
        tenants, enterprises, float(np.sum(metered.fresh_water_m3)), len(hours.days), rng
    )
    meters = tuple(metered.book.meters)
    return DemoPark(
        seed=seed,
        year=year,
        size=size,
        park=demo_park(),
        zones=demo_zones(),
        enterprises=tuple(enterprises) + tuple(facilities.values()),
        meters=meters,
        series=tuple(metered.book.series),
        activities=activities,
        claims=claims,
        transfers=transfers,
        indicator_data=indicators,
        pv_arrays=metered.pv_arrays,
        bad_inputs=bad_inputs(PARK_ID, year, enterprises, claims, meters),
        meter_intervals_s=dict(metered.book.intervals),
        products=product_outputs(tenants, enterprises, year, len(hours.days), seed),
    )


def _meter_park(
    tenants: list[Tenant],
    enterprises: list[Enterprise],
    facilities: dict[str, Enterprise],
    hours: Timeline,
    size: DemoSize,
    rng: np.random.Generator,
) -> _MeteredPark:
    """Every meter of the park and its readings; returns them with the hourly flows used later.

    Order of the meters (and of the draws): tenants, consuming facilities, the CHP plant, PV,
    battery, the distribution total, the grid boundary, water.
    """
    book = MeterBook(hours.ts_utc)
    temp_daily_c = daily_temperature_c(hours.day_of_year, rng)
    tenant_loads = add_tenant_meters(book, tenants, enterprises, hours, temp_daily_c, size.max_submeters, rng)
    consumers_kwh = [
        *tenant_loads.electricity_kwh,
        *add_facility_meters(book, facilities, hours, temp_daily_c, rng),
    ]
    plant = operate_plant(tenant_loads.steam_gj, hours.n_hours)
    add_plant_meters(book, facilities["CHP"], tenant_loads.steam_gj, plant, rng)
    arrays = rooftop_arrays(facilities["PV"], enterprises)
    pv_arrays_kwh = rooftop_pv_kwh(arrays, hours, hourly_temperature_c(temp_daily_c, hours), rng)
    pv_kwh = add_pv_meters(book, facilities["PV"], arrays, pv_arrays_kwh)
    charge_kwh, discharge_kwh = battery_schedule(hours.hour)
    add_battery_meters(book, facilities["BESS"], charge_kwh, discharge_kwh)
    distribution_kwh = add_distribution_meter(book, consumers_kwh, charge_kwh)
    net_kwh = grid_net_kwh(distribution_kwh, pv_kwh, plant.chp_net_kwh, discharge_kwh)
    add_grid_boundary(book, net_kwh, size.boundary_15min, rng)
    fresh_water_m3 = add_water_meters(book, tenants, enterprises, tenant_loads.electricity_kwh, rng)
    return _MeteredPark(book, tenant_loads, consumers_kwh, plant, arrays, fresh_water_m3)


def _transfers(
    enterprises: list[Enterprise], facilities: dict[str, Enterprise], metered: _MeteredPark, hours: Timeline
) -> tuple[Transfer, ...]:
    """The CHP's steam, then its electricity, sold to the tenants and consuming facilities."""
    chp = facilities["CHP"]
    consumers = [*enterprises, *(facilities[k] for k in FACILITY_MWH)]
    return steam_transfers(chp, metered.tenant_loads.steam_gj, hours) + chp_electricity_transfers(
        chp, consumers, metered.consumers_kwh, metered.plant.chp_net_kwh, hours
    )
