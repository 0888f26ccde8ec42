"""Reference case: the steam symbiosis projects of the Ulsan eco-industrial park (蔚山生态工业园区).

Figures of 表1 蔚山工业园区典型蒸汽利用产业共生项目 in Chen, Shi, Deng (2021), "国际工业园区绿色
低碳发展的途径与经验" (seed 000, citing its refs [33,34]); amounts in million USD:

=========================== ======== ========== ======= ===============
项目                         研究费用    投资        效益/年   投资回收期/年 (printed)
=========================== ======== ========== ======= ===============
工业废弃物企业—造纸            0.05      0.85        2.32     0.37
垃圾焚烧—化学                  0.01      5.00        7.10     0.72
化学—化学                      0.15     14.00        6.40     2.31
重型机械制造—机械              0.11      6.00        3.58     1.75
纤维—化学                      0.21      4.50        9.20     0.50
铅冶炼—造纸                    0.17     19.50       12.40     1.64
平均 (the total row)           0.70     49.85       41.00     1.22
=========================== ======== ========== ======= ===============

The same text gives the whole park's results: economic benefit 68.52 M USD/a and CO2 avoided
22.7万 t/a (all symbiosis projects, not only the table's).

What the table does not give, and how the case fills it (each an explicit, named assumption):

- no steam quantities: each project is one source/sink pair with a notional quantity of 1 unit per
  year in one period; the sink's alternative cost per unit equals the project's yearly benefit, so
  the engine's yearly net benefit is the table's 效益;
- no CO2 per project: :data:`CO2_PER_USD_BENEFIT` spreads the park's 22.7万 t/a over its 68.52 M
  USD/a of benefit (t CO2 per USD of benefit), a benefit-proportional allocation [ASSUMPTION];
- money in USD (the ``*_cny`` fields of the engine are read as USD here; payback is a ratio).

Payback = investment / yearly benefit. It reproduces the printed total row (49.85 / 41.00 = 1.216
→ 1.22) and the first row (0.85 / 2.32 = 0.366 → 0.37); the other printed rows differ from
investment / benefit by 0.02–0.12 a (e.g. 14.00 / 6.40 = 2.19, printed 2.31) — the source's
basis for them is not stated, so the test pins investment / benefit and records the gap.
"""

from __future__ import annotations

from zeropark.symbiosis.matching import Candidate
from zeropark.symbiosis.registry import Basis, Sink, Source, StreamKind

#: (项目, research M USD, investment M USD, benefit M USD/a, printed payback a)
PROJECTS: tuple[tuple[str, float, float, float, float], ...] = (
    ("工业废弃物企业—造纸", 0.05, 0.85, 2.32, 0.37),
    ("垃圾焚烧—化学", 0.01, 5.00, 7.10, 0.72),
    ("化学—化学", 0.15, 14.00, 6.40, 2.31),
    ("重型机械制造—机械", 0.11, 6.00, 3.58, 1.75),
    ("纤维—化学", 0.21, 4.50, 9.20, 0.50),
    ("铅冶炼—造纸", 0.17, 19.50, 12.40, 1.64),
)
PRINTED_TOTAL_PAYBACK_YEARS = 1.22
PARK_CO2_AVOIDED_T_PER_YEAR = 227_000.0  # 二氧化碳减排量为 22.7万 t/a
PARK_BENEFIT_MUSD_PER_YEAR = 68.52  # 经济效益 6852 万美元/a
#: [ASSUMPTION] benefit-proportional share of the park's CO2: t CO2 per USD of yearly benefit.
CO2_PER_USD_BENEFIT = PARK_CO2_AVOIDED_T_PER_YEAR / (PARK_BENEFIT_MUSD_PER_YEAR * 1e6)


def case() -> tuple[list[Source], list[Sink], list[Candidate], list[float]]:
    """Sources, sinks, explicit candidates and the period weight of the Ulsan table (USD)."""
    sources, sinks, cands = [], [], []
    for i, (name, _research, invest, benefit, _printed) in enumerate(PROJECTS, start=1):
        supplier, receiver = name.split("—")
        sources.append(
            Source(f"U{i}-src", StreamKind.STEAM, "MP", (1.0,), name=supplier, basis=Basis.DECLARED)
        )
        sinks.append(
            Sink(
                f"U{i}-snk",
                StreamKind.STEAM,
                "LP",
                (1.0,),
                name=receiver,
                alternative_cost_cny_per_unit=benefit * 1e6,
                displaced_tco2_per_unit=benefit * 1e6 * CO2_PER_USD_BENEFIT,
            )
        )
        cands.append(
            Candidate(f"U{i}-src", f"U{i}-snk", distance_km=0.0, capex_cny=invest * 1e6, loss_per_km=0.0)
        )
    return sources, sinks, cands, [1.0]
