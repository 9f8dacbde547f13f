"""Visit rules: the booking, series, change and cancellation inputs, series dates, local time and
overlap, and the visit statuses.

Pure Python (no AWS, no I/O). Times people type are local wall-clock times in the service's zone
(Europe/London); they are stored as UTC with the zone's name, so a weekly 16:00 visit stays at
16:00 across the clock change.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from chalicelib.domain.date_words import clock, long_day, when
from chalicelib.domain.fields import blank_to_none, iso_date_only, multi_line, single_line
from chalicelib.domain.validation import cross_field_error

ZONE_NAME = "Europe/London"
ZONE = ZoneInfo(ZONE_NAME)

MAX_SERIES = 40  # visits in one series request: more is a 422
MIN_MINUTES = 15
MAX_MINUTES = 12 * 60
MAX_MORE_STARTS = 6
VENUE_MAX = 300
REASON_MAX = 2000
# How far from today a visit may be booked: further is taken to be a typing mistake.
MAX_AHEAD = timedelta(days=2 * 365)
MAX_BEHIND = timedelta(days=365)


# ---------------------------------------------------------------------------------------------
# Statuses


class VisitStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"
    REPORT_DUE = "REPORT_DUE"  # never stored: a SCHEDULED visit whose start has passed
    REPORTED = "REPORTED"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    VisitStatus.SCHEDULED: "Scheduled",
    VisitStatus.CANCELLED: "Cancelled",
    VisitStatus.REPORT_DUE: "Report due",
    VisitStatus.REPORTED: "Reported",
}


def status_on(stored: VisitStatus | str, starts_at: datetime, now: datetime) -> VisitStatus:
    """The status as people see it at `now`: a scheduled visit is REPORT_DUE from its start on.

    Derived when read, so no job has to move visits along; a visit starting exactly at `now` is
    already due its report (it is under way).
    """
    stored = VisitStatus(stored)
    if stored is VisitStatus.SCHEDULED and starts_at <= now:
        return VisitStatus.REPORT_DUE
    return stored


class CancelledBy(StrEnum):
    PARENT = "parent"
    CARER = "carer"
    CHILD = "child"
    SERVICE = "service"
    OTHER = "other"


CANCELLED_BY_LABELS = {
    CancelledBy.PARENT: "Parent",
    CancelledBy.CARER: "Carer",
    CancelledBy.CHILD: "Child",
    CancelledBy.SERVICE: "The service",
    CancelledBy.OTHER: "Someone else",
}


class Repeat(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


REPEAT_LABELS = {Repeat.WEEKLY: "Every week", Repeat.FORTNIGHTLY: "Every 2 weeks", Repeat.MONTHLY: "Every month"}


# ---------------------------------------------------------------------------------------------
# Local wall-clock time


class LocalTimeError(ValueError):
    """A local time that does not exist, or one written with an offset."""


_LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")


def parse_local(value: Any) -> datetime:
    """`"2027-01-12T16:00"` (local time in Europe/London, no offset) -> a naive datetime.

    A time in the hour the clocks skip (last Sunday of March, 01:00-01:59) does not exist and
    is refused; in the hour that happens twice (last Sunday of October) the first is meant.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise LocalTimeError("Give the local time without an offset, for example 2027-01-12T16:00")
        local = value
    else:
        if not isinstance(value, str) or not _LOCAL.fullmatch(value.strip()):
            raise LocalTimeError("Give the local date and time as YYYY-MM-DDTHH:MM, for example 2027-01-12T16:00")
        try:
            local = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise LocalTimeError(f"Enter a real date and time ({exc})") from None
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


# ---------------------------------------------------------------------------------------------
# Slots and overlap


@dataclass(frozen=True)
class Slot:
    """One visit's time in UTC, with the local wall-clock time people typed."""

    local_start: datetime
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


def slot(local_start: datetime, minutes: int) -> Slot:
    """The visit starting at local `local_start` lasting `minutes` (elapsed time, so a visit across
    the clock change lasts as long as it says)."""
    starts_at = to_utc(local_start)
    return Slot(local_start, starts_at, starts_at + timedelta(minutes=minutes))


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """True when the two intervals share time; one ending exactly when the other starts is fine."""
    return a_start < b_end and b_start < a_end


def self_overlaps(slots: Sequence[Slot]) -> list[tuple[int, int]]:
    """Pairs of indexes (i < j) of slots in one series that overlap each other."""
    ordered = sorted(range(len(slots)), key=lambda i: slots[i].starts_at)
    clashes = []
    for pos, i in enumerate(ordered):
        for j in ordered[pos + 1 :]:
            if slots[j].starts_at >= slots[i].ends_at:
                break
            clashes.append((min(i, j), max(i, j)))
    return clashes


