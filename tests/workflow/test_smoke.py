from chalicelib.domain.referrals import example_referral
from tests.helpers import approval_path, post_form, submit_referral, wait_for_email


def test_accept_path(client, auth, runtime):
    r = submit_referral(client, auth("referrer"), example_referral())
    assert r.status_code == 201, r.body
    rid = r.json_body["id"]
    msg = wait_for_email(runtime.outbox, "supervisor@familycontact.example", "needs your decision")
    path = approval_path(msg)
    page = client.http.get(path)
    assert page.status_code == 200, page.body
    done = post_form(client, path, {"decision": "accept", "comment": "", "confirmed": "yes"})
    assert done.status_code == 200, done.body
    assert b"Decision recorded" in done.body
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "accepted")
    got = client.http.get(f"/v1/referrals/{rid}", headers=auth("referrer"))
    assert got.json_body["status"] == "ACCEPTED"
