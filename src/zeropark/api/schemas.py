"""API shapes (pydantic): what goes over the wire, split by use (``…Create``, ``…Update``, ``…Out``).

Never an ORM row out: routes convert rows with ``Model.model_validate(row)`` (``from_attributes``).
Units are in the field names (``_kwh``, ``_tco2e``, ``_tce``) as everywhere in zeropark.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from zeropark.model import Carrier, Direction, Flow, MeterKind, Method, Role

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
    #: a provincial user's province (role ``province``, #20)
    province: str | None = None
    #: a group user's parks (role ``group``, #20; empty for the other roles)
    parks: list[str] = []


class UserCreate(BaseModel):
    """A new user; enterprise users need ``enterprise_id``, provincial ``province``, group ``parks``."""

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    display_name: str = Field(default="", max_length=200)
    park_id: str | None = Field(default=None, max_length=64)
    enterprise_id: str | None = Field(default=None, max_length=64)
    #: the ``park.province`` whose parks a provincial user (role ``province``) reads
    province: str | None = Field(default=None, max_length=32)
    #: the park ids a group user (role ``group``, a park-operator group) reads; each must exist
    parks: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=500
    )


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
    enterprise_id: str | None = Field(default=None, description="NULL = the park report")
    inventory_run_id: int | None
    kind: str
    file_name: str
    created_at: datetime


# -- factor sets --------------------------------------------------------------------------------


class FactorSetOut(BaseModel):
    """因子集 as stored (name, version, sha256)."""

    name: str
    version: str
    sha256: str
    description: str
    is_builtin: bool
    created_at: datetime | None
    created_by: str | None
    n_factors: int | None = None


class SourceOut(BaseModel):
    """Where a factor comes from: the official document (issuer, number, date, where published)."""

    id: str
    title: str
    issuer: str
    year: int | None
    table: str
    url: str
    confidence: str
    number: str = Field("", description="文号 / standard number / DOI of the document")
    date: str = Field("", description="date of issue, YYYY-MM-DD (or YYYY-MM / YYYY)")
    published: str = Field("", description="where the issuer publishes it")


class FactorOut(BaseModel):
    """One factor with its source."""

    id: str
    kind: str
    key: str
    parameter: str
    value: float
    unit: str
    region: str
    year: int | None
    uncertainty_pct: float | None
    note: str
    source: SourceOut


class FactorSetDetail(FactorSetOut):
    """A factor set with its factors (one page)."""

    factors: Page[FactorOut]


# -- inventory runs -----------------------------------------------------------------------------


class RunCreate(BaseModel):
    """Parameters of a new accounting run; ``options`` names [UNCERTAIN] choices (AccountingOptions)."""

    year: int = Field(ge=2000, le=2100)
    method: Method = Method.NATIONAL
    enterprise_id: str | None = Field(default=None, max_length=64)
    factor_set: str | None = Field(default=None, max_length=64)
    factor_set_version: str | None = Field(default=None, max_length=32)
    options: dict[str, Any] = Field(default_factory=dict)


class SupersededOut(BaseModel):
    """已被取代: the data version that replaced data a run used, and the correction's reason."""

    data_version_id: int
    enterprise_id: str
    year: int
    version: int
    reason: str
    at: datetime
    by: str | None


class RunOut(BaseModel):
    """One stored inventory run (summary)."""

    id: int
    park_id: str
    year: int
    method: Method
    enterprise_id: str | None
    factor_set: str
    factor_set_version: str
    input_fingerprint: str
    code_version: str
    total_tco2e: float
    energy_tce: float
    data_quality_score: float | None
    created_at: datetime
    created_by: str | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    sign_off_note: str | None
    frozen: bool
    parent_run_id: int | None = Field(
        default=None, description="the park run this enterprise view was accounted with (same input)"
    )
    superseded: SupersededOut | None = Field(
        default=None, description="已被取代: a correction replaced data this run used (docs/approval.md)"
    )


class ConsumerShareOut(BaseModel):
    """One row of the enterprise breakdown on the consumption basis (``consumer_basis_*``)."""

    party: str = Field(description="enterprise id, or __public__ / __internal__ / park")
    kind: str = Field(description="enterprise | public_facilities | internal_transfers | park_level")
    emissions_tco2e: float
    energy_tce: float
    market_tco2e: float | None


