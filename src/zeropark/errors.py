"""Errors that tell the user what to fix.

Hierarchy::

    ZeroparkError
    ├── DataError                  bad input data (a file, a row, a reading)
    │   ├── ValidationError        one or more rows rejected, each with file/sheet/row/field/fix
    │   ├── UnitMismatch           a unit that does not convert to the carrier's canonical unit
    │   │   └── UnknownUnit        a unit string the unit registry cannot read
    │   ├── MeterRegisterReset     a cumulative register went backwards beyond rollover
    │   └── GapTooLong             a gap longer than the declared fill rule allows
    ├── AccountingError
    │   ├── FactorNotFound         no factor for (kind, carrier, region, year) in the FactorSet
    │   └── DoubleClaim            a green certificate/contract claimed twice or out of period
    ├── OptimizationError
    │   └── Infeasible             the model has no solution; says which constraints conflict
    ├── RunFrozen                  a signed-off inventory run cannot be changed or signed again
    ├── NotFound                   an entity that does not exist (or is not visible to the user)
    └── PermissionDenied           the user's role or tenant does not allow the action

Messages state what is wrong, the offending value, and the way out. Context is carried as
attributes so the API can map errors to HTTP codes in one handler.
"""

from __future__ import annotations

from dataclasses import dataclass


class ZeroparkError(Exception):
    """Base of every zeropark error."""


class DataError(ZeroparkError):
    """Input data that cannot be used as it is."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One rejected row: where it is and what to fix."""

    file: str
    sheet: str | None
    row: int | None  # 1-based row number as the user sees it in the file
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"column '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


class ValidationError(DataError):
    """Rows were rejected; ``errors`` lists each with its location and the fix."""

    def __init__(self, errors: list[RowError], *, stored: int = 0) -> None:
        self.errors = errors
        self.stored = stored
        head = "\n".join(f"  - {e}" for e in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} row(s) rejected:\n{head}{more}")


class UnitMismatch(DataError):
    """A unit that does not convert to the expected canonical unit."""

    def __init__(self, unit: str, expected: str, context: str = "") -> None:
        self.unit = unit
        self.expected = expected
        where = f" ({context})" if context else ""
        super().__init__(
            f"unit '{unit}' cannot be converted to '{expected}'{where}; "
            f"use a unit of the same dimension as '{expected}'"
        )


class UnknownUnit(UnitMismatch):
    """A unit string that the unit registry (``zeropark.units.ureg``) cannot read."""

    def __init__(self, unit: str, reason: str) -> None:
        self.unit = unit
        self.expected = ""
        DataError.__init__(
            self,
            f"unknown unit '{unit}' ({reason}); write a unit such as kWh, MWh, 万kWh, GJ, t, kg, m3, "
            "10^4 Nm3, tce or a ratio of them such as kgCO2/kWh",
        )


class MeterRegisterReset(DataError):
    """A cumulative register went backwards by more than a rollover explains."""


class GapTooLong(DataError):
    """A gap is longer than the declared fill rule allows."""


class AccountingError(ZeroparkError):
    """The books cannot be computed as asked."""


class FactorNotFound(AccountingError):
    """No factor matches; names what was looked for and the FactorSet looked in."""

    def __init__(self, what: str, factor_set: str) -> None:
        self.what = what
        self.factor_set = factor_set
        super().__init__(
            f"no factor for {what} in factor set '{factor_set}'; "
            "run `zeropark factors list` to see what it holds, or load a custom factor set"
        )


class DoubleClaim(AccountingError):
    """A green certificate or contract claimed more than once, or outside its period."""

    def __init__(self, claim_id: str, reason: str) -> None:
        self.claim_id = claim_id
        self.reason = reason
        super().__init__(f"green-power claim '{claim_id}' rejected: {reason}")


class OptimizationError(ZeroparkError):
    """An optimisation model could not be solved."""


class Infeasible(OptimizationError):
    """The model has no feasible solution; ``conflicts`` says which requirements clash."""

    def __init__(self, message: str, conflicts: list[str] | None = None) -> None:
        self.conflicts = conflicts or []
        super().__init__(message)


