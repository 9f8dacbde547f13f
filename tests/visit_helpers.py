"""Data the visit tests share: an accepted referral and workers with the clearances a test needs."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from chalicelib.auth import Principal, Role
from chalicelib.domain.clearance_records import record_model
from chalicelib.domain.clearances import ClearanceKind, add_years
from chalicelib.domain.workers import NewWorker

HR_EMAIL = "hr@familycontact.example"
HR = Principal("u-hr-1", HR_EMAIL, "Jordan Lee", frozenset({Role.HR}))
REFERRER_ID, REFERRER_EMAIL = "u-referrer-1", "sam.referrer@council.example"
OTHER_REFERRER_EMAIL = "alex.referrer@council.example"
CASEY = "casey.worker@familycontact.example"  # a demo worker account: signs in as a worker
ROBIN = "robin.worker@familycontact.example"


def add_worker(name: str, email: str, first_aid_expires: date | None = None, recorded_on: date | None = None) -> str:
    """A worker with a background check good for years and first aid expiring on `first_aid_expires`
    (three years from its issue when not given)."""
    from chalicelib import clock
    from chalicelib.services import clearances, workers

    recorded_on = recorded_on or clock.today()
    issued = recorded_on - timedelta(days=30)
    expires = first_aid_expires or add_years(issued, 3)
    worker = workers.create_worker(NewWorker(name=name, email=email), HR_EMAIL, recorded_on)
    records = {
        ClearanceKind.BACKGROUND_CHECK: {
            "issued_on": issued,
            "check_type": "enhanced_dbs",
            "certificate_number": "0011223344",
        },
        ClearanceKind.FIRST_AID: {
            "issued_on": min(issued, add_years(expires, -3)),
            "expires_on": expires,
            "provider": "St John Ambulance",
            "level": "Paediatric",
        },
    }
    for kind, body in records.items():
        record = record_model(kind).model_validate(body, context={"today": recorded_on})
        clearances.record_clearance(worker["worker_id"], kind, record, HR, recorded_on)
    return worker["worker_id"]


def add_referral(
    status: str = "ACCEPTED",
    *,
    referrer_id: str = REFERRER_ID,
    referrer_email: str = REFERRER_EMAIL,
    confidential: bool = False,
    plan: tuple[str, str | None] | None = None,
) -> str:
    """A referral already decided (as the review workflow would leave it), written directly and
    counted as received on the dashboard, as intake counts it (it has no decision to count); its
    contact plan is the tests' shared one (`tests.dates.plan_start()`) unless `plan` is given."""
    from chalicelib import clock
    from chalicelib.storage.referrals import Referral
    from tests.dates import example_referral

    body = example_referral()
    body["risks"]["confidential_address"] = confidential
    if plan is not None:
        body["contact"]["start_date"], body["contact"]["end_date"] = plan
    now = clock.iso_now()
    from chalicelib.domain.referral_reference import human_reference, reference_key

    referral_id = uuid.uuid4().hex
    referral = Referral(
        referral_id,
        reference=reference_key(human_reference(referral_id)),  # as intake stores it
        referrer_id=referrer_id,
        referrer_email=referrer_email,
        status=status,
        created_at=now,
        updated_at=now,
        submission=body,
        history=[],
        exchanges=[],
    )
    referral.save()
    _count_received(now)
    return referral.referral_id


def _count_received(created_at: str) -> None:
    from datetime import datetime

    from chalicelib.domain import referral_figures
    from chalicelib.storage import monthly_figures
    from chalicelib.storage.base import transaction

    with transaction() as tx:
        monthly_figures.add_counts(tx, referral_figures.submitted_counts(datetime.fromisoformat(created_at)))


PAST_VISITS = "/v1/visits/past"


def has_passed(local_start: str) -> bool:
    """Whether a visit starting at `local_start` (as a body gives it) has started by now."""
    from chalicelib import clock
    from chalicelib.domain.local_time import parse_local, to_utc

    return to_utc(parse_local(local_start)) <= clock.now()


def post_visit(client, headers: dict, body: dict):
    """Make one visit as a supervisor would: book it (`POST /v1/visits`), or, when its start has
    passed, record it as a visit that already happened (`POST /v1/visits/past`, the explicit action)."""
    import json

    path = PAST_VISITS if has_passed(body["start"]) else "/v1/visits"
    return client.http.post(path, headers=headers, body=json.dumps(body))


def referral_status(referral_id: str) -> str:
    from chalicelib.storage.referrals import Referral

    return Referral.get(referral_id, consistent_read=True).status


def visits_of(referral_id: str) -> list:
    from chalicelib.storage.visits import Visit

    return list(Visit.by_referral.query(referral_id))


VENUE = "Northshire Family Centre, Room 2"


def add_visit(referral_id: str, worker_id: str, days_from_now: int, *, status: str = "SCHEDULED") -> str:
    """A visit written as booking leaves it, `days_from_now` days from now (negative: in the past)."""
    from chalicelib import clock
    from chalicelib.domain.local_time import iso_utc
    from chalicelib.storage.visits import new_visit

    starts = clock.now() + timedelta(days=days_from_now)
    visit = new_visit(
        uuid.uuid4().hex,
        starts_at=iso_utc(starts),
        ends_at=iso_utc(starts + timedelta(minutes=90)),
        referral_id=referral_id,
        referrer_id="u-referrer-1",
        worker_id=worker_id,
        zone="Europe/London",
        venue=VENUE,
        participants={"children": [0], "family_members": [0], "labels": ["Maya", "Mother"]},
        status=status,
        created_at=clock.iso_now(),
        created_by="supervisor@familycontact.example",
        updated_at=clock.iso_now(),
    )
    visit.save()
    count_booked(visit.starts_at)
    return visit.visit_id


def count_booked(starts_at: str) -> None:
    """The dashboard's count of a visit written straight to storage, as booking counts it."""
    from datetime import datetime

    from chalicelib.domain import visit_figures
    from chalicelib.storage import monthly_figures
    from chalicelib.storage.base import transaction

    with transaction() as tx:
        monthly_figures.add_counts(tx, visit_figures.booked_counts(datetime.fromisoformat(starts_at)))
