"""The service dashboard's figures: their names, what each counts, the standards' targets, the
UK month an event counts in, and the time-to-decision histogram the median is read from.

Pure Python (no AWS, no I/O): every rule takes the moments it is evaluated on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.working_days import working_days_between

UK = ZoneInfo("Europe/London")

RECEIVED = "referrals.received"
ACCEPTED = "referrals.accepted"
DECLINED = "referrals.declined"
DECIDED_IN_A_WORKING_DAY = "referrals.decided_within_one_working_day"

# Time from submission to decision, in calendar hours, counted in buckets by upper bound: a
# decision after 30 hours counts in "48". The last bucket ("over") holds everything beyond 30
# days. The median is read as the upper bound of the bucket holding the middle decision.
DECISION_HOURS_BOUNDS = (1, 2, 4, 8, 24, 48, 72, 120, 168, 336, 720)
OVER = "over"
DECISION_HOURS_PREFIX = "referrals.decision_hours."
DECISION_HOURS = tuple(f"{DECISION_HOURS_PREFIX}{bound}" for bound in DECISION_HOURS_BOUNDS) + (
    f"{DECISION_HOURS_PREFIX}{OVER}",
)

BEYOND_LAST_BOUND = DECISION_HOURS_BOUNDS[-1] + 1

REFERRAL_FIGURES = (RECEIVED, ACCEPTED, DECLINED, DECIDED_IN_A_WORKING_DAY, *DECISION_HOURS)


@dataclass(frozen=True)
class Standard:
    """A figure shown on the dashboard: its definition, and the standard's target if it has one."""

    key: str
    title: str
    definition: str
    unit: str  # "count", "share" (0..1) or "hours"
    target: float | None = None  # the least share (or the most hours) that meets the standard
    target_words: str | None = None
    higher_is_better: bool = True


SHOWN: tuple[Standard, ...] = (
    Standard(
        "received",
        "Referrals received",
        "Referrals submitted by a referrer, counted in the UK month they were submitted.",
        "count",
    ),
    Standard(
        "accepted",
        "Referrals accepted",
        "Referrals a supervisor accepted, counted in the UK month of the decision.",
        "count",
    ),
    Standard(
        "declined",
        "Referrals declined",
        "Referrals a supervisor declined, counted in the UK month of the decision.",
        "count",
    ),
    Standard(
        "decided_within_one_working_day",
        "Referrals decided within one working day",
        "Of the referrals accepted or declined in the month, the share decided no later than the first "
        "working day after the UK day they were submitted (weekends and bank holidays in England and "
        "Wales are not working days). A request for more information does not stop the clock.",
        "share",
        target=1.0,
        target_words="Every referral decided within one working day (Working Together)",
    ),
    Standard(
        "median_hours_to_decision",
        "Median time to a decision",
        "The middle of the times from submission to acceptance or decline, in calendar hours, read from "
        "a histogram with buckets of up to 1, 2, 4, 8, 24, 48, 72, 120, 168, 336 and 720 hours and one "
        "beyond: the figure is the upper bound of the bucket holding the middle decision.",
        "hours",
        target=24.0,
        target_words="A decision within 24 hours",
        higher_is_better=False,
    ),
)


def uk_month(moment: datetime) -> str:
    """The UK month ("YYYY-MM") of an aware moment: `2026-03-31T23:30Z` is April (BST), `2026-01-31T23:30Z` January."""
    local = moment.astimezone(UK)
    return f"{local.year:04d}-{local.month:02d}"


def decided_within_one_working_day(submitted: datetime, decided: datetime) -> bool:
    """Decided on the UK day of submission or on the first working day after it. Submitted on a
    Friday, decided on Monday: yes. Submitted on a Saturday, decided on Monday: yes; on Tuesday:
    no. Submitted on the Friday before Easter Monday, decided on the Tuesday after: yes."""
    return working_days_between(submitted.astimezone(UK).date(), decided.astimezone(UK).date()) <= 1


def decision_hours_bucket(submitted: datetime, decided: datetime) -> str:
    """The histogram figure a decision counts in: the smallest bound not below its hours (a
    decision at exactly 24 hours counts in "24"; a second over, in "48")."""
    hours = max(0.0, (decided - submitted).total_seconds() / 3600)
    for bound, figure in zip(DECISION_HOURS_BOUNDS, DECISION_HOURS, strict=False):
        if hours <= bound:
            return figure
    return DECISION_HOURS[-1]


def median_hours(histogram: Mapping[str, int]) -> int | None:
    """The upper bound of the bucket holding the middle decision (the lower middle of an even
    number), or None with no decisions. Beyond the last bound it is `BEYOND_LAST_BOUND` (721:
    "more than 720 hours")."""
    total = sum(histogram.get(figure, 0) for figure in DECISION_HOURS)
    if total == 0:
        return None
    middle = (total + 1) // 2
    seen = 0
    for bound, figure in zip(DECISION_HOURS_BOUNDS, DECISION_HOURS, strict=False):
        seen += histogram.get(figure, 0)
        if seen >= middle:
            return bound
    return BEYOND_LAST_BOUND


def submitted_counts(submitted: datetime) -> dict[tuple[str, str], int]:
    """What a referral's submission adds to the counters: (month, figure) -> increment."""
    return {(uk_month(submitted), RECEIVED): 1}


def decision_counts(accepted: bool, submitted: datetime | None, decided: datetime) -> dict[tuple[str, str], int]:
    """What an accept or decline adds, in the UK month of the decision. Without the submission
    time (never, for links issued by this service) only the decision itself is counted."""
    month = uk_month(decided)
    counts = {(month, ACCEPTED if accepted else DECLINED): 1}
    if submitted is not None:
        counts[(month, decision_hours_bucket(submitted, decided))] = 1
        if decided_within_one_working_day(submitted, decided):
            counts[(month, DECIDED_IN_A_WORKING_DAY)] = 1
    return counts


def merge(into: dict[tuple[str, str], int], counts: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value
    return into


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("YYYY-MM"), both included; none when `last` is earlier."""
    year, month = (int(part) for part in first.split("-"))
    end = tuple(int(part) for part in last.split("-"))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def last_months(today: date, count: int = 12) -> tuple[str, str]:
    """The range of the `count` months up to and including `today`'s."""
    index = today.year * 12 + today.month - 1 - (count - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", f"{today.year:04d}-{today.month:02d}"


def figures_of(values: Mapping[str, int]) -> dict[str, float | int | None]:
    """The figures shown, from one month's (or a range's summed) counters."""
    accepted, declined = values.get(ACCEPTED, 0), values.get(DECLINED, 0)
    decided = accepted + declined
    return {
        "received": values.get(RECEIVED, 0),
        "accepted": accepted,
        "declined": declined,
        "decided": decided,
        "decided_within_one_working_day": (values.get(DECIDED_IN_A_WORKING_DAY, 0) / decided) if decided else None,
        "median_hours_to_decision": median_hours(values),
    }


def missed(standard: Standard, value: float | int | None) -> bool:
    """Whether a figure misses its standard's target (a figure with no value, or no target, misses nothing)."""
    if standard.target is None or value is None:
        return False
    return value < standard.target if standard.higher_is_better else value > standard.target


def summed(months: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for values in months:
        for figure, value in values.items():
            total[figure] = total.get(figure, 0) + value
    return total
