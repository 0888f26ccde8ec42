"""Where each table goes on a Citus cluster (分布式部署, #20): the plan as data, checked by tests.

PostgreSQL alone runs every table on one node; Citus (an extension, not installed on the
development machine) spreads tables over worker nodes. This module is the plan, and
``tests/integration/test_citus_ready.py`` checks the schema against it on SQLite and PostgreSQL —
what Citus requires of a schema, as far as it can be checked without Citus:

- **distributed** tables (:data:`DISTRIBUTED`): the high-volume per-meter data, hash-distributed by
  their **distribution column** ``meter_id`` and co-located (the same meter's rows of every such
  table on one shard). Every primary key and unique constraint of such a table includes the
  distribution column (Citus enforces uniqueness only within a shard); none has a foreign key to
  another distributed table, and no table has a foreign key *into* one (no cross-shard foreign
  keys). The aggregation queries (:mod:`zeropark.store.aggregate`) filter ``meter_id IN (…)`` and
  group by ``meter_id``, so every group is computed inside one shard.
- **reference** tables (:data:`REFERENCE`): small master data replicated to every node, which a
  distributed query may join locally; a reference table's foreign keys point only to reference
  tables.
- every other table is **local** to the coordinator (runs, audit, ledger, users, …): written once
  per use case, read by the coordinator.

:func:`citus_statements` is the DDL a migrated database on Citus needs (run once, as the
database owner, after ``zeropark`` migrated it); it is printed in ``docs/scale.md``.
"""

from __future__ import annotations

__all__ = ["DISTRIBUTED", "DISTRIBUTION_COLUMN", "REFERENCE", "citus_statements"]

#: The distribution column of every distributed table (hash-distributed, co-located).
DISTRIBUTION_COLUMN = "meter_id"

#: Distributed tables, co-located on ``meter_id`` (the first is the co-location anchor).
DISTRIBUTED: tuple[str, ...] = ("reading", "meter_month_summary", "rollup")

#: Reference tables: replicated to every worker, joinable from the distributed ones.
REFERENCE: tuple[str, ...] = ("park", "zone", "enterprise", "gateway", "meter")


def citus_statements() -> list[str]:
    """The Citus DDL for a migrated database: reference tables first, then the co-located ones."""
    out = [f"SELECT create_reference_table('{t}');" for t in REFERENCE]
    anchor = DISTRIBUTED[0]
    out.append(f"SELECT create_distributed_table('{anchor}', '{DISTRIBUTION_COLUMN}');")
    out += [
        f"SELECT create_distributed_table('{t}', '{DISTRIBUTION_COLUMN}', colocate_with => '{anchor}');"
        for t in DISTRIBUTED[1:]
    ]
    return out
