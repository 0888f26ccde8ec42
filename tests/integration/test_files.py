"""Readings files: CSV (UTF-8 and GB18030, Chinese headers) and xlsx, streamed in chunks, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import assert_identity, counts, make_park
from openpyxl import Workbook
from sqlalchemy import Engine, select

from zeropark.errors import DataError
from zeropark.ingest.files import import_readings, is_readings_file
from zeropark.services.ingestion import commit_hooks
from zeropark.store.schema import ReadingRow, RollupRow


def test_csv_chinese_headers_gbk_and_reimport(engine: Engine, tmp_path: Path) -> None:
    make_park(engine)
    f = tmp_path / "抄表导出.csv"
    lines = ["表号,采集时间,读数,单位"]
    lines += [f"E1,2026-03-02 {h:02d}:00:00,{h}.5,kWh" for h in range(1, 11)]
    lines += ["E1,2026-03-02 11:00:00,0.002,MWh"]  # 2 kWh
    lines += [
        "GHOST,2026-03-02 11:00:00,1,kWh",
        "E1,not a time,1,kWh",
        "E1,2026-03-02 12:00:00,1,吨",
        "E1,2026-03-02",
    ]
    f.write_bytes("\n".join(lines).encode("gb18030"))
    assert is_readings_file(f)
    seen: list[tuple[int, int]] = []
    res = import_readings(
        engine, f, progress=lambda d, t: seen.append((d, t)), chunk_rows=4, hooks=commit_hooks(engine)
    )
    assert (res.rows, res.stored, res.quarantined) == (15, 11, 4)
    assert seen[-1][0] == seen[-1][1] == f.stat().st_size
    # errors name the file and the line as the user sees it (header = line 1)
    messages = [str(e) for e in res.errors]
    assert any("抄表导出.csv, row 13" in m and "unknown_meter" in m for m in messages), messages
    assert any("row 16" in m and "malformed" in m for m in messages), messages
    with engine.connect() as c:
        v = c.scalar(
            select(ReadingRow.value).where(ReadingRow.meter_id == "E1").order_by(ReadingRow.ts.desc())
        )
        assert v == pytest.approx(2.0)  # 0.002 MWh → 2 kWh
        assert c.scalar(select(RollupRow.value).where(RollupRow.bucket == "month")) is not None
    again = import_readings(engine, f)
    assert (again.stored, again.duplicates, again.quarantined) == (0, 15, 0)  # quarantine is idempotent too
    assert counts(engine)["readings"] == 11
    assert_identity(engine, f"file:{f.name}")


def test_xlsx_read_only_with_unit_in_header(engine: Engine, tmp_path: Path) -> None:
    from datetime import datetime

    make_park(engine)
    wb = Workbook()
    ws = wb.active
    ws.append(["计量点编号", "时间", "读数(MWh)"])
    for h in range(1, 25):
        ws.append(["MAIN", datetime(2026, 3, 2, h % 24, 0) if h < 24 else datetime(2026, 3, 3, 0, 0), 0.1])
    f = tmp_path / "readings.xlsx"
    wb.save(f)
    res = import_readings(engine, f, hooks=commit_hooks(engine))
    assert (res.rows, res.stored, res.quarantined) == (24, 24, 0)
    with engine.connect() as c:
        day = c.scalar(select(RollupRow.value).where(RollupRow.meter_id == "MAIN", RollupRow.bucket == "day"))
    assert day == pytest.approx(2400.0)  # 24 h × 0.1 MWh = 2400 kWh in local day 2026-03-02


def test_missing_column_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    make_park(engine)
    f = tmp_path / "bad.csv"
    f.write_text("meter,when,value\nE1,2026-01-01,1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv, row 1: missing column\(s\) ts"):
        import_readings(engine, f)
