"""The catch paths of statemachines/referral_review.asl.json: people acting between two waits, mail refused.

Each race is made deliberately: one call of a workflow step is held at its start (the embedded
runtime runs it in-process) while the test acts through HTTP and the approval links, then released.
"""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace

import pytest

from tests.conftest import FAST_TIMINGS
from tests.helpers import (
    ADMIN,
    REFERRER,
    SUPERVISOR,
    api_referral_status,
    decide_by_link,
    decide_from_email,
    emails_to,
    recorded,
    submitted_referral_id,
    wait_for,
    wait_for_email,
)
from tests.workflow.conftest import states_entered, wait_for_execution


@pytest.fixture
def hold(runtime, monkeypatch):
    """`hold("ask_supervisor", call=2)`: that call of the step waits at its start (`.reached` is set)
    until `.release()`. Only the step's name is known here, never its payload."""
    gates: list[threading.Event] = []

    def make(step: str, call: int = 1):
        from chalicelib.services import referral_review

        original, calls = referral_review.SUBJECT.steps[step], []
        reached, release = threading.Event(), threading.Event()
        gates.append(release)

        def held(event):
            calls.append(event)
            if len(calls) == call:
                reached.set()
                release.wait(30)
            return original(event)

        monkeypatch.setitem(referral_review.SUBJECT.steps, step, held)
        return SimpleNamespace(reached=reached, release=release.set)

    yield make
    for release in gates:  # never leave an execution thread waiting on a failed test
        release.set()


@pytest.mark.parametrize("timings", [FAST_TIMINGS], ids=["reminder-after-one-second"])
def test_decision_made_as_its_wait_timed_out_is_routed_by_the_reminder_step(client, auth, runtime, referrer, hold):
    # GIVEN a supervisor who has not decided in time: the wait timed out, the reminder is about to go
    reminder = hold("ask_supervisor", call=2)
    referral_id = submitted_referral_id(client, referrer)
    first = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    wait_for(reminder.reached.is_set, what="the reminder step")
    # WHEN the supervisor accepts through the first link, whose wait is over
    recorded(decide_by_link(client, first, "accept"))
    reminder.release()
    # THEN the reminder step sends no reminder and routes the recorded decision; the referrer is told once
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"
    assert emails_to(runtime.outbox, SUPERVISOR, "Reminder") == []
    assert len(emails_to(runtime.outbox, REFERRER, "accepted")) == 1
    assert states_entered(runtime, referral_id)[-5:] == [
        "AskSupervisorToDecide",
        "ReadRecordedDecision",
        "UseRecordedDecision",
        "RouteDecision",
        "NotifyReferrerOfDecision",
    ]


@pytest.mark.parametrize("timings", [FAST_TIMINGS], ids=["reminder-after-one-second"])
def test_question_asked_as_its_wait_timed_out_still_reaches_the_referrer(client, auth, runtime, referrer, hold):
    # GIVEN the supervisor's wait timed out and the reminder is about to go
    reminder = hold("ask_supervisor", call=2)
    referral_id = submitted_referral_id(client, referrer)
    first = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    wait_for(reminder.reached.is_set, what="the reminder step")
    # WHEN the supervisor asks a question through the first link
    recorded(decide_by_link(client, first, "more_info", "Which school do the children attend?"))
    reminder.release()
    # THEN the reminder step routes the recorded question: the referrer gets it and the review waits for them
    question = wait_for_email(runtime.outbox, REFERRER, "More information needed")
    assert "Which school" in question["text"]
    wait_for(lambda: states_entered(runtime, referral_id)[-1] == "WaitForAmendment", what="the amendment wait")
    assert states_entered(runtime, referral_id)[-5:] == [
        "AskSupervisorToDecide",
        "ReadRecordedDecision",
        "UseRecordedDecision",
        "RouteDecision",
        "WaitForAmendment",
    ]
    assert api_referral_status(client, auth("supervisor"), referral_id) == "MORE_INFO_REQUESTED"
    assert emails_to(runtime.outbox, SUPERVISOR, "Reminder") == []


@pytest.mark.parametrize("timings", [FAST_TIMINGS], ids=["escalation-after-one-reminder"])
def test_decision_made_as_the_escalation_begins_is_routed_without_escalating(client, auth, runtime, referrer, hold):
    # GIVEN the reminder's wait timed out too and the escalation is about to go to the admin
    escalation = hold("escalate")
    referral_id = submitted_referral_id(client, referrer)
    reminder = wait_for_email(runtime.outbox, SUPERVISOR, "Reminder")
    wait_for(escalation.reached.is_set, what="the escalation step")
    # WHEN the supervisor declines through the reminder's link
    recorded(decide_by_link(client, reminder, "decline", "Another team already supports this family."))
    escalation.release()
    # THEN nothing is escalated, the referral is declined and the referrer gets the reason once
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert emails_to(runtime.outbox, ADMIN) == []
    assert api_referral_status(client, auth("supervisor"), referral_id) == "DECLINED"
    told = emails_to(runtime.outbox, REFERRER, "declined")
    assert len(told) == 1 and "Another team" in told[0]["text"]
    assert states_entered(runtime, referral_id)[-5:] == [
        "EscalateToAdmin",
        "ReadRecordedDecision",
        "UseRecordedDecision",
        "RouteDecision",
        "NotifyReferrerOfDecision",
    ]


