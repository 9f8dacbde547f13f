"""What must hold before a visit is booked or moved: the referral is accepted or active, the
worker will be compliant on each date (one read of the worker), the worker has no overlapping
visit (one Query over the whole date range), and the dates are within reach: still to come for a
booking, already passed for a visit recorded as having happened.

`guard` returns the worker's schedule revision read before the overlap check: the write claims
it (`storage.visits.claim_schedule`), so two bookings racing for one worker cannot both pass.

`check_record_open` and `keep_record_open` are the one rule for changing a booked visit at all:
not once its report is submitted or approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib import clock
from chalicelib.domain import date_words
from chalicelib.domain.local_time import from_iso, iso_utc
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.domain.reports import WRITABLE, visit_locked_by
from chalicelib.domain.visit_slots import (
    MAX_MINUTES,
    Slot,
    check_has_happened,
    check_not_past_booking,
    check_within_range,
    clashes_with,
)
from chalicelib.domain.visits import VisitStatus, readable_reason
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.storage import referrals as referral_store
from chalicelib.storage import reports as report_store
from chalicelib.storage import visits as store

BOOKABLE = (ReferralStatus.ACCEPTED.value, ReferralStatus.ACTIVE.value)


def load_referral(referral_id: str, field: str | None):
    """The referral; unknown is a 404 for a path id, a 422 at `field` for a body field."""
    referral = referral_store.referral(referral_id, consistent=True)
    if referral is None:
        if field is None:
            raise NotFound("No referral with that id.")
        raise ValidationFailed(
            "The referral was not found.", fields=[{"path": field, "message": "No referral with this id"}]
        )
    return referral


def check_bookable(referral) -> None:
    if referral.status == ReferralStatus.SUSPENDED:
        raise Conflict("This case is suspended: resume it before booking or changing its visits. Nothing was booked.")
    if referral.status == ReferralStatus.CLOSED:
        raise Conflict("This case is closed, so no visits can be booked or changed for it. Nothing was booked.")
    if referral.status not in BOOKABLE:
        label = ReferralStatus(referral.status).label
        raise Conflict(
            f"Visits can be booked only for an accepted referral. This referral is {label}, so nothing was booked."
        )


class VisitRecordLocked(Conflict):
    """The visit's report is submitted or approved: the visit must stay as the report records it."""

    code = "visit_record_locked"


def check_record_open(visit_id: str) -> None:
    """Refuse (409) to move, reassign or cancel a visit whose report is submitted or approved (one
    read of the report). The write makes the same rule its condition with `keep_record_open`, so a
    submission racing the change cannot slip between the two."""
    report = report_store.get_report(visit_id)
    reason = visit_locked_by(report.status) if report is not None else None
    if reason:
        raise VisitRecordLocked(reason)


def keep_record_open(tx, visit_id: str) -> None:
    """A condition of the change's transaction: the visit has no report, or its report is still open."""
    report_store.check_report_open(tx, visit_id, tuple(status.value for status in WRITABLE))


def plan_dates(referral) -> tuple[date | None, date | None]:
    """The first and last day of the referral's contact plan, where it gives them."""
    contact = (referral.submission or {}).get("contact") or {}
    as_day = lambda value: date.fromisoformat(value) if value else None  # noqa: E731
    return as_day(contact.get("start_date")), as_day(contact.get("end_date"))


@dataclass
class Problem:
    """One booking that cannot go ahead: which (index in the request), when, and why."""

    index: int
    when: str
    message: str


def _compliance(worker_id: str, days: list[date], worker_field: str) -> dict[date, tuple[bool, list[str]]]:
    """Whether the worker may work on each day. One visit asks `worker_compliant_on`; a series reads
    the worker once and applies the same rule to every date."""
    from chalicelib.services import workers

    try:
        if len(set(days)) == 1:
            return {days[0]: workers.worker_compliant_on(worker_id, days[0])}
        from chalicelib.domain.clearances import compliant_on

        certs, rules = workers.certificates(workers.load_worker(worker_id)), workers.policy()
        return {day: compliant_on(certs, rules, day) for day in set(days)}
    except NotFound:
        raise ValidationFailed(
            "The worker was not found.", fields=[{"path": worker_field, "message": "No worker with this id"}]
        ) from None


