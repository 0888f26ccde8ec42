"""Print the library tables of docs/measures.md from roadmap/data/measures.csv (paste them there).

PYTHONPATH=src .venv/bin/python scripts/measures-table.py
"""

from __future__ import annotations

import sys

from zeropark.formatting import sig
from zeropark.roadmap.measures import builtin_measures, builtin_sources, effect_unit


def _line(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def main() -> None:
    """Print the measures table and the table of the documents they cite."""
    sources = builtin_sources()
    measures = builtin_measures()
    columns = ("id", "名称", "pathway", "mechanism", "effect per unit", "capex CNY/unit")
    columns += ("opex CNY/unit·a", "life a", "source", "flag")
    _line("| " + " | ".join(columns) + " |")
    _line("|---|---|---|---|---|---|---|---|---|---|")
    for m in measures:
        flag = "[UNCERTAIN]" if m.uncertain else "verified"
        _line(
            f"| `{m.id}` | {m.name_zh} | {m.pathway.value} | {m.mechanism.value} | "
            f"{sig(m.effect_per_unit)} {effect_unit(m)} | {sig(m.capex_cny_per_unit)} | "
            f"{sig(m.opex_cny_per_unit_year)} | {m.lifetime_years} | `{m.source_id}` | {flag} |"
        )
    _line()
    _line("| source id | document | issuer | number | date | confidence |")
    _line("|---|---|---|---|---|---|")
    for sid in sorted({m.source_id for m in measures}):
        s = sources[sid]
        number = s.number or "— (not known)"
        _line(f"| `{s.id}` | {s.title} | {s.issuer} | {number} | {s.date} | {s.confidence.value} |")


if __name__ == "__main__":
    main()
