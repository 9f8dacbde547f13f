"""Every path of statemachines/referral_review.asl.json, run by moto's interpreter with the real handlers."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.conftest import ANSWER_TIMES_OUT, FAST_TIMINGS
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
    wait_for_email,
)
from tests.workflow.conftest import states_entered, wait_for_execution


def test_accept_path_marks_accepted_and_tells_the_referrer(client, auth, runtime, referrer):
    # GIVEN a submitted referral whose review asked the duty supervisor
    referral_id = submitted_referral_id(client, referrer)
    request = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"
    # WHEN the supervisor accepts through the link
    response = post_form(client, approval_path(request), {"decision": "accept", "confirmed": "yes"})
    # THEN the referral is accepted, the referrer is told, and the execution ends well
    assert response.status_code == 200 and b"Decision recorded" in response.body
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"
    told = wait_for_email(runtime.outbox, REFERRER, "accepted")
    assert "What happens next" in told["text"]
    history = client.http.get(f"/v1/referrals/{referral_id}", headers=referrer).json_body["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "SUBMITTED"),
        ("SUBMITTED", "UNDER_REVIEW"),
        ("UNDER_REVIEW", "ACCEPTED"),
    ]
    assert history[-1]["actor"] == SUPERVISOR
    assert states_entered(runtime, referral_id) == [
        "LoadTimings",
        "AskSupervisorToDecide",
        "RouteDecision",
        "NotifyReferrerOfDecision",
    ]


def test_decline_path_sends_the_reason_to_the_referrer(client, auth, runtime, referrer):
    referral_id = submitted_referral_id(client, referrer)
    # WHEN the supervisor declines with a reason
    decide_from_email(client, runtime, "decline", "The family lives outside our area; please refer to the North team.")
    # THEN the referral is declined and the referrer gets the reason
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "DECLINED"
    told = wait_for_email(runtime.outbox, REFERRER, "declined")
    assert "outside our area" in told["text"]
    # AND the email that invites a reply sends it to the monitored inbox, not the no-reply sender
    from chalicelib.config import settings

    assert "reply to this email" in told["text"] and told["reply_to"] == settings().reply_to != settings().mail_from


@pytest.mark.parametrize(
    ("confidential", "promise"),
    [
        (False, "we will email you its date, time, venue and the contact worker"),
        (True, "we will email you its date and the contact worker (the venue and times are not sent"),
    ],
    ids=["open-address", "confidential-address"],
)
def test_the_acceptance_promises_what_the_booking_email_will_say(
    client, auth, runtime, referrer, confidential, promise
):
    from tests.dates import example_referral
    from tests.helpers import submit_referral

    body = example_referral()
    body["risks"]["confidential_address"] = confidential
    if not confidential:
        body["risks"].pop("carer_address", None)
    created = submit_referral(client, referrer, body)
    assert created.status_code == 201, created.body
    request = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    # The link's expiry reads in days
    assert "expires in 7 days." in request["text"] and "hours" not in request["text"]
    decide_from_email(client, runtime, "accept")
    told = wait_for_email(runtime.outbox, REFERRER, "accepted")
    assert promise in told["text"]


def test_decline_without_reason_is_refused_beside_the_field_and_changes_nothing(client, auth, runtime, referrer):
    referral_id = submitted_referral_id(client, referrer)
    response = decide_from_email(client, runtime, "decline", "")
    assert response.status_code == 422
    assert b"Give the reason for declining" in response.body
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"


def test_more_info_then_answer_then_accept(client, auth, runtime, referrer):
    referral_id = submitted_referral_id(client, referrer)
    # WHEN the supervisor asks a question
    decide_from_email(client, runtime, "more_info", "Is there a current safety plan for the mother?")
    question = wait_for_email(runtime.outbox, REFERRER, "More information needed")
    assert "current safety plan" in question["text"]
    assert f"/referrals/{referral_id}" in question["text"]
    assert api_referral_status(client, auth("supervisor"), referral_id) == "MORE_INFO_REQUESTED"
    # AND the referrer answers
    answer = client.http.post(
        f"/v1/referrals/{referral_id}/amendments",
        headers=referrer,
        body=json.dumps({"answer": "Yes, agreed at the child protection conference."}),
    )
    assert answer.status_code == 200, answer.body
    assert answer.json_body["status"] == "UNDER_REVIEW"
    # THEN the supervisor is asked again, with the answer, and can accept
    second = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", count=2)
    assert "child protection conference" in second["text"]
    post_form(client, approval_path(second), {"decision": "accept", "confirmed": "yes"})
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"
    assert states_entered(runtime, referral_id).count("AskSupervisorToDecide") == 2


@pytest.mark.parametrize("timings", [ANSWER_TIMES_OUT], ids=["amendment-times-out"])
def test_more_info_never_answered_lapses(client, auth, runtime, referrer, timings):
    referral_id = submitted_referral_id(client, referrer)
    decide_from_email(client, runtime, "more_info", "Please send the court order.")
    # WHEN nobody answers within the amendment timeout
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    # THEN the referral lapsed and the referrer was told what to do
    assert api_referral_status(client, auth("supervisor"), referral_id) == "LAPSED"
    told = wait_for_email(runtime.outbox, REFERRER, "lapsed")
    assert "submit a new referral" in told["text"]
    assert "MarkLapsed" in states_entered(runtime, referral_id)


@pytest.mark.parametrize("timings", [FAST_TIMINGS], ids=["nobody-decides"])
def test_reminder_then_escalation_then_overdue_alert(client, auth, runtime, referrer, timings):
    referral_id = submitted_referral_id(client, referrer)
    first = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    # WHEN nobody decides: a reminder with a fresh link, then the admin gets their own link
    reminder = wait_for_email(runtime.outbox, SUPERVISOR, "Reminder")
    escalation = wait_for_email(runtime.outbox, ADMIN, "Escalated")
    wait_for_execution(runtime, referral_id, "FAILED")
    # THEN the admin is told the review stopped, the old link is retired, the referral is not lost
    overdue = wait_for_email(runtime.outbox, ADMIN, "was not decided")
    assert "restarts by itself" in overdue["text"]
    assert client.http.get(approval_path(first)).status_code == 410
    assert approval_path(reminder) != approval_path(first)
    assert approval_path(escalation) not in (approval_path(first), approval_path(reminder))
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"
    entered = states_entered(runtime, referral_id)
    assert entered.count("AskSupervisorToDecide") == 2
    assert entered[-2:] == ["ReportOverdueReview", "ReviewNotCompleted"]


def test_withdraw_while_waiting_stops_the_review_and_retires_the_link(client, auth, runtime, referrer):
    referral_id = submitted_referral_id(client, referrer)
    request = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    # WHEN the referrer withdraws while the supervisor has not decided
    response = client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=referrer)
    assert response.status_code == 200, response.body
    # THEN it is withdrawn, the execution closed, and the supervisor's link decides nothing
    assert response.json_body["status"] == "WITHDRAWN"
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert states_entered(runtime, referral_id)[-2:] == ["RouteDecision", "ReviewClosed"]
    late = post_form(client, approval_path(request), {"decision": "accept", "confirmed": "yes"})
    assert late.status_code == 410
    assert b"WITHDRAWN" in late.body.upper()
    assert api_referral_status(client, auth("supervisor"), referral_id) == "WITHDRAWN"


def test_a_failing_task_lands_in_its_catch_and_alerts_the_admin(client, auth, runtime):
    # GIVEN an execution for a referral that does not exist: the first Task raises NotFound
    boto3.client("stepfunctions").start_execution(
        stateMachineArn=runtime.state_machine_arns["referral_review"],
        name="no-such-referral-1",
        input=json.dumps({"subject_id": "no-such-referral"}),
    )
    # THEN the Catch records the failure and the admin is alerted; the execution fails cleanly
    wait_for_execution(runtime, "no-such-referral", "FAILED")
    alert = wait_for_email(runtime.outbox, ADMIN, "workflow failed")
    assert "NotFound" in alert["text"]
    assert states_entered(runtime, "no-such-referral")[-2:] == ["RecordFailure", "ReviewNotCompleted"]
    events = client.http.get("/v1/audit?entity=referral&id=no-such-referral", headers=auth("admin")).json_body
    assert [e["action"] for e in events["events"]] == ["workflow.failed"]


def test_intake_itself_sends_no_email(client, runtime, referrer, monkeypatch):
    from chalicelib.services import review

    # GIVEN the review cannot start: the intake alone runs
    monkeypatch.setattr(review, "start", lambda workflow, subject_id, run: False)
    submitted_referral_id(client, referrer)
    # THEN no email went out: asking the supervisor is the workflow's job
    assert emails_to(runtime.outbox, SUPERVISOR) == []


def test_withdraw_while_waiting_for_the_answer_closes_the_review(client, auth, runtime, referrer):
    referral_id = submitted_referral_id(client, referrer)
    decide_from_email(client, runtime, "more_info", "Who will bring the children?")
    wait_for_email(runtime.outbox, REFERRER, "More information needed")
    # WHEN the referrer withdraws instead of answering
    response = client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=referrer)
    # THEN the amendment wait ends at once and the review closes without lapsing
    assert response.json_body["status"] == "WITHDRAWN"
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert "MarkLapsed" not in states_entered(runtime, referral_id)
    assert api_referral_status(client, auth("supervisor"), referral_id) == "WITHDRAWN"
