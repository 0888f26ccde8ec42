"""The park's heat and power plant: a gas CHP with an auxiliary boiler feeding the steam network.

The plant follows the steam demand: the gas turbine's heat-recovery steam generator supplies up to
:data:`CHP_HEAT_MAX_GJ_PER_H`, the auxiliary gas boiler the rest; the network loses
:data:`STEAM_NETWORK_LOSS` of the send-out. The CHP's electricity (less the plant's own use) goes
into the park grid. Meters: the steam send-out (level 1) over each tenant's steam meter (level 2),
the gas station meter (level 1) over the turbine's and the boiler's gas meters (level 2), and the
generator meter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zeropark.demo.meters import MeterBook
from zeropark.demo.site import PARK_ID
from zeropark.model import Carrier, Direction, Enterprise, Meter, MeterKind

#: Natural gas NCV used to turn CHP fuel energy into m³ [GJ/m³] (GB/T 2589-2020 App. A, 气田天然气
#: 35 544 kJ/m³). Only the demo's physics uses it; the accounting takes NCVs from the FactorSet.
GAS_NCV_GJ_PER_M3 = 0.035544

CHP_HEAT_MAX_GJ_PER_H = 180.0  # HRSG steam output limit [GJ/h] (≈ 50 MWth; ≈ 41 MWe at full heat)
CHP_ELECTRIC_EFFICIENCY = 0.36  # [-] electricity / fuel (LHV)
CHP_HEAT_EFFICIENCY = 0.44  # [-] useful heat / fuel (LHV)
AUX_BOILER_EFFICIENCY = 0.92  # [-]
CHP_OWN_USE = 0.03  # share of CHP electricity used on site by the plant itself [-]
STEAM_NETWORK_LOSS = 0.06  # heat lost in the steam network [-]


@dataclass(frozen=True, slots=True)
class PlantOperation:
    """Hourly operation of the CHP and the auxiliary boiler.

    Attributes
    ----------
    steam_sendout_gj : ndarray
        Steam sent into the network [GJ].
    chp_gas_m3, aux_gas_m3 : ndarray
        Gas burnt by the turbine and by the boiler [m³].
    chp_electricity_kwh : ndarray
        Gross CHP electricity [kWh].
    chp_net_kwh : ndarray
        CHP electricity into the park grid, after the plant's own use [kWh].
    """

    steam_sendout_gj: np.ndarray
    chp_gas_m3: np.ndarray
    aux_gas_m3: np.ndarray
    chp_electricity_kwh: np.ndarray
    chp_net_kwh: np.ndarray


def operate_plant(steam_demand_gj: dict[str, np.ndarray], n_hours: int) -> PlantOperation:
    """Run the CHP at the steam demand up to its heat limit, the boiler for the rest.

    Notes
    -----
    Q_out = Σ Q_demand / (1 − loss); Q_chp = min(Q_out, Q_max); fuel_chp = Q_chp / η_heat;
    E_chp = fuel_chp × η_el / 0.0036 GJ/kWh; fuel_aux = (Q_out − Q_chp) / η_boiler; gas = fuel / NCV.
    """
    steam_ids = sorted(steam_demand_gj)
    steam_total = np.sum([steam_demand_gj[e] for e in steam_ids], axis=0) if steam_ids else np.zeros(n_hours)
    steam_sendout = steam_total / (1.0 - STEAM_NETWORK_LOSS)
    chp_heat = np.minimum(steam_sendout, CHP_HEAT_MAX_GJ_PER_H)
    aux_heat = steam_sendout - chp_heat
    chp_fuel_gj = chp_heat / CHP_HEAT_EFFICIENCY
    chp_elec_kwh = chp_fuel_gj * CHP_ELECTRIC_EFFICIENCY / 0.0036
    aux_fuel_gj = aux_heat / AUX_BOILER_EFFICIENCY
    return PlantOperation(
        steam_sendout_gj=steam_sendout,
        chp_gas_m3=chp_fuel_gj / GAS_NCV_GJ_PER_M3,
        aux_gas_m3=aux_fuel_gj / GAS_NCV_GJ_PER_M3,
        chp_electricity_kwh=chp_elec_kwh,
        chp_net_kwh=chp_elec_kwh * (1.0 - CHP_OWN_USE),
    )


def add_plant_meters(
    book: MeterBook,
    chp: Enterprise,
    steam_demand_gj: dict[str, np.ndarray],
    plant: PlantOperation,
    rng: np.random.Generator,
) -> None:
    """The steam network's, the gas supply's and the generator's meters.

    Draws the three gas registers' starts (station, turbine, boiler).
    """
    _add_steam_meters(book, chp, steam_demand_gj, plant)
    _add_gas_meters(book, chp, plant, rng)
    book.add(
        Meter(
            id=f"{chp.id}-EL-GEN",
            park_id=PARK_ID,
            carrier=Carrier.ELECTRICITY,
            unit="kWh",
            direction=Direction.GENERATION,
            kind=MeterKind.INTERVAL,
            enterprise_id=chp.id,
            parent_id=None,
            level=1,
            multiplier=1.0,
            accuracy_class=0.2,
            rated_capacity=float(plant.chp_electricity_kwh.max() * 1.3),
            name="燃机发电机出口表",
            technology="chp",
        ),
        plant.chp_net_kwh,
    )


def _add_steam_meters(
    book: MeterBook, chp: Enterprise, steam_demand_gj: dict[str, np.ndarray], plant: PlantOperation
) -> None:
    """The CHP's steam send-out meter (level 1) and each steam user's meter under it (level 2)."""
    sendout_id = f"{chp.id}-ST-OUT"
    book.add(
        Meter(
            id=sendout_id,
            park_id=PARK_ID,
            carrier=Carrier.STEAM,
            unit="GJ",
            direction=Direction.GENERATION,
            kind=MeterKind.INTERVAL,
            enterprise_id=chp.id,
            parent_id=None,
            level=1,
            multiplier=1.0,
            accuracy_class=2.0,
            rated_capacity=CHP_HEAT_MAX_GJ_PER_H * 2.5,
            name="热电中心 蒸汽出口总表",
        ),
        plant.steam_sendout_gj,
    )
    for eid in sorted(steam_demand_gj):
        book.add(
            Meter(
                id=f"{eid}-ST",
                park_id=PARK_ID,
                carrier=Carrier.STEAM,
                unit="GJ",
                direction=Direction.CONSUMPTION,
                kind=MeterKind.INTERVAL,
                enterprise_id=eid,
                parent_id=sendout_id,
                level=2,
                multiplier=1.0,
                accuracy_class=2.0,
                rated_capacity=float(steam_demand_gj[eid].max() * 1.6),
                name="蒸汽入厂表",
            ),
            steam_demand_gj[eid],
        )


def _add_gas_meters(
    book: MeterBook, chp: Enterprise, plant: PlantOperation, rng: np.random.Generator
) -> None:
    """The gas station's register (level 1) over the turbine's and the boiler's (level 2, 0.2 % less)."""
    station_id = f"{chp.id}-NG"
    total_m3 = plant.chp_gas_m3 + plant.aux_gas_m3
    book.add(
        _gas_meter(station_id, chp, None, 1, float(total_m3.max() * 1.5), "热电中心 天然气总表（门站）"),
        total_m3,
        register_start=float(rng.uniform(1e6, 5e6)),
    )
    book.add(
        _gas_meter(
            f"{chp.id}-NG-GT", chp, station_id, 2, float(plant.chp_gas_m3.max() * 1.5), "燃气轮机 天然气表"
        ),
        plant.chp_gas_m3 * 0.998,
        register_start=float(rng.uniform(1e6, 5e6)),
    )
    book.add(
        _gas_meter(
            f"{chp.id}-NG-AUX",
            chp,
            station_id,
            2,
            float(max(plant.aux_gas_m3.max(), 1.0) * 1.5),
            "辅助燃气锅炉 天然气表",
        ),
        plant.aux_gas_m3 * 0.998,
        register_start=float(rng.uniform(1e5, 9e5)),
    )


def _gas_meter(
    meter_id: str, chp: Enterprise, parent_id: str | None, level: int, rated_m3_per_h: float, name: str
) -> Meter:
    """A cumulative gas meter [m³] of the plant."""
    return Meter(
        id=meter_id,
        park_id=PARK_ID,
        carrier=Carrier.NATURAL_GAS,
        unit="m3",
        direction=Direction.CONSUMPTION,
        kind=MeterKind.CUMULATIVE,
        enterprise_id=chp.id,
        parent_id=parent_id,
        level=level,
        multiplier=1.0,
        accuracy_class=1.0,
        rated_capacity=rated_m3_per_h,
        name=name,
    )
