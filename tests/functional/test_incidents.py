"""Recording incidents: who may, when, what bad input gets, a repeated request, what the referrer
is told and may read, the decision's emails, and that an incident never touches the report's hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import REFERRER, SUPERVISOR, decide_by_link, post_form, wait_for_email
from tests.incident_helpers import incident_body, record_incident, recorded_incident, visit_at
from tests.report_helpers import report_of, write_report
from tests.visit_helpers import ROBIN, add_worker


def _incident_count(visit_id: str) -> int:
    from chalicelib.storage import incidents

    return len(incidents.of_visit(visit_id))


def test_the_visits_worker_records_an_incident_and_reads_it_whole(client, auth, runtime):
    visit_id = visit_at(client, auth)
    response = record_incident(client, auth, visit_id)
    assert response.status_code == 201, response.body
    incident = response.json_body
    assert incident["status"] == "REPORTED" and incident["critical"] is True and incident["ended_early"] is True
    assert incident["told"] == {"police": False, "duty_social_worker": True, "others": "Centre manager (Jo Baker)"}
    read = client.http.get(f"/v1/incidents/{incident['incident_id']}", headers=auth("worker", incident["recorded_by"]))
    assert read.status_code == 200 and read.json_body["summary"].startswith("The father raised his voice")


def test_a_supervisor_may_record_another_worker_may_not(client, auth, runtime):
    visit_id = visit_at(client, auth)
    add_worker("Robin Patel", ROBIN)
    refused = record_incident(client, auth, visit_id, email=ROBIN)
    assert refused.status_code == 403 and _incident_count(visit_id) == 0
    assert record_incident(client, auth, visit_id, role="supervisor").status_code == 201


def test_within_24_hours_of_the_visits_end_only(client, auth, runtime):
    ended_long_ago = visit_at(client, auth, started_minutes_ago=27 * 60, lasts_minutes=60)
    late = record_incident(client, auth, ended_long_ago)
    assert late.status_code == 409 and "within 24 hours" in late.json_body["error"]["message"]
    ended_recently = visit_at(client, auth, started_minutes_ago=23 * 60, lasts_minutes=60)
    assert record_incident(client, auth, ended_recently).status_code == 201
    not_started = visit_at(client, auth, started_minutes_ago=-60)
    early = record_incident(client, auth, not_started, incident_body(ended_recently))
    assert early.status_code == 409 and "once the visit has started" in early.json_body["error"]["message"]
    assert _incident_count(ended_long_ago) == _incident_count(not_started) == 0


def test_not_on_a_cancelled_visit(client, auth, runtime):
    from chalicelib.storage.visits import Visit

    visit_id = visit_at(client, auth)
    visit = Visit.get(visit_id)
    visit.status = "CANCELLED"
    visit.save()
    response = record_incident(client, auth, visit_id)
    assert response.status_code == 409 and "cancelled" in response.json_body["error"]["message"]


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"what_happened": ""}, "what_happened"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"ended_early": True, "ended_early_reason": ""}, "ended_early_reason"),
        ({"immediate_actions": "x" * 9000}, "immediate_actions"),
        ({"critical": "perhaps"}, "critical"),
    ],
)
def test_bad_input_is_422_on_its_field_and_changes_nothing(client, auth, runtime, changes, path):
    visit_id = visit_at(client, auth)
    response = record_incident(client, auth, visit_id, incident_body(visit_id, **changes))
    assert response.status_code == 422, response.body
    assert path in [field["path"] for field in response.json_body["error"]["fields"]]
    assert _incident_count(visit_id) == 0 and runtime.outbox.messages() == []


def test_a_time_outside_the_visit_is_refused_on_its_field(client, auth, runtime):
    visit_id = visit_at(client, auth)
    outside = incident_body(visit_id, occurred_at=(datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    response = record_incident(client, auth, visit_id, outside)
    assert response.status_code == 422
    assert response.json_body["error"]["fields"][0]["path"] == "occurred_at"
    assert "inside the visit" in response.json_body["error"]["fields"][0]["message"]


def test_the_same_idempotency_key_records_once(client, auth, runtime):
    visit_id = visit_at(client, auth)
    first = record_incident(client, auth, visit_id, key="incident-key-1")
    again = record_incident(client, auth, visit_id, key="incident-key-1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json_body["incident_id"] == again.json_body["incident_id"]
    assert _incident_count(visit_id) == 1
    wait_for_email(runtime.outbox, REFERRER, "An incident was recorded")
    assert len([m for m in runtime.outbox.messages() if m["to"] == [REFERRER]]) == 1


def test_a_double_submitted_page_form_records_once_and_keeps_what_was_typed_on_error(client, auth, runtime):
    from tests.helpers import session_cookie

    visit_id = visit_at(client, auth)
    cookie = {"Cookie": session_cookie("worker", "casey.worker@familycontact.example")}
    typed = {
        "idempotency_key": "form-key-1",
        "what_happened": "Shouting at handover.",
        "occurred_at": incident_body(visit_id)["occurred_at"],
        "present": "",
        "immediate_actions": "Took Maya inside.",
        "critical": "yes",
    }
    shown = post_form(client, f"/visits/{visit_id}/incidents", typed, cookie)
    assert shown.status_code == 422
    page = shown.body.decode()
    assert "Shouting at handover." in page and 'id="incident-present"' in page and "field-error" in page
    typed["present"] = "Maya, her father"
    first = post_form(client, f"/visits/{visit_id}/incidents", typed, cookie)
    second = post_form(client, f"/visits/{visit_id}/incidents", typed, cookie)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _incident_count(visit_id) == 1


def test_the_referrer_is_told_without_details_and_reads_only_the_decision(client, auth, runtime):
    visit_id = visit_at(client, auth)
    incident_id = recorded_incident(client, auth, visit_id)
    told = wait_for_email(runtime.outbox, REFERRER, "An incident was recorded")
    for secret in ("raised his voice", "Jo Baker", "quiet room", "frightened"):
        assert secret not in told["text"] + told["html"]
    # before the decision the referrer reads nothing of it
    assert client.http.get(f"/v1/incidents/{incident_id}", headers=auth("referrer")).status_code == 403
    request = wait_for_email(runtime.outbox, SUPERVISOR, "An incident needs your decision")
    decide_by_link(client, request, "change_conditions", "Handovers move inside the centre.")
    decided = wait_for_email(runtime.outbox, REFERRER, "was reviewed")
    assert "Handovers move inside the centre." in decided["text"] and "raised his voice" not in decided["text"]
    seen = client.http.get(f"/v1/incidents/{incident_id}", headers=auth("referrer")).json_body
    assert seen["decision"] == "change_conditions" and seen["visit_day"]
    assert seen["decision_detail"] == "Handovers move inside the centre."
    assert {seen[k] for k in ("summary", "present", "immediate_actions", "told", "ended_early_reason")} == {None}


def test_an_incident_after_approval_leaves_the_approved_report_and_its_hash(client, auth, runtime):
    visit_id = visit_at(client, auth)
    write_report(visit_id, "APPROVED")
    before = report_of(client, auth, visit_id)
    recorded_incident(client, auth, visit_id)
    after = report_of(client, auth, visit_id)
    assert after == before
    page = client.http.get(f"/visits/{visit_id}/report", headers=auth("supervisor")).body.decode()
    assert "Incident at" in page and "raised his voice" in page


def test_incidents_show_in_the_supervisors_queue_and_are_decided_on_their_page(client, auth, runtime):
    from tests.helpers import session_cookie

    visit_id = visit_at(client, auth)
    incident_id = recorded_incident(client, auth, visit_id)
    wait_for_email(runtime.outbox, SUPERVISOR, "An incident needs your decision")
    queue = client.http.get("/v1/decisions", headers=auth("supervisor")).json_body["decisions"]
    assert [(row["kind"], row["id"]) for row in queue] == [("incident", incident_id)]
    cookie = {"Cookie": session_cookie("supervisor")}
    missing = post_form(client, f"/incidents/{incident_id}/decision", {"decide.decision": "suspend"}, cookie)
    assert missing.status_code == 422 and "Say why the case is suspended" in missing.body.decode()
    done = post_form(client, f"/incidents/{incident_id}/decision", {"decide.decision": "continue"}, cookie)
    assert done.status_code == 303
    again = client.http.post(
        f"/v1/incidents/{incident_id}/decision", headers=auth("supervisor"), body=json.dumps({"decision": "continue"})
    )
    assert again.status_code == 409 and "already decided" in again.json_body["error"]["message"]


def test_the_wait_is_timed_in_working_days(monkeypatch):
    """One working day from a Friday afternoon ends on Monday afternoon; past a bank holiday, a day later."""
    from chalicelib import clock
    from chalicelib.services.incident_review import schedule_waits
    from chalicelib.workflows.registry import INCIDENT_REVIEW

    working = INCIDENT_REVIEW.timings.__dict__
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: friday)
    timings = schedule_waits({"working_time": working, "reminders": 1})
    assert timings["reminders"] == 1 and timings["timings"]["max_reminders"] == 1
    assert timings["timings"]["reminder_seconds"] == 3 * 24 * 3600
    before_christmas = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: before_christmas)
    assert schedule_waits({"working_time": working})["timings"]["reminder_seconds"] == 5 * 24 * 3600


def test_suspend_suspends_the_case_in_the_decisions_own_write(client, auth, runtime):
    from chalicelib.storage.visits import Visit
    from tests.visit_helpers import add_visit, referral_status

    visit_id = visit_at(client, auth)
    held = Visit.get(visit_id)
    next_week = add_visit(held.referral_id, held.worker_id, 7)
    incident_id = recorded_incident(client, auth, visit_id)
    request = wait_for_email(runtime.outbox, SUPERVISOR, "An incident needs your decision")
    missing = decide_by_link(client, request, "suspend")
    assert missing.status_code == 422 and "Say why the case is suspended" in missing.body.decode()
    decide_by_link(client, request, "suspend", "The father's behaviour at handover put Maya at risk.")
    seen = client.http.get(f"/v1/incidents/{incident_id}", headers=auth("supervisor")).json_body

    assert seen["decision"] == "suspend"
    assert referral_status(held.referral_id) == "SUSPENDED"
    # The visit the incident was at stays as it was (its report is still owed); the next one is cancelled.
    assert Visit.get(visit_id, consistent_read=True).status == held.status
    assert Visit.get(next_week, consistent_read=True).status == "CANCELLED"
    told = wait_for_email(runtime.outbox, REFERRER, "was reviewed")
    assert "The case is suspended" in told["text"] and "put Maya at risk" not in told["text"]
