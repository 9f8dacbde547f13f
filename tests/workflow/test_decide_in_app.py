"""Deciding in the app: the same conditional write and the same wait as an emailed link (DESIGN.md section 5)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import TWO_LINKS
from tests.dates import example_referral
from tests.helpers import (
    REFERRER,
    SUPERVISOR,
    api_referral_status,
    approval_path,
    emails_to,
    post_form,
    submit_referral,
    wait_for_email,
)
from tests.workflow.conftest import states_entered, wait_for_execution


def decide_in_app(client, auth, referral_id: str, decision: str, comment: str | None = None, role: str = "supervisor"):
    body = {"decision": decision, **({"comment": comment} if comment is not None else {})}
    return client.http.post(f"/v1/referrals/{referral_id}/decision", headers=auth(role), body=json.dumps(body))


@pytest.mark.parametrize(
    ("decision", "comment", "status", "told", "said"),
    [
        ("accept", None, "ACCEPTED", "accepted", "What happens next"),
        ("decline", "The family lives outside our area.", "DECLINED", "declined", "outside our area"),
        ("more_info", "Who will bring the children?", "MORE_INFO_REQUESTED", "More information needed", "bring the"),
    ],
    ids=["accept", "decline", "more-info"],
)
def test_each_decision_in_the_app_resumes_the_same_wait(
    client, auth, runtime, waiting_referral, decision, comment, status, told, said
):
    referral_id, _ = waiting_referral
    # WHEN a supervisor decides on the referral's page instead of the emailed link
    response = decide_in_app(client, auth, referral_id, decision, comment)
    # THEN the referral changes, and the waiting execution carries on to tell the referrer
    assert response.status_code == 200, response.body
    assert response.json_body["status"] == status
    message = wait_for_email(runtime.outbox, REFERRER, told)
    assert said in message["text"]
    entered = states_entered(runtime, referral_id)
    assert entered.count("AskSupervisorToDecide") == 1 and "RouteDecision" in entered
    if decision != "more_info":
        wait_for_execution(runtime, referral_id, "SUCCEEDED")
    # AND the audit event names who decided in the app, and whose link the wait was on
    events = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body["events"]
    decided = [e for e in events if e["action"] == "referral.decided"]
    assert len(decided) == 1
    assert decided[0]["changes"]["via"] == "app"
    assert decided[0]["changes"]["approver"] == SUPERVISOR
    assert decided[0]["actor"] == decided[0]["changes"]["signed_in_as"]


def test_the_emailed_links_die_with_an_in_app_decision(client, auth, runtime, waiting_referral):
    referral_id, path = waiting_referral
    assert decide_in_app(client, auth, referral_id, "accept").status_code == 200
    # WHEN the supervisor later opens and posts the emailed link
    page = client.http.get(path)
    late = post_form(client, path, {"decision": "decline", "comment": "Too late", "confirmed": "yes"})
    # THEN the page says who decided what, and nothing changes
    assert page.status_code == late.status_code == 409
    assert b"Record my decision" not in page.body
    assert b"accept" in page.body.lower()
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"
    assert emails_to(runtime.outbox, REFERRER, "declined") == []


def test_a_decision_in_the_app_after_the_link_decided_is_a_409(client, auth, runtime, waiting_referral):
    referral_id, path = waiting_referral
    # GIVEN the supervisor declined through the emailed link
    decided = post_form(client, path, {"decision": "decline", "comment": "Out of area", "confirmed": "yes"})
    assert decided.status_code == 200
    # WHEN an admin tries to accept it in the app
    second = decide_in_app(client, auth, referral_id, "accept", role="admin")
    # THEN it is refused, saying who decided, and the referral stays declined
    assert second.status_code == 409
    assert "already decided" in second.json_body["error"]["message"]
    assert SUPERVISOR in second.json_body["error"]["message"]
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "DECLINED"


def test_a_second_decision_in_the_app_is_a_409(client, auth, runtime, waiting_referral):
    referral_id, _ = waiting_referral
    assert decide_in_app(client, auth, referral_id, "decline", "Out of area").status_code == 200
    again = decide_in_app(client, auth, referral_id, "accept")
    assert again.status_code == 409
    assert api_referral_status(client, auth("supervisor"), referral_id) == "DECLINED"


def test_the_decision_page_form_decides_and_reshows_errors(client, token, runtime, waiting_referral, auth):
    referral_id, _ = waiting_referral
    supervisor = {"Authorization": f"Bearer {token('supervisor')}"}
    page = client.http.get(f"/referrals/{referral_id}", headers=supervisor)
    assert b'action="/referrals/' + referral_id.encode() + b'/decision"' in page.body
    form = {**supervisor, "Content-Type": "application/x-www-form-urlencoded"}
    # WHEN the supervisor declines without a reason
    missing = client.http.post(
        f"/referrals/{referral_id}/decision", headers=form, body="decide.decision=decline&decide.comment="
    )
    # THEN the page says what is missing, beside the field, and nothing changed
    assert missing.status_code == 422
    assert b"Give the reason for declining" in missing.body
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"
    # WHEN the reason is given
    done = client.http.post(
        f"/referrals/{referral_id}/decision",
        headers=form,
        body="decide.decision=decline&decide.comment=Outside+our+area",
    )
    assert done.status_code == 303
    assert done.headers["Location"] == f"/referrals/{referral_id}?done=decided"
    assert "Outside our area" in wait_for_email(runtime.outbox, REFERRER, "declined")["text"]


@pytest.mark.parametrize("timings", [TWO_LINKS], ids=["escalated"])
def test_an_in_app_decision_retires_every_live_link_in_the_same_write(client, auth, runtime, timings):
    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    supervisor_link = approval_path(wait_for_email(runtime.outbox, SUPERVISOR, "Reminder"))
    admin_link = approval_path(wait_for_email(runtime.outbox, "admin@familycontact.example", "Escalated"))
    # WHEN a supervisor declines in the app while both emailed links are live
    assert decide_in_app(client, auth, referral_id, "decline", "Out of area").status_code == 200
    # THEN neither link decides anything any more, and each says what happened
    for path in (supervisor_link, admin_link):
        late = post_form(client, path, {"decision": "accept", "confirmed": "yes"})
        assert late.status_code == 409 and b"Record my decision" not in late.body
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "DECLINED"
    # AND the link retired with the decision is an audited change of its own
    events = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body["events"]
    retired = [e for e in events if e["action"] == "approval_link.retired" and e["changes"]["reason"] == "decided"]
    assert len(retired) == 1