class RunFrozen(ZeroparkError):
    """A signed-off inventory run (排放清单) is frozen: no second sign-off, no change, no delete."""

    def __init__(self, run_id: int, signed_off_by: str | None) -> None:
        self.run_id = run_id
        self.signed_off_by = signed_off_by
        super().__init__(
            f"inventory run {run_id} was signed off by '{signed_off_by}' and is frozen; "
            "compute a new run (`zeropark account`) instead of changing this one"
        )


class NotFound(ZeroparkError):
    """An entity does not exist, or is not visible to the current user."""


class PermissionDenied(ZeroparkError):
    """The current user's role or tenant does not allow this action."""


class SetupError(ZeroparkError):
    """A file the installation provides is missing (e.g. the report font): run ``make setup``."""


# --- data approval and period close (issue #15: submissions, locks, corrections) -------------


class ApprovalError(ZeroparkError):
    """A step of the data approval (数据审核) that the submission's state does not allow (409)."""


class IllegalTransition(ApprovalError):
    """A submission step not allowed from the submission's status (e.g. approve a draft)."""

    def __init__(self, message: str, *, status: str, action: str) -> None:
        self.status = status
        self.action = action
        super().__init__(message)


class PeriodLocked(ApprovalError):
    """Data of an enterprise's approved, closed period (已锁定) may not change except by a correction."""

    def __init__(self, enterprise_id: str, year: int, what: str) -> None:
        self.enterprise_id = enterprise_id
        self.year = year
        super().__init__(
            f"{what}: the {year} data of enterprise '{enterprise_id}' are approved and the period is "
            f"closed (已锁定 locked); a park manager opens a correction with a reason "
            f"(`zeropark approval correct --enterprise {enterprise_id} --year {year} --reason …`, "
            "or 更正 on the 数据审核 page), then the data can be changed and submitted again"
        )


class DataUnderReview(ApprovalError):
    """Data submitted for review (已提交/已审核/已批准) may not change until withdrawn or returned."""

    def __init__(self, enterprise_id: str, year: int, status: str, what: str) -> None:
        self.enterprise_id = enterprise_id
        self.year = year
        self.status = status
        how = (
            "withdraw the submission first (`zeropark approval withdraw`, 撤回)"
            if status == "submitted"
            else "ask the park manager to return it (退回) first"
        )
        super().__init__(
            f"{what}: the {year} data of enterprise '{enterprise_id}' are under review "
            f"(status {status}); {how}"
        )


