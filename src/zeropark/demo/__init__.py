"""The demo park (示例数据): a deterministic, realistic park for trying zeropark.

Everything this package makes is example data and says so: the park is named
"示例零碳产业园（示例数据）", ``Park.is_demo`` is true, every enterprise name ends in "（示例）" and
every evidence string starts with "示例". Nothing here is a measurement of a real place.

Policy
------
- Deterministic: one seeded :class:`numpy.random.Generator` drives every random draw, in a fixed
  order, so the same ``seed`` and :class:`DemoSize` give the same data and the same
  :meth:`DemoPark.fingerprint`.
- Pure generation (:func:`generate`) is separate from writing (:func:`write_demo`): the first
  returns plain values, the second stores them through the store's repositories
  (``zeropark.store.repo``) and bulk readings path (``zeropark.store.readings``).
- The meter simulator that publishes readings over MQTT (``zeropark simulate``) is
  :mod:`zeropark.demo.simulator`; it is not re-exported here.
- Physics where it matters: rooftop PV output comes from pvlib (Ineichen clear sky at the site
  × a seeded clear-sky index, Erbs decomposition, isotropic transposition, Faiman cell
  temperature, PVWatts DC/AC); loads follow Chinese working days and 调休 from
  ``chinese_calendar`` with a Spring-Festival dip; the meter tree balances (children sum to
  their parent minus a small loss).
- Bad inputs (an unknown meter, a NaN, a future timestamp, a negative consumption, a green
  certificate claimed twice, ...) are kept apart in :class:`BadInputs` and are fed through the
  normal validation paths by :func:`feed_bad_inputs`, so a user sees them rejected or
  quarantined — never silently stored.

Size: the full demo is a park of realistic size for a national zero-carbon park applicant (a
provincial-level development zone): ≈ 30万 tce of comprehensive energy consumption a year, inside
the 20万–100万 tce band whose core indicator 单位能耗碳排放 is judged against ≤ 0.2 tCO2/tce
(910号 Annex 3; ACCOUNTING.md §1.1). In the 2025 base year it fails that threshold by a wide
margin, as a gas-and-grid park does; the story is the path from there. Tenant loads, steam, CHP,
fuels, process inputs, guiding-indicator inputs and value added are all sized for that scale; the
rooftop PV (≈ 21 MWp) and the 5 MW / 10 MWh battery are the park's first projects.

Site: a fictional park in 常州市武进区, 江苏 (华东 grid), 31.70 °N, 119.95 °E. Interval readings are
stamped at the *end* of their interval (hour or 15 min), in UTC, as ``zeropark.timeseries`` reads
them (the value at ``ts`` covers ``[ts − interval_s, ts)``); cumulative registers are the register
value at the instant.

Modules
-------
- park definition: site (identity, site, zones), uscc (统一社会信用代码), tenants (catalogue,
  public facilities), park (:class:`DemoPark`, :class:`DemoSize`);
- readings: timeline (hours, 调休, months), weather, loads, meters (series, the meter book),
  electricity (meter tree, grid boundary), chp (CHP, boiler, steam network, gas), pv (pvlib),
  battery, water;
- activities, transfers (内部转供), claims (绿证/绿电), indicator_data, bad_inputs (示例: 错误数据);
- generator (:func:`generate`), write (to the store), simulator (readings over MQTT).
"""

from __future__ import annotations

from zeropark.demo.bad_inputs import BadInputs
from zeropark.demo.generator import generate
from zeropark.demo.meters import MeterSeries
from zeropark.demo.park import FULL_SIZE, SMALL_SIZE, DemoPark, DemoSize, with_size
from zeropark.demo.pv import PvArray
from zeropark.demo.site import DEFAULT_SEED, DEFAULT_YEAR, DEMO_LABEL, PARK_ID, PARK_NAME
from zeropark.demo.timeline import local_hours
from zeropark.demo.uscc import is_valid_uscc, org_code_check, uscc_check
from zeropark.demo.write import (
    BadInputOutcome,
    BuildResult,
    delete_demo_park,
    feed_bad_inputs,
    record_build,
    stored_fingerprint,
    write_demo,
)

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_YEAR",
    "DEMO_LABEL",
    "FULL_SIZE",
    "PARK_ID",
    "PARK_NAME",
    "SMALL_SIZE",
    "BadInputOutcome",
    "BadInputs",
    "BuildResult",
    "DemoPark",
    "DemoSize",
    "MeterSeries",
    "PvArray",
    "delete_demo_park",
    "feed_bad_inputs",
    "record_build",
    "stored_fingerprint",
    "generate",
    "is_valid_uscc",
    "local_hours",
    "org_code_check",
    "uscc_check",
    "with_size",
    "write_demo",
]
