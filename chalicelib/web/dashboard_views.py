"""The dashboard page's view: each figure's values in words and the geometry of its small bar
chart (drawn by `_dashboard_chart.html` as SVG: no script, no library)."""

from __future__ import annotations

from chalicelib.domain.date_words import month_words

CHART_WIDTH, CHART_HEIGHT = 360, 160  # the SVG's viewBox; it scales to the column's width
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 12, 132, 8
BEYOND = 721  # `domain.dashboard.BEYOND_LAST_BOUND`: a median past the histogram's last bucket


def value_words(unit: str, value: float | int | None) -> str:
    if value is None:
        return "No decisions" if unit in ("share", "hours") else "0"
    if unit == "share":
        return f"{round(value * 100)}%"
    if unit == "hours":
        return "More than 720 hours" if value >= BEYOND else f"Up to {int(value)} hours"
    return str(int(value))


def target_words(unit: str, target: float | None) -> str | None:
    if target is None:
        return None
    return f"{round(target * 100)}%" if unit == "share" else value_words(unit, target)


def _chart(figure: dict) -> dict:
    """Bars (one a month), the target line if any, and the scale's top value."""
    months = figure["months"]
    values = [m["value"] or 0 for m in months]
    if figure["unit"] == "share":
        top = 1.0
    else:
        top = max([*values, figure["target"] or 0, 1])
    plot_height = PLOT_BOTTOM - PLOT_TOP
    step = (CHART_WIDTH - PLOT_LEFT) / max(1, len(months))
    bars = []
    for index, (month, value) in enumerate(zip(months, values, strict=True)):
        height = round(plot_height * min(value, top) / top, 1)
        bars.append(
            {
                "x": round(PLOT_LEFT + index * step + step * 0.15, 1),
                "y": round(PLOT_BOTTOM - height, 1),
                "width": round(step * 0.7, 1),
                "height": height,
                "label_x": round(PLOT_LEFT + index * step + step / 2, 1),
                "label": month_words(month["month"])[:1],
                "missed": month["missed"],
            }
        )
    target_y = None
    if figure["target"] is not None:
        target_y = round(PLOT_BOTTOM - plot_height * min(figure["target"], top) / top, 1)
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": PLOT_LEFT,
        "bottom": PLOT_BOTTOM,
        "bars": bars,
        "target_y": target_y,
        "top_words": value_words(figure["unit"], top) if figure["unit"] != "hours" else f"{int(top)} hours",
    }


def page(view: dict) -> dict:
    """What `dashboard.html` shows of the service's `dashboard.figures`."""
    figures = []
    for figure in view["figures"]:
        unit = figure["unit"]
        figures.append(
            {
                **figure,
                "total_words": value_words(unit, figure["total"]),
                "target_label": target_words(unit, figure["target"]),
                "rows": [
                    {
                        "month": month_words(m["month"]),
                        "value": value_words(unit, m["value"]),
                        "missed": m["missed"],
                        "state": "Missed" if m["missed"] else ("No decisions" if m["value"] is None else "Met"),
                    }
                    for m in figure["months"]
                ],
                "chart": _chart(figure),
            }
        )
    return {
        "first_month": view["first_month"],
        "last_month": view["last_month"],
        "range_words": f"{month_words(view['first_month'])} to {month_words(view['last_month'])}",
        "figures": figures,
        "csv_page": f"/dashboard.csv?from={view['first_month']}&to={view['last_month']}",
    }
