"""What the report tests share: a visit that has taken place, its worker's headers, and the calls
a worker and a supervisor make on its report."""

from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.examples import example_report
from tests.helpers import ADMIN, REFERRER, SUPERVISOR  # noqa: F401 - the people the report tests email
from tests.visit_helpers import CASEY, add_referral, add_worker, post_visit


def book_visit(client, auth, *, days_from_now: int = -1, confidential: bool = False, worker_email: str = CASEY) -> str:
    """A visit the supervisor made (recorded as having happened yesterday by default, so its report is
    due; booked when it is still to come); its id."""
    from chalicelib.storage.workers import worker_by_email

    known = worker_by_email(worker_email)
    worker_id = known.worker_id if known else add_worker("Casey Evans", worker_email)
    referral_id = add_referral(confidential=confidential, plan=("2020-01-06", None))
    return book_on(client, auth, referral_id, worker_id, days_from_now)


def book_on(client, auth, referral_id: str, worker_id: str, days_from_now: int) -> str:
    """A visit of the referral from 10:00 to 11:30 UK time `days_from_now` days from today (before
    today: recorded as having happened), booked through the API by the supervisor; its id."""
    from chalicelib import clock

    day = (clock.now() + timedelta(days=days_from_now)).date().isoformat()
    body = {
        "referral_id": referral_id,
        "worker_id": worker_id,
        "start": f"{day}T10:00",
        "end": f"{day}T11:30",
        "venue": "Northshire Family Centre, Room 2",
        "participants": {"children": [0], "family_members": [0]},
    }
    response = post_visit(client, auth("supervisor"), body)
    assert response.status_code == 201, response.body
    return response.json_body["id"]


def save(client, auth, visit_id: str, body: dict | None = None, email: str = CASEY):
    content = example_report() if body is None else body
    return client.http.put(f"/v1/visits/{visit_id}/report", headers=auth("worker", email), body=json.dumps(content))


def submit(client, auth, visit_id: str, email: str = CASEY):
    return client.http.post(f"/v1/visits/{visit_id}/report/submit", headers=auth("worker", email))


def write_and_submit(client, auth, visit_id: str, body: dict | None = None) -> dict:
    saved = save(client, auth, visit_id, body)
    assert saved.status_code == 200, saved.body
    submitted = submit(client, auth, visit_id)
    assert submitted.status_code == 200, submitted.body
    return submitted.json_body


def report_of(client, auth, visit_id: str, role: str = "supervisor") -> dict:
    response = client.http.get(f"/v1/visits/{visit_id}/report", headers=auth(role))
    assert response.status_code == 200, response.body
    return response.json_body


def write_report(visit_id: str, status: str = "APPROVED", content: dict | None = None) -> None:
    """The visit's report as the review leaves it in `status` (approved: version 1 is the approved one)."""
    from chalicelib import clock
    from chalicelib.storage.reports import Report, ReportVersion
    from chalicelib.storage.visits import Visit

    visit, now = Visit.get(visit_id, consistent_read=True), clock.iso_now()
    approved = status == "APPROVED"
    ReportVersion(visit_id, 1, content=content or {}, submitted_at=now, submitted_by=CASEY).save()
    Report(
        visit_id,
        referral_id=visit.referral_id,
        referrer_id="u-referrer-1",
        referrer_email="sam.referrer@council.example",
        worker_id=visit.worker_id,
        worker_email=CASEY,
        worker_name="Casey Evans",
        visit_starts_at=visit.starts_at,
        status=status,
        version=1,
        approved_version=1 if approved else None,
        approved_by="supervisor@familycontact.example" if approved else None,
        approved_at=now if approved else None,
        created_at=now,
        updated_at=now,
    ).save()
