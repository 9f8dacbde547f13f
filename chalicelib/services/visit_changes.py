"""Changing a booked visit: reschedule or reassign it (every guard runs again), or cancel it.
Neither once the visit's report is submitted or approved (`visit_guards.check_record_open`)."""

from __future__ import annotations

from typing import Any

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain import date_words
from chalicelib.domain.local_time import from_iso, iso_utc, to_local
from chalicelib.domain.visit_requests import Cancellation, VisitChange
from chalicelib.domain.visit_slots import Slot, check_length, check_not_past, outside_plan, slot
from chalicelib.domain.visits import CANCELLED_BY_LABELS, CancelledBy, VisitStatus
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.services import family_links, figures, outputs, visit_notices
from chalicelib.services.audit import audited_transaction
from chalicelib.services.visit_access import ENTITY, SCHEDULERS, load, worker_id_of
from chalicelib.services.visit_guards import (
    check_bookable,
    check_range,
    check_record_open,
    guard,
    keep_record_open,
    load_referral,
    plan_dates,
)
from chalicelib.services.visit_views import view
from chalicelib.storage import visits as store


def change(principal: Principal, visit_id: str, changes: VisitChange) -> outputs.Visit:
    """Reschedule and/or reassign; every guard runs again. A visit that passes them is not at risk."""
    visit = load(visit_id)
    check_record_open(visit_id)  # first: its report's state says why, before the visit is marked reported
    if visit.status != VisitStatus.SCHEDULED:
        raise Conflict(f"This visit is {VisitStatus(visit.status).label.lower()}, so it cannot be changed.")
    old_start, old_end = from_iso(visit.starts_at), from_iso(visit.ends_at)
    length = old_end - old_start
    local_start = changes.start or to_local(old_start)
    new = slot(local_start, int(length.total_seconds() // 60))
    if changes.end is not None:
        new = Slot(local_start, new.starts_at, slot(changes.end, 0).starts_at)
    problem = check_length(new.starts_at, new.ends_at)
    if problem:
        raise ValidationFailed(problem + ".", fields=[{"path": "end", "message": problem}])
    check_range([new], "start")
    past = check_not_past(new.starts_at, clock.now()) if new.starts_at != old_start else None
    if past:
        raise ValidationFailed(past + ".", fields=[{"path": "start", "message": past}])
    referral = load_referral(visit.referral_id, None)
    check_bookable(referral)
    worker_id = changes.worker_id or visit.worker_id
    revision = guard(worker_id, [new], "worker_id", ignore=visit.visit_id)

    plan_start, plan_end = plan_dates(referral)
    record: dict[str, Any] = {}
    if new.starts_at != old_start or new.ends_at != old_end:
        record["starts_at"] = {"from": visit.starts_at, "to": iso_utc(new.starts_at)}
        record["ends_at"] = {"from": visit.ends_at, "to": iso_utc(new.ends_at)}
    if worker_id != visit.worker_id:
        record["worker_id"] = {"from": visit.worker_id, "to": worker_id}
    if changes.venue is not None and changes.venue != visit.venue:
        record["venue"] = "changed"
    if visit.at_risk:
        record["at_risk"] = {"from": True, "to": False}
    if not record:
        return view(visit)
    flagged_at = visit.starts_at if visit.at_risk else None  # the day its at-risk mark is filed under
    store.move_visit(visit, iso_utc(new.starts_at), iso_utc(new.ends_at))
    visit.worker_id = worker_id
    visit.venue = changes.venue if changes.venue is not None else visit.venue
    visit.outside_plan = outside_plan(new.local_start, plan_start, plan_end)
    store.clear_at_risk(visit)
    visit.updated_at = clock.iso_now()
    action = "visit.reassigned" if "worker_id" in record else "visit.rescheduled"
    conflict = "The visit or the worker's schedule changed meanwhile, so nothing was changed. Reload it and try again."
    try:
        with audited_transaction(principal.person, conflict) as tx:
            store.save_visit_in_status(tx, visit, VisitStatus.SCHEDULED.value)  # and its version
            store.claim_schedule(tx, worker_id, revision)
            if flagged_at is not None:
                figures.count_visit_at_risk(tx, visit.visit_id, flagged_at, False)
            keep_record_open(tx, visit.visit_id)
            tx.record(ENTITY, visit.visit_id, action, record, case_id=visit.referral_id)
            if "starts_at" in record:
                figures.count_moved(tx, record["starts_at"]["from"], record["starts_at"]["to"])
    except Conflict:
        check_record_open(visit.visit_id)  # the report was submitted meanwhile: say so
        raise
    visit_notices.changed(visit, record, referral)
    if "starts_at" in record:  # the family's answers were for the old time: their links die
        family_links.retire_for_visits([visit.visit_id], "the visit was moved", principal.person)
    return view(visit)


def cancel(principal: Principal, visit_id: str, cancellation: Cancellation) -> outputs.Visit:
    """Record who cancelled and why. A supervisor, or the worker the visit is assigned to."""
    refusal = "Only a supervisor or the worker assigned to this visit may cancel it."
    try:
        visit = load(visit_id)
    except NotFound:
        if principal.has_any(SCHEDULERS):
            raise
        raise Forbidden(refusal) from None  # the same answer as for someone else's visit
    if not principal.has_any(SCHEDULERS) and worker_id_of(principal) != visit.worker_id:
        raise Forbidden(refusal)
    if visit.status == VisitStatus.CANCELLED:
        by = CANCELLED_BY_LABELS.get(CancelledBy(visit.cancelled_by), visit.cancelled_by)
        raise Conflict(
            f"This visit was already cancelled on {date_words.when(visit.cancelled_at)} (cancelled by: {by.lower()})."
        )
    check_record_open(visit_id)  # first: its report's state says why, before the visit is marked reported
    if visit.status == VisitStatus.REPORTED:
        raise Conflict("This visit has been reported, so it cannot be cancelled.")
    try:
        with audited_transaction(principal.person, "The visit changed meanwhile. Reload it and try again.") as tx:
            add_cancellation(tx, visit, cancellation.cancelled_by.value, cancellation.reason)
            figures.count_cancelled(tx, [cancelled_counted(visit)])
            keep_record_open(tx, visit.visit_id)
    except Conflict:
        check_record_open(visit.visit_id)  # the report was submitted meanwhile: say so
        raise
    visit_notices.cancelled(visit)
    family_links.retire_for_visits([visit.visit_id], "the visit was cancelled", principal.person)
    return view(visit)


def cancelled_counted(visit: Any) -> tuple[str, str, str]:
    """What the dashboard counts a cancelled visit by: its start, when and by whom it was cancelled."""
    return visit.starts_at, visit.cancelled_at, visit.cancelled_by


def add_cancellation(tx: Any, visit: Any, cancelled_by: str, reason: str, changes: dict | None = None) -> None:
    """Add a scheduled visit's cancellation to the caller's transaction: who cancelled (`tx`'s
    person) and why, only if the visit is still scheduled at the version read, with its audit
    event (`changes` adds to what the event records). One visit's cancel and a case's suspension
    or closure (`services.case_status`) write it the same way."""
    visit.status = VisitStatus.CANCELLED.value
    visit.cancelled_by = cancelled_by
    visit.cancel_reason = reason
    visit.cancelled_at = clock.iso_now()
    visit.cancelled_by_user = tx.actor
    if visit.at_risk:  # a cancelled visit needs no worker: it is not at risk any more
        figures.count_visit_at_risk(tx, visit.visit_id, visit.starts_at, False)
    store.take_off_unsent_list(visit)
    visit.updated_at = visit.cancelled_at
    store.save_visit_in_status(tx, visit, VisitStatus.SCHEDULED.value)
    tx.record(
        ENTITY,
        visit.visit_id,
        "visit.cancelled",
        {
            "status": {"from": VisitStatus.SCHEDULED.value, "to": VisitStatus.CANCELLED.value},
            "by": visit.cancelled_by,
            **(changes or {}),
        },
        case_id=visit.referral_id,
    )
