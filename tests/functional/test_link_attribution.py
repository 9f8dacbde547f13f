"""Who opened an approval link is who the trail names: the signed-in person, the link's approver
beside them as a detail (DESIGN.md section 5: every view is an audit event, names both)."""

from __future__ import annotations

from tests.helpers import SUPERVISOR, referral_awaiting_decision

DEPUTY = "deputy.supervisor@familycontact.example"


def _link_events(client, auth, referral_id: str) -> list[dict]:
    events = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body["events"]
    return [e for e in events if e["action"] in ("approval_link.refused", "approval_link.viewed")]


def test_a_refused_opening_is_recorded_as_the_signed_in_persons_with_the_approver_as_a_detail(
    client, auth, token, runtime
):
    referral_id, path = referral_awaiting_decision(client, auth, runtime)
    deputy = {"Authorization": f"Bearer {token('supervisor', DEPUTY)}"}
    # WHEN another supervisor, signed in as themselves, opens the supervisor's link
    assert client.http.get(path, headers=deputy).status_code == 403
    # THEN the refusal is theirs, not the approver's, and names the approver
    (refused,) = _link_events(client, auth, referral_id)
    assert refused["action"] == "approval_link.refused"
    assert refused["actor"] == DEPUTY and refused["actor_name"]
    assert refused["changes"]["approver"] == SUPERVISOR


def test_a_refused_post_is_recorded_as_the_signed_in_persons_too(client, auth, token, runtime):
    referral_id, path = referral_awaiting_decision(client, auth, runtime)
    deputy = {
        "Authorization": f"Bearer {token('supervisor', DEPUTY)}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    assert client.http.post(path, headers=deputy, body="decision=accept&confirmed=yes").status_code == 403
    (refused,) = _link_events(client, auth, referral_id)
    assert refused["action"] == "approval_link.refused" and refused["actor"] == DEPUTY
    assert refused["changes"]["approver"] == SUPERVISOR


def test_an_opening_without_signing_in_is_the_approvers_and_an_admins_is_the_admins(client, auth, token, runtime):
    referral_id, path = referral_awaiting_decision(client, auth, runtime)
    # WHEN the link is opened by whoever holds it, not signed in, then by an admin
    assert client.http.get(path).status_code == 200
    assert client.http.get(path, headers={"Authorization": f"Bearer {token('admin')}"}).status_code == 200
    # THEN the first is the approver's (the link is their secret), the second the admin's
    by_link, by_admin = _link_events(client, auth, referral_id)
    assert by_link["actor"] == SUPERVISOR and "signed_in_as" not in by_link["changes"]
    assert by_admin["actor"] == "admin@familycontact.example"
    assert by_admin["changes"]["approver"] == SUPERVISOR


def test_links_ended_by_a_withdrawal_are_ended_by_the_referrer_who_withdrew(client, auth, runtime):
    from tests.helpers import REFERRER

    referral_id, _ = referral_awaiting_decision(client, auth, runtime)
    # WHEN the referrer withdraws the referral while the supervisor's link is live
    withdrawn = client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=auth("referrer"), body="{}")
    assert withdrawn.status_code == 200, withdrawn.body
    # THEN the link's end is theirs, not the service's
    events = client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body["events"]
    (retired,) = [e for e in events if e["action"] == "approval_link.retired"]
    assert retired["actor"] == REFERRER and retired["changes"]["reason"] == "withdrawn"
