"""The approval page: the details of an "other" risk, sign-in advice only for someone signed out,
and after a decision, the way to the item and to the decisions waiting."""

from __future__ import annotations

import copy

import pytest

from tests.dates import example_referral
from tests.functional.test_plain_words import VisibleText
from tests.helpers import approval_path, post_form, submit_referral, wait_for_email

SUPERVISOR = "supervisor@familycontact.example"
OTHER = "An uncle who is not named in the order may try to collect the children."


def text_of(response) -> str:
    return " ".join(VisibleText(response.body.decode()).text.split())


@pytest.fixture
def referral_link(client, auth, runtime):
    body = copy.deepcopy(example_referral())
    body["risks"].update(other=True, details=OTHER)
    created = submit_referral(client, auth("referrer"), body)
    assert created.status_code == 201, created.body
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    return created.json_body["id"], approval_path(message), message


def test_the_page_shows_the_other_risk_and_the_email_does_not(client, referral_link):
    _, path, message = referral_link
    assert f"The other risk {OTHER}" in text_of(client.http.get(path))
    assert OTHER not in message["text"] and OTHER not in message["html"]


def test_sign_in_advice_is_given_only_to_someone_signed_out(client, auth, referral_link):
    _, path, _ = referral_link
    assert "you will be asked to sign in" in text_of(client.http.get(path))
    signed_in = client.http.get(path, headers=auth(email=SUPERVISOR))
    assert signed_in.status_code == 200
    assert "you will be asked to sign in" not in text_of(signed_in)


def test_after_a_decision_the_page_leads_to_the_item_and_to_the_queue(client, referral_link):
    referral_id, path, _ = referral_link
    done = post_form(client, path, {"decision": "accept", "comment": "", "confirmed": "yes"})
    assert done.status_code == 200 and "Decision recorded" in text_of(done)
    body = done.body.decode()
    assert f'href="/referrals/{referral_id}"' in body and 'href="/decisions"' in body
    assert "<h1>" not in body.split("<title>")[1].split("</title>")[0]
    # and the used link says the same ways on
    again = client.http.get(path)
    assert f'href="/referrals/{referral_id}"' in again.body.decode()
