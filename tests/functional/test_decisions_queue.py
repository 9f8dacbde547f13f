"""Links bound to their approver, and the queue of items waiting for a decision (DESIGN.md section 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.dates import example_referral
from tests.helpers import (
    SUPERVISOR,
    api_referral_status,
    approval_link_states,
    post_form,
    referral_awaiting_decision,
    submit_referral,
)


@pytest.mark.parametrize("someone", [("supervisor", "deputy.supervisor@familycontact.example"), ("referrer", None)])
def test_a_signed_in_non_approver_is_refused_on_get_and_post_and_nothing_changes(client, auth, token, runtime, someone):
    referral_id, path = referral_awaiting_decision(client, auth, runtime)
    role, email = someone
    signed_in = {"Authorization": f"Bearer {token(role, email)}"}
    # WHEN someone other than the link's approver opens it and posts a decision
    page = client.http.get(path, headers=signed_in)
    posted = client.http.post(
        path,
        headers={**signed_in, "Content-Type": "application/x-www-form-urlencoded"},
        body="decision=accept&confirmed=yes",
    )
    # THEN both are refused with a clear page, and the referral and its link are unchanged
    assert page.status_code == posted.status_code == 403
    assert b"sent to someone else" in page.body and b"Record my decision" not in page.body
    assert b"sent to someone else" in posted.body
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"
    assert approval_link_states() == ["ACTIVE"]
    # AND the approver can still use it
    assert post_form(client, path, {"decision": "accept", "confirmed": "yes"}).status_code == 200


def test_an_admin_may_open_and_use_anyones_link_and_the_audit_names_both(client, auth, token, runtime):
    referral_id, path = referral_awaiting_decision(client, auth, runtime)
    admin = {"Authorization": f"Bearer {token('admin')}"}
    assert client.http.get(path, headers=admin).status_code == 200
    decided = client.http.post(
        path,
        headers={**admin, "Content-Type": "application/x-www-form-urlencoded"},
        body="decision=accept&confirmed=yes",
    )
    assert decided.status_code == 200
    events = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body["events"]
    decision = next(e for e in events if e["action"] == "referral.decided")
    assert decision["actor"] == "admin@familycontact.example"  # who decided, with the link's approver beside
    assert decision["changes"]["approver"] == SUPERVISOR
    assert decision["changes"]["signed_in_as"] == "admin@familycontact.example"
    assert decision["changes"]["via"] == "email link"


def test_a_decision_from_a_link_opened_without_signing_in_names_only_the_approver(client, auth, runtime):
    referral_id, path = referral_awaiting_decision(client, auth, runtime)
    assert post_form(client, path, {"decision": "accept", "confirmed": "yes"}).status_code == 200
    events = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body["events"]
    decision = next(e for e in events if e["action"] == "referral.decided")
    assert decision["changes"]["approver"] == SUPERVISOR and "signed_in_as" not in decision["changes"]


def _backdate_review(referral_id: str, waited: timedelta) -> None:
    """Make the referral look as if its review started `waited` ago (only the test edits items)."""
    from chalicelib import clock
    from chalicelib.storage.referrals import Referral

    referral = Referral.get(referral_id)
    referral.history[-1].at = (clock.now() - waited).isoformat(timespec="seconds")
    referral.save()


def test_the_queue_lists_overdue_first_then_oldest_with_how_long_each_waited(client, auth, runtime):
    # GIVEN three referrals under review: one for 3 days (overdue), one for 5 hours, one for 2 hours
    ids = [referral_awaiting_decision(client, auth, runtime, count=n)[0] for n in (1, 2, 3)]
    for referral_id, waited in zip(ids, (timedelta(hours=2), timedelta(days=3), timedelta(hours=5)), strict=True):
        _backdate_review(referral_id, waited)
    # WHEN the supervisor reads the queue
    response = client.http.get("/v1/decisions", headers=auth("supervisor"))
    # THEN the overdue one comes first, then the oldest
    assert response.status_code == 200
    rows = response.json_body["decisions"]
    assert [row["id"] for row in rows] == [ids[1], ids[2], ids[0]]
    assert [row["overdue"] for row in rows] == [True, False, False]
    assert rows[0]["waited_seconds"] >= 3 * 86400
    assert rows[0]["url"] == f"/referrals/{ids[1]}" and rows[0]["kind"] == "referral"
    # AND the page shows the same order, with how long each waited
    page = client.http.get("/decisions", headers={"Authorization": auth("supervisor")["Authorization"]})
    body = page.body.decode()
    assert page.status_code == 200
    assert body.index(ids[1]) < body.index(ids[2]) < body.index(ids[0])
    assert "3 days" in body and "Overdue" in body


def test_a_decided_referral_leaves_the_queue_and_the_home_page_counts_what_waits(client, auth, token, runtime):
    first, path = referral_awaiting_decision(client, auth, runtime)
    referral_awaiting_decision(client, auth, runtime, count=2)
    supervisor = {"Authorization": f"Bearer {token('supervisor')}"}
    assert b"Decisions waiting (2)" in client.http.get("/", headers=supervisor).body
    post_form(client, path, {"decision": "accept", "confirmed": "yes"})
    rows = client.http.get("/v1/decisions", headers=auth("supervisor")).json_body["decisions"]
    assert first not in [row["id"] for row in rows] and len(rows) == 1
    assert b"Decisions waiting (1)" in client.http.get("/", headers=supervisor).body


@pytest.mark.parametrize("role", ["referrer", "worker", "hr"])
def test_referrers_workers_and_hr_cannot_read_the_queue(client, auth, token, runtime, role):
    assert client.http.get("/v1/decisions", headers=auth(role)).status_code == 403
    assert client.http.get("/decisions", headers={"Authorization": f"Bearer {token(role)}"}).status_code == 403


@pytest.mark.parametrize("role", ["referrer", "worker", "hr"])
def test_only_supervisors_and_admins_decide_in_the_app(client, auth, runtime, role):
    referral_id, _ = referral_awaiting_decision(client, auth, runtime)
    response = client.http.post(
        f"/v1/referrals/{referral_id}/decision", headers=auth(role), body='{"decision": "accept"}'
    )
    assert response.status_code == 403
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"


def test_bad_decisions_in_the_app_say_which_field_and_change_nothing(client, auth, runtime):
    referral_id, _ = referral_awaiting_decision(client, auth, runtime)
    supervisor = auth("supervisor")
    cases = {
        '{"decision": "decline"}': ("comment", 422),
        '{"decision": "more_info", "comment": "   "}': ("comment", 422),
        '{"decision": "approve"}': ("decision", 422),
        '{"decision": "accept", "extra": 1}': ("extra", 422),
    }
    for body, (path, status) in cases.items():
        response = client.http.post(f"/v1/referrals/{referral_id}/decision", headers=supervisor, body=body)
        assert response.status_code == status, body
        assert path in [f["path"] for f in response.json_body["error"]["fields"]], body
    unknown = client.http.post(
        "/v1/referrals/no-such-referral/decision", headers=supervisor, body='{"decision": "accept"}'
    )
    assert unknown.status_code == 404
    assert api_referral_status(client, auth("supervisor"), referral_id) == "UNDER_REVIEW"
    assert approval_link_states() == ["ACTIVE"]


def test_deciding_before_the_review_has_asked_anyone_is_a_409_that_says_to_try_again(
    client, auth, runtime, monkeypatch
):
    from chalicelib.services import review

    # GIVEN a referral whose review could not start yet (no live link, no wait to resume)
    monkeypatch.setattr(review, "start", lambda workflow, subject_id, run: False)
    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    # WHEN a supervisor decides in the app
    response = client.http.post(
        f"/v1/referrals/{referral_id}/decision", headers=auth("supervisor"), body='{"decision": "accept"}'
    )
    # THEN it is refused with what to do, and nothing changed
    assert response.status_code == 409
    assert "try again in a minute" in response.json_body["error"]["message"]
    assert api_referral_status(client, auth("supervisor"), referral_id) == "SUBMITTED"
