"""The service dashboard: the figures of a range of UK months from the monthly counters (one
Query per month, whatever the number of events counted), each beside its standard's target, and
today's workforce figures; as JSON and as CSV rows."""

from __future__ import annotations

import re
from datetime import date

from chalicelib.domain import monthly_counts
from chalicelib.domain.dashboard import SECTIONS
from chalicelib.domain.monthly_counts import Standard
from chalicelib.errors import ValidationFailed
from chalicelib.services import outputs, workforce
from chalicelib.services.audit import uk_today
from chalicelib.storage import monthly_figures

MAX_MONTHS = 36  # three years: the query's cost is one Query per month
_MONTH = re.compile(r"(20[0-9]{2}|2100)-(0[1-9]|1[0-2])")


def month_range(first: str | None, last: str | None, today: date | None = None) -> tuple[str, str]:
    """The range asked for, or the last 12 months up to this UK month. Every problem at once, each
    naming its field ("from", "to"): a 422."""
    default_first, default_last = monthly_counts.last_months(today or uk_today())
    errors = []
    for name, value in (("from", first), ("to", last)):
        if value is not None and not _MONTH.fullmatch(value):
            errors.append({"path": name, "message": "Must be a month written as YYYY-MM, from 2000-01 to 2100-12"})
    if errors:
        raise ValidationFailed("The month range is not valid.", fields=errors)
    last = last or default_last
    first = first or (monthly_counts.last_months(_month_day(last))[0] if last != default_last else default_first)
    months = monthly_counts.months_between(first, last)
    if not months:
        errors.append({"path": "to", "message": "Must be the same month as 'from' or later"})
    elif len(months) > MAX_MONTHS:
        errors.append({"path": "from", "message": f"The range can be at most {MAX_MONTHS} months"})
    if errors:
        raise ValidationFailed("The month range is not valid.", fields=errors)
    return first, last


def _month_day(month: str) -> date:
    return date.fromisoformat(f"{month}-01")


def figures(first: str | None, last: str | None) -> outputs.Dashboard:
    """Each figure per month and over the range, with its target and whether it is missed; and
    today's workforce figures from the last compliance scan."""
    first, last = month_range(first, last)
    months = monthly_counts.months_between(first, last)
    counters = monthly_figures.figures_of_months(months)
    range_values = monthly_counts.summed(counters.values())
    shown = []
    for section in SECTIONS:
        per_month = {month: section.figures_of(counters[month]) for month in months}
        total = section.figures_of(range_values)
        for standard in section.standards:
            shown.append(_figure(section.key, standard, months, per_month, total))
    return {
        "first_month": first,
        "last_month": last,
        "sections": [{"key": section.key, "title": section.title} for section in SECTIONS],
        "figures": shown,
        "workforce": workforce.today(),
    }


def _figure(
    section: str, standard: Standard, months: list[str], per_month: dict, total: dict
) -> outputs.DashboardFigure:
    value = total[standard.key]
    return {
        "key": standard.key,
        "section": section,
        "title": standard.title,
        "definition": standard.definition,
        "unit": standard.unit,
        "target": standard.target,
        "target_words": standard.target_words,
        "total": value,
        "missed": monthly_counts.missed(standard, value),
        "months": [
            {
                "month": month,
                "value": per_month[month][standard.key],
                "missed": monthly_counts.missed(standard, per_month[month][standard.key]),
            }
            for month in months
        ],
        "parts": [
            {
                "key": part,
                "title": title,
                "total": int(total[f"{standard.key}.{part}"] or 0),
                "months": [
                    {"month": month, "value": int(per_month[month][f"{standard.key}.{part}"] or 0)} for month in months
                ],
            }
            for part, title in standard.parts
        ],
    }


CSV_COLUMNS = ("section", "figure", "part", "month", "value", "target", "missed")


def csv_rows(view: outputs.Dashboard) -> list[dict]:
    """One row per figure and month, then the figure over the range (month "all"); then its parts
    the same way; then today's workforce figures (month "today")."""
    rows = []
    for figure in view["figures"]:
        for month in figure["months"]:
            rows.append(_row(figure, "", month["month"], month["value"], month["missed"]))
        rows.append(_row(figure, "", "all", figure["total"], figure["missed"]))
        for part in figure["parts"]:
            for month in part["months"]:
                rows.append(_row(figure, part["key"], month["month"], month["value"], False))
            rows.append(_row(figure, part["key"], "all", part["total"], False))
    for figure in view["workforce"]["figures"]:
        rows.append(_row({**figure, "section": "workforce"}, "", "today", figure["value"], figure["missed"]))
    return rows


def _row(figure: dict, part: str, month: str, value: float | None, missed: bool) -> dict:
    shown = round(value, 4) if isinstance(value, float) else value
    return {
        "section": figure["section"],
        "figure": figure["key"],
        "part": part,
        "month": month,
        "value": shown,
        "target": figure["target"],
        "missed": missed,
    }
