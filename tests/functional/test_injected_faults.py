"""AWS throttling, outages and bad answers at every kind of entry point: the request succeeds after
the configured retries, or it fails with a clear 503 (and `Retry-After`) or 502, never a 500, and
nothing is half-written. Then the fault goes away and the work completes.

Faults are answered at botocore's `before-send` (tests/fault_injection.py), so botocore's standard
retry mode and PynamoDB's own retry settings run as they do in AWS.
"""

from __future__ import annotations

import json

import pytest

from tests.dates import example_referral
from tests.fault_injection import injected_faults
from tests.helpers import (
    SUPERVISOR,
    approval_link_states,
    approval_path,
    post_form,
    session_cookie,
    submit_referral,
    wait_for_email,
)

THROTTLING = ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
# PynamoDB's max_retry_attempts (2) + the first try: what one DynamoDB call costs before it gives up.
DYNAMODB_TRIES = 3


@pytest.fixture
def faults(runtime, monkeypatch):
    yield from injected_faults(monkeypatch)


def _audit_actions(client, auth, referral_id: str) -> list[str]:
    response = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin"))
    assert response.status_code == 200
    return [event["action"] for event in response.json_body["events"]]


def _referrals_stored() -> list:
    from chalicelib.storage.referrals import Referral

    return list(Referral.scan())  # test inspection only; the service never scans


def _audit_events_stored() -> list:
    from chalicelib.storage.audit import AuditEvent

    return list(AuditEvent.scan())  # test inspection only


def _assert_unavailable_json(response, retry_after: str = "5") -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == retry_after
    assert response.headers["Content-Type"] == "application/json"
    error = response.json_body["error"]
    assert error["code"] == "service_unavailable"
    assert "try again" in error["message"]
    assert "Traceback" not in response.body.decode()


def _assert_unavailable_page(response, retry_after: str = "5") -> None:
    body = response.body.decode()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == retry_after
    assert response.headers["Content-Type"].startswith("text/html")
    assert "try again" in body and "Traceback" not in body and "Exception" not in body


# -- API routes (`api_route`) ---------------------------------------------------------------------


@pytest.fixture
def referral_id(client, auth, runtime):
    response = submit_referral(client, auth("referrer"), example_referral())
    assert response.status_code == 201
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    return response.json_body["id"]


@pytest.mark.parametrize("code", THROTTLING)
def test_api_read_throttled_beyond_the_retries_is_a_503_with_retry_after(client, auth, faults, referral_id, code):
    # GIVEN DynamoDB throttles every read
    fault = faults.inject("dynamodb", "GetItem", code)
    # WHEN a supervisor reads the referral
    response = client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor"))
    # THEN after PynamoDB's retries the answer is a 503 in the standard error body
    _assert_unavailable_json(response)
    assert fault.seen == DYNAMODB_TRIES
    # AND once the throttling stops, the same read succeeds
    faults.clear()
    assert client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor")).status_code == 200


def test_api_read_throttled_briefly_succeeds_after_retries(client, auth, faults, referral_id):
    fault = faults.inject("dynamodb", "GetItem", "ProvisionedThroughputExceededException", times=DYNAMODB_TRIES - 1)
    response = client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor"))
    assert response.status_code == 200
    assert response.json_body["id"] == referral_id
    assert fault.seen == DYNAMODB_TRIES and fault.answered == DYNAMODB_TRIES - 1


def test_api_query_throttled_is_a_503(client, auth, faults, referral_id):
    faults.inject("dynamodb", "Query", "ThrottlingException")
    _assert_unavailable_json(client.http.get("/v1/referrals", headers=auth("supervisor")))


@pytest.mark.parametrize("code", THROTTLING)
def test_api_write_throttled_saves_nothing_and_the_retry_with_the_same_key_saves_it_once(client, auth, faults, code):
    # GIVEN DynamoDB throttles every transaction
    fault = faults.inject("dynamodb", "TransactWriteItems", code)
    # WHEN a referrer submits a referral
    response = submit_referral(client, auth("referrer"), example_referral(), key="fault-1")
    # THEN they are told to try again, and neither the referral nor its audit event exists
    _assert_unavailable_json(response)
    assert fault.seen == DYNAMODB_TRIES
    assert _referrals_stored() == [] and _audit_events_stored() == []
    # WHEN the throttling stops and the client sends the same request again
    faults.clear()
    retried = submit_referral(client, auth("referrer"), example_referral(), key="fault-1")
    # THEN it is saved once, with its audit event
    assert retried.status_code == 201
    assert [r.referral_id for r in _referrals_stored()] == [retried.json_body["id"]]
    assert _audit_actions(client, auth, retried.json_body["id"])[0] == "referral.submitted"


