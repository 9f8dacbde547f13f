"""Every path of statemachines/incident_review.asl.json, run by moto's interpreter with the real handlers."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.conftest import FAST_TIMINGS
from tests.helpers import ADMIN, REFERRER, SUPERVISOR, approval_path, decide_by_link, wait_for, wait_for_email
from tests.incident_helpers import incident_body, recorded_incident, visit_at
from tests.workflow.conftest import execution_status, states_entered, wait_for_execution

WORKFLOW = "incident_review"


def test_a_critical_incident_alerts_at_once_and_is_decided_in_time(client, auth, runtime):
    visit_id = visit_at(client, auth)
    incident_id = recorded_incident(client, auth, visit_id)
    # THEN the duty supervisor is alerted with the details, the referrer told without them, then asked
    alert = wait_for_email(runtime.outbox, SUPERVISOR, "Urgent: a critical incident")
    assert "raised his voice" in alert["text"]
    told = wait_for_email(runtime.outbox, REFERRER, "An incident was recorded")
    assert "raised his voice" not in told["text"] + told["html"] and "Maya" in told["text"]
    request = wait_for_email(runtime.outbox, SUPERVISOR, "An incident needs your decision")
    assert "raised his voice" not in request["text"]
    # WHEN the supervisor continues contact through the emailed link
    response = decide_by_link(client, request, "continue")
    assert response.status_code == 200 and b"Decision recorded" in response.body
    # THEN the referrer is told the decision, and the execution ends
    wait_for_execution(runtime, incident_id, "SUCCEEDED", workflow=WORKFLOW)
    decided = wait_for_email(runtime.outbox, REFERRER, "was reviewed")
    assert "Contact continues with no change" in decided["text"] and "raised his voice" not in decided["text"]
    assert states_entered(runtime, incident_id, workflow=WORKFLOW) == [
        "LoadTimings",
        "AlertIfCritical",
        "TellReferrerOfIncident",
        "KeepWorkingTimings",
        "ScheduleWaits",
        "RemindOrEscalate",
        "AskSupervisorToDecide",
        "RouteDecision",
        "NotifyReferrerOfDecision",
    ]


@pytest.mark.parametrize("timings", [FAST_TIMINGS], ids=["nobody-decides"])
def test_reminder_then_escalation_then_overdue(client, auth, runtime, timings):
    visit_id = visit_at(client, auth)
    incident_id = recorded_incident(client, auth, visit_id, incident_body(visit_id, critical=False))
    first = wait_for_email(runtime.outbox, SUPERVISOR, "An incident needs your decision")
    reminder = wait_for_email(runtime.outbox, SUPERVISOR, "Reminder: an incident")
    escalation = wait_for_email(runtime.outbox, ADMIN, "Escalated: an incident")
    wait_for_execution(runtime, incident_id, "FAILED", workflow=WORKFLOW)
    wait_for_email(runtime.outbox, ADMIN, "was not decided")
    assert len({approval_path(first), approval_path(reminder), approval_path(escalation)}) == 3
    entered = states_entered(runtime, incident_id, workflow=WORKFLOW)
    # each wait is timed afresh: once before the first ask, then after each counted reminder
    assert entered.count("ScheduleWaits") == 3 and "AlertIfCritical" in entered
    assert {"CountReminder", "EscalateToAdmin"} <= set(entered)
    assert entered[-2:] == ["ReportOverdueReview", "ReviewNotCompleted"]
    assert not [m for m in runtime.outbox.messages() if m["subject"].startswith("Urgent")]  # not critical


@pytest.mark.parametrize("timings", [FAST_TIMINGS], ids=["reminded"])
def test_reminded_then_decided_in_the_app(client, auth, runtime, timings):
    visit_id = visit_at(client, auth)
    incident_id = recorded_incident(client, auth, visit_id)
    wait_for_email(runtime.outbox, SUPERVISOR, "Reminder: an incident")
    response = client.http.post(
        f"/v1/incidents/{incident_id}/decision",
        headers=auth("supervisor"),
        body=json.dumps({"decision": "change_conditions", "comment": "Handovers move inside the centre."}),
    )
    if response.status_code == 409:  # escalated meanwhile: the admin's link still decides it
        escalation = wait_for_email(runtime.outbox, ADMIN, "Escalated: an incident")
        decide_by_link(client, escalation, "change_conditions", "Handovers move inside the centre.")
    wait_for_execution(runtime, incident_id, "SUCCEEDED", workflow=WORKFLOW)
    told = wait_for_email(runtime.outbox, REFERRER, "was reviewed")
    assert "Handovers move inside the centre." in told["text"]
    entered = states_entered(runtime, incident_id, workflow=WORKFLOW)
    assert "CountReminder" in entered and entered[-1] == "NotifyReferrerOfDecision"


def test_decided_before_the_review_asked_reads_the_recorded_decision(client, auth, runtime, monkeypatch):
    from chalicelib import clock
    from chalicelib.services import review
    from chalicelib.storage.incidents import Incident
    from chalicelib.workflows.registry import INCIDENT_REVIEW

    monkeypatch.setattr(review, "start", lambda workflow, subject_id, run: False)  # Step Functions was down
    visit_id = visit_at(client, auth)
    incident_id = recorded_incident(client, auth, visit_id)
    # AND it was decided meanwhile (as a decision whose wait had ended leaves it)
    incident = Incident.get(incident_id)
    incident.update(
        actions=[
            Incident.status.set("DECIDED"),
            Incident.decision.set("continue"),
            Incident.decided_by.set(SUPERVISOR),
            Incident.decided_at.set(clock.iso_now()),
        ]
    )
    monkeypatch.undo()
    # WHEN its review starts late (the recovery sweep's restart)
    review.start(INCIDENT_REVIEW, incident_id, 1)
    wait_for_execution(runtime, incident_id, "SUCCEEDED", workflow=WORKFLOW)
    entered = states_entered(runtime, incident_id, workflow=WORKFLOW)
    assert entered[-4:] == ["ReadRecordedDecision", "UseRecordedDecision", "RouteDecision", "NotifyReferrerOfDecision"]
    wait_for_email(runtime.outbox, REFERRER, "was reviewed")


def test_a_failing_task_lands_in_its_catch_and_alerts_the_admin(client, auth, runtime):
    boto3.client("stepfunctions").start_execution(
        stateMachineArn=runtime.state_machine_arns[WORKFLOW],
        name="no-such-incident-1",
        input=json.dumps({"subject_id": "no-such-incident"}),
    )
    wait_for(
        lambda: execution_status(runtime, "no-such-incident", workflow=WORKFLOW) == "FAILED",
        20,
        what="the execution to fail",
    )
    alert = wait_for_email(runtime.outbox, ADMIN, "workflow failed")
    assert "NotFound" in alert["text"] and "entity=incident" in alert["text"]
    assert states_entered(runtime, "no-such-incident", workflow=WORKFLOW)[-2:] == [
        "RecordFailure",
        "ReviewNotCompleted",
    ]
