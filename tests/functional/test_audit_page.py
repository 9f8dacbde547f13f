"""The admin's audit log page: one item's history or one day's events, in words, a page at a time."""

from __future__ import annotations

import re
from html import unescape

import pytest

from chalicelib.examples import example_referral
from tests.functional.test_plain_words import VisibleText, code_like_tokens
from tests.helpers import submit_referral

SAM = "sam.referrer@council.example"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", VisibleText(response.body.decode()).text)


@pytest.fixture
def admin(auth) -> dict:
    return auth("admin")


@pytest.fixture
def referral_id(client, auth) -> str:
    response = submit_referral(client, auth(email=SAM), example_referral())
    assert response.status_code == 201, response.body
    return response.json_body["id"]


def test_only_an_admin_reads_the_audit_log(client, auth):
    assert client.http.get("/audit").status_code == 303
    assert client.http.get("/audit", headers=auth("supervisor")).status_code == 403
    assert client.http.get("/audit", headers=auth("admin")).status_code == 200
    assert 'href="/audit"' in client.http.get("/", headers=auth("admin")).body.decode()


def test_todays_events_say_who_did_what_to_which_item_and_when(client, admin, referral_id):
    response = client.http.get("/audit", headers=admin)
    text = text_of(response)
    assert response.status_code == 200
    assert f"{SAM} Submitted the referral Referral {referral_id[:8]}" in text
    assert "Status: Submitted" in text
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", text)
    assert code_like_tokens(text) == []
    assert f'href="/referrals/{referral_id}"' in response.body.decode()


def test_an_items_history_is_filtered_by_kind_and_reference(client, admin, referral_id):
    other = submit_referral(client, admin, example_referral()).json_body["id"]
    text = text_of(client.http.get(f"/audit?kind=referral&id={referral_id}", headers=admin))
    assert f"The history of referral {referral_id}" in text
    assert referral_id[:8] in text and other[:8] not in text


def test_the_log_pages_through_a_busy_day(client, admin, referral_id, monkeypatch):
    from chalicelib.api import audit

    submit_referral(client, admin, example_referral())
    monkeypatch.setattr(audit, "PAGE", 1)
    first = client.http.get("/audit", headers=admin)
    link = re.search(r'href="(/audit\?[^"]*cursor=[^"]+)"', first.body.decode())
    assert link, "no link to the next page"
    second = client.http.get(unescape(link.group(1)), headers=admin)
    assert second.status_code == 200
    assert "Earlier events" in text_of(first)
    assert text_of(second) != text_of(first) and "Submitted the referral" in text_of(second)


def test_a_filter_half_given_or_a_day_that_is_not_a_date_is_explained(client, admin):
    assert "Choose the kind of item" in text_of(client.http.get("/audit?id=abc", headers=admin))
    response = client.http.get("/audit?day=yesterday", headers=admin)
    assert response.status_code == 400 and "Give the day as a date" in text_of(response)
