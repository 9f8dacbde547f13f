"""Injected AWS faults on the workflow paths, run on the real ASL under the embedded runtime: a
callback Step Functions throttled is delivered by the recovery sweep, a throttled step is retried
by its Task's Retry, and an address SES rejects lands in RecordFailure, which tells the admin.
"""

from __future__ import annotations

import json

import pytest

from tests.fault_injection import injected_faults
from tests.helpers import (
    ADMIN,
    REFERRER,
    SUPERVISOR,
    api_referral_status,
    approval_path,
    decide_from_email,
    emails_to,
    post_form,
    submitted_referral_id,
    wait_for,
    wait_for_email,
)
from tests.workflow.conftest import execution_arn, execution_status, states_entered, wait_for_execution

JSON = {"Content-Type": "application/json"}
pytestmark = pytest.mark.usefixtures("no_start_grace")


@pytest.fixture
def faults(runtime, monkeypatch):
    yield from injected_faults(monkeypatch)


def _actions(client, auth, referral_id: str) -> list[str]:
    events = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body
    return [event["action"] for event in events["events"]]


def _sweep(client) -> dict:
    response = client.http.post("/dev/jobs/recover-workflows", headers=JSON, body="{}")
    assert response.status_code == 200, response.body
    return response.json_body["result"]


def _owed() -> list:
    from chalicelib.storage.callbacks import OwedCallback

    return list(OwedCallback.query("owed"))


def _to(address: str):
    """A fault only for SES messages to `address` (the request body names its recipients)."""
    return lambda body: address in body


# -- callbacks Step Functions did not take ------------------------------------------------------


def test_decision_whose_callback_was_throttled_is_resumed_by_the_sweep(client, auth, runtime, faults):
    referral_id = submitted_referral_id(client, auth("referrer"))
    # GIVEN Step Functions throttles SendTaskSuccess when the supervisor accepts
    faults.inject("sfn", "SendTaskSuccess", "ThrottlingException")
    decided = decide_from_email(client, runtime, "accept")
    # THEN the decision is saved with its audit event, and the callback is kept
    assert decided.status_code == 200
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"
    assert _actions(client, auth, referral_id).count("referral.decided") == 1
    assert [callback.output for callback in _owed()] == [{"decision": "accept"}]
    # AND the execution still waits for it: nobody has told the referrer yet
    assert execution_status(runtime, referral_id) == "RUNNING"
    assert emails_to(runtime.outbox, REFERRER, "was accepted") == []
    # WHEN the sweep runs while the throttling lasts, the callback stays owed
    assert _sweep(client)["callbacks_deferred"] == 1
    assert len(_owed()) == 1
    # WHEN the throttling stops and the sweep runs again
    faults.clear()
    summary = _sweep(client)
    # THEN the wait resumes with the recorded decision and the workflow finishes its path
    assert summary["callbacks_delivered"] == 1 and summary["restarted"] == 0
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert states_entered(runtime, referral_id)[-2:] == ["RouteDecision", "NotifyReferrerOfDecision"]
    wait_for_email(runtime.outbox, REFERRER, "was accepted")
    assert _owed() == []
    # AND the audit trail tells the story once: decided, then notified
    actions = _actions(client, auth, referral_id)
    assert actions.count("referral.decided") == 1 and actions.count("referral.referrer_notified") == 1


def test_answer_whose_callback_was_throttled_goes_back_to_review_after_the_sweep(client, auth, runtime, faults):
    referral_id = submitted_referral_id(client, auth("referrer"))
    decide_from_email(client, runtime, "more_info", "Who brings the children?")
    wait_for_email(runtime.outbox, REFERRER, "More information needed")
    wait_for(lambda: _actions(client, auth, referral_id)[-1] == "referral.awaiting_answer", what="the answer wait")
    # GIVEN Step Functions throttles the callback of the referrer's answer
    faults.inject("sfn", "SendTaskSuccess", "ThrottlingException")
    answer = client.http.post(
        f"/v1/referrals/{referral_id}/amendments",
        headers=auth("referrer"),
        body=json.dumps({"answer": "Their grandmother, by car."}),
    )
    # THEN the answer is saved, and the callback kept
    assert answer.status_code == 200, answer.body
    assert answer.json_body["status"] == "UNDER_REVIEW"
    assert [callback.output for callback in _owed()] == [{"answered": True}]
    # WHEN the throttling stops and the sweep runs
    faults.clear()
    assert _sweep(client)["callbacks_delivered"] == 1
    # THEN the review resumes: the supervisor is asked again, and the run is the same one
    second = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", count=2)
    assert "grandmother" in second["text"]
    assert execution_status(runtime, referral_id) == "RUNNING"
    assert "ResetReminders" in states_entered(runtime, referral_id)


