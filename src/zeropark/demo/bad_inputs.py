"""The demo's deliberately wrong inputs (示例: 错误数据) and what validation must do with each.

They are kept apart from the good data and fed through the normal import paths by
:func:`zeropark.demo.write.feed_bad_inputs`, so a user sees them rejected or quarantined — never
silently stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zeropark.model import ClaimKind, Enterprise, GreenPowerClaim, Meter, MeterKind


@dataclass(frozen=True, slots=True)
class BadInputs:
    """Deliberately wrong inputs that validation must catch (示例: 错误数据).

    ``readings_csv`` is a meter-readings export (header ``meter_id,ts,value``) fed to
    ``zeropark.ingest.files.import_readings``; ``enterprise_data`` is the YAML/JSON form of the
    enterprise workbook fed to ``zeropark.ingest.workbook.import_workbook``. Each entry of
    ``expected`` says what the platform must do with one bad row and why.
    """

    readings_csv: str
    enterprise_data: dict[str, Any]
    expected: tuple[str, ...]


def bad_inputs(
    park_id: str,
    year: int,
    enterprises: Sequence[Enterprise],
    claims: Sequence[GreenPowerClaim],
    meters: Sequence[Meter],
) -> BadInputs:
    """The deliberately wrong rows (示例: 错误数据) and what validation must do with each."""
    interval = next(m for m in meters if m.kind == MeterKind.INTERVAL and m.level == 3)
    good_ts = f"{year}-03-02T01:30:00Z"  # off the hourly grid: no clash with the demo's own readings
    future = f"{year + 5}-01-01T00:00:00Z"
    csv = (
        "\n".join(
            [
                "meter_id,ts,value",
                f"{park_id}-NO-SUCH-METER,{good_ts},12.5",
                f"{interval.id},{year}-03-02T02:00:00Z,NaN",
                f"{interval.id},{future},10.0",
                f"{interval.id},{year}-03-02T03:00:00Z,-42.0",
                f"{interval.id},{year}-03-02T04:00:00Z,abc",
            ]
        )
        + "\n"
    )
    gec = next((c for c in claims if c.kind == ClaimKind.GEC), None)
    owner = enterprises[0]
    data: dict[str, Any] = {
        "enterprise": {"id": owner.id, "year": year},
        "energy": [
            {
                "carrier": "柴油",
                "unit": "t",
                "month": f"{year}-03",
                "quantity": -5.0,
                "note": "示例错误: 负数",
            },
            {
                "carrier": "乙醇",
                "unit": "t",
                "month": f"{year}-03",
                "quantity": 1.0,
                "note": "示例错误: 未知能源品种",
            },
            {
                "carrier": "天然气",
                "unit": "kWh",
                "month": f"{year}-03",
                "quantity": 100.0,
                "note": "示例错误: 单位与品种不符",
            },
            {
                "carrier": "柴油",
                "unit": "t",
                "month": f"{year + 1}-01",
                "quantity": 2.0,
                "note": "示例错误: 超出填报年度",
            },
        ],
        "green_certificates": [
            {
                "certificate_id": gec.id if gec else f"DEMO-GEC-{year}-0001",
                "kind": "gec",
                "mwh": 100.0,
                "period_start": f"{year}-01-01",
                "period_end": f"{year}-06-30",
                "note": "示例错误: 绿证重复申领",
            },
        ],
    }
    expected = (
        "readings: unknown meter → quarantine (unknown_meter)",
        "readings: NaN value → quarantine",
        "readings: timestamp in the future → quarantine",
        "readings: negative consumption → stored and flagged (implausible)",
        "readings: non-number 'abc' → quarantine (malformed)",
        "workbook: negative quantity, unknown carrier, bad unit, period outside the year → rejected",
        "workbook: green certificate already claimed → rejected (duplicate certificate id)",
    )
    return BadInputs(csv, data, expected)
