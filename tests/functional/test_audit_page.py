"""The admin's audit log page: one item's history or one day's events, in words, a page at a time."""

from __future__ import annotations

import re
import uuid
from html import unescape
from urllib.parse import urlencode

import pytest

from chalicelib.domain.referral_reference import human_reference
from tests.dates import example_referral
from tests.functional.test_plain_words import VisibleText, code_like_tokens
from tests.helpers import SUPERVISOR, submit_referral, wait_for_email

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
    # who by name, with the email that identifies them
    assert f"Sam Okafor ({SAM}) Submitted the referral Referral {human_reference(referral_id)}" in text
    assert "Status: Submitted" in text
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", text)
    assert code_like_tokens(text) == []
    assert f'href="/referrals/{referral_id}"' in response.body.decode()


def test_an_items_history_is_filtered_by_kind_and_reference(client, admin, referral_id):
    other = submit_referral(client, admin, example_referral()).json_body["id"]
    text = text_of(client.http.get(f"/audit?kind=referral&id={referral_id}", headers=admin))
    assert f"The history of referral {referral_id}" in text
    assert human_reference(referral_id) in text and human_reference(other) not in text


def test_the_log_pages_through_a_busy_day(client, admin, referral_id, runtime, monkeypatch):
    from chalicelib.api import audit

    submit_referral(client, admin, example_referral())
    # Both reviews have emailed their supervisor: no event arrives while the pages are read.
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", count=2)
    monkeypatch.setattr(audit, "PAGE", 1)
    pages, path = [], "/audit"
    while path and len(pages) < 50:  # one event a page: the day's few events, each page once
        response = client.http.get(path, headers=admin)
        assert response.status_code == 200
        pages.append(text_of(response))
        link = re.search(r'href="(/audit\?[^"]*cursor=[^"]+)"', response.body.decode())
        path = unescape(link.group(1)) if link else None
    assert len(pages) > 2 and "Earlier events" in pages[0]
    assert len(set(pages)) == len(pages)  # every page shows other events
    assert sum("Submitted the referral" in page for page in pages) == 2  # each referral's, once


def test_a_filter_half_given_or_a_day_that_is_not_a_date_is_explained(client, admin):
    assert "Choose the kind of item" in text_of(client.http.get("/audit?id=abc", headers=admin))
    response = client.http.get("/audit?day=yesterday", headers=admin)
    assert response.status_code == 400 and "Give the day as a date" in text_of(response)


# -- finding an item by what a person has -----------------------------------------------------------


def test_a_referral_is_found_by_the_reference_people_see(client, admin, referral_id):
    from chalicelib.domain.referral_reference import human_reference

    reference = human_reference(referral_id)
    other = submit_referral(client, admin, example_referral()).json_body["id"]

    for typed in (reference, reference.lower().replace("-", " "), f"https://fcs.example/referrals/{referral_id}"):
        response = client.http.get(f"/audit?{urlencode({'kind': 'referral', 'id': typed})}", headers=admin)
        text = text_of(response)
        assert response.status_code == 200, typed
        assert f"Submitted the referral Referral {reference}" in text
        assert human_reference(other) not in text


def test_each_event_names_a_referral_by_its_reference_and_links_to_its_history(client, admin, referral_id):
    from chalicelib.domain.referral_reference import human_reference

    response = client.http.get("/audit", headers=admin)

    reference = human_reference(referral_id)
    assert f"Referral {reference}" in text_of(response)
    assert f'href="/audit?kind=referral&amp;id={reference}"' in response.body.decode()


def test_a_reference_nobody_has_is_a_404_that_says_so(client, admin, referral_id):
    response = client.http.get("/audit?kind=referral&id=FCS-ZZZZ-ZZ", headers=admin)

    assert response.status_code == 404
    assert "No referral has the reference 'FCS-ZZZZ-ZZ'" in text_of(response)


def test_a_worker_is_found_by_email_or_by_name(client, admin, runtime):
    from tests.visit_helpers import add_worker

    worker_id = add_worker("Jordan Ellis", "jordan.ellis@familycontact.example")

    for typed in ("Jordan.Ellis@familycontact.example", "jordan ellis", worker_id):
        response = client.http.get(f"/audit?{urlencode({'kind': 'worker', 'id': typed})}", headers=admin)
        assert response.status_code == 200, typed
        assert "Added the worker" in text_of(response) and worker_id[:8] in text_of(response)
    unknown = client.http.get("/audit?kind=worker&id=Nobody%20Here", headers=admin)
    assert unknown.status_code == 404 and "No worker is called 'Nobody Here'" in text_of(unknown)


# -- days are UK days ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "uk_day", "utc_day"),
    [
        ("2026-03-29T23:30:00+00:00", "2026-03-30", "2026-03-29"),  # BST: 00:30 on the 30th in the UK
        ("2026-10-24T23:30:00+00:00", "2026-10-25", "2026-10-24"),  # still BST: the clocks go back at 01:00 UTC
        ("2026-10-25T23:30:00+00:00", "2026-10-25", None),  # GMT again: the UK day is the UTC day
    ],
    ids=["spring-forward", "last-night-of-bst", "after-the-change"],
)
def test_a_day_is_the_uk_day_across_the_clock_changes(client, admin, monkeypatch, moment, uk_day, utc_day):
    from datetime import datetime

    from chalicelib import clock
    from chalicelib.services.audit import audited_transaction

    monkeypatch.setattr(clock, "now", lambda: datetime.fromisoformat(moment))
    item = uuid.uuid4().hex  # an item whose only event is this one, at that moment
    with audited_transaction("system") as tx:
        tx.record("visit", item, "visit.scheduled", case_id="r-1")

    on_the_uk_day = client.http.get(f"/audit?day={uk_day}", headers=admin)
    assert item[:8] in on_the_uk_day.body.decode()
    if utc_day:
        assert item[:8] not in client.http.get(f"/audit?day={utc_day}", headers=admin).body.decode()
    # Today, with no day given, is the UK day too.
    assert item[:8] in client.http.get("/audit", headers=admin).body.decode()
