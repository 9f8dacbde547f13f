"""Approval links are safe against scanners, replays, races and leaks (DESIGN.md section 5)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.conftest import TWO_LINKS
from tests.dates import example_referral
from tests.helpers import (
    ADMIN,
    SUPERVISOR,
    api_referral_status,
    approval_path,
    post_form,
    submit_referral,
    wait_for_email,
)
from tests.workflow.conftest import wait_for_execution


def _link_items():
    from chalicelib.storage.approval_links import ApprovalLink

    return list(ApprovalLink.scan())  # test inspection only; the service never scans


def test_get_and_head_show_the_item_and_change_nothing(client, auth, waiting_referral):
    referral_id, path = waiting_referral
    # WHEN a mail scanner fetches the link with GET and HEAD, repeatedly
    for _ in range(3):
        page = client.http.get(path)
        head = client.http.request("HEAD", path)
        assert page.status_code == head.status_code == 200
    # THEN the page shows the referral and a form, and nothing changed
    assert b"Record my decision" in page.body and b"Opening this page has not decided anything" in page.body
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"
    assert [link.state for link in _link_items()] == ["ACTIVE"]
    # AND only the GETs were recorded as views
    events = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body["events"]
    assert [e["action"] for e in events].count("approval_link.viewed") == 3


def test_the_page_and_form_never_carry_the_link_id_or_token(client, waiting_referral):
    _, path = waiting_referral
    body = client.http.get(path).body.decode()
    link_id = path.rsplit("/", 1)[1]
    token = _link_items()[0].task_token
    assert link_id not in body and token not in body
    assert '<form method="post"' in body  # posts back to its own URL, which the page never prints


def test_a_post_without_choosing_a_decision_or_confirming_changes_nothing(client, auth, waiting_referral):
    referral_id, path = waiting_referral
    # WHEN a button-pressing scanner submits the form as it comes
    response = post_form(client, path, {"comment": ""})
    # THEN it is told what is missing (422) and nothing is decided
    assert response.status_code == 422
    assert b"Choose one of the decisions" in response.body
    assert b"Tick the box to confirm" in response.body
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"
    assert [link.state for link in _link_items()] == ["ACTIVE"]


def test_a_second_post_gets_the_already_decided_page(client, auth, waiting_referral):
    referral_id, path = waiting_referral
    first = post_form(client, path, {"decision": "accept", "confirmed": "yes"})
    assert b"Decision recorded" in first.body
    # WHEN the same link is posted again, even with another decision
    second = post_form(client, path, {"decision": "decline", "comment": "No", "confirmed": "yes"})
    # THEN it says who decided what, and nothing changes
    assert second.status_code == 409
    assert b"already used" in second.body and SUPERVISOR.encode() in second.body
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"


@pytest.mark.parametrize("timings", [TWO_LINKS], ids=["escalated"])
def test_concurrent_approve_and_decline_on_two_links_end_with_exactly_one_decision(client, auth, runtime, timings):
    from chalicelib.services import decisions

    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    # the escalation gives the admin a link and the supervisor a fresh one (the first is retired)
    admin_link = approval_path(wait_for_email(runtime.outbox, ADMIN, "Escalated"))
    supervisor_link = approval_path(wait_for_email(runtime.outbox, SUPERVISOR, "Reminder"))
    results: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def decide(name, path, decision, comment):
        barrier.wait()
        results[name] = decisions.decide_link(path.rsplit("/", 1)[1], None, decision, comment, confirmed=True).state

    threads = [
        threading.Thread(target=decide, args=("supervisor", supervisor_link, "accept", None)),
        threading.Thread(target=decide, args=("admin", admin_link, "decline", "Out of area")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # THEN exactly one decided; the other was told it was already decided
    assert sorted(results.values()) == ["decided", "superseded"]
    winner = "supervisor" if results["supervisor"] == "decided" else "admin"
    assert api_referral_status(client, auth("supervisor"), referral_id) == (
        "ACCEPTED" if winner == "supervisor" else "DECLINED"
    )
    events = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body["events"]
    assert [e["action"] for e in events].count("referral.decided") == 1
    # AND the workflow carried the winning decision through to the referrer
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "accepted" if winner == "supervisor" else "declined")


@pytest.mark.parametrize("timings", [TWO_LINKS], ids=["escalated"])
def test_after_escalation_the_supervisors_fresh_link_still_finishes_the_review(client, auth, runtime, timings):
    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    first = approval_path(wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision"))
    wait_for_email(runtime.outbox, ADMIN, "Escalated")
    # WHEN the supervisor decides with the link sent alongside the escalation
    fresh = approval_path(wait_for_email(runtime.outbox, SUPERVISOR, "Reminder"))
    assert client.http.get(first).status_code == 410  # the timed-out wait's link is retired
    decided = post_form(client, fresh, {"decision": "accept", "confirmed": "yes"})
    # THEN the review completes and the referrer is told
    assert b"Decision recorded" in decided.body
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "accepted")
    assert api_referral_status(client, auth("supervisor"), referral_id) == "ACCEPTED"


def test_an_expired_link_gets_a_clear_410_page_and_decides_nothing(client, auth, waiting_referral):
    from chalicelib import clock
    from chalicelib.storage.approval_links import ApprovalLink

    referral_id, path = waiting_referral
    link = _link_items()[0]
    link.update(actions=[ApprovalLink.expires_at.set(clock.now() - timedelta(minutes=1))])
    assert client.http.get(path).status_code == 410
    late = post_form(client, path, {"decision": "accept", "confirmed": "yes"})
    assert late.status_code == 410 and b"expired" in late.body
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"


@pytest.mark.parametrize("made_up", ["abc", "x" * 43, "A" * 500])
def test_a_made_up_link_gets_a_clear_404_page(client, runtime, made_up):
    for response in (
        client.http.get(f"/approve/{made_up}"),
        post_form(client, f"/approve/{made_up}", {"decision": "accept", "confirmed": "yes"}),
    ):
        assert response.status_code == 404
        assert b"This link does not work" in response.body


def test_task_tokens_appear_in_no_email_page_or_log_line(client, auth, runtime, waiting_referral, capsys, caplog):
    referral_id, path = waiting_referral
    pages = [
        client.http.get(path).body,
        post_form(client, path, {"decision": "more_info", "comment": "Which days?", "confirmed": "yes"}).body,
    ]
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "More information needed")
    secrets = {link.task_token for link in _link_items()} | {link.link_hash for link in _link_items()}
    from chalicelib.storage.referrals import Referral

    wait_token = Referral.get(referral_id).amendment_task_token
    assert wait_token
    secrets.add(wait_token)
    captured = capsys.readouterr()
    haystacks = [m["text"] + m["html"] + m["subject"] for m in runtime.outbox.messages()]
    haystacks += [p.decode() for p in pages] + [captured.out, captured.err, caplog.text]
    for secret in secrets:
        assert all(secret not in hay for hay in haystacks)
    # The link id itself is in the email by design, and nowhere else: not in a page or a log line.
    link_id = path.rsplit("/", 1)[1]
    for hay in [p.decode() for p in pages] + [captured.out, captured.err, caplog.text]:
        assert link_id not in hay
