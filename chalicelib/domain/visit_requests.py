"""What people send to book, record, change or cancel visits (one visit, a visit that already happened,
a series, a change, a cancellation),
as the JSON API and the forms read it, with examples for OpenAPI, demo data and tests.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from chalicelib.domain.date_words import clock, long_day, when
from chalicelib.domain.fields import blank_to_none, iso_date_only, multi_line, single_line
from chalicelib.domain.local_time import LocalTimeError, exists_locally, parse_local, to_utc
from chalicelib.domain.validation import cross_field_error
from chalicelib.domain.visit_series import MAX_SERIES, series_starts
from chalicelib.domain.visit_slots import MAX_MINUTES, MIN_MINUTES, Slot, check_length, self_overlaps, slot
from chalicelib.domain.visits import CancelledBy, Repeat

MAX_MORE_STARTS = 6
VENUE_MAX = 300
REASON_MAX = 2000

# ---------------------------------------------------------------------------------------------
# Input models


def _local_time(value: Any) -> datetime:
    try:
        return parse_local(value)
    except LocalTimeError as exc:
        raise ValueError(str(exc)) from None


# Described as what it is: wall-clock time, its offset optional (a "date-time" would demand one).
LocalTime = Annotated[
    datetime,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?$",
            "description": "Local time in Europe/London, YYYY-MM-DDTHH:MM (2027-01-12T16:00), or an RFC 3339 "
            "moment with its offset (2027-01-12T16:00Z), read as UK time; a year from 2000 to 2099",
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


class PastVisit(NewVisit):
    """A visit that already happened, recorded as having taken place at its time so that its report
    can be written: `POST /v1/visits/past`. The same fields as booking one; the start has passed."""


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


def example_past_visit(referral_id: str = "4f1c2a9e8b7d4e6fa0c1d2e3f4a5b6c7", worker_id: str = "w-1") -> dict[str, Any]:
    return {
        **example_visit(referral_id, worker_id),
        "start": "2026-11-03T16:00",
        "end": "2026-11-03T17:30",
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
