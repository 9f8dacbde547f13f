"""Booking visits: one visit or a series from the referral's contact plan, all or nothing, always
from now on; and recording, as its own action, a visit that already happened (so its report can be
written).

The guards (`visit_guards`) run before anything is written. A series is written in one
TransactWriteItems with its audit events, or not at all; the same transaction moves the worker's
schedule revision on, conditionally on the revision read before the overlap check, so two bookings
racing for one worker cannot both pass it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain.local_time import ZONE_NAME, iso_utc
from chalicelib.domain.monthly_counts import uk_month
from chalicelib.domain.referrals import ReferralStatus, address_is_confidential
from chalicelib.domain.visit_requests import NewSeries, NewVisit, Participants
from chalicelib.domain.visit_slots import Slot, outside_plan
from chalicelib.domain.visits import REPEAT_LABELS, VisitStatus
from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.observability import count, logger
from chalicelib.services import figures, outputs, visit_notices
from chalicelib.services.audit import audited_transaction
from chalicelib.services.visit_access import ENTITY
from chalicelib.services.visit_guards import (
    check_bookable,
    check_range,
    check_timing,
    guard,
    load_referral,
    plan_dates,
)
from chalicelib.services.visit_views import view
from chalicelib.storage import referrals as referral_store
from chalicelib.storage import visits as store

if TYPE_CHECKING:
    from chalicelib.storage.referrals import Referral
    from chalicelib.storage.visits import Visit

SERIES_ENTITY = "visit_series"
SCHEDULED, RECORDED_PAST = "visit.scheduled", "visit.recorded_past"  # the audit actions of a new visit


def contact_plan(referral) -> dict[str, Any]:
    """The referral's contact plan, as the series form prefills it."""
    return dict((referral.submission or {}).get("contact") or {})


def _participants(referral, chosen: Participants | None, prefix: str) -> dict[str, Any]:
    """Participants checked against the referral, with the labels pages show (first names and
    relationships only: no surnames)."""
    submission = referral.submission or {}
    children = submission.get("children") or []
    members = submission.get("family_members") or []
    chosen = chosen or Participants(children=list(range(len(children))), family_members=list(range(len(members))))
    problems = [
        {
            "path": f"{prefix}.children[{n}]",
            "message": f"The referral has {len(children)} child(ren); use 0 to {len(children) - 1}",
        }
        for n, index in enumerate(chosen.children)
        if index >= len(children)
    ] + [
        {
            "path": f"{prefix}.family_members[{n}]",
            "message": f"The referral has {len(members)} family member(s); use 0 to {len(members) - 1}",
        }
        for n, index in enumerate(chosen.family_members)
        if index >= len(members)
    ]
    if problems:
        raise ValidationFailed(f"{len(problems)} field(s) need attention.", fields=problems)
    labels = [children[i].get("first_name", "") for i in chosen.children] + [
        members[i].get("relationship", "") for i in chosen.family_members
    ]
    return {"children": chosen.children, "family_members": chosen.family_members, "labels": labels}


# -- booking -------------------------------------------------------------------------------------


def book(principal: Principal, new: NewVisit) -> outputs.Visit:
    """Book one visit from now on (201); a start that has passed is a 422 saying how to record it.
    The first visit of a referral makes it ACTIVE in the same transaction."""
    referral, visit = _one(principal, new, past=False)
    visit_notices.booked(referral, [visit])
    return view(visit)


def record_past(principal: Principal, new: NewVisit) -> outputs.Visit:
    """Record a visit that already happened, as having taken place at its (past) time (201), so its
    report can be written: the supervisor's explicit action, audited as `visit.recorded_past`. Every
    guard of a booking holds (the referral, the worker's compliance on that day, no double booking,
    the contact plan); a start still to come is a 422. Nobody is emailed: no one's plans depend on it."""
    _, visit = _one(principal, new, past=True)
    return view(visit)


def _one(principal: Principal, new: NewVisit, *, past: bool) -> tuple[Referral, Visit]:
    referral = load_referral(new.referral_id, "referral_id")
    participants = _participants(referral, new.participants, "participants")
    s = new.slot
    check_range([s], "start")
    check_timing([s], "start", past=past)
    check_bookable(referral)
    revision = guard(new.worker_id, [s], "worker_id")
    with _naming_the_clash(new.worker_id, [s]):
        visits = _write(
            principal,
            referral,
            new.worker_id,
            [s],
            new.venue,
            participants,
            series=None,
            revision=revision,
            action=RECORDED_PAST if past else SCHEDULED,
        )
    return referral, visits[0]