@pytest.mark.parametrize("reason", ["TransactionConflict", "ThrottlingError"])
def test_api_transaction_cancelled_for_another_reason_than_ours_is_a_503(client, auth, faults, reason):
    # GIVEN DynamoDB cancels the transaction for a reason that is not one of our conditions
    faults.inject(
        "dynamodb", "TransactWriteItems", "TransactionCanceledException", cancellation_reasons=["None", reason]
    )
    response = submit_referral(client, auth("referrer"), example_referral())
    # THEN it is a 503 (not the 409 a failed condition of ours gives), and nothing is stored
    _assert_unavailable_json(response, retry_after="5" if reason == "ThrottlingError" else "30")
    assert _referrals_stored() == [] and _audit_events_stored() == []


def test_api_dependency_answering_wrongly_is_a_502(client, auth, faults, referral_id):
    # GIVEN DynamoDB refuses a read as malformed (our fault or its, but not the client's input)
    fault = faults.inject("dynamodb", "GetItem", "ValidationException")
    response = client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor"))
    assert response.status_code == 502
    assert "Retry-After" not in response.headers
    assert response.json_body["error"]["code"] == "bad_gateway"
    assert fault.seen == 1  # a wrong answer is not retried


def test_api_dynamodb_unavailable_is_a_503_with_a_longer_retry_after(client, auth, faults, referral_id):
    faults.inject("dynamodb", "GetItem", "InternalServerError")
    _assert_unavailable_json(
        client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor")), retry_after="30"
    )


@pytest.mark.parametrize("code", ["ReadTimeout", "ConnectTimeout"])
def test_api_dynamodb_not_answering_is_a_503_after_the_retries(client, auth, faults, referral_id, code):
    # GIVEN DynamoDB does not answer at all (the connection times out)
    fault = faults.inject("dynamodb", "GetItem", code)
    response = client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor"))
    # THEN the tries are bounded and the client is told to come back later
    _assert_unavailable_json(response, retry_after="30")
    assert fault.seen == DYNAMODB_TRIES


def test_a_bug_of_ours_is_still_a_500_in_the_standard_body(client, auth, monkeypatch, referral_id):
    """The mapping only speaks for AWS: an error of ours is not dressed up as a 502 or 503."""
    from chalicelib.services import referrals

    monkeypatch.setattr(referrals, "view", lambda *a, **k: 1 / 0)
    response = client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor"))
    assert response.status_code == 500
    assert response.json_body["error"]["code"] == "internal_error"
    assert "ZeroDivision" not in response.body.decode()


# -- Step Functions on the request path -----------------------------------------------------------


def test_start_execution_throttled_keeps_the_referral_and_the_sweep_starts_it(
    client, auth, runtime, faults, monkeypatch
):
    from datetime import timedelta

    from chalicelib.services import recovery

    monkeypatch.setattr(recovery, "START_GRACE", timedelta(0))
    # GIVEN Step Functions throttles StartExecution
    fault = faults.inject("sfn", "StartExecution", "ThrottlingException")
    # WHEN a referral is submitted
    response = submit_referral(client, auth("referrer"), example_referral())
    # THEN it is saved (201): the review starts later, nobody is failed for it
    assert response.status_code == 201 and response.json_body["status"] == "SUBMITTED"
    assert fault.seen == 3  # the client's three tries
    referral_id = response.json_body["id"]
    assert _audit_actions(client, auth, referral_id) == ["referral.submitted"]
    # WHEN the sweep runs while Step Functions still throttles, it defers it
    swept = client.http.post("/dev/jobs/recover-workflows", headers={"Content-Type": "application/json"}, body="{}")
    assert swept.status_code == 200 and swept.json_body["result"]["deferred"] == 1
    # AND when the throttling stops, the next sweep starts the review
    faults.clear()
    swept = client.http.post("/dev/jobs/recover-workflows", headers={"Content-Type": "application/json"}, body="{}")
    assert swept.json_body["result"]["restarted"] == 1
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")


# -- pages (`page_route`) -------------------------------------------------------------------------


def test_page_whose_session_read_is_throttled_is_a_503_page_not_a_500(client, faults, runtime):
    cookie = session_cookie("referrer")
    faults.inject("dynamodb", "GetItem", "ProvisionedThroughputExceededException")
    response = client.http.get("/referrals", headers={"Cookie": cookie})
    _assert_unavailable_page(response)


@pytest.mark.parametrize("code", THROTTLING)
def test_page_whose_query_is_throttled_is_a_503_page_with_retry_after(client, faults, referral_id, code):
    cookie = session_cookie("supervisor")
    faults.inject("dynamodb", "Query", code)
    response = client.http.get("/referrals", headers={"Cookie": cookie})
    _assert_unavailable_page(response)
    faults.clear()
    assert client.http.get("/referrals", headers={"Cookie": cookie}).status_code == 200


