"""Demo visits for a fresh local start: an accepted referral with a weekly series for Casey Evans,
and yesterday's visit whose report is due, so the week view and "My visits" show something."""

from __future__ import annotations

import uuid
from datetime import timedelta

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.referral_reference import human_reference, reference_key
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.examples import example_referral
from local.directory import for_role

DEMO_WORKER_EMAIL = "casey.worker@familycontact.example"


def _accepted_referral(supervisor: Principal) -> str:
    """A referral as the review would leave it once a supervisor accepted it, with its history."""
    from chalicelib.domain.people import Person
    from chalicelib.services.audit import SYSTEM, audited_transaction, status_change
    from chalicelib.storage.referral_references import claim_reference
    from chalicelib.storage.referrals import Referral

    referrer = for_role("referrer")[0]
    today = clock.today()
    body = example_referral()
    body["referrer"].update(name=referrer.name, email=referrer.email)
    body["contact"]["start_date"] = today.isoformat()
    body["contact"]["end_date"] = (today + timedelta(days=120)).isoformat()
    now = clock.iso_now()
    referral_id = uuid.uuid4().hex
    referral = Referral(
        referral_id,
        reference=reference_key(human_reference(referral_id)),
        referrer_id=referrer.user_id,
        referrer_email=referrer.email,
        status=ReferralStatus.ACCEPTED.value,
        created_at=now,
        updated_at=now,
        submission=body,
        history=[
            status_change(
                Person(referrer.email, referrer.name, Role.REFERRER.value), None, ReferralStatus.SUBMITTED.value
            ),
            status_change(SYSTEM, ReferralStatus.SUBMITTED.value, ReferralStatus.UNDER_REVIEW.value),
            status_change(supervisor.person, ReferralStatus.UNDER_REVIEW.value, ReferralStatus.ACCEPTED.value),
        ],
        exchanges=[],
        decision="accept",
        decided_by=supervisor.email,
        decided_by_name=supervisor.person.name,
        decided_by_role=supervisor.person.role,
        decided_at=now,
        notified_status=ReferralStatus.ACCEPTED.value,
    )
    with audited_transaction(supervisor.person) as tx:
        tx.save(referral, condition=Referral.referral_id.does_not_exist())
        claim_reference(tx, referral.reference, referral.referral_id)  # as intake claims it
        tx.record("referral", referral.referral_id, "referral.seeded", {"status": ReferralStatus.ACCEPTED.value})
    return referral.referral_id


def seed_demo_visits() -> int:
    """Book through the real use cases (guards, audit and all); returns the visits made."""
    from chalicelib.domain.visit_requests import NewSeries, PastVisit
    from chalicelib.services import visit_booking
    from chalicelib.services.workers import find_worker_by_email

    worker = find_worker_by_email(DEMO_WORKER_EMAIL)
    if worker is None:
        return 0
    user = for_role("supervisor")[0]
    supervisor = Principal(user.user_id, user.email, user.name, frozenset({Role.SUPERVISOR}))
    referral_id = _accepted_referral(supervisor)
    today = clock.today()
    yesterday = today - timedelta(days=1)
    first = today + timedelta(days=(1 - today.weekday()) % 7 or 7)  # next Tuesday
    visit_booking.record_past(  # yesterday's visit, so its report is due
        supervisor,
        PastVisit.model_validate(
            {
                "referral_id": referral_id,
                "worker_id": worker.worker_id,
                "start": f"{yesterday.isoformat()}T16:00",
                "end": f"{yesterday.isoformat()}T17:30",
                "venue": "Northshire Family Centre, Room 2",
            }
        ),
    )
    series = visit_booking.book_series(
        supervisor,
        referral_id,
        NewSeries.model_validate(
            {
                "first_start": f"{first.isoformat()}T16:00",
                "length_minutes": 90,
                "repeat": "weekly",
                "sessions": 6,
                "worker_id": worker.worker_id,
                "venue": "Northshire Family Centre, Room 2",
            }
        ),
    )
    return 1 + series["count"]
