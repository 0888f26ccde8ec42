"""SQLAlchemy 2 schema: every table of the store (DESIGN.md §2, §3, §5).

Times are ``timestamptz`` in UTC. Readings are keyed by ``(meter_id, ts)`` so that every readings
query filters by meter (Citus-ready, DESIGN.md §9). Derived numbers (rollups, inventory results)
are never the only copy of the truth: rollups can be rebuilt from readings, and an inventory run
stores its parameters and input fingerprint so it can be recomputed bit-for-bit.

String primary keys are the user-facing codes (meter ``E-0001``, enterprise USCC-based ids);
surrogate integer keys are used for high-volume tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# BigInteger that is still an autoincrementing INTEGER PRIMARY KEY on SQLite.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

#: Length of an ingest source name (``ingest_counter``, ``reading_conflict``, ``quarantine``):
#: ``file:`` + an import file name (``import_batch.file_name``, 400) — the longest source the
#: doors accept; ``http:`` + a gateway id (64) and ``mqtt`` fit well within it.
SOURCE_LENGTH = 405


class Base(DeclarativeBase):
    """Declarative base of the zeropark schema."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ParkRow(Base):
    """园区."""

    __tablename__ = "park"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(32))
    grid_region: Mapped[str] = mapped_column(String(32))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class ZoneRow(Base):
    """片区/园中园."""

    __tablename__ = "zone"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class EnterpriseRow(Base):
    """企业 (or a public facility of the park operator)."""

    __tablename__ = "enterprise"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[str | None] = mapped_column(ForeignKey("zone.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    industry_code: Mapped[str] = mapped_column(String(8))
    is_public_facility: Mapped[bool] = mapped_column(Boolean, default=False)
    value_added_10k_cny: Mapped[float | None] = mapped_column(Float, nullable=True)


class MeterRow(Base):
    """计量器具."""

    __tablename__ = "meter"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), nullable=True, index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("meter.id"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    carrier: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(SmallInteger, default=1)
    multiplier: Mapped[float] = mapped_column(Float, default=1.0)
    accuracy_class: Mapped[float] = mapped_column(Float, default=1.0)
    rated_capacity: Mapped[float | None] = mapped_column(Float, nullable=True)
    interval_s: Mapped[int] = mapped_column(Integer, default=3600)  # expected reporting interval
    gateway_id: Mapped[str | None] = mapped_column(ForeignKey("gateway.id"), nullable=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    technology: Mapped[str] = mapped_column(String(16), default="")  # generation: pv / wind / chp ...
    register_max: Mapped[float | None] = mapped_column(Float, nullable=True)  # register wraps here


class GatewayRow(Base):
    """A data-collection gateway (采集网关) with an API key that may write only its own meters."""

    __tablename__ = "gateway"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    api_key_hash: Mapped[str] = mapped_column(String(200))  # argon2 hash
    api_key_prefix: Mapped[str] = mapped_column(String(16), index=True)  # first chars, for lookup


class ReadingRow(Base):
    """计量数据: one stored reading. Value as received (register or interval), unit converted."""

    __tablename__ = "reading"
    # PostgreSQL: one range partition per park and local month on (park_id, ts) (DESIGN.md §5,
    # #20), created on demand by zeropark.store.readings.ensure_partitions_for plus a DEFAULT
    # partition (zeropark.store.migrate). ``park_id`` is the meter's park, copied at write time (a
    # meter never changes park: zeropark.store.repo.upsert_meter refuses it); it is in the key
    # because PostgreSQL requires the partition columns there. No foreign key: the table is
    # distributed on Citus (zeropark.store.distribution).
    __table_args__ = {"postgresql_partition_by": "RANGE (park_id, ts)"}
    meter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    park_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    quality: Mapped[int] = mapped_column(SmallInteger, default=0)  # zeropark.timeseries.Quality
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class MeterMonthSummaryRow(Base):
    """月度汇总: one meter's readings in one accounting window, as the aggregation SQL returns them.

    Derived data (:mod:`zeropark.store.aggregate`): the raw sums of the readings stamped in
    ``[lo, hi)`` (multiplier not applied), their counts and, for registers, the first and last
    reading so the interval into the next window can be added. A write of readings of the meter
    inside the window deletes the row (:mod:`zeropark.store.readings`); so does any change of the
    meter. Recomputing a row from the readings gives the same numbers bit for bit.
    """

    __tablename__ = "meter_month_summary"
    meter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lo: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hi: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    total: Mapped[float] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    n_flagged: Mapped[int] = mapped_column(Integer, default=0)
    n_rollover: Mapped[int] = mapped_column(Integer, default=0)
    n_reset: Mapped[int] = mapped_column(Integer, default=0)
    first_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_quality: Mapped[int] = mapped_column(Integer, default=0)
    last_value: Mapped[float | None] = mapped_column(Float, nullable=True)


class ReadingConflictRow(Base):
    """A second, different value for an existing (meter, ts): the first is kept, this is recorded."""

    __tablename__ = "reading_conflict"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    meter_id: Mapped[str] = mapped_column(String(64), index=True)
    ts: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kept_value: Mapped[float] = mapped_column(Float)
    rejected_value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))  # mqtt / http:<gateway> / file:<name>
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuarantineRow(Base):
    """A rejected input record with its raw payload and reason; re-processable."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    meter_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))  # mqtt / http:<gateway> / file:<name>
    reason: Mapped[str] = mapped_column(String(32), index=True)  # unknown_meter, malformed, nan, ...
    detail: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[str] = mapped_column(Text)
    # "text", or "base64" for bytes a text column cannot hold (NUL, not UTF-8)
    raw_encoding: Mapped[str] = mapped_column(String(8), default="text", server_default="text")
    # sha256 of source + meter_id + raw: a redelivered record is recognised and not quarantined twice
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / reprocessed / discarded
    reprocessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class IngestCounterRow(Base):
    """Running counts per source so that received = stored + duplicates + quarantined is checkable."""

    __tablename__ = "ingest_counter"
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH), primary_key=True)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    stored: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicates: Mapped[int] = mapped_column(BigInteger, default=0)
    conflicts: Mapped[int] = mapped_column(BigInteger, default=0)
    quarantined: Mapped[int] = mapped_column(BigInteger, default=0)
    flagged: Mapped[int] = mapped_column(BigInteger, default=0)


class RollupRow(Base):
    """Interval energy of one meter in one bucket (15min/hour/day/month), with completeness.

    ``value`` is in the carrier's canonical unit, multiplier applied, registers differenced.
    """

    __tablename__ = "rollup"
    meter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(8), primary_key=True)  # 15min / hour / day / month
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    n_present: Mapped[int] = mapped_column(Integer)
    n_expected: Mapped[int] = mapped_column(Integer)
    n_flagged: Mapped[int] = mapped_column(Integer, default=0)
    n_filled: Mapped[int] = mapped_column(Integer, default=0)


class ActivityRecordRow(Base):
    """活动数据 with its evidence."""

    __tablename__ = "activity_record"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), nullable=True, index=True)
    carrier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    flow: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    factor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    uncertainty_pct: Mapped[float] = mapped_column(Float, default=2.0)
    ncv_gj_per_unit: Mapped[float | None] = mapped_column(Float, nullable=True)
    carbon_content_tc_per_gj: Mapped[float | None] = mapped_column(Float, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class IndicatorDataRow(Base):
    """Guiding-indicator inputs a park reports for a year (waste, waste heat, water, products)."""

    __tablename__ = "indicator_data"
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class FactorSetRow(Base):
    """因子集: a named, versioned, immutable selection of factors."""

    __tablename__ = "factor_set"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    content_csv: Mapped[str] = mapped_column(Text)  # the factor rows exactly as loaded


class GreenPowerClaimRow(Base):
    """绿电/绿证 claim: unique certificate/contract id."""

    __tablename__ = "green_power_claim"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    mwh: Mapped[float] = mapped_column(Float)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    owner_enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), nullable=True)
    claimed_year: Mapped[int] = mapped_column(Integer)
    source_meter_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    # the serial numbers the id names (model.serial_range): prefix, first and last zero-padded to
    # model.SERIAL_DIGITS digits, so that an overlap is a text comparison on both databases
    serial_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    serial_first: Mapped[str | None] = mapped_column(String(32), nullable=True)
    serial_last: Mapped[str | None] = mapped_column(String(32), nullable=True)


class TransferRow(Base):
    """内部转供: energy a park facility sells to an enterprise inside the boundary, per month."""

    __tablename__ = "transfer"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    from_enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), nullable=True)
    to_enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"))
    carrier: Mapped[str] = mapped_column(String(32))
    month: Mapped[date] = mapped_column(Date)
    quantity: Mapped[float] = mapped_column(Float)


class InventoryRunRow(Base):
    """排放清单: one accounting run — parameters, fingerprint, full result, sign-off."""

    __tablename__ = "inventory_run"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The park run this enterprise view was accounted with (same input; signed off with it), or None.
    parent_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("inventory_run.id", ondelete="CASCADE"), nullable=True, index=True
    )
    factor_set: Mapped[str] = mapped_column(String(64))
    factor_set_version: Mapped[str] = mapped_column(String(32))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    input_fingerprint: Mapped[str] = mapped_column(String(64))
    code_version: Mapped[str] = mapped_column(String(32))
    data_quality_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    total_tco2e: Mapped[float] = mapped_column(Float)
    energy_tce: Mapped[float] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the Inventory serialised
    #: The 1 + 5 indicator table evaluated on the same input (national method only), serialised.
    indicators: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signed_off_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sign_off_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class ImportBatchRow(Base):
    """One import of a file (enterprise workbook, readings export), with its outcome."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    file_name: Mapped[str] = mapped_column(String(400))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # enterprise_workbook / readings
    status: Mapped[str] = mapped_column(String(16))  # stored / rejected / partial
    n_rows: Mapped[int] = mapped_column(Integer, default=0)
    n_stored: Mapped[int] = mapped_column(Integer, default=0)
    n_rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AlarmRow(Base):
    """告警: threshold, missing data, meter-tree imbalance, indicator off trajectory."""

    __tablename__ = "alarm"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(String(64), index=True)
    meter_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32))  # threshold / missing_data / imbalance / indicator
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    state: Mapped[str] = mapped_column(String(16), default="open")  # open / acknowledged / closed
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AlarmRuleRow(Base):
    """A configured alarm rule (threshold / rate of change / missing data / quality / imbalance).

    ``enterprise_id`` is the meter's enterprise (an enterprise user sees and edits only its own
    meters' rules); ``channel_ids`` are notified when an alarm opens, ``escalate_channel_ids`` when
    it is still unacknowledged ``escalate_after_min`` minutes later (its severity becomes critical).
    """

    __tablename__ = "alarm_rule"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(String(64), index=True)
    meter_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    webhook_url: Mapped[str | None] = mapped_column(String(400), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    escalate_after_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    escalate_channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class NotifyChannelRow(Base):
    """A notification channel (通知渠道) of a park or of one enterprise.

    ``kind``: ``email`` (SMTP; ``target`` = recipients, ``config`` = host, port, username, sender,
    starttls; ``secret`` = the SMTP password), ``wecom`` / ``dingtalk`` (企业微信 / 钉钉 robot;
    ``target`` = the webhook URL with its key, ``secret`` = 钉钉's signing secret), ``webhook``
    (plain JSON POST). ``target`` and ``secret`` are never shown back in full nor logged.
    """

    __tablename__ = "notify_channel"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(String(64), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str | None] = mapped_column(String(400), nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class UserRow(Base):
    """A user of the platform, with one role and (for enterprise users) one enterprise."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2
    role: Mapped[str] = mapped_column(String(16))
    park_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), nullable=True)
    #: a provincial user (role ``province``): the ``park.province`` whose parks it reads (#20)
    province: Mapped[str | None] = mapped_column(String(32), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserParkRow(Base):
    """A park of a park-operator group user (role ``group``, #20): one row per (user, park).

    The user reads exactly these parks (:attr:`zeropark.store.scope.Scope.park_ids`); a park or
    a user deleted takes its rows with it.
    """

    __tablename__ = "user_park"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    park_id: Mapped[str] = mapped_column(
        ForeignKey("park.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ApiTokenRow(Base):
    """An API token for scripts (argon2-hashed; the clear token is shown once)."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditLogRow(Base):
    """Audit log of every write (who, when, what, before/after) and of denied attempts."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user: Mapped[str | None] = mapped_column(String(64), nullable=True)
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    action: Mapped[str] = mapped_column(String(64))  # create / update / delete / sign_off / denied ...
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


class OptimizationRunRow(Base):
    """An optimisation run (dispatch, sizing, demand response) with its inputs and results."""

    __tablename__ = "optimization_run"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # a run belongs to a stored park: the database refuses one for an unknown park
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(32))  # dispatch / size / demand_response
    status: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    objective_cny: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ForecastRunRow(Base):
    """A forecast run (load or PV) with its backtest metrics and series."""

    __tablename__ = "forecast_run"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(64))  # park / enterprise:<id> / meter:<id> / pv
    model: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    series: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReportRow(Base):
    """A generated report file (PDF / xlsx) kept for download and evidence."""

    __tablename__ = "report"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(String(64), index=True)
    inventory_run_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_run.id"), nullable=True)
    # the enterprise a report is of (NULL = the park report); enterprise users get only their own
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # pdf / xlsx
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserSessionRow(Base):
    """A browser session (会话), kept on the server so that logging out ends it.

    The cookie carries a random key; only its SHA-256 is stored (a copy of the table does not
    let anyone in). Logout, a password change and deactivation delete the rows.
    """

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the cookie's key
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LoginThrottleRow(Base):
    """Failed logins of a username that is not an account, counted like an account's.

    So the answers (401, then 429 after the same number of failures, for as long) do not tell
    whether a user exists; an account keeps its own count in ``app_user``.
    """

    __tablename__ = "login_throttle"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


Index("ix_reading_ts", ReadingRow.ts)
Index("ix_rollup_bucket_start", RollupRow.bucket, RollupRow.start)


# --- benchmarks and admission (issue #15: 一套标杆 + 入园门槛) ---------------------------------


class ProductOutputRow(Base):
    """产品产量: one enterprise's output of one product (energy-limit table code) in a year."""

    __tablename__ = "product_output"
    __table_args__ = (Index("ux_product_output", "enterprise_id", "year", "product", unique=True),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    product: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    energy_tce: Mapped[float | None] = mapped_column(Float, nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")


class ProductionPlanRow(Base):
    """生产计划: one enterprise's planned output of one month [its product unit] (quota-gap driver)."""

    __tablename__ = "production_plan"
    __table_args__ = (Index("ux_production_plan", "park_id", "enterprise_id", "year", "month", unique=True),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)  # 1–12
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AdmissionRow(Base):
    """入园门槛: a proposed project's assessment against the park's indicators, and the decision."""

    __tablename__ = "admission"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), nullable=True)
    industry_code: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- application workspace (申报: gap tasks, evidence documents) -----------------------------


class ApplicationTaskRow(Base):
    """整改任务: a task that closes the gap of one diagnosis item (indicator / rubric item) of a year.

    ``owner_enterprise_id`` set: the enterprise that owns the task (its users see and update only
    their tasks); ``owner_user`` names a person. ``measure_ref`` is a measure id of the measures
    library or free text. Status ``open`` / ``in_progress`` / ``done``.
    """

    __tablename__ = "application_task"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(400))
    owner_user: Mapped[str | None] = mapped_column(String(64), nullable=True)
    owner_enterprise_id: Mapped[str | None] = mapped_column(
        ForeignKey("enterprise.id"), nullable=True, index=True
    )
    due_date: Mapped[date] = mapped_column(Date)
    measure_ref: Mapped[str] = mapped_column(String(400), default="")
    evidence_required: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EvidenceBlobRow(Base):
    """The bytes of an evidence document, stored once by their SHA-256 (content-addressed, dedup)."""

    __tablename__ = "evidence_blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EvidenceDocumentRow(Base):
    """证明材料: one upload of a document by a tenant (sanitised name, sniffed MIME type, its hash)."""

    __tablename__ = "evidence_document"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), nullable=True, index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blob.sha256"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    uploaded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class EvidenceLinkRow(Base):
    """A document linked to a gap task or to a line item of an inventory run (one of the two)."""

    __tablename__ = "evidence_link"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_document.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("application_task.id", ondelete="CASCADE"), nullable=True, index=True
    )
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("inventory_run.id", ondelete="CASCADE"), nullable=True, index=True
    )
    line_item_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


