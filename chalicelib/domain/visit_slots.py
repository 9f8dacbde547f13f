"""A visit's time slot: its length, how far ahead or back it may be, overlap with other visits, and
whether it falls outside the referral's contact plan.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain.date_words import long_day
from chalicelib.domain.local_time import to_utc

MIN_MINUTES = 15
MAX_MINUTES = 12 * 60

# How far from today a visit may be booked: further is taken to be a typing mistake.
MAX_AHEAD = timedelta(days=2 * 365)
MAX_BEHIND = timedelta(days=365)

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
    """A start implausibly far ahead or back is a typing mistake (a past visit is recorded, never
    booked, and only within a year: `check_not_past_booking`, `check_has_happened`)."""
    if local_start.date() > today + MAX_AHEAD:
        return f"A visit cannot be booked later than {long_day(today + MAX_AHEAD)}"
    if local_start.date() < today - MAX_BEHIND:
        return f"A visit cannot be recorded earlier than {long_day(today - MAX_BEHIND)}"
    return None


def check_not_past(starts_at: datetime, now: datetime) -> str | None:
    """A visit moved to a start that has passed: refused, since a move is a plan for the future (a visit
    that took place on another day is recorded as such, not moved there)."""
    if starts_at <= now:
        return "That time has passed: choose a start from now on"
    return None


RECORD_PAST_HOW = (
    'to record a visit that already happened, use "Record a visit that already happened" '
    "on the referral's page (POST /v1/visits/past)"
)


def check_not_past_booking(starts_at: datetime, now: datetime) -> str | None:
    """Booking is a plan for the future: a start at or before `now` is refused, with how to record a
    visit that already happened instead (a start exactly at `now` has already begun)."""
    if starts_at <= now:
        return f"That time has passed: a visit is booked from now on; {RECORD_PAST_HOW}"
    return None


def check_has_happened(starts_at: datetime, now: datetime) -> str | None:
    """Recording a past visit: its start must have come (at or before `now`); a visit still to come
    is booked instead."""
    if starts_at > now:
        return "That time has not come yet: only a visit that already happened is recorded; book a coming visit instead"
    return None
