"""Case reviews: each review a supervisor recorded (a case's reviews are one Query on its id), and
each case's review schedule, the next due day the reminder job and the supervisors' home page read.
The only module that knows how they are laid out."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta

# The one value of `open_review`: a schedule is in the `by_due` index while its case may still be
# reviewed, and leaves it (the attribute removed) once the case has ended.
OPEN = "OPEN"


class CaseReview(Model):
    """One periodic review, never changed once written."""

    class Meta:
        locals().update(meta("case-reviews"))

    referral_id = UnicodeAttribute(hash_key=True)
    reviewed_at = UnicodeAttribute(range_key=True)  # UTC ISO, to the second: a case's reviews in time order
    review_id = UnicodeAttribute()
    reviewed_by = UnicodeAttribute()  # the supervisor's email
    reviewed_by_name = UnicodeAttribute(null=True)
    attendance = UnicodeAttribute()
    concerns = UnicodeAttribute(null=True)
    continues_as_planned = BooleanAttribute()
    plan_changes = UnicodeAttribute(null=True)


class SchedulesByDue(GlobalSecondaryIndex):
    """Sparse: the schedules of cases still open, by due day. One Query answers both "due by this
    day or overdue" (the reminder job) and "overdue, oldest first" (the home page), reading only
    the schedules it returns. A due-month partition would leave an overdue review in a month no
    later run reads: an overdue review has no earliest day."""

    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    open_review = UnicodeAttribute(hash_key=True)
    due_on = UnicodeAttribute(range_key=True)


class CaseReviewSchedule(Model):
    """One per case that has started: when its next review is due, and the due day it last
    reminded the supervisors of (so each due day is reminded of once)."""

    class Meta:
        locals().update(meta("case-review-schedules"))

    referral_id = UnicodeAttribute(hash_key=True)
    due_on = UnicodeAttribute()  # "YYYY-MM-DD"
    open_review = UnicodeAttribute(null=True)  # OPEN while in the by_due index
    last_reviewed_at = UnicodeAttribute(null=True)
    reminded_for = UnicodeAttribute(null=True)  # the due day the last reminder was for
    reminded_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()

    by_due = SchedulesByDue()


# -- reads: each a GetItem or a Query on a key or an index, never a Scan ------------------------


def reviews_of(referral_id: str) -> list[CaseReview]:
    """A case's reviews, oldest first: one Query."""
    return list(CaseReview.query(referral_id))


def schedule_of(referral_id: str) -> CaseReviewSchedule | None:
    try:
        return CaseReviewSchedule.get(referral_id, consistent_read=True)
    except CaseReviewSchedule.DoesNotExist:
        return None


def open_schedules_due_by(last_day: str, *, before: bool = False) -> list[CaseReviewSchedule]:
    """The open schedules due on or before `last_day` ("YYYY-MM-DD"; strictly before with
    `before`), oldest due first: one Query on the sparse index."""
    condition = CaseReviewSchedule.due_on < last_day if before else CaseReviewSchedule.due_on <= last_day
    return list(CaseReviewSchedule.by_due.query(OPEN, condition))


# -- writes: each added to a transaction with its audit event, or one conditional write --------


def new_review(referral_id: str, reviewed_at: str, **attributes) -> CaseReview:
    return CaseReview(referral_id, reviewed_at, **attributes)


def add_review(tx: Writes, review: CaseReview) -> None:
    """Write the review (never over another of the same case and second)."""
    tx.save(review, condition=CaseReview.referral_id.does_not_exist())


def set_schedule(tx: Writes, referral_id: str, *, due_on: str, now: str, last_reviewed_at: str | None) -> None:
    """The case's next review is due on `due_on`: written whole, open, not yet reminded of."""
    tx.save(
        CaseReviewSchedule(
            referral_id,
            due_on=due_on,
            open_review=OPEN,
            last_reviewed_at=last_reviewed_at,
            updated_at=now,
        )
    )


def start_schedule(tx: Writes, referral_id: str, *, due_on: str, now: str) -> None:
    """The first review of a case that has just started, unless it has a schedule already."""
    tx.save(
        CaseReviewSchedule(referral_id, due_on=due_on, open_review=OPEN, updated_at=now),
        condition=CaseReviewSchedule.referral_id.does_not_exist(),
    )


def claim_reminder(tx: Writes, schedule: CaseReviewSchedule, *, now: str) -> None:
    """Record that the supervisors are reminded of the schedule's due day, only if it is still due
    then and nobody has reminded them of that day yet."""
    tx.update(
        schedule,
        actions=[
            CaseReviewSchedule.reminded_for.set(schedule.due_on),
            CaseReviewSchedule.reminded_at.set(now),
        ],
        condition=(CaseReviewSchedule.due_on == schedule.due_on)
        & (CaseReviewSchedule.open_review == OPEN)
        & (CaseReviewSchedule.reminded_for.does_not_exist() | (CaseReviewSchedule.reminded_for != schedule.due_on)),
    )


def release_reminder(tx: Writes, schedule: CaseReviewSchedule, *, previous: str | None) -> None:
    """Undo a claim whose email could not be sent, so the next run sends it, only if the claim is
    still this run's."""
    action = (
        CaseReviewSchedule.reminded_for.remove() if previous is None else CaseReviewSchedule.reminded_for.set(previous)
    )
    tx.update(schedule, actions=[action], condition=CaseReviewSchedule.reminded_for == schedule.due_on)


def close_schedule(tx: Writes, schedule: CaseReviewSchedule, *, now: str) -> None:
    """Take an ended case's schedule out of the due index, only if it is as read."""
    tx.update(
        schedule,
        actions=[CaseReviewSchedule.open_review.remove(), CaseReviewSchedule.updated_at.set(now)],
        condition=CaseReviewSchedule.due_on == schedule.due_on,
    )