def test_withdrawal_whose_callback_was_throttled_closes_the_review_after_the_sweep(client, auth, runtime, faults):
    referral_id = submitted_referral_id(client, auth("referrer"))
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    faults.inject("sfn", "SendTaskSuccess", "ThrottlingException")
    response = client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=auth("referrer"))
    assert response.status_code == 200 and response.json_body["status"] == "WITHDRAWN"
    assert [callback.output for callback in _owed()] == [{"decision": "closed"}]
    faults.clear()
    assert _sweep(client)["callbacks_delivered"] == 1
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert states_entered(runtime, referral_id)[-1] == "ReviewClosed"


def test_an_owed_callback_whose_wait_is_over_is_dropped(client, auth, runtime, faults):
    """The wait timed out meanwhile (its next step read the saved change): nothing to deliver."""
    from chalicelib.storage import callbacks

    callbacks.keep("a-token-no-execution-waits-on", {"decision": "accept"})
    summary = _sweep(client)
    assert summary["callbacks_closed"] == 1 and _owed() == []


# -- steps: Retry for throttling, Catch for a refusal -----------------------------------------------


@pytest.mark.parametrize("code", ["TooManyRequestsException", "Throttling"])
def test_step_whose_email_is_throttled_beyond_the_client_retries_is_retried_by_the_asl(
    client, auth, runtime, faults, code
):
    # GIVEN SES throttles the supervisor's email for longer than the SES client retries (3 tries)
    fault = faults.inject("sesv2", "SendEmail", code, when=_to(SUPERVISOR), times=3)
    referral_id = submitted_referral_id(client, auth("referrer"))
    # THEN the step fails as TransientError, the Task's Retry runs it again, and the email goes
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", timeout=30)
    assert fault.answered == 3 and fault.seen == 4
    assert execution_status(runtime, referral_id) == "RUNNING"
    assert "RecordFailure" not in states_entered(runtime, referral_id)
    # AND one live link exists: the retried step retired the link of the failed try
    from chalicelib.storage.approval_links import active_links

    assert len(list(active_links("referral", referral_id))) == 1


def test_step_whose_read_is_throttled_beyond_pynamodb_retries_is_retried_by_the_asl(client, auth, runtime, faults):
    from chalicelib.config import table_name

    # GIVEN DynamoDB throttles reads of the referrals table for longer than PynamoDB retries
    table = table_name("referrals")
    fault = faults.inject(
        "dynamodb", "GetItem", "ProvisionedThroughputExceededException", when=lambda body: table in body, times=3
    )
    referral_id = submitted_referral_id(client, auth("referrer"))
    # THEN the Task's Retry runs the step again and the supervisor is asked
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", timeout=30)
    assert fault.answered == 3
    assert "RecordFailure" not in states_entered(runtime, referral_id)


def test_address_ses_rejects_lands_in_record_failure_and_the_admin_is_told(client, auth, runtime, faults):
    # GIVEN SES rejects the supervisor's address
    faults.inject("sesv2", "SendEmail", "MessageRejected", when=_to(SUPERVISOR))
    referral_id = submitted_referral_id(client, auth("referrer"))
    # THEN the step is not retried but caught: the failure is recorded and the admin alerted
    wait_for_execution(runtime, referral_id, "FAILED")
    assert states_entered(runtime, referral_id)[-2:] == ["RecordFailure", "ReviewNotCompleted"]
    alert = wait_for_email(runtime.outbox, ADMIN, "workflow failed")
    assert "MessageRejected" in alert["text"]
    assert "workflow.failed" in _actions(client, auth, referral_id)
    # AND the referral is not lost: still under review, its dead link retired
    from chalicelib.storage.approval_links import active_links

    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"
    assert list(active_links("referral", referral_id)) == []
    # WHEN the address is accepted again and the sweep runs
    faults.clear()
    summary = _sweep(client)
    # THEN a new run asks the supervisor with a fresh link
    assert summary["restarted"] == 1
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    wait_for_execution(runtime, referral_id, "RUNNING", run=2)
    assert "workflow.restarted" in _actions(client, auth, referral_id)


def test_when_ses_rejects_the_admin_too_the_failure_is_still_recorded_and_logged(client, auth, runtime, faults, capsys):
    faults.inject("sesv2", "SendEmail", "MessageRejected", when=_to(SUPERVISOR))
    faults.inject("sesv2", "SendEmail", "MessageRejected", when=_to(ADMIN))
    referral_id = submitted_referral_id(client, auth("referrer"))
    wait_for_execution(runtime, referral_id, "FAILED")
    # THEN the audit trail has the failure, and the log line the WorkflowFailures alarm counts is written
    assert "workflow.failed" in _actions(client, auth, referral_id)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(entry.get("message") == "workflow failed" for entry in logged)
    assert states_entered(runtime, referral_id)[-1] == "ReviewNotCompleted"


