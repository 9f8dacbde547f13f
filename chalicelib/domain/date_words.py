"""Dates and times as people read them, the one place that writes them: pages, emails, the PDF,
the CSV and the messages of errors. Days as `14 May 2019`, moments as `23 Nov 2026, 14:55`, in UK time.

Pure and standard-library only, so the domain rules can word their messages with it too.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def _moment(value: datetime | str) -> datetime | None:
    """A moment in UK wall-clock time: an aware one converted, a naive one taken as UK time already."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value.astimezone(UK) if value.tzinfo else value


def long_day(value: date | str | None) -> str:
    """A day: `2019-05-14` (or the date) -> `14 May 2019`, no weekday and no leading zero (unlike
    `14/05/2019`). Text longer than a date is read by its first ten characters; text that is not a
    date is shown as it came; nothing is empty."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10]) if len(value) >= 10 else date.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.day} {value:%B %Y}"


def month_words(month: str) -> str:
    """A month: `2026-05` -> `May 2026`."""
    return f"{date.fromisoformat(f'{month}-01'):%B %Y}"


def short_day(value: date) -> str:
    """A day within a week on show, its year said elsewhere: `14 May`."""
    return f"{value.day} {value:%b}"


def when(value: datetime | str | None) -> str:
    """A moment: `2026-07-14T09:05:00+00:00` (or the datetime) -> `14 Jul 2026, 10:05`, in UK time.

    Pages say once, in their footer, that times are UK time. A moment without a zone is taken as UK
    time already; text that is not a moment is shown as it came; nothing is empty.
    """
    if not value:
        return ""
    moment = _moment(value)
    if moment is None:
        return str(value)
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def day_of(value: datetime | str | None) -> str:
    """The UK day of a moment: `2026-06-30T23:30:00+00:00` -> `1 July 2026` (00:30 in the UK)."""
    if not value:
        return ""
    moment = _moment(value)
    if moment is None:
        return str(value)
    return long_day(moment.date())


def clock(value: datetime) -> str:
    """The time of day of a moment on a 24-hour clock, in UK time: `16:00`."""
    return f"{_moment(value):%H:%M}"


def span(start: datetime | str, end: datetime | str) -> str:
    """A visit's time: `12 Jan 2027, 16:00 to 17:30`, in UK time (the end's day is the start's)."""
    return f"{when(start)} to {clock(_moment(end))}"


def period(seconds: int) -> str:
    """How long something lasts, in the largest whole unit: `7 days`, `1 day`, `36 hours`, `1 hour`,
    `30 minutes` (a link that "expires in 7 days", never "168 hours")."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            number = seconds // size
            return f"{number} {unit}{'s' if number != 1 else ''}"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
