"""The dashboard's visit figures: visits booked, held and cancelled (by whom), late cancellations,
no-shows per participant type, and family reminders sent and confirmed. Each counts in the UK
month of the visit's start, so one month reads "booked 40, held 30, cancelled 6".

Pure Python (no AWS, no I/O): every rule takes the moments it is evaluated on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chalicelib.domain.families import Answer, is_late_notice
from chalicelib.domain.monthly_counts import Counts, Section, Standard, Values, merge, share, uk_month, undone
from chalicelib.domain.reports import Attendance
from chalicelib.domain.visits import CANCELLED_BY_LABELS, CancelledBy

BOOKED = "visits.booked"
HELD = "visits.held"
CANCELLED = "visits.cancelled."  # one counter per part: "visits.cancelled.parent"
LATE_CANCELLATIONS = "visits.late_cancellations"
NO_SHOWS = "visits.no_shows."  # "visits.no_shows.child", "visits.no_shows.family_member"
REMINDERS_SENT = "visits.reminders_sent"
REMINDERS_CONFIRMED = "visits.reminders_confirmed"

CANCELLED_PARTS: tuple[tuple[str, str], ...] = tuple((by.value, CANCELLED_BY_LABELS[by]) for by in CancelledBy)
NO_SHOW_PARTS: tuple[tuple[str, str], ...] = (("child", "Children"), ("family_member", "Family members"))
ATTENDING = frozenset({Attendance.ATTENDED.value, Attendance.LATE.value})

COUNTERS = (
    BOOKED,
    HELD,
    *(CANCELLED + part for part, _ in CANCELLED_PARTS),
    LATE_CANCELLATIONS,
    *(NO_SHOWS + part for part, _ in NO_SHOW_PARTS),
    REMINDERS_SENT,
    REMINDERS_CONFIRMED,
)

_MONTH = "counted in the UK month the visit starts (or started)"

STANDARDS: tuple[Standard, ...] = (
    Standard(
        "visits_booked",
        "Visits booked",
        f"Visits booked, one by one or as each visit of a series, including visits recorded after they "
        f"happened, {_MONTH}. A visit moved to another month counts in its new month only; a cancelled "
        "visit still counts as booked.",
        "count",
    ),
    Standard(
        "visits_held",
        "Visits held",
        "Visits whose report was approved recording at least one family member as attended or attended "
        f"late, {_MONTH}.",
        "count",
    ),
    Standard(
        "visits_cancelled",
        "Visits cancelled",
        "Visits cancelled, by whom the cancellation was recorded as coming from (the parent, the carer, "
        "the child, the service or someone else); visits the service cancelled because a case was "
        f"suspended or closed count as cancelled by the service. {_MONTH[0].upper()}{_MONTH[1:]}.",
        "count",
        parts=CANCELLED_PARTS,
    ),
    Standard(
        "late_cancellations",
        "Late cancellations",
        "Visits cancelled less than 24 hours before they were due to start, and each family member's "
        "answer to a reminder that they cannot come given less than 24 hours before the start (it stops "
        "counting if they answer again that they will come). A visit a family member said late they "
        f"cannot come to, and that staff then cancelled late, counts twice. {_MONTH[0].upper()}{_MONTH[1:]}.",
        "count",
        higher_is_better=False,
    ),
    Standard(
        "no_shows",
        "No-shows",
        "Children and family members recorded as did not come in an approved visit report, one for "
        f"each person, {_MONTH}.",
        "count",
        higher_is_better=False,
        parts=NO_SHOW_PARTS,
    ),
    Standard(
        "reminders_sent",
        "Reminders sent",
        "Reminders sent to family members before a visit, one for each person and visit time; a reminder "
        f"that could not be delivered does not count. {_MONTH[0].upper()}{_MONTH[1:]}.",
        "count",
    ),
    Standard(
        "reminders_confirmed",
        "Reminders confirmed",
        "Reminders whose answer, as it stands, is that the person will come (an answer changed to "
        f"cannot come stops counting), {_MONTH}.",
        "count",
    ),
    Standard(
        "reminders_confirmed_share",
        "Share of reminders confirmed",
        "Of the reminders sent for visits starting in the month, the share whose answer, as it stands, is "
        "that the person will come.",
        "share",
        none_words="No reminders sent",
    ),
)


def booked_counts(starts_at: datetime) -> Counts:
    """A visit booked (or recorded after it happened): one, in the UK month of its start."""
    return {(uk_month(starts_at), BOOKED): 1}


def moved_counts(old_start: datetime, new_start: datetime) -> Counts:
    """A visit moved: taken off its old month and booked in its new one. Moved within its UK month
    (or not moved at all), nothing."""
    counts = merge(undone(booked_counts(old_start)), booked_counts(new_start))
    return {key: value for key, value in counts.items() if value}


def cancelled_counts(starts_at: datetime, cancelled_at: datetime, cancelled_by: str) -> Counts:
    """A visit cancelled at `cancelled_at` by `cancelled_by` (an unknown name counts as "other"):
    one cancellation of that part, and a late one when less than 24 hours before its start
    (23 h 59 min is late, exactly 24 h is not; cancelled after the start, late too)."""
    month = uk_month(starts_at)
    part = cancelled_by if cancelled_by in CancelledBy._value2member_map_ else CancelledBy.OTHER.value
    counts = {(month, CANCELLED + part): 1}
    if is_late_notice(cancelled_at, starts_at):
        counts[(month, LATE_CANCELLATIONS)] = 1
    return counts


def participant_type(participant: str) -> str | None:
    """ "child" for a report's `child-N`, "family_member" for `family-N`; None for anything else."""
    if participant.startswith("child-"):
        return "child"
    if participant.startswith("family-"):
        return "family_member"
    return None


