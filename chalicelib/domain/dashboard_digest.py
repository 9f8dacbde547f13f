"""The monthly digest of the dashboard to the admin: which day it goes, which month it reports,
and the order and words of its lines (every missed target first).

Pure Python (no AWS, no I/O): every rule takes the day it is evaluated on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.domain.monthly_counts import Standard, previous_month, value_words
from chalicelib.domain.working_days import is_working_day


def first_working_day(year: int, month: int) -> date:
    """The first day of the month that is a working day: 1 January is a bank holiday, so in 2027
    (1 January a Friday) it is Monday 4 January; a month starting on a Saturday starts on the Monday
    (or the Tuesday when that Monday is a bank holiday)."""
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def is_first_working_day(day: date) -> bool:
    """Whether `day` is its month's first working day: the day the digest goes."""
    return day == first_working_day(day.year, day.month)


def may_start(day: date) -> bool:
    """Whether a digest not yet sent this month may go on `day`: from the month's first working
    day on, so a month whose first working day passed with no run (an outage) still gets it."""
    return day >= first_working_day(day.year, day.month)


def month_reported(day: date) -> str:
    """The month a digest sent on `day` reports: the month before ("YYYY-MM")."""
    return previous_month(day)


@dataclass(frozen=True)
class Line:
    """One figure as the digest lists it."""

    title: str
    value: str
    target: str | None  # the standard's target in words, None when the figure has no target
    missed: bool


def line(standard: Standard, value: float | int | None, missed: bool) -> Line:
    return Line(standard.title, value_words(standard, value), standard.target_words, missed)


def ordered(lines: Iterable[Line]) -> list[Line]:
    """Every missed target first, then the others; each group keeps the page's order."""
    listed = list(lines)
    return [item for item in listed if item.missed] + [item for item in listed if not item.missed]
