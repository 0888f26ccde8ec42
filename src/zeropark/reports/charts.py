"""Server-side charts for the PDF report (matplotlib → PNG data URIs), with a CJK font.

Charts are drawn with matplotlib's Agg backend at print resolution (200 dpi) and embedded in the
report HTML as ``data:image/png`` URIs, so the report needs no browser and renders the same on
every machine. Chinese labels use the project's own Noto Sans SC (:mod:`zeropark.reports.fonts`),
never a system font, so a machine without CJK fonts draws the same charts. PNG rather than SVG:
WeasyPrint draws an SVG with glyph outlines as thousands of paths, which made a report several
times slower to render for no visible gain at print size.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from zeropark.reports.fonts import FAMILY, font_files  # noqa: E402

COLORS: tuple[str, ...] = (
    "#1a7f5a",
    "#3b82c4",
    "#e0a526",
    "#c0392b",
    "#7d5ba6",
    "#2bb3a3",
    "#8c6d46",
    "#5d6d7e",
)


def cjk_font() -> str:
    """The shipped CJK font family (:data:`zeropark.reports.fonts.FAMILY`), registered with matplotlib.

    Raises
    ------
    SetupError
        The font files are missing (``make assets`` installs them).
    """
    registered = {f.fname for f in font_manager.fontManager.ttflist}
    for path in font_files().values():
        if str(path) not in registered:
            font_manager.fontManager.addfont(str(path))
    return FAMILY


def _setup() -> None:
    family = cjk_font()
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 9,
        }
    )


#: Print resolution of the chart images [dots per inch].
DPI = 200


def _png(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,…`` URI (figure closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def monthly_bars_png(months: Sequence[str], values: Sequence[float], *, ylabel: str, title: str = "") -> str:
    """Bars per month (emissions [tCO2] or energy [tce]) as a PNG data URI."""
    _setup()
    fig, ax = plt.subplots(figsize=(7.0, 2.6))
    ax.bar([m[-2:] if len(m) >= 7 else m for m in months], list(values), color=COLORS[0])
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def horizontal_bars_png(
    labels: Sequence[str], values: Sequence[float], *, xlabel: str, title: str = ""
) -> str:
    """Horizontal bars (e.g. emissions by enterprise [tCO2]), largest on top, as a PNG data URI."""
    _setup()
    height = max(1.6, 0.32 * len(labels) + 0.6)
    fig, ax = plt.subplots(figsize=(7.0, height))
    ax.barh(list(labels)[::-1], list(values)[::-1], color=COLORS[1])
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def pie_png(items: Sequence[tuple[str, float]], *, title: str = "") -> str:
    """A doughnut of shares (energy mix [tce]) as a PNG data URI; non-positive items are left out."""
    _setup()
    items = [(k, v) for k, v in items if v > 0]
    fig, ax = plt.subplots(figsize=(4.2, 2.8))
    if items:
        ax.pie(
            [v for _, v in items],
            labels=[k for k, _ in items],
            colors=[COLORS[i % len(COLORS)] for i in range(len(items))],
            autopct="%1.1f%%",
            pctdistance=0.78,
            wedgeprops={"width": 0.45},
            textprops={"fontsize": 8},
        )
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return _png(fig)


def waterfall_png(
    start: tuple[str, float],
    steps: Sequence[tuple[str, float]],
    end: tuple[str, float],
    *,
    ylabel: str,
    title: str = "",
) -> str:
    """A waterfall (the LMDI effects between two years [tCO2]) as a PNG data URI.

    The start and end totals are grey bars from zero; each step floats from the running level,
    red when it raises emissions and green when it lowers them, with its value above it.
    """
    _setup()
    labels = [start[0], *(n for n, _ in steps), end[0]]
    fig, ax = plt.subplots(figsize=(7.0, 3.0))
    level = start[1]
    ax.bar(0, start[1], color=COLORS[7])
    for i, (_, v) in enumerate(steps, start=1):
        bottom = level if v >= 0 else level + v
        ax.bar(i, abs(v), bottom=bottom, color=COLORS[3] if v > 0 else COLORS[0])
        ax.annotate(f"{v:+,.1f}", (i, bottom + abs(v)), ha="center", va="bottom", fontsize=7)
        level += v
    ax.bar(len(labels) - 1, end[1], color=COLORS[7])
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=20, ha="right", fontsize=7)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)
