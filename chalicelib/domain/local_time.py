"""Local wall-clock time: what people type and read is Europe/London time; what is stored is UTC
with the zone's name, so a weekly 16:00 visit stays at 16:00 across the clock change.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.date_words import clock, long_day

ZONE_NAME = "Europe/London"
ZONE = ZoneInfo(ZONE_NAME)

# ---------------------------------------------------------------------------------------------
# Local wall-clock time


class LocalTimeError(ValueError):
    """A local time that does not exist, is written in no form we read, or is out of any visit's reach."""


# Wall-clock time, or an RFC 3339 instant with its offset; ASCII digits only (`\d` would take any script's).
_LOCAL = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
)
# No visit is booked outside these years, and date arithmetic on a series or a change stays in range.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099


def parse_local(value: Any) -> datetime:
    """`"2027-01-12T16:00"` (local time in Europe/London) -> a naive datetime. An instant with its
    offset (`"2027-01-12T16:00Z"`, `"2027-01-12T21:30+05:30"`) is that moment's UK wall-clock time.

    A time in the hour the clocks skip (last Sunday of March, 01:00-01:59) does not exist and
    is refused; in the hour that happens twice (last Sunday of October) the first is meant, unless
    an offset says which. A year before 2000 or after 2099 is refused.
    """
    if isinstance(value, datetime):
        moment = value
    else:
        if not isinstance(value, str) or not _LOCAL.fullmatch(value.strip()):
            raise LocalTimeError(
                "Give the local date and time as YYYY-MM-DDTHH:MM, for example 2027-01-12T16:00, "
                "or a moment with its offset, for example 2027-01-12T16:00Z"
            )
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise LocalTimeError(f"Enter a real date and time ({exc})") from None
    out_of_reach = LocalTimeError(f"Give a date between {EARLIEST_YEAR} and {LATEST_YEAR}")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise out_of_reach
    local = moment if moment.tzinfo is None else to_local(moment)
    if not EARLIEST_YEAR <= local.year <= LATEST_YEAR:
        raise out_of_reach
    local = local.replace(second=0, microsecond=0)
    if not exists_locally(local):
        raise LocalTimeError(
            f"{clock(local)} on {long_day(local.date())} does not exist in the UK: the clocks go forward that night"
        )
    return local


def exists_locally(local: datetime) -> bool:
    """False for a wall-clock time in the hour skipped when the clocks go forward."""
    there_and_back = to_utc(local).astimezone(ZONE).replace(tzinfo=None)
    return there_and_back == local


def to_utc(local: datetime) -> datetime:
    """A naive local time in Europe/London as an aware UTC datetime (fold=0: the first of a repeated hour)."""
    return local.replace(tzinfo=ZONE).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """An aware datetime as naive local wall-clock time in Europe/London."""
    return moment.astimezone(ZONE).replace(tzinfo=None)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants of 00:00 on `first` and 00:00 the day after `last`, both local."""
    start = to_utc(datetime.combine(first, datetime.min.time()))
    end = to_utc(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    return start, end
