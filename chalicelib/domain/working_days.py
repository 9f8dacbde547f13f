"""Working days: Monday to Friday, but not the bank holidays of England and Wales (the same days
in both; the `holidays` library agrees for ENG and WLS). Deadlines such as "decided within one
working day" count these.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

DAY_SECONDS = 24 * 3600


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, n: int) -> date:
    """The day `n` working days after `start` (n >= 0). From a day that is not a working day, the
    first working day after it is one working day on; n = 0 is `start` itself."""
    if n < 0:
        raise ValueError("Count working days forward only")
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """The working days after `a` up to and including `b` (0 when b <= a): Friday to Monday is 1."""
    return sum(1 for offset in range(1, (b - a).days + 1) if is_working_day(a + timedelta(days=offset)))


def calendar_seconds(start: datetime, working_seconds: int) -> int:
    """A period counted in working time (a working day is 86,400 s), as the seconds of calendar
    time it takes from `start`: each whole day lands on the next working day at the same time of
    day; what is left over is added as it is. One working day from Friday 14:00 ends Monday 14:00."""
    whole, part = divmod(max(0, int(working_seconds)), DAY_SECONDS)
    end_day = add_working_days(start.date(), whole)
    end = datetime.combine(end_day, start.timetz()) + timedelta(seconds=part)
    return max(1, int((end - start).total_seconds()))