class InventoryOut(BaseModel):
    """A run with its totals and breakdowns [tCO2e], energy [tce], shares, interval, gaps, notes."""

    run: RunOut
    options: dict[str, Any]
    options_statement_zh: str
    options_statement_en: str
    notices: list[dict[str, str]] = Field(
        default_factory=list,
        description="what the statement must not let a reader miss: a factor year not yet published "
        "(factor_year_fallback), a residual factor the custom set did not give (residual_fallback), "
        "custom factors loaded but unused (factors_unused); each {code, zh, en}",
    )
    factor_set_sha256: str
    total_tco2e: float
    total_market_tco2e: float | None
    energy_tce: float
    intensity_tco2_per_tce: float | None
    by_source: dict[str, float]
    by_scope: dict[str, float]
    by_enterprise: dict[str, float] = Field(
        description="park run: each enterprise's share on the consumption basis (consumer_basis_zh/en)"
    )
    consumers: list[ConsumerShareOut]
    consumer_basis_zh: str
    consumer_basis_en: str
    by_zone: dict[str, float]
    by_carrier: dict[str, float]
    by_month: dict[str, float]
    energy_by_carrier: dict[str, float]
    interval_95: dict[str, Any]
    interval_95_market: dict[str, Any] | None
    electricity: dict[str, float]
    clean_energy_share: float | None
    green_electricity_share: float | None
    hourly: dict[str, Any]
    eliminations: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    n_line_items: int
    newer_draft_run_id: int | None = Field(
        default=None, description="a newer run of the same view that is not signed off (compare)"
    )


class FactorUseOut(BaseModel):
    """A factor as used by a line item (value, unit, source text, confidence)."""

    id: str
    symbol: str
    value: float
    unit: str
    source: str
    confidence: str
    uncertainty_pct: float | None
    detail: FactorOut | None = None


class LineItemOut(BaseModel):
    """清单条目: activity × factors = emissions, with the formula written out."""

    id: str
    method: Method
    category: str
    scope: int | None
    enterprise_id: str | None
    zone_id: str | None
    carrier: str | None
    month: date | None
    activity: float
    activity_unit: str
    emissions_tco2e: float
    energy_tce: float
    formula: str
    uncertainty_pct: float
    activity_uncertainty_pct: float
    basis: str | None
    note: str
    label_zh: str
    label_en: str
    factors: list[FactorUseOut]
    evidence: list[str]


class EvidenceOut(BaseModel):
    """One piece of evidence behind a line item: a meter (with its readings link) or a record."""

    id: str
    kind: str  # meter / activity_record / claim / transfer / unknown
    meter: MeterOut | None = None
    activity_record: ActivityOut | None = None
    readings_url: str | None = None
    detail: dict[str, Any] | None = None


class LineItemDetail(LineItemOut):
    """A line item with its evidence (one page)."""

    run_id: int
    evidence_page: Page[EvidenceOut]


class CompareSide(BaseModel):
    """One method's side of the comparison (None fields when no run exists)."""

    method: Method
    run: RunOut | None
    total_tco2e: float | None = None
    total_market_tco2e: float | None = None
    energy_tce: float | None = None
    intensity_tco2_per_tce: float | None = None
    by_scope: dict[str, float] = Field(default_factory=dict)
    by_source: dict[str, float] = Field(default_factory=dict)
    options_statement_zh: str = ""
    options_statement_en: str = ""
    missing: str | None = None
    newer_draft: RunOut | None = None


class CompareOut(BaseModel):
    """National method and GHG Protocol side by side — never mixed (DESIGN.md §4)."""

    park_id: str
    year: int
    enterprise_id: str | None
    national: CompareSide
    ghg: CompareSide


class SignOff(BaseModel):
    """A verifier's sign-off note."""

    note: str = Field(default="", max_length=4000)


class RecomputeOut(BaseModel):
    """Whether a stored run recomputes bit for bit from the store as it is now."""

    run_id: int
    stored_fingerprint: str
    recomputed_fingerprint: str
    fingerprint_match: bool
    totals_match: bool
    identical: bool
    differences: list[str]


