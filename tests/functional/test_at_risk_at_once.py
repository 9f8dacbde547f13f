"""At risk at once: a clearance write that leaves a worker non-compliant on some date flags their
booked visits from that date in the same request (and says how many), and the daily scan flags
every booked visit whose worker is not compliant on its date, however that came about. Nothing is
flagged or emailed twice."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from tests.dates import at, days_from_today, plan_day, today
from tests.fault_injection import injected_faults
from tests.visit_helpers import add_referral, add_worker

SUPERVISOR_EMAIL = "supervisor@familycontact.example"
SESSIONS = 10


@pytest.fixture
def alex(runtime, client, auth) -> dict:
    """Alex, compliant for years, has ten weekly visits from the plan's first Tuesday."""
    worker = add_worker("Alex Morgan", "alex@example.org", first_aid_expires=plan_day(354))
    referral = add_referral()
    body = {
        "first_start": at(plan_day(1), "16:00"),
        "length_minutes": 90,
        "repeat": "weekly",
        "sessions": SESSIONS,
        "worker_id": worker,
        "venue": "Northshire Family Centre",
    }
    response = client.http.post(f"/v1/referrals/{referral}/visits", headers=auth("supervisor"), body=json.dumps(body))
    assert response.status_code == 201, response.json_body
    return {"worker": worker, "referral": referral}


def _first_aid(expires_on, issued_days_ago: int = 30) -> dict:
    return {
        "issued_on": (today() - timedelta(days=issued_days_ago)).isoformat(),  # add_worker's certificate
        "expires_on": expires_on.isoformat(),
        "provider": "St John Ambulance",
        "level": "Paediatric",
    }


def _put_first_aid(client, auth, worker_id: str, body: dict):
    return client.http.put(f"/v1/workers/{worker_id}/clearances/first_aid", headers=auth("hr"), body=json.dumps(body))


def _flagged(referral_id: str) -> list[str]:
    from chalicelib.storage.visits import Visit

    return sorted(v.starts_at[:10] for v in Visit.by_referral.query(referral_id) if v.at_risk)


def _run_scan(client) -> dict:
    response = client.http.post(
        "/dev/jobs/compliance-scan",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"today": today().isoformat()}),
    )
    assert response.status_code == 200, response.body
    return response.json_body["result"]


def _at_risk_emails(runtime) -> list[dict]:
    return [m for m in runtime.outbox.messages() if SUPERVISOR_EMAIL in m["to"] and "at risk" in m["subject"]]


def test_an_hr_correction_to_yesterday_flags_the_visits_at_once_and_says_how_many(client, auth, runtime, alex):
    # WHEN HR corrects Alex's first aid expiry to yesterday
    response = _put_first_aid(client, auth, alex["worker"], _first_aid(days_from_today(-1)))
    # THEN in the same request every booked visit is flagged, and the answer says how many
    assert response.status_code == 200, response.body
    assert response.json_body["visits_flagged_at_risk"] == SESSIONS
    assert len(_flagged(alex["referral"])) == SESSIONS
    listed = client.http.get(f"/v1/visits?referral={alex['referral']}&at_risk=true", headers=auth("supervisor"))
    assert len(listed.json_body["visits"]) == SESSIONS
    # AND the supervisor has one email listing them
    (message,) = _at_risk_emails(runtime)
    assert message["subject"].startswith(f"{SESSIONS} visits at risk")
    # WHEN the same correction is sent again, and the daily scan runs
    again = _put_first_aid(client, auth, alex["worker"], _first_aid(days_from_today(-1)))
    from chalicelib.services import compliance_scan

    scanned = compliance_scan.run(today())
    # THEN nothing is flagged or emailed twice
    assert again.json_body["visits_flagged_at_risk"] == 0
    assert scanned["visits_at_risk"] == 0
    assert len(_at_risk_emails(runtime)) == 1


def test_a_renewal_takes_the_visits_out_of_risk(client, auth, alex):
    _put_first_aid(client, auth, alex["worker"], _first_aid(days_from_today(-1)))
    renewal = {**_first_aid(days_from_today(3 * 365), issued_days_ago=0)}
    response = _put_first_aid(client, auth, alex["worker"], renewal)
    assert response.status_code == 200, response.body
    assert (response.json_body["visits_flagged_at_risk"], response.json_body["visits_no_longer_at_risk"]) == (
        0,
        SESSIONS,
    )
    assert _flagged(alex["referral"]) == []


def test_hrs_page_says_how_many_visits_the_save_affected(client, auth, alex):
    body = {**_first_aid(days_from_today(-1))}
    headers = {**auth("hr"), "Content-Type": "application/x-www-form-urlencoded"}
    response = client.http.post(f"/hr/clearances/{alex['worker']}/first_aid", headers=headers, body=urlencode(body))
    assert response.status_code == 303, response.body
    page = client.http.get(response.headers["Location"].split("#")[0], headers=auth("hr")).body.decode()
    assert f"{SESSIONS} booked visits are now at risk: the supervisor has been told." in page


@pytest.fixture
def faults(runtime, monkeypatch):
    yield from injected_faults(monkeypatch)


def test_the_scan_flags_a_visit_whose_worker_was_already_non_compliant(client, auth, runtime, alex, faults):
    # GIVEN HR's correction made Alex non-compliant, but flagging the visits failed (DynamoDB throttled)
    faults.inject(
        "dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException", when=lambda b: "visit.at_risk" in b
    )
    response = _put_first_aid(client, auth, alex["worker"], _first_aid(days_from_today(-1)))
    assert response.status_code == 200 and response.json_body["visits_flagged_at_risk"] == 0
    faults.clear()
    assert _flagged(alex["referral"]) == [] and _at_risk_emails(runtime) == []
    # WHEN the daily scan runs (as its schedule does): Alex's recorded status does not change (HR already recorded it)
    result = _run_scan(client)
    # THEN it flags every visit all the same, and the supervisor is told once
    assert result["became_non_compliant"] == 0
    assert result["visits_at_risk"] == SESSIONS
    assert len(_flagged(alex["referral"])) == SESSIONS
    assert len(_at_risk_emails(runtime)) == 1
    _run_scan(client)
    assert len(_at_risk_emails(runtime)) == 1
