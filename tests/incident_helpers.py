"""What the incident tests share: a visit under way (or just ended), a valid incident at it, and
recording one as its worker or a supervisor."""

from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.domain.incidents import example_incident
from tests.report_helpers import book_visit
from tests.visit_helpers import CASEY


def visit_at(client, auth, *, started_minutes_ago: int = 60, lasts_minutes: int = 90) -> str:
    """A visit that started `started_minutes_ago` minutes ago (as the clock says) and lasts
    `lasts_minutes`: booked as the supervisor books one, then moved to that time in storage (a
    booking cannot start in the past)."""
    from chalicelib import clock
    from chalicelib.storage.visits import Visit

    visit_id = book_visit(client, auth, days_from_now=-1)
    visit = Visit.get(visit_id, consistent_read=True)
    start = clock.now().replace(microsecond=0) - timedelta(minutes=started_minutes_ago)
    visit.starts_at = start.isoformat()
    visit.ends_at = (start + timedelta(minutes=lasts_minutes)).isoformat()
    visit.save()
    return visit_id


def during(visit_id: str, minutes_after_start: int = 30) -> str:
    """A UK wall-clock time inside the visit, as a worker types it."""
    from chalicelib.domain.local_time import from_iso, to_local
    from chalicelib.storage.visits import Visit

    start = to_local(from_iso(Visit.get(visit_id, consistent_read=True).starts_at))
    return (start + timedelta(minutes=minutes_after_start)).strftime("%Y-%m-%dT%H:%M")


def incident_body(visit_id: str, **changes) -> dict:
    return {**example_incident(), "occurred_at": during(visit_id), **changes}


def record_incident(
    client, auth, visit_id: str, body: dict | None = None, *, role: str = "worker", email=CASEY, key=None
):
    headers = auth(role, email if role == "worker" else None)
    if key:
        headers = {**headers, "Idempotency-Key": key}
    return client.http.post(
        f"/v1/visits/{visit_id}/incidents",
        headers={**headers, "Content-Type": "application/json"},
        body=json.dumps(body if body is not None else incident_body(visit_id)),
    )


def recorded_incident(client, auth, visit_id: str, body: dict | None = None, **who) -> str:
    response = record_incident(client, auth, visit_id, body, **who)
    assert response.status_code == 201, response.body
    return response.json_body["incident_id"]


def decided_incident(visit_id: str, decision: str | None = "continue") -> str:
    """An incident at the visit as its review leaves it once decided (with `decision=None`: still
    waiting for its decision), written straight to storage: no workflow runs; its id."""
    import uuid

    from chalicelib import clock
    from chalicelib.storage.incidents import Incident
    from chalicelib.storage.referrals import Referral
    from chalicelib.storage.visits import Visit

    visit = Visit.get(visit_id, consistent_read=True)
    referral = Referral.get(visit.referral_id)
    now, incident_id = clock.iso_now(), uuid.uuid4().hex
    Incident(
        incident_id,
        referral_id=visit.referral_id,
        visit_id=visit_id,
        referrer_id=referral.referrer_id,
        referrer_email=referral.referrer_email,
        children="Maya",
        visit_starts_at=visit.starts_at,
        occurred_at=during(visit_id),
        summary="The father shouted at the mother at handover.",
        present="Maya, her father, the worker",
        immediate_actions="Maya was taken inside.",
        recorded_at=now,
        recorded_by=CASEY,
        status="DECIDED" if decision else "REPORTED",
        decision=decision,
        decided_by="supervisor@familycontact.example" if decision else None,
        decided_at=now if decision else None,
        updated_at=now,
    ).save()
    return incident_id