# --- evaluation slice: evaluation frameworks (评价方法) and evaluation runs (评价结果) ---


class EvaluationFrameworkRow(Base):
    """A framework a park added (YAML/JSON text as uploaded); immutable: a change is a new version.

    The built-in frameworks are package data (zeropark/evaluation/data) and are not stored here.
    """

    __tablename__ = "evaluation_framework"
    __table_args__ = (UniqueConstraint("park_id", "code", "version", name="uq_evaluation_framework_version"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EvaluationRunRow(Base):
    """A park or one enterprise scored against a framework version for a year, on one inventory run.

    ``scorecard`` holds every item (value, unit, threshold, points, status missing/pass/fail, the
    line-item ids it used, evidence), the grade and the blockers of the next grade.
    """

    __tablename__ = "evaluation_run"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), nullable=True, index=True)
    year: Mapped[int] = mapped_column(Integer)
    framework_code: Mapped[str] = mapped_column(String(64))
    framework_version: Mapped[str] = mapped_column(String(32))
    framework_builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    inventory_run_id: Mapped[int] = mapped_column(
        ForeignKey("inventory_run.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    grade: Mapped[str | None] = mapped_column(String(64), nullable=True)
    declarations: Mapped[dict[str, Any]] = mapped_column(JSON)
    scorecard: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- data approval and period close (issue #15; zeropark.submission, services/approval.py) ----


class SubmissionRow(Base):
    """数据审核: one enterprise's data of one accounting year and where it stands in the approval.

    ``status`` is a :class:`zeropark.submission.Status`; no row = ``draft``. ``correction_reason``
    is set while a correction of a closed period is open (status ``correcting`` … ``approved``).
    """

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("enterprise_id", "year", name="uq_submission_enterprise_year"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    correction_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SubmissionEventRow(Base):
    """One step of a submission (提交/撤回/审核/批准/退回/更正): who, when, from → to, comment."""

    __tablename__ = "submission_event"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user: Mapped[str | None] = mapped_column(String(64), nullable=True)
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")


class DataVersionRow(Base):
    """数据版本: the approved data of a submission, kept as they were (never overwritten).

    Version 1 is the first approval; a correction's approval adds the next number with the
    correction's reason. ``content`` holds the enterprise's activity records and green-power
    claims of the year as approved; ``sha256`` is their canonical hash (what a run is linked by).
    """

    __tablename__ = "data_version"
    __table_args__ = (UniqueConstraint("enterprise_id", "year", "number", name="uq_data_version_number"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    park_id: Mapped[str] = mapped_column(String(64), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PeriodCloseRow(Base):
    """期间关账: a park manager closed the park's year; approved data of the year are locked."""

    __tablename__ = "period_close"
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: enterprises not approved when the period was closed: [{"enterprise_id", "status", "reason"}]
    exceptions: Mapped[list[Any]] = mapped_column(JSON, default=list)


class RunDataVersionRow(Base):
    """Which approved data version a (park-level or stand-alone) inventory run used.

    Written with the run: for each enterprise whose current activity data of the year hash to
    its latest approved version's ``sha256``. Enterprise views (child runs) use their parent's.
    """

    __tablename__ = "run_data_version"
    run_id: Mapped[int] = mapped_column(ForeignKey("inventory_run.id", ondelete="CASCADE"), primary_key=True)
    data_version_id: Mapped[int] = mapped_column(
        ForeignKey("data_version.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RunSupersessionRow(Base):
    """已被取代: a run whose input used a data version a later correction replaced.

    A row of its own (not a column of ``inventory_run``): a signed-off run is frozen by a trigger,
    and being superseded changes nothing of what it says.
    """

    __tablename__ = "run_supersession"
    run_id: Mapped[int] = mapped_column(ForeignKey("inventory_run.id", ondelete="CASCADE"), primary_key=True)
    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_version.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by: Mapped[str | None] = mapped_column(String(64), nullable=True)


# --- roadmap: least-cost pathway, MACC, 以碳定产/以产定基/以土为界 (issue 14, pathway slice) ---------


class PathwayRunRow(Base):
    """A roadmap run — a least-cost pathway, a MACC or a carbon budget — with its parameters and result.

    ``params`` hold everything needed to make it again (base year, horizon, targets, prices,
    discount rate, measures and their versions, infrastructure options); ``result`` the plan,
    curve or budget as JSON.
    """

    __tablename__ = "pathway_run"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # pathway / macc / budget
    status: Mapped[str] = mapped_column(String(32))  # optimal / infeasible / done
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    cost_cny: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ParkLandRow(Base):
    """The park's areas for 以土为界: roof and ground area usable for PV [m²], grid connection [MW]."""

    __tablename__ = "park_land"
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    roof_area_m2: Mapped[float | None] = mapped_column(Float, nullable=True)
    land_area_m2: Mapped[float | None] = mapped_column(Float, nullable=True)
    grid_connection_mw: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# -- roadmap scenarios (issue 14, slice "scenarios to 2030 and 2060") ------------------------------
class ScenarioRow(Base):
    """情景: a scenario's assumptions, its base run (id and input fingerprint) and how it was computed."""

    __tablename__ = "scenario"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # bau / policy / zero_by
    base_run_id: Mapped[int] = mapped_column(ForeignKey("inventory_run.id", ondelete="CASCADE"), index=True)
    base_year: Mapped[int] = mapped_column(Integer)
    horizon: Mapped[int] = mapped_column(Integer)
    base_fingerprint: Mapped[str] = mapped_column(String(64))
    factor_set: Mapped[str] = mapped_column(String(64))
    factor_set_version: Mapped[str] = mapped_column(String(32))
    #: The assumptions as given (roadmap.scenario.scenario_to_dict), the grid path used and the
    #: measures used (their full definitions, so a recomputation does not depend on the library).
    assumptions: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)  # target outcome, notes
    code_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ScenarioYearRow(Base):
    """One year of a scenario: national-method totals, indicators, CCUS, per-enterprise CO2."""

    __tablename__ = "scenario_year"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    total_tco2e: Mapped[float] = mapped_column(Float)  # national method [tCO2]
    energy_tce: Mapped[float] = mapped_column(Float)
    core_tco2_per_tce: Mapped[float | None] = mapped_column(Float, nullable=True)
    captured_tco2: Mapped[float] = mapped_column(Float)
    net_tco2e: Mapped[float | None] = mapped_column(Float, nullable=True)  # CCUS 'deduct' only
    grid_factor: Mapped[float] = mapped_column(Float)  # [tCO2/MWh] of the year
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # indicators, by_enterprise, applied, notes


# --- slice: measures (a park's own reduction measures, beside the built-in library) ---------------


class ParkMeasureRow(Base):
    """A park's own reduction measure (园区自定义减排措施), the fields of a built-in one.

    The built-in library is package data (``roadmap/data/measures.csv``); a park adds its own
    measures here, checked by the same :func:`zeropark.roadmap.measures.check`. ``measure_id`` is
    unique within the park and never repeats a built-in id. Units: ``effect_per_unit`` in the
    carrier's canonical unit per unit per year, money in CNY, lifetimes and ramps in years;
    ``industries`` are GB/T 4754 prefixes joined by ``;``.
    """

    __tablename__ = "park_measure"
    __table_args__ = (Index("uq_park_measure", "park_id", "measure_id", unique=True),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    pathway: Mapped[str] = mapped_column(String(32))
    mechanism: Mapped[str] = mapped_column(String(32))
    carrier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_carrier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ratio: Mapped[float | None] = mapped_column(Float, nullable=True)
    factor_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    unit: Mapped[str] = mapped_column(String(64))
    effect_per_unit: Mapped[float] = mapped_column(Float)
    capex_cny_per_unit: Mapped[float] = mapped_column(Float)
    opex_cny_per_unit_year: Mapped[float] = mapped_column(Float)
    lifetime_years: Mapped[int] = mapped_column(Integer)
    ramp_years: Mapped[int] = mapped_column(Integer, default=0)
    max_share: Mapped[float] = mapped_column(Float, default=1.0)
    build_limit: Mapped[float | None] = mapped_column(Float, nullable=True)
    industries: Mapped[str] = mapped_column(String(400), default="")
    source_id: Mapped[str] = mapped_column(String(64))
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # the park's own document cited (NULL title = a built-in source): copied into every row citing it
    source_title: Mapped[str | None] = mapped_column(String(400), nullable=True)
    source_issuer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source_number: Mapped[str | None] = mapped_column(String(120), nullable=True)
    source_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    source_url: Mapped[str | None] = mapped_column(String(400), nullable=True)
    source_confidence: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- evidence ledger (#16 verification): an RFC 6962 Merkle log of the evidence (docs/ledger.md) ---


class LedgerLeafRow(Base):
    """账本叶子: one append-only leaf — an object recorded as evidence (kind, id, content hash).

    ``fields`` holds the hash of each of the object's fields (so a check names what changed) and
    ``locator`` where its rows are (a reading batch: its keys). Never updated or deleted.
    """

    __tablename__ = "ledger_leaf"
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # 0-based
    kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(128))
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))  # ISO UTC as hashed (zeropark.ledger.entry.instant)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    locator: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class LedgerStateRow(Base):
    """The log's compact range (frontier) after its last leaf: appending never re-reads the leaves."""

    __tablename__ = "ledger_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[list[Any]] = mapped_column(JSON)  # hex hashes, largest subtree first


class LedgerHeadRow(Base):
    """A signed tree head (签名树头): size, root, timestamp [ms], Ed25519 signature (RFC 6962 §3.5)."""

    __tablename__ = "ledger_head"
    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[str] = mapped_column(String(128))  # hex
    key_id: Mapped[str] = mapped_column(String(64))  # SHA-256 of the public key (DER)


Index("ix_ledger_leaf_object", LedgerLeafRow.kind, LedgerLeafRow.object_id)


# --- third-party verification (#16 verifier workspace) ---------------------------------------------


class VerificationEngagementRow(Base):
    """核查约定: one verification of one inventory run (ISO 14064-3), its sampling plan; never changed.

    Units: ``total_tco2e`` [tCO2e] (the run's), ``materiality_pct`` [% of it]. ``plan`` is the sampling
    plan as JSON (:func:`zeropark.services.verification.plan_json`), reproducible from ``seed``.
    """

    __tablename__ = "verification_engagement"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("inventory_run.id", ondelete="CASCADE"), index=True)
    run_fingerprint: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    total_tco2e: Mapped[float] = mapped_column(Float)
    scope_text: Mapped[str] = mapped_column(Text)
    assurance: Mapped[str] = mapped_column(String(16))
    materiality_pct: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(BigInteger)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(32))  # ISO UTC as hashed (ledger.entry.instant)
    created_by: Mapped[str] = mapped_column(String(64))


class VerificationCheckRow(Base):
    """核查清单结论: the result of one checklist item in an engagement (pass, fail, n/a) and a note."""

    __tablename__ = "verification_check"
    __table_args__ = (UniqueConstraint("engagement_id", "item_id", name="uq_verification_check"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("verification_engagement.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    checked_by: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[str] = mapped_column(String(32))


class VerificationFindingRow(Base):
    """核查发现: a non-conformity (major, minor) or an observation, the evidence it cites, its status.

    ``evidence``: ``{"line_items": [...], "meters": [...], "documents": [sha256...], "leaves": [idx...]}``;
    ``misstatement_tco2e`` [tCO2e]; ``enterprise_id``: the enterprise concerned (None: the park).
    """

    __tablename__ = "verification_finding"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("verification_engagement.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    misstatement_tco2e: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16))
    close_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))


class VerificationActionRow(Base):
    """纠正措施: the corrective action of a non-conformity: open → responded → accepted / rejected."""

    __tablename__ = "verification_action"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("verification_finding.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16))
    response: Mapped[str] = mapped_column(Text, default="")
    responded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    responded_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class VerificationSignoffRow(Base):
    """核查声明签署: the signed statement of an engagement (opinion, text, section hashes, Ed25519)."""

    __tablename__ = "verification_signoff"
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("verification_engagement.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    run_id: Mapped[int] = mapped_column(BigInteger)
    run_fingerprint: Mapped[str] = mapped_column(String(64))
    opinion: Mapped[str] = mapped_column(String(16))
    uncorrected_tco2e: Mapped[float] = mapped_column(Float)
    materiality_tco2e: Mapped[float] = mapped_column(Float)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    sections: Mapped[dict[str, Any]] = mapped_column(JSON)
    signed_by: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


# --- product carbon footprint and CBAM (#16) -------------------------------------------------------


class FootprintProductRow(Base):
    """产品 (product carbon footprint): an enterprise's product and its functional unit.

    ``product_id`` is unique within the park; ``unit`` is the functional (declared) unit the
    footprint is reported per (ISO 14067:2018 §6.3.3); ``cn_code`` the 8-digit CN code when the
    product is exported to the EU (checked against CBAM Annex I when used for CBAM).
    """

    __tablename__ = "footprint_product"
    __table_args__ = (Index("uq_footprint_product", "park_id", "product_id", unique=True),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32))
    cn_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FootprintAllocationRow(Base):
    """A product's production and allocation in a year: the rule recorded, its basis, the shares.

    ``production`` in the product's unit; ``basis`` mass [t] (rule ``mass``) or revenue [CNY]
    (``economic``); shares are fractions [0..1] of the enterprise's direct, electricity and heat
    emissions (rule ``metered``, or stated).
    """

    __tablename__ = "footprint_allocation"
    __table_args__ = (Index("uq_footprint_allocation", "product_row_id", "year", unique=True),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    product_row_id: Mapped[int] = mapped_column(
        ForeignKey("footprint_product.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    production: Mapped[float] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(16))
    basis: Mapped[float | None] = mapped_column(Float, nullable=True)
    direct_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    electricity_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    heat_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class FootprintMaterialRow(Base):
    """A purchased material [t] or transport leg [t·km] of a product in a year (upstream factor by id)."""

    __tablename__ = "footprint_material"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    product_row_id: Mapped[int] = mapped_column(
        ForeignKey("footprint_product.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    material_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text, default="")


# --- carbon asset ledger (#17 碳资产) ----------------------------------------------------------------


class AssetEntryRow(Base):
    """记账凭证: one balanced movement of carbon assets (zeropark.assets.book.Entry); never updated."""

    __tablename__ = "asset_entry"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    movement: Mapped[str] = mapped_column(String(16))
    value_date: Mapped[date] = mapped_column(Date)
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    booked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    counterparty: Mapped[str] = mapped_column(String(200), default="")
    price_cny: Mapped[float | None] = mapped_column(Float, nullable=True)  # CNY per unit
    evidence: Mapped[str] = mapped_column(Text, default="")
    compliance_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class AssetLineRow(Base):
    """One line of an entry: a signed integer quantity of an asset on an account, with its serial ranges."""

    __tablename__ = "asset_line"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("asset_entry.id", ondelete="CASCADE"), index=True)
    park_id: Mapped[str] = mapped_column(String(64), index=True)
    account: Mapped[str] = mapped_column(String(200))  # kind:holder (zeropark.assets.book.Account)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    asset: Mapped[str] = mapped_column(String(16))  # CEA:2024, GEC:2025, PHP
    quantity: Mapped[int] = mapped_column(BigInteger)
    ranges: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ["GEC-0001..GEC-0100", ...]


class AssetBalanceRow(Base):
    """余额: the running balance of one asset on one account (locked while an entry is posted)."""

    __tablename__ = "asset_balance"
    __table_args__ = (
        CheckConstraint("quantity >= 0 OR account LIKE 'issuer:%'", name="ck_asset_balance_not_negative"),
    )
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    asset: Mapped[str] = mapped_column(String(16), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)


class AssetRangeRow(Base):
    """A run of serial numbers held (or retired) on an account; runs never overlap (any park, any prefix).

    ``first``/``last`` are zero-padded to ``model.SERIAL_DIGITS`` digits so that an overlap is a text
    comparison on both databases (as in ``green_power_claim``).
    """

    __tablename__ = "asset_range"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    asset: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    prefix: Mapped[str] = mapped_column(String(64))
    first: Mapped[str] = mapped_column(String(32))
    last: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer, default=0)
    entry_id: Mapped[int] = mapped_column(BigInteger)  # the entry that put it here


Index("ix_asset_range_prefix_first", AssetRangeRow.prefix, AssetRangeRow.first)


# --- internal carbon market (issue #17: 园区内部碳市场) --------------------------------------------


class MarketRuleRow(Base):
    """园区内部配额规则: the park's quota rule of one year, as data, and when its quotas were issued."""

    __tablename__ = "market_rule"
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)  # zeropark.market.quota.rule_from_dict input
    base_year: Mapped[int] = mapped_column(Integer)  # the year of the basis (CO2, output)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_entry_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # asset_entry ids
    quotas: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # enterprise → t issued


class MarketOrderRow(Base):
    """A limit order of an enterprise in one call-auction session (open, withdrawn or cleared)."""

    __tablename__ = "market_order"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    session: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    side: Mapped[str] = mapped_column(String(8))
    price_cny: Mapped[float] = mapped_column(Float)  # CNY per t
    quantity: Mapped[int] = mapped_column(BigInteger)  # t
    status: Mapped[str] = mapped_column(String(16), default="open")
    filled: Mapped[int] = mapped_column(BigInteger, default=0)
    placed_by: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


Index("ix_market_order_session", MarketOrderRow.park_id, MarketOrderRow.year, MarketOrderRow.session)


class MarketClearingRow(Base):
    """集合竞价结果: one session's clearing price, volume, fills and the ledger entries that settled it."""

    __tablename__ = "market_clearing"
    __table_args__ = (Index("ux_market_clearing", "park_id", "year", "session", unique=True),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    session: Mapped[str] = mapped_column(String(64))
    asset: Mapped[str] = mapped_column(String(16))
    price_cny: Mapped[float | None] = mapped_column(Float, nullable=True)  # CNY per t
    volume: Mapped[int] = mapped_column(BigInteger)
    demand_at_price: Mapped[int] = mapped_column(BigInteger)
    supply_at_price: Mapped[int] = mapped_column(BigInteger)
    fills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rule: Mapped[str] = mapped_column(String(80))  # the clearing rule's name
    quota_rule: Mapped[str] = mapped_column(String(32))  # the year's quota method
    entry_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cleared_by: Mapped[str] = mapped_column(String(64))
    cleared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- industrial symbiosis registry (#18 产业共生) ---------------------------------------------------


class SymbiosisSourceRow(Base):
    """共生供方: a party's surplus stream (zeropark.symbiosis.registry.Source, fields in ``body``)."""

    __tablename__ = "symbiosis_source"
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")  # 示例数据 for demo rows
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SymbiosisSinkRow(Base):
    """共生需方: a party that can take a stream (zeropark.symbiosis.registry.Sink, fields in ``body``)."""

    __tablename__ = "symbiosis_sink"
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    sink_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SymbiosisExchangeRow(Base):
    """共生交换: a realised flow source → sink with its avoided-emission allocation rule.

    ``supplier_enterprise_id`` / ``receiver_enterprise_id`` copy the parties' enterprises so that a
    scope can filter the exchanges an enterprise is a party to.
    """

    __tablename__ = "symbiosis_exchange"
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    exchange_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64))
    sink_id: Mapped[str] = mapped_column(String(64))
    supplier_enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    receiver_enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    allocation: Mapped[str] = mapped_column(String(16))
    supplier_share: Mapped[float] = mapped_column(Float, default=0.5)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SymbiosisSettingsRow(Base):
    """A park registry's period weights and, per guiding indicator, whether the registry is complete.

    ``weights``: the hours each period of the profiles stands for. ``indicator_sources``: guiding
    indicator code → ``flows`` (the registry is complete for it: the accounting takes the figure
    computed from the exchanges and meters) or ``declared`` (the typed-in value); a code absent is
    ``declared``.
    """

    __tablename__ = "symbiosis_settings"
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), primary_key=True)
    weights: Mapped[list[Any]] = mapped_column(JSON)
    indicator_sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class SymbiosisMatchRow(Base):
    """一次共生匹配: the result of matching the park's registry (the page shows the latest)."""

    __tablename__ = "symbiosis_match"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    computed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    objective: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class TariffVersionRow(Base):
    """分时电价 version: one tariff's tables from a month on (a new 代理购电 month is a new version).

    ``tables`` holds the four tables of :mod:`zeropark.optimize.tariff` (tariffs, tou_periods,
    tou_prices, tariff_sources) restricted to this tariff, exactly as validated; ``park_id`` None =
    available to every park.
    """

    __tablename__ = "tariff_version"
    __table_args__ = (UniqueConstraint("tariff_id", "version", name="uq_tariff_version"),)
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    tariff_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    park_id: Mapped[str | None] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), nullable=True)
    province: Mapped[str] = mapped_column(String(32))
    voltage: Mapped[str] = mapped_column(String(32), default="")
    valid_from: Mapped[str] = mapped_column(String(7))  # YYYY-MM (local month)
    tables: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class OnlineMonitoringRecordRow(Base):
    """能耗在线监测 upload record loaded from a filed upload file (the enterprise's history).

    Keyed by (enterprise, data code, stat type, start); a later import of the same key replaces
    the value. ``meter_id`` is the meter the file's collection item names (when it exists here).
    """

    __tablename__ = "online_monitoring_record"
    __table_args__ = (
        UniqueConstraint(
            "enterprise_id", "data_code", "stat_type", "start", name="uq_online_monitoring_record"
        ),
    )
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    park_id: Mapped[str] = mapped_column(ForeignKey("park.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    data_code: Mapped[str] = mapped_column(String(32))
    meter_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stat_type: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    value: Mapped[float] = mapped_column(Float)
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    collected: Mapped[bool] = mapped_column(Boolean, default=True)
    profile: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True, index=True)