def clashes_with(new: Slot, existing: Iterable[tuple[str, datetime, datetime]]) -> list[str]:
    """Ids of the existing (id, start, end) visits that overlap `new`."""
    return [vid for vid, start, end in existing if overlaps(new.starts_at, new.ends_at, start, end)]


def outside_plan(local_start: datetime, plan_start: date | None, plan_end: date | None) -> bool:
    """True when the visit's local day falls before the contact plan's start or after its end."""
    day = local_start.date()
    return (plan_start is not None and day < plan_start) or (plan_end is not None and day > plan_end)


# ---------------------------------------------------------------------------------------------
# Input models


def _local_time(value: Any) -> datetime:
    try:
        return parse_local(value)
    except LocalTimeError as exc:
        raise ValueError(str(exc)) from None


# Described as what it is: wall-clock time with no offset (a "date-time" would demand one, which is refused).
LocalTime = Annotated[
    datetime,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
            "description": "Local time in Europe/London, YYYY-MM-DDTHH:MM, without an offset",
        }
    ),
]
Venue = Annotated[str, Field(min_length=1, max_length=VENUE_MAX), AfterValidator(single_line)]
Reason = Annotated[str, Field(min_length=1, max_length=REASON_MAX), AfterValidator(multi_line)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
PlainDate = Annotated[date, BeforeValidator(iso_date_only)]
Minutes = Annotated[int, Field(ge=MIN_MINUTES, le=MAX_MINUTES)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Participants(_Input):
    """Which of the referral's children and family members take part, by their place on the referral
    (0 is the first); at least one child. Left out, everyone on the referral takes part."""

    children: list[Annotated[int, Field(ge=0, le=9)]] = Field(default_factory=list, max_length=10)
    family_members: list[Annotated[int, Field(ge=0, le=9)]] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _distinct(self) -> Participants:
        if not self.children:
            raise cross_field_error("Participants", [(("children",), "Choose at least one child", None)])
        self.children = sorted(set(self.children))
        self.family_members = sorted(set(self.family_members))
        return self


class NewVisit(_Input):
    """One visit: `POST /v1/visits`."""

    referral_id: Id
    worker_id: Id
    start: LocalTime
    end: LocalTime
    venue: Venue
    participants: Participants | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> NewVisit:
        problem = check_length(to_utc(self.start), to_utc(self.end))
        if problem:
            raise cross_field_error("NewVisit", [(("end",), problem, None)])
        return self

    @property
    def slot(self) -> Slot:
        return slot(self.start, int((to_utc(self.end) - to_utc(self.start)).total_seconds() // 60))


class NewSeries(_Input):
    """A series from the contact plan: `POST /v1/referrals/{id}/visits`.

    `more_starts` are further sessions of the same first period that repeat the same way (the
    Thursday of a twice-weekly plan).
    """

    first_start: LocalTime
    more_starts: list[LocalTime] = Field(default_factory=list, max_length=MAX_MORE_STARTS)
    length_minutes: Minutes
    repeat: Repeat
    until: Annotated[PlainDate | None, BeforeValidator(blank_to_none)] = None
    sessions: Annotated[int | None, Field(ge=1), BeforeValidator(blank_to_none)] = None
    worker_id: Id
    venue: Venue
    participants: Participants | None = None

    @model_validator(mode="after")
    def _one_end(self) -> NewSeries:
        problems = []
        if self.until is None and self.sessions is None:
            problems.append((("until",), "Give the date of the last visit or the number of sessions", None))
        elif self.until is not None and self.sessions is not None:
            problems.append((("sessions",), "Give an end date or a number of sessions, not both", self.sessions))
        elif self.until is not None and self.until < self.first_start.date():
            problems.append((("until",), "The end date is before the first visit", self.until.isoformat()))
        if self.sessions is not None and self.sessions > MAX_SERIES:
            problems.append(
                (("sessions",), f"A series has at most {MAX_SERIES} visits; book a longer plan in parts", self.sessions)
            )
        if problems:
            raise cross_field_error("NewSeries", problems)
        return self

    def slots(self) -> list[Slot]:
        """Every visit of the series; raises the ValidationError of a series too long or overlapping itself."""
        firsts = [self.first_start, *self.more_starts]
        starts = series_starts(firsts, self.repeat, until=self.until, sessions=self.sessions)
        if len(starts) > MAX_SERIES:
            raise cross_field_error(
                "NewSeries",
                [
                    (
                        ("until",),
                        f"This series would have more than {MAX_SERIES} visits; choose an earlier end date "
                        "or book it in parts",
                        self.until.isoformat() if self.until else None,
                    )
                ],
            )
        bad = [start for start in starts if not exists_locally(start)]
        if bad:
            raise cross_field_error(
                "NewSeries",
                [
                    (
                        ("first_start",),
                        f"{clock(start)} on {long_day(start.date())} does not exist in the UK "
                        "(the clocks go forward that night); choose another time",
                        None,
                    )
                    for start in bad
                ],
            )
        slots = [slot(start, self.length_minutes) for start in starts]
        clashes = self_overlaps(slots)
        if clashes:
            i, j = clashes[0]
            raise cross_field_error(
                "NewSeries",
                [
                    (
                        ("more_starts",),
                        "The series overlaps itself: the visits of "
                        f"{when(slots[i].local_start)} and {when(slots[j].local_start)} "
                        "share time; make them further apart or shorter",
                        None,
                    )
                ],
            )
        return slots


class VisitChange(_Input):
    """Reschedule and/or reassign: `PATCH /v1/visits/{id}`. Only what is given changes; a new start
    without an end keeps the visit's length."""

    start: LocalTime | None = None
    end: LocalTime | None = None
    worker_id: Id | None = None
    venue: Venue | None = None

    @model_validator(mode="after")
    def _something(self) -> VisitChange:
        if all(getattr(self, name) is None for name in ("start", "end", "worker_id", "venue")):
            raise cross_field_error(
                "VisitChange", [(("",), "Give at least one of start, end, worker_id or venue", None)]
            )
        return self


class Cancellation(_Input):
    """Who cancelled and why: `POST /v1/visits/{id}/cancel`."""

    cancelled_by: CancelledBy
    reason: Reason


def check_length(starts_at: datetime, ends_at: datetime) -> str | None:
    """The problem with a visit's length, or None."""
    minutes = (ends_at - starts_at).total_seconds() / 60
    if minutes <= 0:
        return "The end must be after the start"
    if minutes < MIN_MINUTES:
        return f"A visit lasts at least {MIN_MINUTES} minutes"
    if minutes > MAX_MINUTES:
        return f"A visit lasts at most {MAX_MINUTES // 60} hours"
    return None


def check_within_range(local_start: datetime, today: date) -> str | None:
    """A start implausibly far ahead or back is a typing mistake (a past start within a year is fine:
    a visit may be recorded after it happened so that its report can be written)."""
    if local_start.date() > today + MAX_AHEAD:
        return f"A visit cannot be booked later than {long_day(today + MAX_AHEAD)}"
    if local_start.date() < today - MAX_BEHIND:
        return f"A visit cannot be recorded earlier than {long_day(today - MAX_BEHIND)}"
    return None


_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_KIND_WORDS = {
    "background_check": "background check",
    "first_aid": "first aid certificate",
    "driving_licence": "driving licence",
    "vehicle_insurance": "vehicle insurance",
}


def readable_reason(reason: str) -> str:
    """A compliance reason in people's words: kinds by name, dates as "14 May 2019"."""
    for code, words in _KIND_WORDS.items():
        reason = reason.replace(code, words)
    text = _ISO_DAY.sub(lambda m: long_day(date.fromisoformat(m.group(1))), reason)
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------------
# Examples (OpenAPI, demo data, tests)


def example_visit(referral_id: str = "4f1c2a9e8b7d4e6fa0c1d2e3f4a5b6c7", worker_id: str = "w-1") -> dict[str, Any]:
    return {
        "referral_id": referral_id,
        "worker_id": worker_id,
        "start": "2027-01-12T16:00",
        "end": "2027-01-12T17:30",
        "venue": "Northshire Family Centre, Room 2",
        "participants": {"children": [0, 1], "family_members": [0]},
    }


def example_series(worker_id: str = "w-1") -> dict[str, Any]:
    return {
        "first_start": "2027-01-12T16:00",
        "length_minutes": 90,
        "repeat": "weekly",
        "sessions": 26,
        "worker_id": worker_id,
        "venue": "Northshire Family Centre, Room 2",
    }


def example_change() -> dict[str, Any]:
    return {"start": "2027-01-14T16:00", "end": "2027-01-14T17:30", "worker_id": "w-2"}


def example_cancellation() -> dict[str, Any]:
    return {"cancelled_by": "carer", "reason": "Maya has a temperature; the carer will offer another date."}
