"""Reconciliation (对账): the checks that keep the books straight (DESIGN.md §4).

Each check is pure and returns :class:`Gap` values — what does not add up, the ids of the rows
involved, the size of the difference and a message in Chinese and English:

- :func:`park_vs_parties` — park total = Σ enterprises + public facilities − internal transfers;
- :func:`meter_balance` — a parent meter = Σ its children + losses (loss share reported);
- :func:`check_claims` — each certificate/contract claimed once, by one owner, inside its period,
  for the reporting year; certificates of on-site generation are not claimed on top of its
  self-consumption (ACCOUNTING.md §4.5 rule 3);
- :func:`transfers_vs_internal_purchases` — what a park facility says it sold equals what the
  enterprise metered as bought.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from zeropark.accounting.gaps import Gap, GapKind
from zeropark.accounting.inventory import Inventory
from zeropark.model import Carrier, Flow, GreenPowerClaim, Meter, MonthlyQuantity, Transfer


def check_claims(
    claims: Sequence[GreenPowerClaim], year: int, onsite_generation_meters: Iterable[str] = ()
) -> list[Gap]:
    """Check green-power claims for a reporting year (ACCOUNTING.md §1.3, §4.5 rule 3).

    Parameters
    ----------
    claims
        The certificates (绿证, 1 GEC = 1 MWh) and contracts (绿电交易, 绿电直连) held in the park.
    year
        Reporting year.
    onsite_generation_meters
        Ids of the park's own generation meters (PV/wind): a certificate issued for their output
        cannot be claimed on top of the self-consumption already counted as zero-carbon, and
        exported MWh cannot carry a claim.

    Returns
    -------
    list of Gap
        ``claim_duplicate`` (same id more than once — also when two owners claim it),
        ``claim_period`` (period does not overlap the year, or ends before it starts),
        ``claim_onsite_double``, and ``claim_other_year`` (claimed for another year: not applied,
        not an error).
    """
    gaps: list[Gap] = []
    counts = Counter(c.id for c in claims)
    for cid, n in sorted(counts.items()):
        if n > 1:
            owners = sorted({c.owner_enterprise_id or "园区/park" for c in claims if c.id == cid})
            gaps.append(
                Gap(
                    GapKind.CLAIM_DUPLICATE,
                    (cid,),
                    f"绿电/绿证 {cid} 被申报 {n} 次（持有方：{'、'.join(owners)}）；同一凭证只能申报一次",
                    f"green-power claim {cid} appears {n} times (owners: {', '.join(owners)}); "
                    "a certificate or contract can be claimed once",
                    float(n),
                    "claims",
                )
            )
    onsite = set(onsite_generation_meters)
    first, last = date(year, 1, 1), date(year, 12, 31)
    for c in sorted({c.id: c for c in claims}.values(), key=lambda c: c.id):
        if c.period_end < c.period_start or c.period_end < first or c.period_start > last:
            gaps.append(
                Gap(
                    GapKind.CLAIM_PERIOD,
                    (c.id,),
                    f"绿电/绿证 {c.id} 的有效期 {c.period_start}–{c.period_end} 不在核算年度 {year} 内",
                    f"claim {c.id} period {c.period_start}–{c.period_end} lies outside reporting year {year}",
                    c.mwh,
                    "MWh",
                )
            )
        elif c.claimed_year != year:
            gaps.append(
                Gap(
                    GapKind.CLAIM_OTHER_YEAR,
                    (c.id,),
                    f"绿电/绿证 {c.id} 申报于 {c.claimed_year} 年，不计入 {year} 年",
                    f"claim {c.id} is claimed for {c.claimed_year}, not applied to {year}",
                    c.mwh,
                    "MWh",
                )
            )
        if c.source_meter_id is not None and c.source_meter_id in onsite:
            gaps.append(
                Gap(
                    GapKind.CLAIM_ONSITE_DOUBLE,
                    (c.id, c.source_meter_id),
                    f"绿证 {c.id} 来自园区自有发电计量点 {c.source_meter_id}：其自发自用电量已按零排放计，"
                    "外送电量不能再携带绿色属性；请删除该绿证申报或不再将该发电计为自发自用",
                    f"certificate {c.id} was issued for the park's own generation meter {c.source_meter_id}: "
                    "its self-consumption already counts as zero-carbon and exported MWh cannot carry "
                    "a claim; "
                    "remove the claim or stop counting that generation as self-consumed",
                    c.mwh,
                    "MWh",
                )
            )
    return gaps


@dataclass(frozen=True, slots=True)
class MeterBalance:
    """One parent meter against the sum of its children [canonical unit of the carrier]."""

    parent_id: str
    parent_quantity: float
    children_quantity: float
    loss: float
    loss_share: float | None  # loss / parent; None when the parent is 0


def meter_balance(
    meters: Sequence[Meter],
    quantities: Mapping[str, float],
    *,
    loss_threshold_pct: float = 5.0,
) -> tuple[list[MeterBalance], list[Gap]]:
    """Parent meter vs Σ children (计量层级平衡); losses above the threshold or negative are gaps.

    Parameters
    ----------
    meters
        The meter tree (``parent_id`` links).
    quantities
        Quantity of each meter over the same period, in the meter carrier's canonical unit.
    loss_threshold_pct
        Loss share above which a gap is reported [%]; a negative loss (children exceed the parent)
        is always a gap.

    Returns
    -------
    (balances, gaps)
        One balance per parent meter with at least one child (sorted by id), and the gaps.
        A parent or child without a quantity is a gap (missing, never taken as 0).
    """
    children: dict[str, list[str]] = defaultdict(list)
    for m in meters:
        if m.parent_id is not None:
            children[m.parent_id].append(m.id)
    balances: list[MeterBalance] = []
    gaps: list[Gap] = []
    for parent in sorted(children):
        kids = sorted(children[parent])
        absent = [mid for mid in [parent, *kids] if mid not in quantities]
        if absent:
            gaps.append(
                Gap(
                    GapKind.METER_BALANCE,
                    (parent, *absent),
                    f"计量点 {parent} 的层级平衡无法计算：缺少 {'、'.join(absent)} 的数据",
                    f"balance of meter {parent} cannot be computed: no data for {', '.join(absent)}",
                )
            )
            continue
        p = quantities[parent]
        s = math.fsum(quantities[k] for k in kids)
        loss = p - s
        share = loss / p if p else None
        balances.append(MeterBalance(parent, p, s, loss, share))
        if loss < 0 or (share is not None and share * 100.0 > loss_threshold_pct):
            pct = "—" if share is None else f"{share * 100.0:.2f} %"
            gaps.append(
                Gap(
                    GapKind.METER_BALANCE,
                    (parent, *kids),
                    f"计量点 {parent} = {p:.3f}，下级合计 {s:.3f}，差额 {loss:.3f}（{pct}）"
                    + (
                        "：下级大于上级，请检查倍率或接线"
                        if loss < 0
                        else f"，超过 {loss_threshold_pct} % 阈值"
                    ),
                    f"meter {parent} = {p:.3f}, children sum {s:.3f}, difference {loss:.3f} ({pct})"
                    + (
                        ": children exceed the parent, check multipliers or wiring"
                        if loss < 0
                        else f", above the {loss_threshold_pct} % threshold"
                    ),
                    loss,
                )
            )
    return balances, gaps


def transfers_vs_internal_purchases(
    transfers: Sequence[Transfer], quantities: Sequence[MonthlyQuantity], *, tolerance_pct: float = 0.5
) -> list[Gap]:
    """Compare internal transfers (seller side) with the buyer's INTERNAL_PURCHASE quantities.

    Per (buyer, carrier, month) the two must agree within ``tolerance_pct`` [%]; a side with no
    record at all is a gap too.
    """
    sold: dict[tuple[str, Carrier, date], float] = defaultdict(float)
    sold_ids: dict[tuple[str, Carrier, date], list[str]] = defaultdict(list)
    for t in transfers:
        k = (t.to_enterprise_id, t.carrier, t.month)
        sold[k] += t.quantity
        sold_ids[k].append(t.id)
    bought: dict[tuple[str, Carrier, date], float] = defaultdict(float)
    bought_ids: dict[tuple[str, Carrier, date], list[str]] = defaultdict(list)
    for q in quantities:
        if q.flow is Flow.INTERNAL_PURCHASE and q.enterprise_id is not None:
            k = (q.enterprise_id, q.carrier, q.month)
            bought[k] += q.quantity
            bought_ids[k].extend(q.evidence)
    gaps: list[Gap] = []
    for k in sorted(set(sold) | set(bought), key=lambda k: (k[0], k[1].value, k[2])):
        s, b = sold.get(k, 0.0), bought.get(k, 0.0)
        ref = max(abs(s), abs(b))
        if ref == 0 or abs(s - b) <= tolerance_pct / 100.0 * ref:
            continue
        ent, carrier, month = k
        gaps.append(
            Gap(
                GapKind.TRANSFER_MISMATCH,
                tuple(sorted(sold_ids.get(k, []))) + tuple(sorted(bought_ids.get(k, []))),
                f"{month:%Y-%m} {ent} 的内部转供 {carrier.value}：供方记录 {s:.3f}，"
                f"用户计量 {b:.3f}，差额 {s - b:.3f}",
                f"{month:%Y-%m} internal {carrier.value} to {ent}: seller records {s:.3f}, "
                f"buyer metered {b:.3f}, difference {s - b:.3f}",
                s - b,
            )
        )
    return gaps


class PartyTotals(Protocol):
    """What :func:`park_vs_parties` reads of a party view (an ``Inventory`` or a summary of one)."""

    @property
    def enterprise_id(self) -> str | None: ...  # noqa: D102

    @property
    def total_tco2e(self) -> float: ...  # noqa: D102

    @property
    def electricity(self) -> Mapping[str, float]: ...  # noqa: D102


def park_vs_parties(
    park: Inventory, parties: Sequence[PartyTotals], *, tolerance_pct: float = 0.1
) -> list[Gap]:
    """Park total vs Σ party views (enterprises + public facilities) − internal-transfer eliminations.

    ``park`` is the park view; ``parties`` the views of every enterprise and of the public
    facilities (``PUBLIC_FACILITIES``). The eliminations listed in ``park.eliminations`` are the
    internally bought energy the party views count as purchased. A difference above
    ``tolerance_pct`` [%] of the park total is a gap: typically boundary electricity not assigned to
    any party (line losses, unmetered consumption) or green claims held by the park operator.
    """
    elim = math.fsum(e.emissions_tco2e for e in park.eliminations)
    total_parties = math.fsum(p.total_tco2e for p in parties)
    diff = park.total_tco2e - (total_parties - elim)
    ref = max(abs(park.total_tco2e), 1e-9)
    if abs(diff) <= tolerance_pct / 100.0 * ref:
        return []

    def mwh(key: str) -> tuple[float, float]:
        return (
            park.electricity.get(key, 0.0) / 1000.0,
            math.fsum(p.electricity.get(key, 0.0) for p in parties) / 1000.0,
        )

    used_park, used_parties = mwh("consumed_kwh")
    clean_park, clean_parties = mwh("clean_kwh")
    ids = tuple(sorted(p.enterprise_id or "" for p in parties))
    return [
        Gap(
            GapKind.PARK_VS_PARTIES,
            ids,
            f"园区合计 {park.total_tco2e:.2f} tCO2 与各企业及公共设施之和减内部转供抵消 "
            f"（{total_parties:.2f} − {elim:.2f}）相差 {diff:.2f} tCO2。用电量：园区 {used_park:.3f} MWh，"
            f"各方合计 {used_parties:.3f} MWh（差额为线损或未计量用户）；清洁电力（绿电/绿证及园区可再生）："
            f"园区 {clean_park:.3f} MWh，各方合计 {clean_parties:.3f} MWh"
            "（园区持有的绿证、无转供记录经园区电网分给企业的园区光伏只计入园区）",
            f"park total {park.total_tco2e:.2f} tCO2 differs from parties minus eliminations "
            f"({total_parties:.2f} − {elim:.2f}) by {diff:.2f} tCO2. Electricity consumed: park "
            f"{used_park:.3f} MWh, parties {used_parties:.3f} MWh (the difference is losses or unmetered "
            "users); clean electricity (green attributes, park renewables): "
            f"park {clean_park:.3f} MWh, parties {clean_parties:.3f} MWh (certificates held by the park "
            "operator and park PV delivered over the park grid without Transfer records count for the "
            "park only)",
            diff,
            "tCO2e",
        )
    ]