def test_page_form_whose_write_is_throttled_changes_nothing(client, auth, faults, referral_id):
    # GIVEN a referrer withdraws on the referral's page while DynamoDB throttles transactions
    from tests.helpers import FORM_HEADERS

    cookie = session_cookie("referrer")
    faults.inject("dynamodb", "TransactWriteItems", "ThrottlingException")
    response = client.http.post(
        f"/referrals/{referral_id}/withdraw",
        headers={**FORM_HEADERS, "Cookie": cookie},
        body="withdraw.confirmed=yes&withdraw.reason=moved",
    )
    # THEN they see the service's error page with Retry-After, and the referral is still under review
    _assert_unavailable_page(response)
    faults.clear()
    assert client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor")).json_body["status"] == (
        "UNDER_REVIEW"
    )
    assert "referral.withdrawn" not in _audit_actions(client, auth, referral_id)


# -- approval links -------------------------------------------------------------------------------


@pytest.fixture
def link(runtime, referral_id):
    return approval_path(wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision"))


def test_approval_page_throttled_is_a_503_page(client, faults, link):
    faults.inject("dynamodb", "GetItem", "ThrottlingException")
    _assert_unavailable_page(client.http.get(link))
    faults.clear()
    assert client.http.get(link).status_code == 200


@pytest.mark.parametrize("code", [*THROTTLING, "TransactionCanceledException"])
def test_approval_decision_throttled_changes_nothing_and_the_link_still_works(
    client, auth, faults, referral_id, link, code
):
    # GIVEN DynamoDB refuses the decision's transaction (throttled, or cancelled by a conflict)
    reasons = {"cancellation_reasons": ["TransactionConflict", "None"]} if code.startswith("Transaction") else {}
    faults.inject("dynamodb", "TransactWriteItems", code, **reasons)
    decision = {"decision": "accept", "comment": "", "confirmed": "yes"}
    # WHEN the supervisor posts their decision
    response = post_form(client, link, decision)
    # THEN they see the error page with Retry-After, and nothing was decided: the link is still live
    _assert_unavailable_page(response, retry_after="30" if code.startswith("Transaction") else "5")
    faults.clear()
    assert approval_link_states() == ["ACTIVE"]
    assert client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor")).json_body["status"] == (
        "UNDER_REVIEW"
    )
    assert "referral.decided" not in _audit_actions(client, auth, referral_id)
    # AND posting again once DynamoDB answers records the decision, with its audit event
    again = post_form(client, link, decision)
    assert again.status_code == 200
    assert client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor")).json_body["status"] == (
        "ACCEPTED"
    )
    assert _audit_actions(client, auth, referral_id).count("referral.decided") == 1


def test_approval_decision_whose_callback_is_throttled_is_kept_for_the_sweep(
    client, auth, runtime, faults, referral_id, link
):
    from chalicelib.storage.callbacks import OwedCallback

    # GIVEN Step Functions throttles the callback
    faults.inject("sfn", "SendTaskSuccess", "ThrottlingException")
    # WHEN the supervisor decides
    response = post_form(client, link, {"decision": "accept", "comment": "", "confirmed": "yes"})
    # THEN the decision stands (it is saved), and the callback is kept for the recovery sweep
    assert response.status_code == 200
    owed = list(OwedCallback.query("owed"))
    assert [callback.output for callback in owed] == [{"decision": "accept"}]
    # AND the referrer is told only when the workflow moves on, once the sweep delivers it (the
    # whole path runs in tests/workflow/test_fault_recovery.py)
    assert "referral.referrer_notified" not in _audit_actions(client, auth, referral_id)


def test_in_app_decision_throttled_is_a_503_then_its_callback_throttled_is_kept(
    client, auth, faults, link, referral_id
):
    from chalicelib.storage.callbacks import OwedCallback

    path, body = f"/v1/referrals/{referral_id}/decision", json.dumps({"decision": "decline", "comment": "No capacity."})
    # GIVEN DynamoDB throttles the decision's transaction: a 503, nothing decided, the link still live
    faults.inject("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException")
    _assert_unavailable_json(client.http.post(path, headers=auth("supervisor"), body=body))
    faults.clear()
    assert approval_link_states() == ["ACTIVE"]
    assert "referral.decided" not in _audit_actions(client, auth, referral_id)
    # WHEN it is posted again while Step Functions throttles the callback
    faults.inject("sfn", "SendTaskSuccess", "ThrottlingException")
    decided = client.http.post(path, headers=auth("supervisor"), body=body)
    # THEN the decision is recorded once and its callback kept for the sweep
    assert decided.status_code == 200, decided.body
    assert approval_link_states() == ["USED"]
    assert _audit_actions(client, auth, referral_id).count("referral.decided") == 1
    assert [callback.output for callback in OwedCallback.query("owed")] == [{"decision": "decline"}]


