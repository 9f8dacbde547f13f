"""The service dashboard: the figures of a range of UK months from the monthly counters (one
Query per month, whatever the number of referrals), each beside its standard's target; and the
one-off backfill that recomputes the referral counters from the referrals themselves."""

from __future__ import annotations

import re
from datetime import date, datetime

from chalicelib.domain import dashboard as rules
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.errors import ValidationFailed
from chalicelib.services import outputs
from chalicelib.services.audit import uk_today
from chalicelib.storage import monthly_figures
from chalicelib.storage import referrals as referral_store

MAX_MONTHS = 36  # three years: the query's cost is one Query per month
_MONTH = re.compile(r"(20[0-9]{2}|2100)-(0[1-9]|1[0-2])")


def month_range(first: str | None, last: str | None, today: date | None = None) -> tuple[str, str]:
    """The range asked for, or the last 12 months up to this UK month. Every problem at once, each
    naming its field ("from", "to"): a 422."""
    default_first, default_last = rules.last_months(today or uk_today())
    errors = []
    for name, value in (("from", first), ("to", last)):
        if value is not None and not _MONTH.fullmatch(value):
            errors.append({"path": name, "message": "Must be a month written as YYYY-MM, from 2000-01 to 2100-12"})
    if errors:
        raise ValidationFailed("The month range is not valid.", fields=errors)
    last = last or default_last
    first = first or (rules.last_months(_month_day(last))[0] if last != default_last else default_first)
    months = rules.months_between(first, last)
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
    """Each figure per month and over the range, with its target and whether it is missed."""
    first, last = month_range(first, last)
    months = rules.months_between(first, last)
    counters = monthly_figures.figures_of_months(months)
    per_month = {month: rules.figures_of(counters[month]) for month in months}
    total = rules.figures_of(rules.summed(counters.values()))
    shown = []
    for standard in rules.SHOWN:
        value = total[standard.key]
        shown.append(
            {
                "key": standard.key,
                "title": standard.title,
                "definition": standard.definition,
                "unit": standard.unit,
                "target": standard.target,
                "target_words": standard.target_words,
                "total": value,
                "missed": rules.missed(standard, value),
                "months": [
                    {
                        "month": month,
                        "value": per_month[month][standard.key],
                        "missed": rules.missed(standard, per_month[month][standard.key]),
                    }
                    for month in months
                ],
            }
        )
    return {"first_month": first, "last_month": last, "figures": shown}


CSV_COLUMNS = ("figure", "month", "value", "target", "missed")


def csv_rows(view: outputs.Dashboard) -> list[dict]:
    """One row per figure and month, then the figure over the range (month "all")."""
    rows = []
    for figure in view["figures"]:
        for month in figure["months"]:
            rows.append(_row(figure, month["month"], month["value"], month["missed"]))
        rows.append(_row(figure, "all", figure["total"], figure["missed"]))
    return rows


def _row(figure: dict, month: str, value: float | None, missed: bool) -> dict:
    shown = round(value, 4) if isinstance(value, float) else value
    return {"figure": figure["key"], "month": month, "value": shown, "target": figure["target"], "missed": missed}


# -- the backfill ----------------------------------------------------------------------------------


def backfill(today: date) -> dict:
    """Recompute every referral counter from the referrals (each read once, through the status
    index: a one-off job, DESIGN section 9) and write the absolute values, so a second run writes
    the same. Run it while no referral is submitted or decided: a count made during the run may
    be overwritten by the value read before it."""
    counts: dict[tuple[str, str], int] = {}
    referrals = 0
    for referral in referral_store.every_referral(status.value for status in ReferralStatus):
        referrals += 1
        submitted = datetime.fromisoformat(referral.created_at)
        rules.merge(counts, rules.submitted_counts(submitted))
        if referral.decision in ("accept", "decline") and referral.decided_at:
            decided = datetime.fromisoformat(referral.decided_at)
            rules.merge(counts, rules.decision_counts(referral.decision == "accept", submitted, decided))
    months = sorted({month for month, _ in counts})
    monthly_figures.set_figures(counts, rules.REFERRAL_FIGURES, months)
    return {"referrals": referrals, "months": months}
