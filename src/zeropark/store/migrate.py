"""Schema migrations with Alembic (``zeropark init`` runs :func:`upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at zeropark's migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


#: PostgreSQL advisory lock key held while one process migrates (``uvicorn --workers N`` starts N
#: apps at once; without it, two ``CREATE OR REPLACE FUNCTION`` collide: "tuple concurrently updated").
MIGRATION_LOCK_KEY = 0x7A70_4D49  # "zpMI"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema of ``engine`` up to ``revision`` (idempotent; one process at a time)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if conn.dialect.name == "postgresql":
            ensure_default_reading_partition(conn)
        ensure_run_freeze_trigger(conn)


_PG_FREEZE = (
    """
CREATE OR REPLACE FUNCTION zeropark_inventory_run_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.signed_off_at IS NOT NULL THEN
    RAISE EXCEPTION 'inventory run % is signed off and frozen', OLD.id USING ERRCODE = 'ZP001';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$
""",
    "CREATE OR REPLACE TRIGGER inventory_run_frozen BEFORE UPDATE OR DELETE ON inventory_run "
    "FOR EACH ROW EXECUTE FUNCTION zeropark_inventory_run_frozen()",
)
_SQLITE_FREEZE = tuple(
    f"CREATE TRIGGER IF NOT EXISTS inventory_run_frozen_{op.lower()} BEFORE {op} ON inventory_run "
    "WHEN OLD.signed_off_at IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'inventory run is signed off and frozen'); END"
    for op in ("UPDATE", "DELETE")
)


def ensure_run_freeze_trigger(conn: Connection) -> None:
    """Make a signed-off ``inventory_run`` row immutable in the database itself (idempotent).

    :func:`zeropark.store.runs.sign_off` is the only update a run gets; after it, any UPDATE or
    DELETE of the row — from zeropark or from any SQL client — is refused by this trigger.
    """
    for stmt in _PG_FREEZE if conn.dialect.name == "postgresql" else _SQLITE_FREEZE:
        conn.execute(text(stmt))


def ensure_default_reading_partition(conn: Connection) -> None:
    """Give the park-and-month-partitioned ``reading`` table its DEFAULT partition (PostgreSQL only).

    A partition per park and month is created on demand by
    :func:`zeropark.store.readings.ensure_partitions_for`
    before each write; the DEFAULT partition catches rows written by any other path, so an insert
    never fails for want of a partition. Idempotent.
    """
    partitioned = conn.execute(
        text(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
            " WHERE c.relname = 'reading'"
        )
    ).first()
    if partitioned is not None:
        conn.execute(text("CREATE TABLE IF NOT EXISTS reading_default PARTITION OF reading DEFAULT"))


def autogenerate(url: str, message: str) -> None:
    """Write a new migration for the difference between the schema module and ``url`` (developers)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
