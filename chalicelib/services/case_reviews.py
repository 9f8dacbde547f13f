"""The periodic case review: recording one, a case's reviews, when the next is due, the reviews
overdue on the supervisors' home page, and the daily reminder (`case-reviews-due`).

A case's schedule says when its next review is due: a period (`case_review_period_months`) after
its first visit, written in the transaction that makes the case ACTIVE, then after each review,
written with the review. The job reads the open schedules due by the end of its window with one
Query on their index, never a Scan, and reminds the supervisors once per due day.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.config import settings
from chalicelib.domain.case_reviews import (
    CaseReviewInput,
    days_overdue,
    is_overdue,
    next_review_due,
    reminder_window_end,
)
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.errors import Conflict, NotFound
from chalicelib.observability import count, logger
from chalicelib.services import outputs
from chalicelib.services.audit import SYSTEM, audited_transaction, uk_day, uk_today
from chalicelib.storage import case_reviews as store
from chalicelib.storage import referrals as referral_store

if TYPE_CHECKING:
    from chalicelib.storage.case_reviews import CaseReview, CaseReviewSchedule
    from chalicelib.storage.referrals import Referral

ENTITY = "case_review"  # a review's name in the audit log
REVIEWERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
# A referral in one of these never became a case: its page has no review section.
NOT_STARTED = frozenset(
    {
        ReferralStatus.SUBMITTED,
        ReferralStatus.UNDER_REVIEW,
        ReferralStatus.MORE_INFO_REQUESTED,
        ReferralStatus.DECLINED,
        ReferralStatus.WITHDRAWN,
        ReferralStatus.LAPSED,
    }
)
# A case in one of these has ended: its schedule leaves the due index. A case in any other status
# that is not ACTIVE (suspended, say) keeps its schedule and is reminded again once it is active.
ENDED = frozenset({ReferralStatus.CLOSED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN, ReferralStatus.LAPSED})


# -- reads ----------------------------------------------------------------------------------------


def reviews_of_case(referral_id: str) -> list[dict[str, Any]]:
    """A case's reviews, oldest first: one Query."""
    return [view(review) for review in store.reviews_of(referral_id)]


def view(review: CaseReview) -> dict[str, Any]:
    return {
        "review_id": review.review_id,
        "referral_id": review.referral_id,
        "reviewed_at": review.reviewed_at,
        "reviewed_by": review.reviewed_by,
        "reviewed_by_name": review.reviewed_by_name,
        "attendance": review.attendance,
        "concerns": review.concerns,
        "continues_as_planned": bool(review.continues_as_planned),
        "plan_changes": review.plan_changes,
    }


def first_review_due(first_visit_day: date) -> date:
    return next_review_due(None, first_visit_day, settings().case_review_period_months)


def due_on(referral: Referral) -> date | None:
    """When the case's next review is due (None before it has started): its schedule, or, for a
    case that started before schedules were kept, a period after its first visit."""
    schedule = store.schedule_of(referral.referral_id)
    if schedule is not None:
        return date.fromisoformat(schedule.due_on)
    from chalicelib.domain.local_time import from_iso, to_local
    from chalicelib.storage.visits import visits_of_referral

    first = next(iter(visits_of_referral(referral.referral_id, limit=1)), None)
    return None if first is None else first_review_due(to_local(from_iso(first.starts_at)).date())


def panel(principal: Principal, referral: Referral, *, typed: dict | None = None) -> dict[str, Any] | None:
    """The case page's review section, for staff only (None for anyone else): the past reviews
    (newest first), when the next is due, and whether this person may record one now. The form
    starts from the attendance the approved reports record, unless something was typed."""
    if not principal.has_any(REVIEWERS):
        return None
    status = ReferralStatus(referral.status)
    if status in NOT_STARTED:
        return None
    reviews = list(reversed(reviews_of_case(referral.referral_id)))
    due = due_on(referral) if status is ReferralStatus.ACTIVE else None
    today = uk_today()
    can_review = status is ReferralStatus.ACTIVE
    form = dict(typed or {})
    if can_review and not typed:
        form["attendance"] = _attendance_so_far(referral)
    return {
        "referral_id": referral.referral_id,
        "reviews": reviews,
        "due_on": due.isoformat() if due else None,
        "overdue_days": days_overdue(due, today) if due else 0,
        "can_review": can_review,
        "typed": form,
    }


def _attendance_so_far(referral: Referral) -> str:
    """The attendance the case's approved reports record, in words (three reads: the visits, their
    reports, the approved versions)."""
    from chalicelib.domain.case_summary import attendance_text, summarise
    from chalicelib.services.case_bundle import approved_sessions

    sessions, cancelled_by = approved_sessions(referral.referral_id)
    return attendance_text(summarise(sessions, cancelled_by))


def overdue(today: date | None = None) -> list[dict[str, Any]]:
    """The active cases whose review is overdue, oldest due first: one Query on the due index and
    one BatchGetItem of their referrals."""
    from chalicelib.domain.referral_reference import human_reference

    today = today or uk_today()
    schedules = store.open_schedules_due_by(today.isoformat(), before=True)
    referrals = referral_store.referrals_by_id(s.referral_id for s in schedules) if schedules else {}
    rows = []
    for schedule in schedules:
        referral = referrals.get(schedule.referral_id)
        if referral is None or referral.status != ReferralStatus.ACTIVE:
            continue
        due = date.fromisoformat(schedule.due_on)
        rows.append(
            {
                "referral_id": schedule.referral_id,
                "reference": human_reference(schedule.referral_id),
                "children": _first_names(referral),
                "due_on": schedule.due_on,
                "days_overdue": days_overdue(due, today),
            }
        )
    return rows