def test_address_ses_rejects_when_telling_the_referrer_is_recorded_and_the_decision_kept(client, auth, runtime, faults):
    # GIVEN SES rejects the referrer's address
    faults.inject("sesv2", "SendEmail", "MessageRejected", when=_to(REFERRER))
    referral_id = submitted_referral_id(client, auth("referrer"))
    decide_from_email(client, runtime, "accept")
    # THEN NotifyReferrerOfDecision is caught: the decision stands, and the admin is told
    wait_for_execution(runtime, referral_id, "FAILED")
    assert states_entered(runtime, referral_id)[-3:] == [
        "NotifyReferrerOfDecision",
        "RecordFailure",
        "ReviewNotCompleted",
    ]
    wait_for_email(runtime.outbox, ADMIN, "workflow failed")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"
    actions = _actions(client, auth, referral_id)
    assert "workflow.failed" in actions and "referral.referrer_notified" not in actions


# -- the report review -----------------------------------------------------------------------------


def _report_history(runtime, visit_id: str) -> list[str]:
    import boto3

    arn = execution_arn(runtime, visit_id, workflow="report_review")
    events = boto3.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def test_report_decision_and_resubmission_whose_callbacks_were_throttled_are_resumed_by_the_sweep(
    client, auth, runtime, faults
):
    from tests.report_helpers import book_visit, report_of, save, submit, write_and_submit
    from tests.visit_helpers import CASEY

    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    request = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    # GIVEN Step Functions throttles callbacks while the supervisor asks for changes
    faults.inject("sfn", "SendTaskSuccess", "ThrottlingException")
    asked = post_form(
        client,
        approval_path(request),
        {"decision": "request_changes", "comment": "Add the end time.", "confirmed": "yes"},
    )
    assert asked.status_code == 200
    assert report_of(client, auth, visit_id)["status"] == "CHANGES_REQUESTED"
    # THEN the worker is not told yet (the workflow tells them), and the callback is owed
    assert emails_to(runtime.outbox, CASEY, "Changes requested") == []
    assert [callback.output for callback in _owed()] == [{"decision": "request_changes"}]
    # WHEN the sweep delivers it
    faults.clear()
    assert _sweep(client)["callbacks_delivered"] == 1
    wait_for_email(runtime.outbox, CASEY, "Changes requested")
    wait_for(lambda: _report_history(runtime, visit_id)[-1] == "WaitForRevision", what="the revision wait")
    wait_for(lambda: report_of(client, auth, visit_id).get("status") == "CHANGES_REQUESTED", what="status")
    # AND the worker resubmits while callbacks are throttled again
    faults.inject("sfn", "SendTaskSuccess", "ThrottlingException")
    assert save(client, auth, visit_id).status_code == 200
    resubmitted = submit(client, auth, visit_id)
    assert resubmitted.status_code == 200 and resubmitted.json_body["version"] == 2
    # THEN no second review starts beside the waiting one: the same wait gets the revision later
    assert [callback.output for callback in _owed()] == [{"revised": 2}]
    faults.clear()
    assert _sweep(client)["callbacks_delivered"] == 1
    second = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval", count=2)
    post_form(client, approval_path(second), {"decision": "approve", "confirmed": "yes"})
    wait_for(lambda: report_of(client, auth, visit_id)["status"] == "APPROVED", what="approval")
    wait_for_email(runtime.outbox, REFERRER, "is ready")
    assert _report_history(runtime, visit_id).count("AskSupervisorToDecide") == 2
    assert report_of(client, auth, visit_id)["approved"]["version"] == 2


def test_report_submitted_while_start_execution_was_throttled_is_reviewed_after_the_sweep(
    client, auth, runtime, faults
):
    from tests.report_helpers import book_visit, report_of, write_and_submit

    visit_id = book_visit(client, auth)
    # GIVEN Step Functions throttles StartExecution when the worker submits
    faults.inject("sfn", "StartExecution", "ThrottlingException")
    submitted = write_and_submit(client, auth, visit_id)
    # THEN the submission is saved (nothing lost) and waits for its review to start
    assert submitted["version"] == 1
    assert report_of(client, auth, visit_id)["status"] == "SUBMITTED"
    assert emails_to(runtime.outbox, SUPERVISOR, "needs your approval") == []
    # WHEN the throttling stops and the sweep runs
    faults.clear()
    assert _sweep(client)["restarted"] == 1
    # THEN the review starts and the supervisor is asked
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    assert _report_history(runtime, visit_id)[:2] == ["LoadTimings", "AlertIfUrgent"]