def _booked(worker_id: str, slots: list[Slot], ignore: str | None = None) -> list[tuple[str, datetime, datetime]]:
    """The worker's live visits that could overlap any of `slots`: ONE Query of the worker's visits
    from the earliest start (less the longest visit) to the latest end."""
    low = min(s.starts_at for s in slots) - timedelta(minutes=MAX_MINUTES)
    high = max(s.ends_at for s in slots)
    found = []
    for visit in store.visits_of_worker(worker_id, iso_utc(low), iso_utc(high)):
        if visit.visit_id == ignore or visit.status == VisitStatus.CANCELLED:
            continue
        found.append((visit.visit_id, from_iso(visit.starts_at), from_iso(visit.ends_at)))
    return found


def guard(worker_id: str, slots: list[Slot], worker_field: str, ignore: str | None = None) -> int:
    """Raise one Conflict listing every slot the worker cannot take (not compliant, or double-booked).
    A clashing visit is named by its day and time; a reason the worker is not compliant is said once,
    however many visits of a series it stops.

    Returns the worker's schedule revision read before the overlap check, for the write to claim.
    """
    days = [s.local_start.date() for s in slots]
    compliance = _compliance(worker_id, days, worker_field)
    revision = store.schedule_revision(worker_id)
    booked = _booked(worker_id, slots, ignore)
    problems: list[Problem] = []
    reasons: dict[str, list[date]] = {}  # each reason the worker is not compliant -> the days it stops
    for index, s in enumerate(slots):
        when = date_words.when(s.local_start)
        ok, why = compliance[s.local_start.date()]
        if not ok:
            reason = "; ".join(readable_reason(r) for r in why)
            reasons.setdefault(reason, []).append(days[index])
            problems.append(Problem(index, when, "the worker will not be compliant on that day"))
        for other_id in clashes_with(s, booked):
            other = next(b for b in booked if b[0] == other_id)
            problems.append(
                Problem(
                    index,
                    when,
                    f"the worker already has a visit from {date_words.when(other[1])} to {date_words.clock(other[2])}",
                )
            )
    if problems:
        raise Conflict(_refusal(slots, problems, reasons), fields=_problem_fields(slots, problems))
    return revision


def _refusal(slots: list[Slot], problems: list[Problem], reasons: dict[str, list[date]]) -> str:
    """The sentence a refusal reads as: each compliance reason once, with the days it stops, then the clashes."""
    said = [
        f"the worker will not be compliant on {_days_words(stopped)}: {reason}" for reason, stopped in reasons.items()
    ]
    clashes = [p for p in problems if not p.message.startswith("the worker will not be compliant")]
    if len(slots) == 1:
        message = "This visit cannot be booked: " + "; and ".join(said + [p.message for p in clashes]) + "."
    else:
        failing = len({p.index for p in problems})
        message = (
            f"{failing} of the {len(slots)} visits cannot be booked, so none were: "
            + "; ".join(said + [f"{p.when}: {p.message}" for p in clashes])
            + "."
        )
    return message[:1].upper() + message[1:]


def _days_words(days: list[date]) -> str:
    """`14 May 2027`, or `3 visits from 14 May 2027 to 28 May 2027`."""
    if len(days) == 1:
        return date_words.long_day(days[0])
    return f"{len(days)} visits from {date_words.long_day(min(days))} to {date_words.long_day(max(days))}"


def _problem_fields(slots: list[Slot], problems: list[Problem]) -> list[dict[str, str]]:
    return [
        {"path": f"visits[{p.index}]" if len(slots) > 1 else "start", "message": f"{p.when}: {p.message}"}
        for p in problems
    ]


def check_range(slots: list[Slot], field: str) -> None:
    today = clock.today()
    problems = [
        {"path": field, "message": problem}
        for problem in {check_within_range(s.local_start, today) for s in slots}
        if problem
    ]
    if problems:
        raise ValidationFailed(problems[0]["message"] + ".", fields=problems)


def check_timing(slots: list[Slot], field: str, *, past: bool) -> None:
    """A booking's every start is still to come; a recorded past visit's start has come (422 at
    `field`, saying which action fits instead)."""
    now = clock.now()
    rule = check_has_happened if past else check_not_past_booking
    problem = next((p for p in (rule(s.starts_at, now) for s in slots) if p), None)
    if problem:
        raise ValidationFailed(problem + ".", fields=[{"path": field, "message": problem}])