def test_answer_given_before_the_amendment_wait_began_goes_straight_back_to_review(
    client, auth, runtime, referrer, hold
):
    # GIVEN the supervisor asked a question and the workflow is about to wait for the answer
    amendment = hold("await_answer")
    referral_id = submitted_referral_id(client, referrer)
    recorded(decide_from_email(client, runtime, "more_info", "Who holds parental responsibility?"))
    wait_for(amendment.reached.is_set, what="the amendment step")
    # WHEN the referrer answers first, from the referral's page
    answer = client.http.post(
        f"/v1/referrals/{referral_id}/amendments",
        headers=referrer,
        body=json.dumps({"answer": "Both parents, under a shared care order."}),
    )
    assert answer.status_code == 200, answer.body
    amendment.release()
    # THEN the workflow does not wait for an answer already given: the supervisor is asked again, with it
    again = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", count=2)
    assert "shared care order" in again["text"]
    assert emails_to(runtime.outbox, REFERRER, "More information needed") == []
    assert states_entered(runtime, referral_id)[-3:] == ["WaitForAmendment", "ResetReminders", "AskSupervisorToDecide"]
    # AND the supervisor's new link decides the referral
    recorded(decide_by_link(client, again, "accept"))
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"


def test_decision_made_before_the_ask_step_has_returned_resumes_the_review(client, runtime, referrer, monkeypatch):
    """The supervisor decides from the email while the step that sent it is still returning: the
    callback comes before the Task's wait has begun, and the review goes on with it at once."""
    from chalicelib.services import referral_review

    ask, returning, release = referral_review.SUBJECT.steps["ask_supervisor"], threading.Event(), threading.Event()

    def ask_then_linger(event):
        answer = ask(event)
        returning.set()
        release.wait(30)
        return answer

    monkeypatch.setitem(referral_review.SUBJECT.steps, "ask_supervisor", ask_then_linger)
    # GIVEN the ask step has emailed the supervisor and not yet returned
    referral_id = submitted_referral_id(client, referrer)
    try:
        assert returning.wait(15), "the ask step never ran"
        # WHEN the supervisor asks a question through the email's link in that instant
        recorded(decide_from_email(client, runtime, "more_info", "Which school does the child attend?"))
    finally:
        release.set()
    # THEN the referrer is asked at once, not after the wait's heartbeat runs out
    question = wait_for_email(runtime.outbox, REFERRER, "More information needed")
    assert "Which school does the child attend?" in question["text"]
    assert states_entered(runtime, referral_id)[-1] == "WaitForAmendment"


def _reject_mail_to(address: str):
    """Answer SendEmail to that address as SES does when it refuses a message: the SDK raises."""
    from botocore.awsrequest import AWSResponse

    def reject(params, **_kwargs):
        if address.encode() not in params["body"]:
            return None
        error = {
            "Error": {"Code": "MessageRejected", "Message": "Email address is on the suppression list"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://email.eu-west-2.amazonaws.com/", 400, {}, None), error

    return reject


def test_referrer_who_cannot_be_emailed_fails_the_review_cleanly_and_alerts_the_admin(client, auth, runtime, referrer):
    from chalicelib.services.email import ses_client

    # GIVEN SES refuses every message to the referrer's address
    events = ses_client().meta.events
    reject = _reject_mail_to(REFERRER)
    events.register("before-call.sesv2.SendEmail", reject)
    try:
        referral_id = submitted_referral_id(client, referrer)
        # WHEN the supervisor accepts
        recorded(decide_from_email(client, runtime, "accept"))
        # THEN the decision stands, the execution fails through its catch and the admin is alerted
        wait_for_execution(runtime, referral_id, "FAILED")
        alert = wait_for_email(runtime.outbox, ADMIN, "workflow failed")
    finally:
        events.unregister("before-call.sesv2.SendEmail", reject)
    assert referral_id in alert["text"]
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"
    assert emails_to(runtime.outbox, REFERRER) == []
    assert states_entered(runtime, referral_id)[-3:] == [
        "NotifyReferrerOfDecision",
        "RecordFailure",
        "ReviewNotCompleted",
    ]
