"""The dashboard page's view: each figure's values in words and the geometry of its small bar
chart (drawn by `_dashboard_chart.html` as SVG: no script, no library), grouped in the page's
sections, with every missed target listed first."""

from __future__ import annotations

from itertools import groupby

from chalicelib.domain import monthly_counts, workforce_figures
from chalicelib.domain.dashboard import standard
from chalicelib.domain.date_words import month_words

CHART_WIDTH, CHART_HEIGHT = 360, 160  # the SVG's viewBox; it scales to the column's width
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 16, 132, 8
# The parts of a stacked bar, told apart by colour and named in the legend and the table beside it.
PART_COLOURS = ("#1d4f91", "#8a4f00", "#2e7d32", "#6a1b9a", "#555555", "#00695c")


def value_words(key: str, value: float | int | None) -> str:
    """A monthly figure's value as people read it (`monthly_counts.value_words`)."""
    return monthly_counts.value_words(standard(key), value)


def target_label(unit: str, target: float | None) -> str | None:
    if target is None:
        return None
    return (
        f"{round(target * 100)}%"
        if unit == "share"
        else f"{int(target)}"
        if unit == "count"
        else f"{int(target)} {unit}"
    )


def _top(figure: dict) -> float:
    if figure["unit"] == "share":
        return 1.0
    values = [m["value"] or 0 for m in figure["months"]]
    return max([*values, figure["target"] or 0, 1])


def _chart(figure: dict) -> dict:
    """Bars (one a month, stacked by part when the figure has parts), the target line if any, and
    the scale's top value."""
    months, parts = figure["months"], figure["parts"]
    top = _top(figure)
    plot_height = PLOT_BOTTOM - PLOT_TOP
    step = (CHART_WIDTH - PLOT_LEFT) / max(1, len(months))
    bars = []
    for index, month in enumerate(months):
        x = round(PLOT_LEFT + index * step + step * 0.15, 1)
        width = round(step * 0.7, 1)
        pieces = [(month["value"] or 0, "#b00020" if month["missed"] else PART_COLOURS[0])]
        if parts:
            pieces = [
                (part["months"][index]["value"], PART_COLOURS[n % len(PART_COLOURS)]) for n, part in enumerate(parts)
            ]
        base = PLOT_BOTTOM
        rects = []
        for value, colour in pieces:
            height = round(plot_height * min(value, top) / top, 1)
            if height:
                rects.append({"x": x, "y": round(base - height, 1), "width": width, "height": height, "fill": colour})
                base -= height
        bars.append(
            {
                "rects": rects,
                "label_x": round(PLOT_LEFT + index * step + step / 2, 1),
                "label": month_words(month["month"])[:1] if len(months) > 1 else month_words(month["month"]),
            }
        )
    target_y = None
    if figure["target"] is not None:
        target_y = round(PLOT_BOTTOM - plot_height * min(figure["target"], top) / top, 1)
    unit = figure["unit"]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": PLOT_LEFT,
        "bottom": PLOT_BOTTOM,
        "bars": bars,
        "target_y": target_y,
        "top_words": f"{round(top * 100)}%"
        if unit == "share"
        else f"{int(top)} {unit}"
        if unit != "count"
        else str(int(top)),
        "legend": [
            {"title": part["title"], "fill": PART_COLOURS[n % len(PART_COLOURS)]} for n, part in enumerate(parts)
        ],
    }


def _state(figure: dict, value: float | int | None, missed: bool) -> str:
    if missed:
        return "Missed"
    return "Nothing to measure" if value is None else "Met"


def _figure(figure: dict) -> dict:
    key, unit = figure["key"], figure["unit"]
    return {
        **figure,
        "total_words": value_words(key, figure["total"]),
        "target_label": target_label(unit, figure["target"]),
        "rows": [
            {
                "month": month_words(m["month"]),
                "value": value_words(key, m["value"]),
                "missed": m["missed"],
                "state": _state(figure, m["value"], m["missed"]),
                "parts": [part["months"][n]["value"] for part in figure["parts"]],
            }
            for n, m in enumerate(figure["months"])
        ],
        "chart": _chart(figure),
    }


def _workforce_figure(figure: dict) -> dict:
    value, unit = figure["value"], figure["unit"]
    words = (
        "Not known yet"
        if value is None
        else monthly_counts.value_words(workforce_figures.standard(figure["key"]), value)
    )
    return {
        **figure,
        "total": value,
        "value_words": words,
        "total_words": words,
        "target_label": target_label(unit, figure["target"]),
    }


def page(view: dict) -> dict:
    """What `dashboard.html` shows of the service's `dashboard.figures`: the missed targets first,
    then each section's figures, then today's workforce."""
    figures = [_figure(figure) for figure in view["figures"]]
    titles = {section["key"]: section["title"] for section in view["sections"]}
    sections = [
        {"key": key, "title": titles[key], "figures": list(group)}
        for key, group in groupby(figures, key=lambda figure: figure["section"])
    ]
    workforce = [_workforce_figure(figure) for figure in view["workforce"]["figures"]]
    with_targets = [f for f in figures if f["target"] is not None] + [f for f in workforce if f["target"] is not None]
    return {
        "first_month": view["first_month"],
        "last_month": view["last_month"],
        "range_words": f"{month_words(view['first_month'])} to {month_words(view['last_month'])}",
        "sections": sections,
        "missed": [f for f in with_targets if f["missed"]],
        "met": [f for f in with_targets if not f["missed"] and f["total"] is not None],
        "unmeasured": [f for f in with_targets if f["total"] is None],
        "workforce": {"as_of": view["workforce"]["as_of"], "figures": workforce},
        "csv_page": f"/dashboard.csv?from={view['first_month']}&to={view['last_month']}",
    }
