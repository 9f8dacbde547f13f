"""An admin signs a person out everywhere: every session of theirs ends at once, audited."""

from __future__ import annotations

from chalicelib.services.audit import history
from tests.helpers import post_form, session_cookie
from tests.visit_helpers import OTHER_REFERRER_EMAIL, REFERRER_EMAIL


def _signed_in(client, cookie: str) -> bool:
    response = client.http.get("/referrals", headers={"Cookie": cookie})
    assert response.status_code in (200, 303)
    return response.status_code == 200


def test_an_admin_ends_every_session_of_one_person_and_no_one_elses(client):
    # GIVEN Sam signed in on two devices, and Alex on one
    laptop, phone = session_cookie("referrer", REFERRER_EMAIL), session_cookie("referrer", REFERRER_EMAIL)
    alex = session_cookie("referrer", OTHER_REFERRER_EMAIL)
    admin = session_cookie("admin")
    # WHEN the admin signs Sam out everywhere (typing the email in another letter case)
    response = post_form(client, "/admin/sessions", {"email": " Sam.Referrer@Council.example "}, {"Cookie": admin})
    # THEN both of Sam's sessions have ended, Alex's has not, and the page says how many ended
    assert response.status_code == 200
    assert "2 sessions ended" in response.body.decode()
    assert not _signed_in(client, laptop) and not _signed_in(client, phone)
    assert _signed_in(client, alex) and _signed_in(client, admin)
    # AND the audit log names who did it and how many sessions ended
    [event] = history("user", REFERRER_EMAIL)
    assert event["actor"] == "admin@familycontact.example"
    assert event["action"] == "sessions.ended_everywhere" and event["changes"] == {"sessions": 2}
    log = client.http.get("/audit", headers={"Cookie": admin})
    assert log.status_code == 200 and "sessions ended everywhere" in log.body.decode().lower()
    theirs = client.http.get(f"/audit?kind=user&id={REFERRER_EMAIL}", headers={"Cookie": admin})
    assert theirs.status_code == 200 and f"Person {REFERRER_EMAIL}" in theirs.body.decode()


def test_a_person_with_no_session_is_recorded_as_signed_out_with_none_ended(client):
    response = post_form(
        client, "/admin/sessions", {"email": "nobody@agency.example"}, {"Cookie": session_cookie("admin")}
    )
    assert response.status_code == 200 and "0 sessions ended" in response.body.decode()
    assert [e["changes"] for e in history("user", "nobody@agency.example")] == [{"sessions": 0}]


def test_an_email_that_is_not_one_is_422_beside_its_field_and_nothing_ends(client):
    sam = session_cookie("referrer", REFERRER_EMAIL)
    response = post_form(client, "/admin/sessions", {"email": "sam at council"}, {"Cookie": session_cookie("admin")})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.body.decode() and "sam at council" in response.body.decode()
    assert _signed_in(client, sam)


def test_the_admin_start_page_links_to_the_form(client):
    home = client.http.get("/", headers={"Cookie": session_cookie("admin")}).body.decode()
    assert 'href="/admin/sessions"' in home
    assert client.http.get("/admin/sessions", headers={"Cookie": session_cookie("admin")}).status_code == 200
