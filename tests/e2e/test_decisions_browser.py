"""A supervisor decides in the app, not from the email: opens the queue, opens the oldest referral,
declines it with a reason; the referrer's email says why."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.dates import example_referral
from tests.e2e.conftest import sign_in
from tests.helpers import submit_referral, wait_for_email

pytestmark = pytest.mark.browser

SUPERVISOR = "supervisor@familycontact.example"
REFERRER = "sam.referrer@council.example"
REASON = "The family lives outside our area; please refer them to the North team."


def test_supervisor_declines_the_oldest_referral_from_the_queue(live_server, runtime, client, auth, page):
    # GIVEN two referrals waiting for a decision, the first one older
    ids = []
    for count in (1, 2):
        if count > 1:
            time.sleep(1.1)  # review start times are kept to the second: make "older" unambiguous
        ids.append(submit_referral(client, auth("referrer"), example_referral()).json_body["id"])
        wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", count=count)

    # WHEN the supervisor signs in: the home page offers the queue, with its count
    sign_in(page, live_server, SUPERVISOR)
    page.get_by_role("link", name="Decisions waiting (2)").click()
    expect(page.get_by_role("heading", name="Decisions waiting")).to_be_visible()
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert rows.first.get_attribute("data-id") == ids[0]

    # AND opens the oldest, and declines it without a reason first
    rows.first.get_by_role("link").click()
    page.get_by_label("Decline the referral").check()
    page.get_by_role("button", name="Record my decision").click()
    expect(page.get_by_text("Give the reason for declining").first).to_be_visible()

    # THEN, with the reason given, the decision is recorded on the page
    page.get_by_label("Reason or question").fill(REASON)
    page.get_by_role("button", name="Record my decision").click()
    expect(page.get_by_text("Your decision has been recorded")).to_be_visible()
    assert page.locator("dl.summary .status").first.get_attribute("data-status") == "DECLINED"

    # AND the referrer's email says why, and the queue holds only the other referral
    told = wait_for_email(runtime.outbox, REFERRER, "declined")
    assert "outside our area" in told["text"]
    page.goto(f"{live_server}/decisions")
    assert page.locator("tbody tr").count() == 1
    assert page.locator("tbody tr").first.get_attribute("data-id") == ids[1]