def _first_names(referral: Referral) -> str:
    children = (referral.submission or {}).get("children") or []
    return ", ".join(c.get("first_name", "") for c in children if c.get("first_name"))


# -- writes ---------------------------------------------------------------------------------------


def start(tx: Any, referral_id: str, first_visit_day: date) -> str:
    """Add the case's first review schedule to the transaction that makes it ACTIVE; the due day."""
    due = first_review_due(first_visit_day).isoformat()
    store.start_schedule(tx, referral_id, due_on=due, now=clock.iso_now())
    return due


def record(principal: Principal, referral_id: str, review: CaseReviewInput) -> outputs.CaseReview:
    """Record a review of an ACTIVE case (201) and move its next review a period on, with the
    review's audit event, in one transaction. Any other status is a 409."""
    referral = referral_store.referral(referral_id)
    if referral is None:
        raise NotFound("No referral has this id.")
    if referral.status != ReferralStatus.ACTIVE:
        raise Conflict(
            f"Only an active case is reviewed, and this referral is {ReferralStatus(referral.status).label}. "
            "Nothing was recorded."
        )
    moment = clock.now()
    reviewed_at = moment.isoformat(timespec="seconds")
    next_due = next_review_due(uk_day(moment), uk_day(moment), settings().case_review_period_months)
    person = principal.person
    item = store.new_review(
        referral_id,
        reviewed_at,
        review_id=uuid.uuid4().hex,
        reviewed_by=person.email,
        reviewed_by_name=person.name,
        attendance=review.attendance,
        concerns=review.concerns,
        continues_as_planned=review.continues_as_planned,
        plan_changes=review.plan_changes,
    )
    conflict = "The case changed while the review was being recorded, so nothing was recorded. Reload and try again."
    with audited_transaction(person, conflict) as tx:
        referral_store.check_referral_status(tx, referral_id, ReferralStatus.ACTIVE.value)
        store.add_review(tx, item)
        store.set_schedule(tx, referral_id, due_on=next_due.isoformat(), now=reviewed_at, last_reviewed_at=reviewed_at)
        tx.record(
            ENTITY,
            item.review_id,
            "case_review.recorded",
            {
                "referral_id": referral_id,
                "continues_as_planned": review.continues_as_planned,
                "next_review_due": next_due.isoformat(),
            },
            case_id=referral_id,
        )
    count("CaseReviewsRecorded")
    logger().info("case review recorded", extra={"referral_id": referral_id, "review_id": item.review_id})
    return {**view(item), "next_review_due": next_due.isoformat()}


# -- the daily reminder ---------------------------------------------------------------------------


def remind_due(today: date) -> dict[str, Any]:
    """The job `case-reviews-due`: email the supervisors once for each active case whose review is
    due within `case_review_reminder_days` of `today` or overdue, and take ended cases' schedules
    out of the due index. A re-run the same day, or any later day for the same due day, sends
    nothing new: the schedule records the due day it reminded of, in the same write as its audit
    event, before the email goes."""
    last_day = reminder_window_end(today, settings().case_review_reminder_days)
    schedules = store.open_schedules_due_by(last_day.isoformat())
    referrals = referral_store.referrals_by_id(s.referral_id for s in schedules) if schedules else {}
    summary = {
        "as_of": today.isoformat(),
        "due_by": last_day.isoformat(),
        "schedules_read": len(schedules),
        "reminders_sent": 0,
        "already_reminded": 0,
        "reminders_failed": 0,
        "not_active": 0,
        "closed": 0,
    }
    for schedule in schedules:
        referral = referrals.get(schedule.referral_id)
        if referral is None or referral.status in ENDED:
            summary["closed"] += _close(schedule)
        elif referral.status != ReferralStatus.ACTIVE:
            summary["not_active"] += 1
        elif schedule.reminded_for == schedule.due_on:
            summary["already_reminded"] += 1
        else:
            outcome = _remind(schedule, referral, today)
            summary[outcome] += 1
    logger().info("case review reminders", extra={k: v for k, v in summary.items() if k not in ("as_of", "due_by")})
    return summary


def _close(schedule: CaseReviewSchedule) -> int:
    try:
        with audited_transaction(SYSTEM) as tx:
            store.close_schedule(tx, schedule, now=clock.iso_now())
            tx.record("referral", schedule.referral_id, "case_review.schedule_closed", {"due_on": schedule.due_on})
    except Conflict:
        return 0
    return 1


def _remind(schedule: CaseReviewSchedule, referral: Referral, today: date) -> str:
    from chalicelib.domain.date_words import long_day
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.services import email

    previous = schedule.reminded_for
    try:
        with audited_transaction(SYSTEM) as tx:
            store.claim_reminder(tx, schedule, now=clock.iso_now())
            tx.record("referral", schedule.referral_id, "case_review.reminder_sent", {"due_on": schedule.due_on})
    except Conflict:  # another run reminded of this due day first, or a review moved it on
        return "already_reminded"
    due = date.fromisoformat(schedule.due_on)
    try:
        email.send(
            settings().duty_supervisor_email,
            "case_review_due",
            reference=human_reference(schedule.referral_id),
            children=_first_names(referral),
            due=long_day(due),
            overdue=is_overdue(due, today),
            days_overdue=days_overdue(due, today),
            link=f"{settings().public_base_url}/referrals/{schedule.referral_id}#case-reviews",
        )
    except Exception:  # SES refused or was unreachable: give the due day back to the next run
        logger().exception("case review reminder not sent", extra={"referral_id": schedule.referral_id})
        with audited_transaction(SYSTEM) as tx:
            store.release_reminder(tx, schedule, previous=previous)
            tx.record("referral", schedule.referral_id, "case_review.reminder_failed", {"due_on": schedule.due_on})
        return "reminders_failed"
    count("CaseReviewRemindersSent")
    return "reminders_sent"
