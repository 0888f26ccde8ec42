"""The frameworks shipped with zeropark (``data/*.yaml``), parsed once.

- ``cn-ndrc-910-2025``: the 1 + 5 indicators of 发改环资〔2025〕910号 附件3 (reproduces
  :func:`zeropark.indicators.evaluate`);
- ``t-cgdf-00046-2024``: T/CGDF 00046-2024, nine areas, grades 低碳 / 近零碳 / 零碳 ([UNCERTAIN] scores);
- ``t-dzjn-458-2025``: T/DZJN 458-2025, creation requirements and evaluation ([UNCERTAIN]);
- ``eu-races-self-assessment``: a self-assessment modelled on the EU R-ACES tool ([UNCERTAIN]).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from zeropark.evaluation.rubric import Framework, parse_framework

__all__ = ["BUILTIN_CODES", "builtin_frameworks"]

BUILTIN_CODES = ("cn-ndrc-910-2025", "t-cgdf-00046-2024", "t-dzjn-458-2025", "eu-races-self-assessment")


@lru_cache(maxsize=1)
def builtin_frameworks() -> tuple[Framework, ...]:
    """The built-in frameworks, in :data:`BUILTIN_CODES` order."""
    root = Path(__file__).with_name("data")
    return tuple(
        parse_framework((root / f"{code}.yaml").read_text("utf-8"), builtin=True) for code in BUILTIN_CODES
    )
