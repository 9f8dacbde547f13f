"""The dashboard page's view: values in words, the misses listed first, and a figure with parts
drawn as stacked bars with a legend."""

from __future__ import annotations

from chalicelib.web import dashboard_views


def _figure(key: str, unit: str, values: list, *, target=None, missed=(), parts=()) -> dict:
    months = [f"2026-{n + 1:02d}" for n in range(len(values))]
    return {
        "key": key,
        "section": "referrals",
        "title": key.replace("_", " ").capitalize(),
        "definition": "What it counts.",
        "unit": unit,
        "target": target,
        "target_words": "A target" if target is not None else None,
        "total": values[-1],
        "missed": bool(missed),
        "months": [{"month": m, "value": v, "missed": m in missed} for m, v in zip(months, values, strict=True)],
        "parts": [
            {
                "key": k,
                "title": t,
                "total": sum(vs),
                "months": [{"month": m, "value": v} for m, v in zip(months, vs, strict=True)],
            }
            for k, t, vs in parts
        ],
    }


def _view(*figures) -> dict:
    return {
        "first_month": "2026-01",
        "last_month": f"2026-{len(figures[0]['months']):02d}",
        "sections": [{"key": "referrals", "title": "Referrals"}],
        "figures": list(figures),
        "workforce": {
            "as_of": None,
            "figures": [
                {
                    "key": "workforce_compliant",
                    "title": "W",
                    "definition": "d",
                    "unit": "share",
                    "value": 0.9,
                    "target": 1.0,
                    "target_words": "All",
                    "missed": True,
                }
            ],
        },
    }


def test_values_read_as_people_say_them():
    assert dashboard_views.value_words("decided_within_one_working_day", 0.754) == "75%"
    assert dashboard_views.value_words("median_hours_to_decision", 48) == "Up to 48 hours"
    assert dashboard_views.value_words("median_hours_to_decision", 721) == "More than 720 hours"
    assert dashboard_views.value_words("median_hours_to_decision", None) == "No decisions"
    assert dashboard_views.value_words("received", None) == "0"


def test_the_missed_targets_come_first_then_the_met_ones_workforce_included():
    within = _figure("decided_within_one_working_day", "share", [1.0, 0.5], target=1.0, missed=("2026-02",))
    received = _figure("received", "count", [3, 4])
    page = dashboard_views.page(_view(received, within))
    assert [f["key"] for f in page["missed"]] == ["decided_within_one_working_day", "workforce_compliant"]
    assert page["met"] == []
    assert [s["key"] for s in page["sections"]] == ["referrals"]
    assert page["sections"][0]["figures"][1]["rows"][1]["state"] == "Missed"
    bars = page["sections"][0]["figures"][1]["chart"]["bars"]
    assert bars[1]["rects"][0]["fill"] == "#b00020" and bars[0]["rects"][0]["fill"] != "#b00020"


def test_a_figure_with_parts_stacks_them_with_a_legend_and_a_column_each():
    cancelled = _figure("received", "count", [3, 0], parts=(("parent", "Parent", [1, 0]), ("carer", "Carer", [2, 0])))
    figure = dashboard_views.page(_view(cancelled))["sections"][0]["figures"][0]
    first, empty = figure["chart"]["bars"]
    assert [rect["height"] for rect in first["rects"]] == [38.7, 77.3]  # a third and two thirds of the plot
    assert first["rects"][1]["y"] + first["rects"][1]["height"] == first["rects"][0]["y"]  # stacked
    assert empty["rects"] == []
    assert [entry["title"] for entry in figure["chart"]["legend"]] == ["Parent", "Carer"]
    assert figure["rows"][0]["parts"] == [1, 2]