def book_series(principal: Principal, referral_id: str, series: NewSeries) -> outputs.VisitSeries:
    """Book a series from the contact plan, all or nothing (201)."""
    from pydantic import ValidationError

    from chalicelib.domain.validation import field_errors

    referral = load_referral(referral_id, None)
    participants = _participants(referral, series.participants, "participants")
    try:
        slots = series.slots()
    except ValidationError as exc:
        fields = field_errors(exc)
        raise ValidationFailed(fields[0]["message"] + ".", fields=fields) from exc
    check_range(slots, "first_start")
    check_timing(slots, "first_start", past=False)
    check_fits(slots)
    check_bookable(referral)
    revision = guard(series.worker_id, slots, "worker_id")
    series_info = {
        "id": uuid.uuid4().hex,
        "repeat": series.repeat.value,
        "until": series.until.isoformat() if series.until else None,
        "sessions": series.sessions,
    }
    with _naming_the_clash(series.worker_id, slots):
        visits = _write(
            principal,
            referral,
            series.worker_id,
            slots,
            series.venue,
            participants,
            series=series_info,
            revision=revision,
        )
    visit_notices.booked(referral, visits)
    now = clock.now()
    return {
        "series_id": series_info["id"],
        "repeat": series.repeat.value,
        "repeat_label": REPEAT_LABELS[series.repeat],
        "count": len(visits),
        "visits": [view(v, now=now) for v in visits],
    }


# One series' transaction: each visit and its audit event, the series' event, the worker's schedule,
# the referral's move to ACTIVE (its update, its event, its first review), and one dashboard counter
# per UK month the visits start in.
TRANSACTION_ITEMS, FIXED_ITEMS = 100, 5


def check_fits(slots: list[Slot]) -> None:
    """A series too long to book in one transaction with its counters (40 visits every two weeks span
    19 months) is a 422 saying to book it in parts."""
    months = {uk_month(s.starts_at) for s in slots}
    if 2 * len(slots) + len(months) + FIXED_ITEMS > TRANSACTION_ITEMS:
        most = (TRANSACTION_ITEMS - FIXED_ITEMS - len(months)) // 2
        problem = f"This series spans {len(months)} months: book at most {most} of its visits at once, and the rest as another series"
        raise ValidationFailed(problem + ".", fields=[{"path": "sessions", "message": problem}])


@contextmanager
def _naming_the_clash(worker_id: str, slots: list[Slot]) -> Iterator[None]:
    """A booking that lost the race for the worker's schedule (the same plan sent twice at once,
    say) is told what it clashed with: the guard runs again on what is booked now."""
    try:
        yield
    except Conflict:
        guard(worker_id, slots, "worker_id")
        raise


def _write(
    principal: Principal,
    referral,
    worker_id: str,
    slots: list[Slot],
    venue: str,
    participants: dict,
    *,
    series: dict | None,
    revision: int,
    action: str = SCHEDULED,
) -> list[Visit]:
    """One TransactWriteItems: each visit and its audit event (`action`), the series' audit event, and the
    referral's move to ACTIVE with its first case review's schedule (or a check that it is still
    ACTIVE), and the worker's schedule revision. 40 visits make 85 items (the limit is 100)."""
    from chalicelib.services import case_reviews
    from chalicelib.services.referral_status import change_status

    now = clock.iso_now()
    plan_start, plan_end = plan_dates(referral)
    confidential = address_is_confidential(referral.submission)
    visits = [
        store.new_visit(
            uuid.uuid4().hex,
            referral_id=referral.referral_id,
            referrer_id=referral.referrer_id,
            worker_id=worker_id,
            starts_at=iso_utc(s.starts_at),
            ends_at=iso_utc(s.ends_at),
            zone=ZONE_NAME,
            venue=venue,
            participants=participants,
            confidential_address=confidential,
            outside_plan=outside_plan(s.local_start, plan_start, plan_end),
            series_id=series["id"] if series else None,
            status=VisitStatus.SCHEDULED.value,
            at_risk=False,
            created_at=now,
            created_by=principal.email,
            updated_at=now,
        )
        for s in slots
    ]
    conflict = (
        "The referral or the worker's schedule changed while this was being booked, so nothing was booked. "
        "Check the schedule and try again."
    )
    with audited_transaction(principal.person, conflict) as tx:
        store.claim_schedule(tx, worker_id, revision)
        for visit in visits:
            store.add_visit(tx, visit)
            tx.record(
                ENTITY,
                visit.visit_id,
                action,
                {
                    "referral_id": visit.referral_id,
                    "worker_id": worker_id,
                    "starts_at": visit.starts_at,
                    "ends_at": visit.ends_at,
                    "series_id": visit.series_id,
                    "outside_plan": visit.outside_plan,
                },
                case_id=visit.referral_id,
            )
        figures.count_booked(tx, [visit.starts_at for visit in visits])
        if series:
            tx.record(
                SERIES_ENTITY,
                series["id"],
                "visit_series.scheduled",
                {**series, "referral_id": referral.referral_id, "visit_ids": [v.visit_id for v in visits]},
            )
        if referral.status == ReferralStatus.ACCEPTED:
            first_day = min(s.local_start for s in slots).date()
            change_status(
                tx,
                referral.referral_id,
                ReferralStatus.ACCEPTED.value,
                ReferralStatus.ACTIVE.value,
                action="referral.activated",
                reason="first visit scheduled",
                details={"case_review_due": case_reviews.start(tx, referral.referral_id, first_day)},
            )
        else:
            referral_store.check_referral_status(tx, referral.referral_id, ReferralStatus.ACTIVE.value)
    count("VisitsRecordedPast" if action == RECORDED_PAST else "VisitsScheduled", len(visits))
    logger().info(
        "past visit recorded" if action == RECORDED_PAST else "visits scheduled",
        extra={"referral_id": referral.referral_id, "worker_id": worker_id, "visits": len(visits)},
    )
    return visits