def is_held(attendance: Iterable[tuple[str, str]]) -> bool:
    """A visit is held when at least one family member attended (on time or late): (participant,
    attendance) pairs from its approved report."""
    return any(participant_type(who) == "family_member" and how in ATTENDING for who, how in attendance)


def approved_counts(starts_at: datetime, attendance: Iterable[tuple[str, str]]) -> Counts:
    """A report approved with this attendance: the visit held (a family member attended), and each
    participant who did not come, by participant type; in the UK month of the visit's start."""
    entries = list(attendance)
    month = uk_month(starts_at)
    counts: Counts = {}
    if is_held(entries):
        counts[(month, HELD)] = 1
    for who, how in entries:
        kind = participant_type(who)
        if how == Attendance.NO_SHOW.value and kind is not None:
            merge(counts, {(month, NO_SHOWS + kind): 1})
    return counts


def reminder_sent_counts(starts_at: datetime) -> Counts:
    """A reminder claimed for sending, for the visit starting at `starts_at` (a send that then
    fails takes it back: `undone`)."""
    return {(uk_month(starts_at), REMINDERS_SENT): 1}


def answer_is_late(answer: str | None, answered_at: datetime | None, starts_at: datetime) -> bool:
    """A "cannot come" given less than 24 hours before the start is a late cancellation."""
    return answer == Answer.CANNOT_COME and answered_at is not None and is_late_notice(answered_at, starts_at)


def standing_answer_counts(starts_at: datetime, answer: str | None, late: bool) -> Counts:
    """What a reminder's answer as it stands counts: confirmed when "coming", a late cancellation
    when a late "cannot come"."""
    month = uk_month(starts_at)
    counts: Counts = {}
    if answer == Answer.COMING:
        counts[(month, REMINDERS_CONFIRMED)] = 1
    if answer == Answer.CANNOT_COME and late:
        counts[(month, LATE_CANCELLATIONS)] = 1
    return counts


def answer_changed_counts(
    starts_at: datetime, previous: str | None, previous_late: bool, answer: str, late: bool
) -> Counts:
    """A new answer replacing `previous`: what the old one counted taken back, what the new one
    counts added (the same answer again changes nothing)."""
    counts = merge(
        undone(standing_answer_counts(starts_at, previous, previous_late)),
        standing_answer_counts(starts_at, answer, late),
    )
    return {key: value for key, value in counts.items() if value}


def figures_of(values: Values) -> dict[str, float | int | None]:
    """The visit figures shown, from one month's (or a range's summed) counters."""
    cancelled = {part: values.get(CANCELLED + part, 0) for part, _ in CANCELLED_PARTS}
    no_shows = {part: values.get(NO_SHOWS + part, 0) for part, _ in NO_SHOW_PARTS}
    sent, confirmed = values.get(REMINDERS_SENT, 0), values.get(REMINDERS_CONFIRMED, 0)
    return {
        "visits_booked": values.get(BOOKED, 0),
        "visits_held": values.get(HELD, 0),
        "visits_cancelled": sum(cancelled.values()),
        **{f"visits_cancelled.{part}": value for part, value in cancelled.items()},
        "late_cancellations": values.get(LATE_CANCELLATIONS, 0),
        "no_shows": sum(no_shows.values()),
        **{f"no_shows.{part}": value for part, value in no_shows.items()},
        "reminders_sent": sent,
        "reminders_confirmed": confirmed,
        "reminders_confirmed_share": share(confirmed, sent),
    }


SECTION = Section("visits", "Visits", STANDARDS, COUNTERS, figures_of)
