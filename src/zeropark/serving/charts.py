"""ECharts option builders for the web pages (图表配置).

Each function turns plain numbers into an ECharts ``option`` dict that the page embeds as JSON
(``<script type="application/json">``) and ``static/app.js`` renders; no JavaScript is generated
here. Data items that carry a ``url`` are clickable: the bar, slice or node opens the provenance
of its number (line items, formula, readings). Axis names carry the unit of the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Palette shared by all charts (green for clean, grey-brown for fossil, blue for grid).
PALETTE: tuple[str, ...] = (
    "#1a7f5a",
    "#3b82c4",
    "#e0a526",
    "#c0392b",
    "#7d5ba6",
    "#2bb3a3",
    "#8c6d46",
    "#5d6d7e",
    "#e67e22",
    "#16a085",
)

Option = dict[str, Any]


def _base(title: str = "") -> Option:
    option: Option = {
        "color": list(PALETTE),
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 40, "containLabel": True},
        "animationDuration": 300,
    }
    if title:
        option["title"] = {"text": title, "left": 0, "textStyle": {"fontSize": 13, "fontWeight": 500}}
    return option


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float],
    *,
    axis_name: str,
    urls: Sequence[str | None] | None = None,
    horizontal: bool = False,
    series_name: str = "",
) -> Option:
    """A single-series bar chart; ``urls[i]`` makes bar ``i`` a link to its provenance."""
    data: list[Any] = []
    for i, v in enumerate(values):
        item: dict[str, Any] = {"value": round(float(v), 3)}
        if urls is not None and urls[i]:
            item["url"] = urls[i]
        data.append(item)
    option = _base()
    cat_axis: dict[str, Any] = {
        "type": "category",
        "data": list(categories),
        "axisLabel": {"interval": 0, "hideOverlap": True},
    }
    val_axis: dict[str, Any] = {"type": "value", "name": axis_name}
    option["xAxis"], option["yAxis"] = (val_axis, cat_axis) if horizontal else (cat_axis, val_axis)
    if horizontal:
        option["grid"]["left"] = 10
        option["grid"]["right"] = 30
        cat_axis["inverse"] = True
        val_axis["splitNumber"] = 3
        val_axis["name"] = ""  # the card title carries the unit
    option["series"] = [{"type": "bar", "name": series_name or axis_name, "data": data, "barMaxWidth": 36}]
    return option


def line_chart(
    x: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    axis_name: str,
    area: bool = False,
    stack: bool = False,
) -> Option:
    """A multi-series line chart over category ``x`` (times or months).

    The legend stays on one line (scrolling on a narrow screen), so it never covers the plot.
    """
    option = _base()
    option["legend"] = {"top": 0, "type": "scroll", "data": [name for name, _ in series]}
    option["xAxis"] = {"type": "category", "data": list(x), "boundaryGap": False}
    option["yAxis"] = {"type": "value", "name": axis_name}
    out = []
    for name, values in series:
        s: dict[str, Any] = {
            "type": "line",
            "name": name,
            "showSymbol": len(x) <= 31,
            "smooth": False,
            "data": [None if v is None else round(float(v), 3) for v in values],
        }
        if area:
            s["areaStyle"] = {"opacity": 0.15}
        if stack:
            s["stack"] = "total"
        out.append(s)
    option["series"] = out
    return option


def grouped_bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    axis_name: str,
    urls: Sequence[Sequence[str | None]] | None = None,
) -> Option:
    """Bars of several series side by side (e.g. national method vs GHG Protocol by month)."""
    option = _base()
    option["legend"] = {"top": 0, "data": [name for name, _ in series]}
    option["xAxis"] = {"type": "category", "data": list(categories)}
    option["yAxis"] = {"type": "value", "name": axis_name}
    out = []
    for j, (name, values) in enumerate(series):
        data: list[Any] = []
        for i, v in enumerate(values):
            item: dict[str, Any] = {"value": round(float(v), 3)}
            if urls is not None and urls[j][i]:
                item["url"] = urls[j][i]
            data.append(item)
        out.append({"type": "bar", "name": name, "data": data, "barMaxWidth": 28})
    option["series"] = out
    return option


def pie_chart(
    items: Sequence[tuple[str, float]],
    *,
    unit: str,
    urls: Sequence[str | None] | None = None,
) -> Option:
    """A doughnut of shares; the tooltip shows value with ``unit`` and percent."""
    data = []
    for i, (name, value) in enumerate(items):
        item: dict[str, Any] = {"name": name, "value": round(float(value), 3)}
        if urls is not None and urls[i]:
            item["url"] = urls[i]
        data.append(item)
    return {
        "color": list(PALETTE),
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} " + unit + " ({d}%)"},
        "legend": {"type": "scroll", "orient": "vertical", "right": 0, "top": "middle"},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "70%"],
                "center": ["38%", "50%"],
                "label": {"position": "inside", "formatter": "{d}%", "color": "#fff", "fontSize": 11},
                "data": data,
            }
        ],
    }


def gauge_chart(value_pct: float | None, *, name: str, target_pct: float | None = None) -> Option:
    """A 0–100 % gauge (clean-energy share); a missing value shows an empty gauge, never 0.

    The arc is green when the value meets ``target_pct`` and amber below it; the target is
    written under the value.
    """
    met = value_pct is not None and (target_pct is None or value_pct >= target_pct)
    colour = "#1a7f5a" if met else "#e0a526"
    data = [] if value_pct is None else [{"value": round(value_pct, 1), "name": name}]
    label = name if target_pct is None else f"{name}\n≥ {target_pct:g}%"
    if data:
        data[0]["name"] = label
    return {
        "series": [
            {
                "type": "gauge",
                "min": 0,
                "max": 100,
                "startAngle": 210,
                "endAngle": -30,
                "radius": "92%",
                "center": ["50%", "55%"],
                "progress": {"show": True, "width": 14, "itemStyle": {"color": colour}},
                "axisLine": {"lineStyle": {"width": 14, "color": [[1, "#e6ebe8"]]}},
                "axisTick": {"show": False},
                "splitLine": {"show": False},
                "axisLabel": {"show": False},
                "pointer": {"show": False},
                "anchor": {"show": False},
                "detail": {
                    "formatter": "{value}%",
                    "fontSize": 22,
                    "offsetCenter": [0, "-5%"],
                    "color": colour,
                },
                "title": {"offsetCenter": [0, "62%"], "fontSize": 12, "lineHeight": 16},
                "data": data,
            }
        ]
    }


#: Sankey node colour by role (source, converter, carrier bus, consumer, others, losses).
SANKEY_COLOURS: dict[str, str] = {
    "source": "#3b82c4",
    "converter": "#e0a526",
    "bus": "#1a7f5a",
    "sink": "#5d6d7e",
    "other": "#a3acb5",
    "loss": "#c0392b",
}
#: Vertical room of one node of the Sankey's fullest column [px], so labels never overlap.
SANKEY_ROW_PX = 34


def sankey_height(kinds: dict[str, str]) -> int:
    """Chart height [px] that gives every node of the fullest column :data:`SANKEY_ROW_PX`."""
    columns: dict[str, int] = {}
    for kind in kinds.values():
        col = {"other": "sink", "loss": "sink", "converter": "source"}.get(kind, kind)
        columns[col] = columns.get(col, 0) + 1
    return max(360, SANKEY_ROW_PX * max(columns.values(), default=0) + 40)


def sankey_chart(
    nodes: Sequence[str],
    links: Sequence[tuple[str, str, float]],
    *,
    unit: str,
    kinds: dict[str, str] | None = None,
) -> Option:
    """Energy flows through the park (source → converter → carrier → consumer), values in ``unit``.

    Nodes are coloured by role (``kinds``); labels sit beside their node in one line, cut with an
    ellipsis past 160 px, and the chart is made tall enough (:func:`sankey_height`) that two labels
    of one column never overlap.
    """
    used = {n for s, t, v in links if v > 0 for n in (s, t)}
    kinds = kinds or {}
    data = []
    for n in nodes:
        if n not in used:
            continue
        item: dict[str, Any] = {"name": n}
        if n in kinds:
            item["itemStyle"] = {"color": SANKEY_COLOURS.get(kinds[n], PALETTE[0])}
        data.append(item)
    return {
        "color": list(PALETTE),
        "tooltip": {"trigger": "item", "triggerOn": "mousemove", "formatter": "{b}: {c} " + unit},
        "series": [
            {
                "type": "sankey",
                "left": 10,
                "right": 170,
                "top": 10,
                "bottom": 10,
                "nodeGap": 20,  # ≥ a label's line box, so labels of two thin nodes never touch
                "nodeWidth": 14,
                "layoutIterations": 64,
                "emphasis": {"focus": "adjacency"},
                "nodeAlign": "justify",
                "lineStyle": {"color": "gradient", "curveness": 0.5, "opacity": 0.35},
                "label": {"fontSize": 12, "overflow": "truncate", "width": 160, "lineHeight": 14},
                "data": data,
                "links": [
                    {"source": s, "target": t, "value": round(float(v), 3)} for s, t, v in links if v > 0
                ],
            }
        ],
    }


def waterfall_chart(
    start: tuple[str, float],
    steps: Sequence[tuple[str, float]],
    end: tuple[str, float],
    *,
    axis_name: str,
    increase: str,
    decrease: str,
) -> Option:
    """A waterfall: the start total, each step up (red) or down (green) from the running level, the end total.

    Drawn as stacked bars on an invisible base (ECharts has no waterfall type); the tooltip shows
    the step's own value. Used for the LMDI effects between two years [tCO2].
    """
    option = _base()
    option["tooltip"] = {"trigger": "item"}
    option["legend"] = {"top": 0, "data": [increase, decrease]}
    names = [start[0], *(n for n, _ in steps), end[0]]
    option["xAxis"] = {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 20}}
    option["yAxis"] = {"type": "value", "name": axis_name}
    base: list[Any] = [0.0]
    up: list[Any] = ["-"]
    down: list[Any] = ["-"]
    totals: list[Any] = [round(float(start[1]), 3)]
    level = float(start[1])
    for _, v in steps:
        nxt = level + float(v)
        base.append(round(min(level, nxt), 3))
        up.append(round(float(v), 3) if v >= 0 else "-")
        down.append(round(-float(v), 3) if v < 0 else "-")
        totals.append("-")
        level = nxt
    base.append(0.0)
    up.append("-")
    down.append("-")
    totals.append(round(float(end[1]), 3))
    transparent = {"borderColor": "transparent", "color": "transparent"}
    option["series"] = [
        {"type": "bar", "name": "base", "stack": "w", "itemStyle": transparent, "data": base, "silent": True},
        {"type": "bar", "name": axis_name, "stack": "w", "data": totals, "itemStyle": {"color": PALETTE[7]}},
        {"type": "bar", "name": increase, "stack": "w", "data": up, "itemStyle": {"color": PALETTE[3]}},
        {"type": "bar", "name": decrease, "stack": "w", "data": down, "itemStyle": {"color": PALETTE[0]}},
    ]
    return option


# --- industrial symbiosis (#18): the exchange map ---------------------------------------------------


def exchange_map(
    nodes: Sequence[tuple[str, str, str, float | None, float | None]],
    links: Sequence[tuple[str, str, str, bool]],
) -> Option:
    """The park's exchange map: sources and sinks as nodes, exchanges as arrows.

    Nodes are ``(id, label, "source"|"sink", x_km, y_km)`` placed on the park map (a circle
    layout for nodes without coordinates), realised exchanges
    (``(source, sink, label, False)``) as solid arrows and suggested ones (``…, True``) dashed.
    """
    placed = all(x is not None and y is not None for _, _, _, x, y in nodes)
    data = []
    for node_id, label, role, x, y in nodes:
        item: dict[str, Any] = {
            "id": node_id,
            "name": label,
            "symbol": "circle" if role == "source" else "rect",
            "symbolSize": 18,
            "itemStyle": {"color": PALETTE[3] if role == "source" else PALETTE[1]},
        }
        if placed:
            item["x"], item["y"] = float(x or 0.0), -float(y or 0.0)  # north up
        data.append(item)
    edges = [
        {
            "source": s,
            "target": t,
            "value": label,
            "lineStyle": {"type": "dashed" if suggested else "solid", "width": 1 if suggested else 2.5},
        }
        for s, t, label, suggested in links
    ]
    return {
        "color": list(PALETTE),
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "series": [
            {
                "type": "graph",
                "layout": "none" if placed else "circular",
                "roam": True,
                "left": 40,
                "right": 200,  # room for the label right of the easternmost node
                "top": 30,
                "bottom": 30,
                "edgeSymbol": ["none", "arrow"],
                "edgeSymbolSize": 8,
                "label": {"show": True, "position": "right", "fontSize": 12},
                "edgeLabel": {"show": True, "formatter": "{c}", "fontSize": 11},
                "lineStyle": {"color": "#5d6d7e", "curveness": 0.15, "opacity": 0.8},
                "data": data,
                "links": edges,
            }
        ],
    }
