"""API shapes (pydantic): what goes over the wire, split by use (``…Create``, ``…Update``, ``…Out``).

Never an ORM row out: routes convert rows with ``Model.model_validate(row)`` (``from_attributes``).
Units are in the field names (``_kwh``, ``_tco2e``, ``_tce``) as everywhere in zeropark.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from zeropark.model import Carrier, Direction, Flow, MeterKind, Role

T = TypeVar("T")


class Out(BaseModel):
    """Base of response models read from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items``, the ``total`` count, and the ``limit``/``offset`` used."""

    items: list[T]
    total: int
    limit: int
    offset: int


# -- users and tokens -------------------------------------------------------------------------


class UserOut(Out):
    """A user (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    park_id: str | None
    enterprise_id: str | None
    active: bool
    locked_until: datetime | None = None
    created_at: datetime


class UserCreate(BaseModel):
    """A new user; enterprise users need ``enterprise_id``."""

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    display_name: str = Field(default="", max_length=200)
    park_id: str | None = Field(default=None, max_length=64)
    enterprise_id: str | None = Field(default=None, max_length=64)


class UserUpdate(BaseModel):
    """Changes to a user (admin): role, tenant, activation, password reset, unlock."""

    display_name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    park_id: str | None = Field(default=None, max_length=64)
    enterprise_id: str | None = Field(default=None, max_length=64)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)
    unlock: bool = False


class TokenCreate(BaseModel):
    """A new API token for scripts."""

    name: str = Field(min_length=1, max_length=100)


class TokenOut(Out):
    """An API token's metadata (the secret is never shown again)."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked: bool


class TokenCreated(TokenOut):
    """A new token: ``token`` is shown this once; store it, it cannot be recovered."""

    token: str


# -- audit --------------------------------------------------------------------------------------


class AuditOut(Out):
    """One audit record."""

    id: int
    at: datetime
    user: str | None
    role: str | None
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None


# -- parks, zones, enterprises, meters ----------------------------------------------------------


class ParkOut(Out):
    """园区."""

    id: str
    name: str
    province: str
    grid_region: str
    latitude: float
    longitude: float
    timezone: str
    is_demo: bool


class ParkCreate(BaseModel):
    """A new park."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    province: str = Field(min_length=1, max_length=32)
    grid_region: str = Field(min_length=1, max_length=32)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)


class ZoneOut(Out):
    """片区."""

    id: str
    park_id: str
    name: str


class ZoneCreate(BaseModel):
    """A new zone of a park."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)


class EnterpriseOut(Out):
    """企业."""

    id: str
    park_id: str
    zone_id: str | None
    name: str
    uscc: str
    industry_code: str
    is_public_facility: bool
    value_added_10k_cny: float | None


class EnterpriseCreate(BaseModel):
    """A new enterprise (统一社会信用代码 18 characters)."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    uscc: str = Field(min_length=18, max_length=18, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    industry_code: str = Field(min_length=1, max_length=8)
    zone_id: str | None = Field(default=None, max_length=64)
    is_public_facility: bool = False
    value_added_10k_cny: float | None = Field(default=None, ge=0)


class EnterpriseUpdate(BaseModel):
    """Changes to an enterprise."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    industry_code: str | None = Field(default=None, min_length=1, max_length=8)
    zone_id: str | None = Field(default=None, max_length=64)
    value_added_10k_cny: float | None = Field(default=None, ge=0)


class MeterOut(Out):
    """计量器具."""

    id: str
    park_id: str
    enterprise_id: str | None
    parent_id: str | None
    name: str
    carrier: Carrier
    unit: str
    direction: Direction
    kind: MeterKind
    level: int
    multiplier: float
    accuracy_class: float
    rated_capacity: float | None
    interval_s: int
    active: bool
    technology: str = ""
    register_max: float | None = None


class MeterNode(MeterOut):
    """A meter with its children (计量层级树)."""

    children: list[MeterNode] = Field(default_factory=list)


# -- readings, rollups --------------------------------------------------------------------------


class ReadingOut(BaseModel):
    """One stored reading (value in the carrier's canonical unit)."""

    meter_id: str
    ts: datetime
    value: float
    quality: int


class RollupOut(BaseModel):
    """Interval energy of a meter in a bucket, with completeness [0..1]."""

    meter_id: str
    bucket: str
    start: datetime
    value: float
    completeness: float
    n_present: int
    n_expected: int
    n_flagged: int
    n_filled: int


# -- activity records ---------------------------------------------------------------------------


class ActivityBase(BaseModel):
    """活动数据 fields shared by create and read."""

    enterprise_id: str | None = Field(default=None, max_length=64)
    carrier: Carrier | None = None
    flow: Flow
    period_start: date
    period_end: date
    quantity: float = Field(allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=16)
    factor_id: str | None = Field(default=None, max_length=64)
    evidence: str = Field(default="", max_length=2000)
    uncertainty_pct: float = Field(default=2.0, ge=0, le=100)
    ncv_gj_per_unit: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    carbon_content_tc_per_gj: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    description: str = Field(default="", max_length=2000)


class ActivityCreate(ActivityBase):
    """A new activity record (``id`` optional: generated when absent)."""

    id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class ActivityUpdate(BaseModel):
    """Changes to an activity record (only the fields given)."""

    carrier: Carrier | None = None
    flow: Flow | None = None
    period_start: date | None = None
    period_end: date | None = None
    quantity: float | None = Field(default=None, allow_inf_nan=False)
    unit: str | None = Field(default=None, min_length=1, max_length=16)
    factor_id: str | None = Field(default=None, max_length=64)
    evidence: str | None = Field(default=None, max_length=2000)
    uncertainty_pct: float | None = Field(default=None, ge=0, le=100)
    description: str | None = Field(default=None, max_length=2000)


class ActivityOut(ActivityBase, Out):
    """A stored activity record."""

    id: str
    park_id: str
    import_batch_id: int | None = None


# -- alarms, imports, reports ---------------------------------------------------------------------


class AlarmOut(Out):
    """告警."""

    id: int
    park_id: str
    meter_id: str | None
    enterprise_id: str | None
    kind: str
    severity: str
    state: str
    message: str
    detail: dict[str, Any]
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    closed_at: datetime | None


class ImportBatchOut(Out):
    """One file import and its outcome, with per-row errors."""

    id: int
    park_id: str | None
    file_name: str
    sha256: str
    kind: str
    status: str
    n_rows: int
    n_stored: int
    n_rejected: int
    errors: list[Any]
    created_at: datetime
    created_by: str | None


class ReportOut(Out):
    """A generated report file (download at ``/api/v1/reports/{id}/download``)."""

    id: int
    park_id: str
    inventory_run_id: int | None
    kind: str
    file_name: str
    created_at: datetime
