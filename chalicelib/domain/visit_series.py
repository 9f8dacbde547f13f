"""The dates of a series of visits: every week, every 2 weeks or every month (the 31st falls on each
month's last day), until a date or for a number of sessions.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from chalicelib.domain.visits import Repeat

MAX_SERIES = 40  # visits in one series request: more is a 422

# ---------------------------------------------------------------------------------------------
# Series dates


def add_months(local: datetime, months: int, anchor_day: int) -> datetime:
    """The same wall-clock time `months` later on `anchor_day`, or the month's last day if shorter.

    "Every month on the 31st" gives 31 Jan, 28 Feb (29 in a leap year), 31 Mar, 30 Apr, ...:
    each date comes from the anchor day, so a short month does not drag the later ones back.
    """
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def nth_start(first: datetime, repeat: Repeat, n: int) -> datetime:
    """The n-th (0-based) local start of a series beginning at `first`."""
    if repeat is Repeat.WEEKLY:
        return first + timedelta(weeks=n)
    if repeat is Repeat.FORTNIGHTLY:
        return first + timedelta(weeks=2 * n)
    return add_months(first, n, first.day)


def series_starts(
    firsts: Sequence[datetime],
    repeat: Repeat,
    *,
    until: date | None = None,
    sessions: int | None = None,
    limit: int = MAX_SERIES,
) -> list[datetime]:
    """Local start times of a series, in order: each of `firsts` repeating by `repeat`, up to and
    including the day `until`, or the first `sessions` of them.

    Stops after `limit + 1` starts, so a caller can tell "too many" without generating years.
    """
    if (until is None) == (sessions is None):
        raise ValueError("Give either an end date or a number of sessions")
    cap = min(sessions, limit + 1) if sessions is not None else limit + 1
    starts: list[datetime] = []
    n = 0
    while len(starts) < cap:
        batch = [nth_start(first, repeat, n) for first in firsts]
        if until is not None:
            batch = [start for start in batch if start.date() <= until]
            if not batch:
                break
        starts.extend(batch)
        n += 1
    starts.sort()
    return starts[:cap]
