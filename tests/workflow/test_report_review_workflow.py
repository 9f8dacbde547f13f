"""Every path of statemachines/report_review.asl.json, run by moto's interpreter with the real handlers."""

from __future__ import annotations

import hashlib
import json

import boto3
import pytest

from chalicelib.examples import example_report
from tests.conftest import ANSWER_TIMES_OUT, FAST_TIMINGS
from tests.helpers import approval_path, decide_from_email, emails_to, post_form, wait_for, wait_for_email
from tests.report_helpers import ADMIN, REFERRER, SUPERVISOR, book_visit, report_of, save, submit, write_and_submit
from tests.visit_helpers import CASEY
from tests.workflow.conftest import execution_status, states_entered, wait_for_execution

WORKER = CASEY


def test_approved_the_first_time_locks_the_version_and_tells_the_referrer(client, auth, runtime):
    visit_id = book_visit(client, auth)
    submitted = write_and_submit(client, auth, visit_id)
    # WHEN the supervisor approves through the emailed link
    request = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    assert "Maya" not in request["subject"]
    # AND the email and the approval page name the case by its reference and the child, not an id
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.storage.visits import Visit

    case = f"{human_reference(Visit.get(visit_id).referral_id)} (Maya)"
    assert f"Case {case}, report version 1" in request["text"] and f"Report {visit_id[:8]}" not in request["text"]
    assert "expires in 7 days." in request["text"]
    page = client.http.get(approval_path(request)).body.decode()
    assert f"Review report {case}</h1>" in page and visit_id[:8] not in page.split("</h1>")[0]
    response = post_form(client, approval_path(request), {"decision": "approve", "confirmed": "yes"})
    assert response.status_code == 200 and b"Decision recorded" in response.body
    # THEN the execution ends, the version is locked with the SHA-256 of its canonical content
    wait_for_execution(runtime, visit_id, "SUCCEEDED", workflow="report_review")
    report = report_of(client, auth, visit_id)
    assert report["status"] == "APPROVED"
    canonical = json.dumps(
        {"visit_id": visit_id, "version": 1, "content": report["versions"][0]["content"]},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert report["approved"]["sha256"] == hashlib.sha256(canonical.encode()).hexdigest() == submitted["sha256"]
    # AND the referrer is told it is ready, with a link and none of its content; the visit is reported
    ready = wait_for_email(runtime.outbox, REFERRER, "is ready")
    assert f"/visits/{visit_id}/report" in ready["text"]
    assert "bus was late" not in ready["text"] + ready["html"] and "Maya" not in ready["text"]
    visit = client.http.get(f"/v1/visits/{visit_id}", headers=auth("supervisor")).json_body
    assert visit["status"] == "REPORTED"
    assert states_entered(runtime, visit_id, workflow="report_review") == [
        "LoadTimings",
        "AlertIfUrgent",
        "AskSupervisorToDecide",
        "RouteDecision",
        "NotifyReferrerReportReady",
    ]


def test_changes_requested_twice_then_approved(client, auth, runtime):
    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    for round_number, comment in enumerate(("Quote the mother's words exactly.", "Give the actual end time."), 1):
        # WHEN the supervisor asks for changes
        asked = decide_from_email(client, runtime, "request_changes", comment, count=round_number, about="report")
        assert asked.status_code == 200
        told = wait_for_email(runtime.outbox, WORKER, "Changes requested", count=round_number)
        assert comment in told["text"]
        assert report_of(client, auth, visit_id)["status"] == "CHANGES_REQUESTED"
        # AND the worker revises and resubmits
        revised = {**example_report(), "observations": example_report()["observations"] + f" Revision {round_number}."}
        assert save(client, auth, visit_id, revised).status_code == 200
        assert submit(client, auth, visit_id).json_body["version"] == round_number + 1
    # THEN the third version is approved; every version is kept
    decide_from_email(client, runtime, "approve", count=3, about="report")
    wait_for_execution(runtime, visit_id, "SUCCEEDED", workflow="report_review")
    report = report_of(client, auth, visit_id)
    assert [v["version"] for v in report["versions"]] == [1, 2, 3]
    assert report["approved"]["version"] == 3
    assert report["versions"][0]["content"]["observations"] != report["versions"][2]["content"]["observations"]
    entered = states_entered(runtime, visit_id, workflow="report_review")
    assert entered.count("WaitForRevision") == 2 and entered.count("AskSupervisorToDecide") == 3
    assert entered.count("AlertIfUrgent") == 3 and entered[-1] == "NotifyReferrerReportReady"


def test_a_safeguarding_concern_alerts_at_once_before_the_approval_email(client, auth, runtime):
    visit_id = book_visit(client, auth)
    concern = {
        **example_report(),
        "safeguarding_concern": True,
        "safeguarding_details": "Maya said her mother's partner hit her last week.",
    }
    write_and_submit(client, auth, visit_id, concern)
    # THEN the duty supervisor (with the details) and the referrer (without them) are alerted first
    request = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    sent = runtime.outbox.messages()[::-1]  # oldest first
    order = [(m["to"][0], m["subject"]) for m in sent]
    urgent_supervisor = next(i for i, (to, s) in enumerate(order) if to == SUPERVISOR and s.startswith("Urgent"))
    urgent_referrer = next(i for i, (to, s) in enumerate(order) if to == REFERRER and s.startswith("Urgent"))
    approval = next(i for i, (to, s) in enumerate(order) if to == SUPERVISOR and "needs your approval" in s)
    assert urgent_supervisor < approval and urgent_referrer < approval
    assert "partner hit her" in sent[urgent_supervisor]["text"]
    assert "partner hit her" not in sent[urgent_referrer]["text"]
    assert "It records a safeguarding concern" in request["text"]
    # AND a later step does not alert twice for the same version
    post_form(client, approval_path(request), {"decision": "approve", "confirmed": "yes"})
    wait_for_execution(runtime, visit_id, "SUCCEEDED", workflow="report_review")
    assert len(emails_to(runtime.outbox, REFERRER, "Urgent")) == 1


def test_a_concern_resubmitted_unchanged_is_not_alerted_again_and_the_referrers_alert_names_the_child(
    client, auth, runtime
):
    from chalicelib.config import settings
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.storage.visits import Visit

    visit_id = book_visit(client, auth)
    concern = {**example_report(), "safeguarding_concern": True, "safeguarding_details": "Bruise on the left arm."}
    write_and_submit(client, auth, visit_id, concern)
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    # THEN the referrer's alert names the child and the case, and replies reach the monitored inbox
    alert = wait_for_email(runtime.outbox, REFERRER, "Urgent")
    reference = human_reference(Visit.get(visit_id).referral_id)
    assert "with Maya" in alert["subject"] and reference in alert["subject"]
    assert "reply to this email" in alert["text"] and alert["reply_to"] == settings().reply_to
    supervisor_alert = wait_for_email(runtime.outbox, SUPERVISOR, "Urgent")
    assert f"report {visit_id[:8]}" not in supervisor_alert["text"] and reference in supervisor_alert["text"]
    # WHEN the supervisor asks for changes and the worker resubmits with the same concern
    decide_from_email(client, runtime, "request_changes", "Give the actual end time.", about="approval")
    wait_for_email(runtime.outbox, WORKER, "Changes requested")
    revised = {**concern, "observations": concern["observations"] + " Revised."}
    assert save(client, auth, visit_id, revised).status_code == 200
    assert submit(client, auth, visit_id).json_body["version"] == 2
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval", count=2)
    # THEN nobody is alerted again
    assert len(emails_to(runtime.outbox, REFERRER, "Urgent")) == 1
    assert len(emails_to(runtime.outbox, SUPERVISOR, "Urgent")) == 1
    # WHEN a further version records a new concern, it is alerted
    decide_from_email(client, runtime, "request_changes", "Add what the child said.", count=2, about="approval")
    wait_for_email(runtime.outbox, WORKER, "Changes requested", count=2)
    newer = {**revised, "safeguarding_details": "Bruise on the left arm; Maya said it was from a fall at home."}
    assert save(client, auth, visit_id, newer).status_code == 200
    assert submit(client, auth, visit_id).status_code == 200
    wait_for_email(runtime.outbox, REFERRER, "Urgent", count=2)


@pytest.mark.parametrize("timings", [FAST_TIMINGS], ids=["nobody-decides"])
def test_reminder_then_escalation_then_overdue(client, auth, runtime, timings):
    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    first = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    reminder = wait_for_email(runtime.outbox, SUPERVISOR, "Reminder: a visit report")
    escalation = wait_for_email(runtime.outbox, ADMIN, "Escalated: a visit report")
    wait_for_execution(runtime, visit_id, "FAILED", workflow="report_review")
    overdue = wait_for_email(runtime.outbox, ADMIN, "was not decided")
    assert f"/visits/{visit_id}/report" in overdue["text"]
    assert client.http.get(approval_path(first)).status_code == 410
    assert len({approval_path(first), approval_path(reminder), approval_path(escalation)}) == 3
    entered = states_entered(runtime, visit_id, workflow="report_review")
    assert {"CountReminder", "RemindOrEscalate", "EscalateToAdmin"} <= set(entered)
    assert entered[-2:] == ["ReportOverdueReview", "ReviewNotCompleted"]
    assert report_of(client, auth, visit_id)["status"] == "SUBMITTED"


def test_a_failing_task_lands_in_its_catch_and_alerts_the_admin(client, auth, runtime):
    boto3.client("stepfunctions").start_execution(
        stateMachineArn=runtime.state_machine_arns["report_review"],
        name="no-such-visit-1",
        input=json.dumps({"subject_id": "no-such-visit"}),
    )
    wait_for(
        lambda: execution_status(runtime, "no-such-visit", workflow="report_review") == "FAILED",
        20,
        what="the execution to fail",
    )
    alert = wait_for_email(runtime.outbox, ADMIN, "workflow failed")
    assert "NotFound" in alert["text"] and "entity=report" in alert["text"]
    assert states_entered(runtime, "no-such-visit", workflow="report_review")[-2:] == [
        "RecordFailure",
        "ReviewNotCompleted",
    ]


def test_a_decision_in_the_app_resumes_the_same_wait(client, auth, runtime):
    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    link = approval_path(wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval"))
    # WHEN the supervisor asks for changes from the report's page
    response = client.http.post(
        f"/v1/visits/{visit_id}/report/decision",
        headers=auth("supervisor"),
        body=json.dumps({"decision": "request_changes", "comment": "Add who brought the child."}),
    )
    # THEN the same execution carries on to the worker, and the emailed link is dead
    assert response.status_code == 200, response.body
    assert response.json_body["status"] == "CHANGES_REQUESTED"
    assert "Add who brought the child." in wait_for_email(runtime.outbox, WORKER, "Changes requested")["text"]
    assert client.http.get(link).status_code == 409
    assert states_entered(runtime, visit_id, workflow="report_review")[-1] == "WaitForRevision"
    assert [
        row["kind"] for row in client.http.get("/v1/decisions", headers=auth("supervisor")).json_body["decisions"]
    ] == []


@pytest.mark.parametrize("timings", [ANSWER_TIMES_OUT], ids=["revision-times-out"])
def test_a_revision_that_never_comes_is_chased_and_its_late_resubmission_starts_a_new_review(
    client, auth, runtime, timings
):
    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    decide_from_email(client, runtime, "request_changes", "Please add the actual end time.", about="report")
    # WHEN no revision comes before the timeout
    wait_for_execution(runtime, visit_id, "SUCCEEDED", workflow="report_review")
    chased = wait_for_email(runtime.outbox, WORKER, "still waiting for its changes")
    assert SUPERVISOR in chased["to"]
    assert states_entered(runtime, visit_id, workflow="report_review")[-2:] == [
        "RemindWorkerToRevise",
        "RevisionNotReceived",
    ]
    # THEN a resubmission later starts the next run, which asks the supervisor again
    assert submit(client, auth, visit_id).status_code == 200
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval", count=2)
    assert execution_status(runtime, visit_id, run=2, workflow="report_review") == "RUNNING"


def test_a_run_that_finds_the_report_already_decided_routes_on_what_was_recorded(client, auth, runtime):
    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    decide_from_email(client, runtime, "request_changes", "Add the times.", about="report")
    wait_for_email(runtime.outbox, WORKER, "Changes requested")
    # WHEN a second run starts for the same report (as a recovery restart would)
    boto3.client("stepfunctions").start_execution(
        stateMachineArn=runtime.state_machine_arns["report_review"],
        name=f"{visit_id}-2",
        input=json.dumps({"subject_id": visit_id}),
    )
    # THEN its ask step does not ask: it routes on the recorded request for changes
    wait_for(
        lambda: "WaitForRevision" in states_entered(runtime, visit_id, run=2, workflow="report_review"),
        20,
        what="the recorded route",
    )
    assert states_entered(runtime, visit_id, run=2, workflow="report_review")[2:6] == [
        "AskSupervisorToDecide",
        "ReadRecordedDecision",
        "UseRecordedDecision",
        "RouteDecision",
    ]
    assert len(emails_to(runtime.outbox, SUPERVISOR, "needs your approval")) == 1


def test_a_revision_sent_before_the_review_kept_its_wait_starts_no_second_run(client, auth, runtime):
    from botocore.exceptions import ClientError

    from chalicelib.storage.reports import Report

    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    decide_from_email(client, runtime, "request_changes", "Please add the actual end time.", about="report")
    wait_for(lambda: Report.get(visit_id).resubmission_task_token is not None, 20, what="the revision's wait kept")
    # GIVEN the review is running but, as a moment earlier, has not kept its wait on the report
    Report(visit_id).update(actions=[Report.resubmission_task_token.remove()])
    # WHEN the worker resubmits
    assert submit(client, auth, visit_id).status_code == 200
    # THEN the service asks Step Functions whether the review runs, finds it running, and starts no other
    assert execution_status(runtime, visit_id, workflow="report_review") == "RUNNING"
    with pytest.raises(ClientError):
        execution_status(runtime, visit_id, run=2, workflow="report_review")
    assert report_of(client, auth, visit_id)["status"] == "SUBMITTED"
