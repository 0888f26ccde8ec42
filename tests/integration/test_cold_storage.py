"""Cold storage (#20): a park-month archived to Parquet (SHA-256 manifest), dropped from the store and
restored — the inventory of the year is the same to the last bit (PostgreSQL too: the month sums are
in time order, not heap order); a changed file is refused; the manifest entry is a ledger leaf that
`zeropark cold check` compares. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from api_support import cli_database
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from zeropark.accounting import AccountingOptions
from zeropark.cli import app as cli
from zeropark.demo.province import write_province
from zeropark.errors import PermissionDenied
from zeropark.ledger.entry import field_hashes
from zeropark.model import Method, Role
from zeropark.services import cold_storage, inventory
from zeropark.settings import get_settings
from zeropark.store import ledger as ledger_store
from zeropark.store.cold import ColdFileChanged, check_cold, manifest_sha256, read_manifest
from zeropark.store.readings import partition_name
from zeropark.store.schema import ReadingRow
from zeropark.store.scope import Principal, Scope, system_scope

NATIONAL = AccountingOptions(method=Method.NATIONAL)


def _count(engine: Engine) -> int:
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(ReadingRow)) or 0


def _rows(engine: Engine) -> list[tuple[str, str, str, int]]:
    with engine.connect() as c:
        rows = c.execute(
            select(ReadingRow.meter_id, ReadingRow.ts, ReadingRow.value, ReadingRow.quality)
        ).all()
    return sorted(
        (m, (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC).isoformat(), float(v).hex(), q)
        for m, t, v, q in rows
    )


def _partitions(engine: Engine) -> set[str]:
    """The partitions of ``reading`` (PostgreSQL; SQLite has none)."""
    if engine.dialect.name != "postgresql":
        return set()
    with engine.connect() as c:
        return set(
            c.scalars(
                text("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'reading'::regclass")
            )
        )


def _digest(engine: Engine) -> tuple[str, float]:
    done = inventory.account_year(
        system_scope(engine, "cli"), "PRV-001", 2025, NATIONAL, get_settings().factor_set
    )
    return hashlib.sha256(done.inventory.to_json().encode()).hexdigest(), done.inventory.total_tco2e


def test_archive_drop_restore_is_bit_identical(engine: Engine, tmp_path: Path) -> None:
    write_province(engine, 1, n_enterprises=2, days=40)
    scope = system_scope(engine, "cli")
    before, total_before = _digest(engine)
    run_id = inventory.latest(scope, "PRV-001", 2025)[Method.NATIONAL]
    assert run_id is not None
    n_all = _count(engine)
    rows_before = _rows(engine)
    assert n_all == 40 * 24 * 3  # 3 meters (2 enterprises + grid), hourly, 40 days

    entry = cold_storage.archive(scope, "PRV-001", 2025, 1, tmp_path)
    # local January holds readings stamped +1 h … +743 h after local midnight (the one at +744 h is
    # 1 February 00:00 local): 743 per meter × 3 meters = 2229
    assert entry.rows == 2229 and entry.month == "2025-01"
    path = tmp_path / entry.path
    assert entry.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert pq.read_table(path).num_rows == 2229
    doc = json.loads((tmp_path / "manifest.json").read_text())
    assert doc["manifest_sha256"] == manifest_sha256(read_manifest(tmp_path))
    assert check_cold(tmp_path) == []
    # the readings were written through the ledgered path, so the entry is a ledger leaf
    leaf = ledger_store.latest_leaf(engine, "cold_month", "PRV-001/2025-01")
    assert leaf is not None and leaf.fields == field_hashes(dataclasses.asdict(entry))
    assert cold_storage.check(scope, tmp_path) == []

    pg = engine.dialect.name == "postgresql"
    january, february = (partition_name("PRV-001", date(2025, m, 1)) for m in (1, 2))
    assert not pg or _partitions(engine) >= {january, february}
    assert cold_storage.drop_hot(scope, "PRV-001", 2025, 1, tmp_path) == 2229
    assert _count(engine) == n_all - 2229
    # PostgreSQL: the park-month was one partition, dropped whole; February's stays
    assert not pg or (january not in _partitions(engine) and february in _partitions(engine))
    _dropped, total_dropped = _digest(engine)
    assert total_dropped < total_before  # January's electricity is gone from the store

    res = cold_storage.restore(scope, "PRV-001", 2025, 1, tmp_path)
    assert (res.stored, res.duplicates, res.conflicts) == (2229, 0, 0)
    assert not pg or january in _partitions(engine)  # made again
    assert _count(engine) == n_all
    assert _rows(engine) == rows_before  # every (meter, ts, value bits, quality) back as it was
    again = inventory.recompute(scope, run_id.run.id)  # the run made before archiving
    # on PostgreSQL the restored rows sit elsewhere in the heap; the month sums add a meter's
    # readings in time order (`sum(value ORDER BY ts)`), so the bits are those of before
    assert again.identical and again.fingerprint_match, again.differences
    after, total_after = _digest(engine)
    assert after == before and total_after.hex() == total_before.hex()
    # a second restore stores nothing twice
    assert cold_storage.restore(scope, "PRV-001", 2025, 1, tmp_path).duplicates == 2229

    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ColdFileChanged, match="SHA-256"):
        cold_storage.restore(scope, "PRV-001", 2025, 1, tmp_path)
    with pytest.raises(ColdFileChanged):
        cold_storage.drop_hot(scope, "PRV-001", 2025, 1, tmp_path)
    assert len(check_cold(tmp_path)) == 1
    # file and manifest both rewritten to agree: the manifest check passes, the ledger does not
    doc = json.loads((tmp_path / "manifest.json").read_text())
    doc["entries"][0]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (tmp_path / "manifest.json").write_text(json.dumps(doc))
    assert check_cold(tmp_path) == []
    (problem,) = cold_storage.check(scope, tmp_path)
    assert f"ledger leaf #{leaf.idx} in sha256" in problem
    # only managers and admins archive
    enterprise = Scope(
        Principal(9, "ent", Role.ENTERPRISE, "PRV-001", "PRV-001-E1", "session"), engine, "10.0.0.9"
    )
    with pytest.raises((PermissionDenied, Exception)):
        cold_storage.archive(enterprise, "PRV-001", 2025, 2, tmp_path)


def test_cold_cli_door(sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_province(sqlite_engine, 1, n_enterprises=2, days=3)
    with cli_database(sqlite_engine):
        r = CliRunner().invoke(cli, ["cold", "archive", "PRV-001", "2025", "1", "--dir", str(tmp_path)])
        assert r.exit_code == 0, r.output
        assert "archived 216 readings" in r.output  # 72 hourly readings (+1 … +72 h, all in January) × 3
        assert CliRunner().invoke(cli, ["cold", "check", "--dir", str(tmp_path)]).exit_code == 0
