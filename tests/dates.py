"""Dates the tests use, computed from the service's clock (`chalicelib.clock`), so the suite passes on any day.

A test that meets a date the service derives from today (a start date that must not be in the past, a
clearance recorded today, a visit's report falling due) takes its dates from here, never as literals.

The visit and referral tests share one contact plan: it starts on the Monday from 8 to 14 January of
the first January at least two weeks away (11 January 2027 when written). Its visits are in GMT, a
weekly series from it crosses the March clock change, and it is never more than about 13 months
ahead (a visit may be booked up to two years ahead).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from chalicelib import clock

PLAN_DAYS = 179  # the example's contact plan: 11 January to 9 July


def today() -> date:
    return clock.today()


def days_from_today(days: int) -> date:
    return clock.today() + timedelta(days=days)


def iso_days_from_today(days: int) -> str:
    return days_from_today(days).isoformat()


def years_from_today(years: int) -> date:
    """The same day `years` on (28 February for a 29th that has none)."""
    day = clock.today()
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def plan_start() -> date:
    """The Monday the shared contact plan starts: the example referral's own start."""
    from chalicelib.examples import example_start

    return example_start(clock.today())


def plan_end() -> date:
    return plan_start() + timedelta(days=PLAN_DAYS)


def plan_day(days: int) -> date:
    """The day `days` after the plan starts (1: its first Tuesday)."""
    return plan_start() + timedelta(days=days)


def at(day: date, hhmm: str) -> str:
    """A local time as the visit API takes it: `2027-01-12T16:00`."""
    return f"{day.isoformat()}T{hhmm}"


def march_clock_change(year: int) -> date:
    """The last Sunday of March: UK clocks go forward at 01:00 GMT."""
    last = date(year, 3, calendar.monthrange(year, 3)[1])
    return last - timedelta(days=(last.weekday() - 6) % 7)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def long_day(day: date) -> str:
    """`12 January 2027`, as the pages and messages write a day."""
    return f"{day.day} {day:%B %Y}"


def short_day(day: date) -> str:
    """`12 Jan 2027`."""
    return f"{day.day} {day:%b %Y}"


def example_referral() -> dict[str, Any]:
    """The service's example referral as of the service's today: contact from `plan_start()` for 179
    days, each child the same age on the start date, the order made before today."""
    from chalicelib.examples import example_referral as example

    return example(clock.today())


def born(child: int = 0) -> date:
    """The date of birth of the example referral's child (0: Maya, 1: Leo), moved as `example_referral` moves it."""
    return date.fromisoformat(example_referral()["children"][child]["date_of_birth"])


def early_may_bank_holiday_next_year() -> date:
    """The first Monday of May next year: a bank holiday in England and Wales."""
    first = date(clock.today().year + 1, 5, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def uk_moment(day: date, hour: int, minute: int = 0):
    """The moment (aware, in UTC) of a UK wall-clock time on `day`."""
    from datetime import UTC, datetime, time
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)