def test_callback_kept_when_dynamodb_fails_too_falls_back_to_acting_on_the_decision_now(
    client, auth, runtime, faults, link, referral_id
):
    """Step Functions and DynamoDB both refuse after the decision committed: the decision stands and
    the referrer is told at once (the wait's heartbeat later finds the referral decided)."""
    from chalicelib.config import table_name

    faults.inject("sfn", "SendTaskSuccess", "ThrottlingException")
    owed_table = table_name("owed-callbacks")
    faults.inject("dynamodb", "PutItem", "ProvisionedThroughputExceededException", when=lambda body: owed_table in body)
    response = post_form(client, link, {"decision": "accept", "comment": "", "confirmed": "yes"})
    assert response.status_code == 200
    actions = _audit_actions(client, auth, referral_id)
    assert actions.count("referral.decided") == 1 and "referral.referrer_notified" in actions


def test_callback_refused_for_good_is_not_kept_and_the_decision_is_acted_on_now(
    client, auth, runtime, faults, link, referral_id
):
    from chalicelib.storage.callbacks import OwedCallback

    # GIVEN Step Functions refuses the callback with an error sending it again would not cure
    faults.inject("sfn", "SendTaskSuccess", "InvalidOutput")
    response = post_form(client, link, {"decision": "accept", "comment": "", "confirmed": "yes"})
    # THEN the decision stands, nothing is kept for the sweep, and the referrer is told at once
    assert response.status_code == 200
    assert list(OwedCallback.query("owed")) == []
    assert "referral.referrer_notified" in _audit_actions(client, auth, referral_id)


# -- scheduled jobs -------------------------------------------------------------------------------


def test_sweep_with_executions_unreadable_defers_each_item_and_finishes(client, faults, referral_id, monkeypatch):
    from datetime import timedelta

    from chalicelib.services import recovery

    monkeypatch.setattr(recovery, "START_GRACE", timedelta(0))
    faults.inject("sfn", "ListExecutions", "ThrottlingException")
    faults.inject("sfn", "DescribeExecution", "ThrottlingException")
    # WHEN the scheduled sweep runs while Step Functions throttles it
    summary = recovery.restart_stranded_workflows()
    # THEN it does not fail: the item is left for the next sweep
    assert summary["deferred"] == 1 and summary["restarted"] == 0


def test_job_whose_queries_are_throttled_answers_503_when_run_by_hand(client, faults, runtime):
    faults.inject("dynamodb", "Query", "ProvisionedThroughputExceededException")
    response = client.http.post(
        "/dev/jobs/recover-workflows", headers={"Content-Type": "application/json"}, body=json.dumps({})
    )
    _assert_unavailable_json(response)


def test_scheduled_job_whose_queries_are_throttled_fails_loudly_for_the_scheduler_to_retry(client, faults):
    """On a schedule no one reads an answer: the invocation fails with the AWS error, so Lambda's
    asynchronous retries and the Errors alarm take it; the next run does the same work again."""
    from pynamodb.exceptions import QueryError

    faults.inject("dynamodb", "Query", "ProvisionedThroughputExceededException")
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    with pytest.raises(QueryError) as raised:
        client.lambda_.invoke("recover_workflows", event)
    assert raised.value.cause_response_code == "ProvisionedThroughputExceededException"
    # AND once DynamoDB answers, the next run completes
    faults.clear()
    client.lambda_.invoke("recover_workflows", event)


def test_compliance_scan_with_an_address_rejected_and_the_digest_throttled_finishes_the_work_on_the_rerun(
    runtime, faults
):
    from chalicelib.services import compliance_scan
    from tests.functional.test_compliance_scan import EXPIRY, HR_EMAIL, days, worker_with_first_aid_expiring

    worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    # GIVEN SES rejects the worker's address and throttles HR's digest beyond the client's retries
    faults.inject("sesv2", "SendEmail", "MessageRejected", when=lambda body: "robin@example.org" in body)
    faults.inject("sesv2", "SendEmail", "Throttling", when=lambda body: HR_EMAIL in body)
    # WHEN the daily scan runs
    failed = compliance_scan.run(EXPIRY - days(60))
    # THEN it finishes without raising, says it is incomplete, and sent nothing
    assert failed["complete"] is False and failed["digest"]["failed"] is True
    assert runtime.outbox.messages() == []
    # WHEN SES accepts both again and the next day's run goes
    faults.clear()
    rerun = compliance_scan.run(EXPIRY - days(59))
    # THEN the missing reminder and the digest go, once each
    assert rerun["complete"] is True
    sent = [(message["to"], message["subject"]) for message in runtime.outbox.messages()]
    assert len([to for to, _ in sent if "robin@example.org" in to]) == 1
    assert len([to for to, _ in sent if HR_EMAIL in to]) == 1
