"""HR shortening a worker's expiry flags their visits after it at once; the supervisor is emailed
once, by the same request or, if that email failed, by the daily scan."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.dates import at, long_day, plan_day, short_day
from tests.visit_helpers import HR, add_referral, add_worker

SUPERVISOR_EMAIL = "supervisor@familycontact.example"
EXPIRY = plan_day(21)  # the plan's fourth Monday (1 February 2027 when written)
SCAN_DAY = plan_day(22)  # the first day the worker is not compliant


def shorten_first_aid(worker_id: str, expires: date) -> dict:
    """HR corrects the first aid certificate's expiry to an earlier date (still in the future)."""
    from chalicelib import clock
    from chalicelib.domain.clearance_records import record_model
    from chalicelib.domain.clearances import ClearanceKind
    from chalicelib.services import clearances

    record = record_model(ClearanceKind.FIRST_AID).model_validate(
        {
            "issued_on": clock.today() - timedelta(days=30),  # the same certificate as add_worker's
            "expires_on": expires,
            "provider": "St John Ambulance",
            "level": "Paediatric",
        }
    )
    return clearances.record_clearance(worker_id, ClearanceKind.FIRST_AID, record, HR)


def at_risk_emails(runtime) -> list[dict]:
    return [m for m in runtime.outbox.messages() if SUPERVISOR_EMAIL in m["to"] and "at risk" in m["subject"]]


@pytest.fixture
def booked(runtime, client, auth):
    """Alex has ten weekly visits from the plan's first Tuesday (12 January to 16 March 2027 when
    written); the tests then have HR record that their first aid certificate expires on `EXPIRY`,
    three weeks in."""
    alex = add_worker("Alex Morgan", "alex@example.org", first_aid_expires=plan_day(354))
    referral = add_referral()
    body = {
        "first_start": at(plan_day(1), "16:00"),
        "length_minutes": 90,
        "repeat": "weekly",
        "sessions": 10,
        "worker_id": alex,
        "venue": "Northshire Family Centre",
    }
    response = client.http.post(f"/v1/referrals/{referral}/visits", headers=auth("supervisor"), body=json.dumps(body))
    assert response.status_code == 201, response.json_body
    return {"worker": alex, "referral": referral, "visits": response.json_body["visits"]}


def test_a_shortened_expiry_flags_the_visits_after_it_at_once_and_emails_the_supervisor_once(
    runtime, booked, monkeypatch
):
    from botocore.client import BaseClient

    from chalicelib.services import compliance_scan
    from chalicelib.storage.visits import Visit

    calls = []
    real_call = BaseClient._make_api_call

    def recording(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append((operation, params.get("IndexName")))
        return real_call(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)

    # WHEN HR records that the first aid certificate expires three weeks in
    saved = shorten_first_aid(booked["worker"], EXPIRY)

    # THEN every visit from the day after on is at risk at once, with the reason; the earlier ones are not
    assert saved["visits_flagged_at_risk"] == 7
    flags = {v.starts_at[:10]: (v.at_risk, v.at_risk_reason) for v in Visit.by_referral.query(booked["referral"])}
    assert [day for day, (risk, _) in sorted(flags.items()) if risk] == [
        plan_day(days).isoformat() for days in (22, 29, 36, 43, 50, 57, 64)
    ]
    assert flags[SCAN_DAY.isoformat()][1] == f"First aid certificate expired on {long_day(EXPIRY)}"
    assert not flags[plan_day(15).isoformat()][0]
    # AND the visits were read through the by-worker index, never a Scan
    assert "Scan" not in [operation for operation, _ in calls]
    assert ("Query", "by_worker") in calls
    # AND the supervisor has ONE email listing the seven visits
    (message,) = at_risk_emails(runtime)
    assert message["subject"].startswith("7 visits at risk")
    assert message["text"].count("Alex Morgan:") == 7
    assert f"{short_day(SCAN_DAY)}, 16:00" in message["text"]

    # WHEN the daily scan runs on the first day the worker is not compliant, and the next day
    result = compliance_scan.run(SCAN_DAY)
    compliance_scan.run(SCAN_DAY + timedelta(days=1))
    # THEN it records the change, and nothing is flagged or sent twice
    assert result["became_non_compliant"] == 1 and result["visits_at_risk"] == 0
    assert len(at_risk_emails(runtime)) == 1


def test_an_email_that_failed_is_sent_by_the_next_run(runtime, booked, monkeypatch):
    from chalicelib.services import compliance_scan, email

    real_send = email.send

    def no_supervisor(to, template, **context):
        if template == "visits_at_risk":
            raise RuntimeError("SES throttled")
        return real_send(to, template, **context)

    monkeypatch.setattr(email, "send", no_supervisor)
    assert shorten_first_aid(booked["worker"], EXPIRY)["visits_flagged_at_risk"] == 7
    first = compliance_scan.run(SCAN_DAY)
    assert first["complete"] is False and at_risk_emails(runtime) == []
    monkeypatch.setattr(email, "send", real_send)
    compliance_scan.run(SCAN_DAY)
    (message,) = at_risk_emails(runtime)
    assert message["subject"].startswith("7 visits at risk")


def test_reassigning_an_at_risk_visit_to_a_compliant_worker_clears_its_flag(runtime, booked, client, auth):
    from chalicelib.services import compliance_scan

    shorten_first_aid(booked["worker"], EXPIRY)
    compliance_scan.run(SCAN_DAY)
    supervisor = auth("supervisor")
    at_risk = client.http.get(f"/v1/visits?referral={booked['referral']}&at_risk=true", headers=supervisor)
    visit = at_risk.json_body["visits"][-1]
    assert visit["at_risk"] and len(at_risk.json_body["visits"]) == 7

    # a worker who is not compliant either is refused, and the flag stays
    other_lapsed = add_worker("Sam Whitfield", "sam@example.org", first_aid_expires=plan_day(-6))
    refused = client.http.patch(
        f"/v1/visits/{visit['id']}", headers=supervisor, body=json.dumps({"worker_id": other_lapsed})
    )
    assert refused.status_code == 409

    robin = add_worker("Robin Patel", "robin.worker@familycontact.example")
    moved = client.http.patch(f"/v1/visits/{visit['id']}", headers=supervisor, body=json.dumps({"worker_id": robin}))
    assert moved.status_code == 200, moved.json_body
    assert (moved.json_body["at_risk"], moved.json_body["at_risk_reason"], moved.json_body["worker_id"]) == (
        False,
        None,
        robin,
    )
    still = client.http.get(f"/v1/visits?referral={booked['referral']}&at_risk=true", headers=supervisor)
    assert len(still.json_body["visits"]) == 6