class IndicatorsOut(BaseModel):
    """指标表 of a park (or one enterprise) and year, evaluated on a stored national-method run.

    Row ``status``: pass, fail, no_threshold (value reported only), missing (``missing`` names the
    inputs), park_level (defined for the park as a whole; in an enterprise table, never a value).
    """

    park_id: str
    year: int
    run_id: int
    enterprise_id: str | None = Field(default=None, description="set: one enterprise's indicators")
    level: str = Field(default="park", description="park | enterprise")
    size_band_zh: str
    size_band_en: str
    veto: bool
    rows: list[dict[str, Any]]


# -- alarm rules and notification channels ------------------------------------------------------


class AlarmRuleOut(Out):
    """告警规则."""

    id: int
    park_id: str
    meter_id: str | None
    enterprise_id: str | None
    name: str
    kind: str
    params: dict[str, Any]
    severity: str
    channel_ids: list[int]
    escalate_after_min: int | None
    escalate_channel_ids: list[int]
    enabled: bool


class AlarmRuleIn(BaseModel):
    """A rule to create or replace; ``params`` as for its kind (docs/monitoring.md §4)."""

    meter_id: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    params: dict[str, Any] = Field(default_factory=dict)
    name: str = Field(default="", max_length=200)
    severity: str = Field(default="warning", max_length=16)
    channel_ids: list[int] = Field(default_factory=list)
    escalate_after_min: int | None = None
    escalate_channel_ids: list[int] = Field(default_factory=list)
    enabled: bool = True


class ChannelOut(Out):
    """通知渠道, its target masked and its secret only as set or not."""

    id: int
    park_id: str
    enterprise_id: str | None
    name: str
    kind: str
    target_masked: str
    has_secret: bool
    host: str
    port: int | None
    username: str
    sender: str
    starttls: bool
    enabled: bool


class ChannelIn(BaseModel):
    """A channel to create or change (an empty ``target``/``secret`` on change keeps the stored one)."""

    kind: str = Field(max_length=16)
    name: str = Field(max_length=200)
    target: str = Field(default="", max_length=1000)
    secret: str = Field(default="", max_length=400)
    host: str = Field(default="", max_length=200)
    port: int | None = None
    username: str = Field(default="", max_length=200)
    sender: str = Field(default="", max_length=200)
    starttls: bool = False
    enabled: bool = True


# -- data approval and period close (issue #15, services/approval.py) ------------------------------


class StepIn(BaseModel):
    """A step's comment (退回: what to fix, required; 更正: the reason, required; else optional)."""

    comment: str = Field(default="", max_length=2000)


class PeriodCloseIn(BaseModel):
    """关账: enterprise id → reason, for enterprises closed without approval."""

    exceptions: dict[str, str] = Field(default_factory=dict)


class SubmissionEventOut(BaseModel):
    """One step of a submission."""

    at: datetime
    user: str | None
    role: str | None
    action: str
    from_status: str
    to_status: str
    comment: str


class DataVersionOut(BaseModel):
    """An approved data version (never overwritten)."""

    id: int
    number: int
    reason: str
    sha256: str
    activity_records: int
    green_power_claims: int
    created_at: datetime
    created_by: str | None


class SubmissionOut(BaseModel):
    """One enterprise's data of a year in the approval (status, lock, history, versions)."""

    park_id: str
    enterprise_id: str
    enterprise_name: str
    year: int
    status: str
    locked: bool
    period_closed: bool
    correction_reason: str | None
    last_comment: str
    updated_at: datetime | None
    updated_by: str | None
    events: list[SubmissionEventOut]
    versions: list[DataVersionOut]


class PeriodCloseOut(BaseModel):
    """Who closed the year, when, and the exceptions."""

    closed_at: datetime
    closed_by: str | None
    exceptions: list[dict[str, str]]


class BoardOut(BaseModel):
    """The approval board of a park's year."""

    park_id: str
    year: int
    closed: PeriodCloseOut | None
    counts: dict[str, int]
    missing: list[str]
    submissions: list[SubmissionOut]
