"""The rules every dashboard figure shares: the UK month an event counts in, a figure's
definition and target, the bounded histograms medians are read from, and month arithmetic.

Pure Python (no AWS, no I/O): every rule takes the moments it is evaluated on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")

Counts = dict[tuple[str, str], int]  # (UK month "YYYY-MM", counter) -> increment
Values = Mapping[str, int]  # one month's (or a range's summed) counters


@dataclass(frozen=True)
class Histogram:
    """A bounded histogram of durations: one counter per bucket, named `<prefix><upper bound>`,
    and one beyond the last bound (`<prefix>over`). A duration counts in the smallest bound not
    below it; the median is the upper bound of the bucket holding the middle one (the lower
    middle of an even number), or `beyond` (the last bound + 1: "more than ...")."""

    prefix: str
    bounds: tuple[int, ...]
    unit: str  # "hours" or "days"

    @property
    def counters(self) -> tuple[str, ...]:
        return tuple(f"{self.prefix}{bound}" for bound in self.bounds) + (f"{self.prefix}over",)

    @property
    def beyond(self) -> int:
        return self.bounds[-1] + 1

    def bucket(self, amount: float) -> str:
        for bound, counter in zip(self.bounds, self.counters, strict=False):
            if max(0.0, amount) <= bound:
                return counter
        return self.counters[-1]

    def median(self, values: Values) -> int | None:
        total = sum(values.get(counter, 0) for counter in self.counters)
        if total <= 0:
            return None
        middle = (total + 1) // 2
        seen = 0
        for bound, counter in zip(self.bounds, self.counters, strict=False):
            seen += values.get(counter, 0)
            if seen >= middle:
                return bound
        return self.beyond

    def bounds_words(self) -> str:
        listed = ", ".join(str(bound) for bound in self.bounds[:-1])
        return f"buckets of up to {listed} and {self.bounds[-1]} {self.unit} and one beyond"


@dataclass(frozen=True)
class Standard:
    """A figure shown on the dashboard: its definition, and the standard's target if it has one.
    A figure with `parts` also shows how its total divides (cancelled by whom)."""

    key: str
    title: str
    definition: str
    unit: str  # "count", "share" (0..1), "hours" or "days"
    target: float | None = None  # the least share (or the most hours or days) that meets the standard
    target_words: str | None = None
    higher_is_better: bool = True
    none_words: str = "None counted"  # a share or median of nothing
    parts: tuple[tuple[str, str], ...] = ()  # (part key, title): the figure's value at "<key>.<part>"
    histogram: Histogram | None = None  # where a median's buckets come from


@dataclass(frozen=True)
class Section:
    """A group of figures on the page (Referrals, Visits, ...): the counters its events keep and
    how its shown figures are read from them."""

    key: str
    title: str
    standards: tuple[Standard, ...]
    counters: tuple[str, ...]
    figures_of: Callable[[Values], dict[str, float | int | None]] = field(repr=False)


def value_words(standard: Standard, value: float | int | None) -> str:
    """A figure's value as people read it: "75%", "Up to 1 hour", "More than 90 days", "12"; a
    share or median of nothing in the figure's own words ("No decisions")."""
    if value is None:
        return standard.none_words if standard.unit in ("share", "hours", "days") else "0"
    if standard.unit == "share":
        return f"{round(value * 100)}%"
    if standard.unit in ("hours", "days"):
        histogram = standard.histogram
        if histogram is not None and value >= histogram.beyond:
            return f"More than {amount_words(histogram.bounds[-1], standard.unit)}"
        return f"Up to {amount_words(int(value), standard.unit)}"
    return str(int(value))


def amount_words(number: int, unit: str) -> str:
    """`1 hour`, `48 hours`, `1 day`."""
    return f"{number} {unit if number != 1 else unit[:-1]}"


def uk_month(moment: datetime) -> str:
    """The UK month ("YYYY-MM") of an aware moment: `2026-03-31T23:30Z` is April (BST), `2026-01-31T23:30Z` January."""
    local = moment.astimezone(UK)
    return f"{local.year:04d}-{local.month:02d}"


def within_working_days(start: datetime, end: datetime, days: int) -> bool:
    """`end` falls on the UK day of `start` or no later than the `days`-th working day after it
    (weekends and bank holidays in England and Wales are not working days). Within 1 of a Friday:
    by Monday; of a Saturday: by Monday too; of the Friday before Easter Monday: by the Tuesday."""
    from chalicelib.domain.working_days import working_days_between

    return working_days_between(start.astimezone(UK).date(), end.astimezone(UK).date()) <= days


def share(part: int, whole: int) -> float | None:
    """`part` of `whole`, or None of nothing."""
    return part / whole if whole > 0 else None


def merge(into: Counts, counts: Mapping[tuple[str, str], int]) -> Counts:
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value
    return into


def undone(counts: Mapping[tuple[str, str], int]) -> Counts:
    """The counts that take `counts` back (an event undone: a visit moved to another month)."""
    return {key: -value for key, value in counts.items()}


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


def previous_month(today: date) -> str:
    return last_months(today, 2)[0]


def missed(standard: Standard, value: float | int | None) -> bool:
    """Whether a figure misses its standard's target (a figure with no value, or no target, misses nothing)."""
    if standard.target is None or value is None:
        return False
    return value < standard.target if standard.higher_is_better else value > standard.target


def summed(months: Iterable[Values]) -> dict[str, int]:
    total: dict[str, int] = {}
    for values in months:
        for counter, value in values.items():
            total[counter] = total.get(counter, 0) + value
    return total