class NotApproved(ApprovalError):
    """Data of a period are not (all) approved: ``missing`` lists (enterprise id, its status)."""

    def __init__(self, park_id: str, year: int, missing: list[tuple[str, str]], what: str = "") -> None:
        self.park_id = park_id
        self.year = year
        self.missing = missing
        listed = ", ".join(f"{e} ({s})" for e, s in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        head = f"{what}: " if what else ""
        super().__init__(
            f"{head}the {year} data of park '{park_id}' are not approved for {len(missing)} "
            f"enterprise(s): {listed}{more}; each must be submitted, reviewed and approved "
            "(数据审核, `zeropark approval status`) or named as an exception when the period is closed"
        )


# --- evidence ledger (#16 verification) ------------------------------------------------------------


class EvidenceChanged(DataError):
    """A kept evidence file's bytes no longer hash to what the evidence ledger recorded."""

    def __init__(self, kind: str, object_id: str, recorded: str, now: str) -> None:
        self.kind, self.object_id, self.recorded, self.now = kind, object_id, recorded, now
        super().__init__(
            f"{kind} {object_id}: the file changed after it was recorded in the evidence ledger "
            f"(recorded SHA-256 {recorded}, now {now}); do not use it — restore the original file "
            "from a backup and run `zeropark ledger verify`"
        )


class RunDoesNotReproduce(ZeroparkError):
    """A run to be signed off no longer reproduces from the readings (``zeropark verify RUN_ID``)."""

    def __init__(self, run_id: int, differences: tuple[str, ...]) -> None:
        self.run_id, self.differences = run_id, differences
        super().__init__(
            f"inventory run {run_id} does not reproduce from the stored readings, so it cannot be "
            f"signed off: {'; '.join(differences)}. Find what changed (`zeropark ledger verify`), "
            "then account the year again and sign the new run off"
        )


# --- field gateway (issue #19): DL/T 645 frames, Modbus register maps, gateway config ---------------


class FrameError(DataError):
    """A DL/T 645 frame that cannot be decoded (too short, no 68H/16H, bad length)."""

    def __init__(self, message: str, raw: bytes = b"") -> None:
        self.raw = raw
        super().__init__(f"DL/T 645 frame rejected: {message} (bytes: {raw.hex(' ') or '—'})")


class BadChecksum(FrameError):
    """A DL/T 645 frame whose CS byte is not the modulo-256 sum of the bytes before it."""

    def __init__(self, expected: int, got: int, raw: bytes = b"") -> None:
        self.expected, self.got = expected, got
        super().__init__(
            f"checksum {got:02X}H, expected {expected:02X}H (sum of 68H … last data byte, modulo 256); "
            "the line is noisy or two devices answer at once: check the RS-485 wiring and addresses",
            raw,
        )


class MeterErrorReply(FrameError):
    """The meter answered with an abnormal reply (control code D1H): its ERR byte says why."""

    def __init__(self, err: int, reasons: tuple[str, ...], raw: bytes = b"") -> None:
        self.err, self.reasons = err, reasons
        super().__init__(f"meter replied with error {err:02X}H ({', '.join(reasons) or 'unspecified'})", raw)


class RegisterMapError(DataError):
    """A Modbus register map that cannot be used (overlap, unknown type, bad word order)."""

    def __init__(self, map_name: str, message: str) -> None:
        self.map_name = map_name
        super().__init__(f"register map '{map_name}': {message}")


class GatewayConfigError(DataError):
    """A gateway configuration file that cannot be used; the message names the key to fix."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"gateway config {where}: {message}")


class UploadProfileError(DataError):
    """An online-monitoring upload profile (上传配置) that cannot be used; names the file and key."""

    def __init__(self, profile: str, key: str | None, message: str) -> None:
        self.profile, self.key = profile, key
        where = f"{profile}, key '{key}'" if key else profile
        super().__init__(f"upload profile {where}: {message}")


class TariffDataError(ValidationError):
    """Tariff tables (分时电价) that cannot be used: overlapping blocks, hours not covered, bad prices.

    ``errors`` names the file (or stored tariff), row and column of each problem.
    """


# --- third-party verification (#16 verifier workspace) ---------------------------------------------


class StatementBlocked(ZeroparkError):
    """No verification statement while a major non-conformity is open (ISO 14064-3 opinion rules)."""

    def __init__(self, finding_ids: list[int]) -> None:
        self.finding_ids = finding_ids
        ids = ", ".join(f"#{i}" for i in finding_ids)
        super().__init__(
            f"major finding(s) {ids} still open, so no statement can be issued; have the corrective "
            "action accepted, or close the finding as unresolved (the opinion is then adverse)"
        )


class EngagementSigned(ZeroparkError):
    """A verification engagement whose statement is signed cannot change any more."""

    def __init__(self, engagement_id: int, signed_by: str) -> None:
        self.engagement_id, self.signed_by = engagement_id, signed_by
        super().__init__(
            f"verification engagement {engagement_id} was signed off by {signed_by}; it can no longer "
            "change. Open a new engagement (on the same or a newer run) to verify again"
        )


# --- product carbon footprint and CBAM (#16) -------------------------------------------------------


class AllocationExceeds(DataError):
    """The allocation shares of one enterprise's inventory to its products add up to more than 100 %."""

    def __init__(self, enterprise_id: str, part: str, total_pct: float, products: tuple[str, ...]) -> None:
        self.enterprise_id, self.part, self.total_pct = enterprise_id, part, total_pct
        self.products = products
        super().__init__(
            f"enterprise {enterprise_id}: the shares of its {part} emissions allocated to products "
            f"{', '.join(products)} add up to {total_pct:.4g} % (> 100 %); lower a product's share "
            "(`zeropark footprint product allocate`) so that every tonne is allocated once"
        )


class AllocationIncomplete(DataError):
    """The allocation shares do not cover the enterprise's inventory (sum < 100 %) when it must be whole."""

    def __init__(self, enterprise_id: str, part: str, total_pct: float) -> None:
        self.enterprise_id, self.part, self.total_pct = enterprise_id, part, total_pct
        super().__init__(
            f"enterprise {enterprise_id}: the shares of its {part} emissions allocated to products add "
            f"up to {total_pct:.4g} % (< 100 %); allocate the rest to its products or declare the "
            "remainder as a product of its own (ISO 14067:2018 §6.4.6: allocated inputs and outputs "
            "sum to the unallocated ones)"
        )


class NotCbamGood(DataError):
    """A CN code outside Annex I of Regulation (EU) 2023/956 (not a CBAM good)."""

    def __init__(self, cn_code: str) -> None:
        self.cn_code = cn_code
        super().__init__(
            f"CN code '{cn_code}' is not a CBAM good (Annex I of Regulation (EU) 2023/956 lists "
            "cement, electricity, fertilisers, iron and steel, aluminium and hydrogen); check the "
            "8-digit code or leave the product without a CN code (`zeropark cbam goods` lists them)"
        )


class UnknownMaterial(DataError):
    """A purchased material whose upstream factor is not in the material table."""

    def __init__(self, material: str, known: tuple[str, ...]) -> None:
        self.material = material
        super().__init__(
            f"material '{material}' has no upstream factor; use one of {', '.join(known)} "
            "(`zeropark footprint product material --help`) or give its factor with --factor and --source"
        )


# --- industrial symbiosis (#18) ---------------------------------------------------------------------
#   DataError > SymbiosisError > IncompatibleGrade, FlowExceedsSource, UnlicensedHazardousSink,
#   NegativeDistance, DoubleCountedSaving, EntryInUse


class SymbiosisError(DataError):
    """An exchange, source or sink of the industrial-symbiosis registry that cannot be used."""


class IncompatibleGrade(SymbiosisError):
    """A source's stream cannot serve a sink: another kind, or a lower grade than the sink needs."""

    def __init__(self, source: str, sink: str, detail: str) -> None:
        self.source, self.sink = source, sink
        super().__init__(
            f"exchange {source} → {sink}: incompatible grade ({detail}); pick a sink whose required "
            "grade the source meets, or upgrade the stream first"
        )


class FlowExceedsSource(SymbiosisError):
    """The quantities sent from a source in a period exceed what the source has."""

    def __init__(self, source: str, period: int, sent: float, available: float, unit: str) -> None:
        self.source, self.period, self.sent, self.available = source, period, sent, available
        super().__init__(
            f"source {source}, period {period}: the exchanges take {sent:g} {unit} but the source has "
            f"only {available:g} {unit}; lower the exchanged quantities or correct the source's profile"
        )


class UnlicensedHazardousSink(SymbiosisError):
    """A hazardous waste (国家危险废物名录 class) sent to a sink without a licence for that class."""

    def __init__(self, source: str, sink: str, hazardous_class: str) -> None:
        self.source, self.sink, self.hazardous_class = source, sink, hazardous_class
        super().__init__(
            f"exchange {source} → {sink}: {hazardous_class} is a hazardous waste and {sink} holds no "
            f"危险废物经营许可证 covering {hazardous_class}; add the licence to the sink or choose a "
            "licensed receiver"
        )


class NegativeDistance(SymbiosisError):
    """A distance between a source and a sink below zero."""

    def __init__(self, source: str, sink: str, distance_km: float) -> None:
        self.source, self.sink, self.distance_km = source, sink, distance_km
        super().__init__(
            f"exchange {source} → {sink}: distance {distance_km:g} km is negative; give the pipe or "
            "route length in km (≥ 0)"
        )


class EntryInUse(SymbiosisError):
    """A registry source or sink that realised exchanges still use (delete those first)."""

    def __init__(self, kind: str, item_id: str, exchanges: tuple[str, ...]) -> None:
        self.kind, self.item_id, self.exchanges = kind, item_id, exchanges
        super().__init__(
            f"{kind} {item_id} is used by the realised exchange(s) {', '.join(exchanges)}; delete or "
            f"change those exchanges first, so that no counted saving loses its flow"
        )


class DoubleCountedSaving(SymbiosisError):
    """The avoided emissions of one exchange claimed more than once between enterprises."""

    def __init__(self, exchange: str, claimed_t: float, avoided_t: float) -> None:
        self.exchange, self.claimed_t, self.avoided_t = exchange, claimed_t, avoided_t
        super().__init__(
            f"exchange {exchange}: the enterprises claim {claimed_t:g} tCO2 avoided in total but the "
            f"exchange avoided {avoided_t:g} tCO2; claim by the exchange's allocation rule only "
            "(supplier, receiver or split)"
        )


# --- carbon asset ledger (#17 碳资产) ----------------------------------------------------------------
#
#     DataError
#     └── AssetError               a posting of the carbon asset ledger refused; nothing is booked
#         ├── UnbalancedEntry      the lines of an entry do not sum to zero per instrument
#         ├── InsufficientBalance  a holder would go below zero
#         ├── RangeOverlap         a serial-number range that already exists (or is named twice)
#         ├── RangeNotHeld         a serial-number range the sending holder does not hold
#         ├── AlreadySurrendered   a unit (or range) already surrendered, retired or claimed
#         ├── SelfTrade            a transfer or trade between a holder and itself
#         └── AfterDeadline        a surrender after the compliance deadline


class AssetError(DataError):
    """A posting of the carbon asset ledger (碳资产账本) was refused; nothing of it was booked."""


class UnbalancedEntry(AssetError):
    """A journal entry whose lines do not sum to zero for each instrument."""

    def __init__(self, asset: str, total: int) -> None:
        self.asset, self.total = asset, total
        super().__init__(
            f"journal entry does not balance for {asset}: lines sum to {total}, not 0; "
            "every unit taken from one account must be given to another"
        )


class InsufficientBalance(AssetError):
    """A debit larger than the holder's balance."""

    def __init__(self, account: str, asset: str, balance: int, wanted: int) -> None:
        self.account, self.asset, self.balance, self.wanted = account, asset, balance, wanted
        super().__init__(
            f"{account} holds {balance} of {asset} but {wanted} were to be taken; "
            "reduce the quantity or first move units into the account (`zeropark assets balances`)"
        )


class RangeOverlap(AssetError):
    """A serial-number range that overlaps one already in the ledger (in any split) or in the entry."""

    def __init__(self, asked: str, existing: str, where: str) -> None:
        self.asked, self.existing, self.where = asked, existing, where
        super().__init__(
            f"serial numbers {asked} overlap {existing} ({where}); a certificate exists once — "
            "remove the overlapping numbers from the range"
        )


class RangeNotHeld(AssetError):
    """Serial numbers the sending account does not hold."""

    def __init__(self, account: str, asked: str, detail: str) -> None:
        self.account, self.asked = account, asked
        super().__init__(
            f"{account} does not hold serial numbers {asked} ({detail}); "
            "list what it holds with `zeropark assets balances --ranges`"
        )


class AlreadySurrendered(AssetError):
    """Units or serial numbers already surrendered, retired, cancelled or claimed."""

    def __init__(self, asked: str, how: str) -> None:
        self.asked, self.how = asked, how
        super().__init__(f"{asked} was already {how}; a unit can be surrendered or claimed once")


class SelfTrade(AssetError):
    """A transfer or trade whose two sides are the same holder."""

    def __init__(self, account: str) -> None:
        self.account = account
        super().__init__(f"a transfer from {account} to itself is not a movement; name another counterparty")


class AfterDeadline(AssetError):
    """A surrender for a compliance year after that year's deadline (清缴截止日)."""

    def __init__(self, compliance_year: int, deadline: str, on: str) -> None:
        self.compliance_year, self.deadline, self.on = compliance_year, deadline, on
        super().__init__(
            f"surrender for compliance year {compliance_year} on {on} is after the deadline {deadline}; "
            "a late surrender is not booked — record the shortfall with the competent authority"
        )


class MarketError(DataError):
    """A request of the park's internal carbon market (园区内部碳市场) that cannot be done; nothing stored."""
