"""Citus readiness of the schema (#20), checked as far as this machine allows (there is no Citus here).

What is checked (the schema both databases are migrated from; PostgreSQL's catalog and EXPLAIN):

- every table of the schema is placed: distributed, reference or coordinator-local
  (:mod:`zeropark.store.distribution`) — a new table must be placed before this passes;
- each distributed table has the distribution column ``meter_id`` and every primary key and
  unique constraint includes it (Citus checks uniqueness inside a shard only);
- no foreign key points into a distributed table, distributed tables have none to each other
  (no cross-shard foreign keys), reference tables reference only reference tables;
- PostgreSQL: ``reading`` is range-partitioned on ``(park_id, ts)`` — one partition per park and
  local month; readings land in their park-month's partition; the month aggregation's plan scans
  that one partition (partition pruning), not the other park's partition of the same month.

What is not checked (on paper, docs/scale.md §3): ``create_distributed_table`` itself, shard
placement, the distributed planner's routing of the ``meter_id IN (…)`` queries, COPY through the
coordinator.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, UniqueConstraint, text

from zeropark.model import Carrier, Direction, Meter, MeterKind, Park, Reading
from zeropark.store import repo
from zeropark.store.distribution import DISTRIBUTED, DISTRIBUTION_COLUMN, REFERENCE, citus_statements
from zeropark.store.readings import partition_name, write_readings
from zeropark.store.schema import Base

TABLES = {t.name: t for t in Base.metadata.sorted_tables}


def test_every_table_is_placed_and_the_keys_hold_the_distribution_column() -> None:
    assert set(DISTRIBUTED) <= TABLES.keys() and set(REFERENCE) <= TABLES.keys()
    assert not set(DISTRIBUTED) & set(REFERENCE)
    for name in DISTRIBUTED:
        t = TABLES[name]
        assert DISTRIBUTION_COLUMN in t.columns, name
        assert DISTRIBUTION_COLUMN in {c.name for c in t.primary_key.columns}, name
        for c in t.constraints:
            if isinstance(c, UniqueConstraint):
                assert DISTRIBUTION_COLUMN in {col.name for col in c.columns}, (name, c.name)
        for ix in t.indexes:
            if ix.unique:
                assert DISTRIBUTION_COLUMN in {col.name for col in ix.columns}, (name, ix.name)


def test_no_cross_shard_foreign_keys() -> None:
    for name, t in TABLES.items():
        for fk in t.foreign_keys:
            target = fk.column.table.name
            assert target not in DISTRIBUTED, (
                f"{name}.{fk.parent.name} → {target}: a key into a distributed table"
            )
            if name in REFERENCE:
                assert target in REFERENCE, f"reference table {name} references {target}"
            if name in DISTRIBUTED:
                assert target in REFERENCE, f"distributed table {name} references {target}"


def test_the_ddl_colocates_on_the_anchor() -> None:
    ddl = citus_statements()
    assert ddl[: len(REFERENCE)] == [f"SELECT create_reference_table('{t}');" for t in REFERENCE]
    assert ddl[len(REFERENCE)] == "SELECT create_distributed_table('reading', 'meter_id');"
    assert all("colocate_with => 'reading'" in s for s in ddl[len(REFERENCE) + 1 :])


def test_partitions_on_postgres(pg_engine: Engine) -> None:
    for park, meter in (("P-A", "M-1"), ("P-B", "M-2")):
        repo.add_park(pg_engine, Park(park, park, "江苏", "华东", 31.0, 120.0))
        repo.add_meter(
            pg_engine,
            Meter(meter, park, Carrier.ELECTRICITY, "kWh", Direction.CONSUMPTION, MeterKind.INTERVAL),
        )
    # park A: two readings in local January 2025, one in local February (2025-01-31T16:00Z = 1 Feb
    # 00:00 +08); park B: one in January
    t0 = datetime(2025, 1, 10, tzinfo=UTC)
    rows = [
        Reading("M-1", t0, 1.0, 0),
        Reading("M-1", t0 + timedelta(hours=1), 2.0, 0),
        Reading("M-1", datetime(2025, 1, 31, 16, tzinfo=UTC), 4.0, 0),
        Reading("M-2", t0, 8.0, 0),
    ]
    assert write_readings(pg_engine, rows, source="test").stored == 4
    jan_a, feb_a = partition_name("P-A", date(2025, 1, 1)), partition_name("P-A", date(2025, 2, 1))
    jan_b = partition_name("P-B", date(2025, 1, 1))
    with pg_engine.connect() as c:
        strategy, keys = c.execute(
            text(
                "SELECT p.partstrat, array_agg(a.attname ORDER BY k.n) FROM pg_partitioned_table p "
                "CROSS JOIN unnest(p.partattrs) WITH ORDINALITY k(attnum, n) "
                "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = k.attnum "
                "WHERE p.partrelid = 'reading'::regclass GROUP BY p.partstrat"
            )
        ).one()
        assert (strategy, list(keys)) == ("r", ["park_id", "ts"])
        placed = dict(
            c.execute(
                text("SELECT tableoid::regclass::text, count(*) FROM reading GROUP BY 1 ORDER BY 1")
            ).all()
        )
        assert placed == {jan_a: 2, feb_a: 1, jan_b: 1}
        # the catalog agrees with the metadata: the partitioned table's keys hold meter_id
        constraints = c.scalars(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'reading'::regclass AND contype IN ('p', 'u')"
            )
        ).all()
        assert constraints and all("meter_id" in k for k in constraints)
        # the month aggregation (store/aggregate.py's statement) reads park A's January only
        plan = "\n".join(
            c.scalars(
                text(
                    "EXPLAIN SELECT meter_id, sum(value ORDER BY ts) FROM reading "
                    "WHERE park_id IN ('P-A') AND meter_id IN ('M-1') AND ts >= :lo AND ts < :hi "
                    "GROUP BY meter_id"
                ),
                {"lo": datetime(2024, 12, 31, 16, tzinfo=UTC), "hi": datetime(2025, 1, 31, 16, tzinfo=UTC)},
            ).all()
        )
    assert jan_a in plan
    assert feb_a not in plan and jan_b not in plan and "reading_default" not in plan
