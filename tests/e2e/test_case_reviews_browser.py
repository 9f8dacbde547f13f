"""In a real browser: a supervisor records a case review on the case page (after a refused first
try that keeps what was typed); the referrer downloads the court bundle from the case page."""

from __future__ import annotations

import re

import pytest

from tests.case_helpers import approve_directly, case_with_visits
from tests.e2e.conftest import sign_in
from tests.helpers import REFERRER, SUPERVISOR

pytestmark = pytest.mark.browser


def test_a_supervisor_records_a_case_review_on_the_case_page(live_server, runtime, client, auth, page):
    from playwright.sync_api import expect

    # GIVEN an active case with an approved report
    referral_id, (visit_id,) = case_with_visits(client, auth, [3])
    approve_directly(visit_id)
    sign_in(page, live_server, SUPERVISOR, f"/referrals/{referral_id}")

    # WHEN the supervisor says contact does not continue as planned, without saying what changes
    review = page.locator("#record-case-review")
    expect(review.get_by_label("Attendance so far")).to_have_value(re.compile("1 session held"))
    review.get_by_label("Concerns (optional)").fill("Mother checks her phone during sessions.")
    review.get_by_label("No", exact=True).check()
    review.get_by_role("button", name="Record the review").click()

    # THEN the form says which field and why, and keeps what was typed
    expect(page.get_by_role("alert")).to_contain_text("Changes to the plan")
    expect(page.locator("#record-case-review").get_by_label("Concerns (optional)")).to_have_value(
        "Mother checks her phone during sessions."
    )
    expect(page.locator("#record-case-review").get_by_label("No", exact=True)).to_be_checked()

    # WHEN the changes are given
    page.locator("#record-case-review").get_by_label("Changes to the plan").fill("Phones stay in the locker.")
    page.locator("#record-case-review").get_by_role("button", name="Record the review").click()

    # THEN the review is recorded and listed on the case page
    expect(page.get_by_text("The case review has been recorded")).to_be_visible()
    expect(page.locator(".case-review")).to_contain_text("Phones stay in the locker.")
    expect(page.get_by_text(re.compile("The next review is due by"))).to_be_visible()


def test_the_referrer_downloads_the_court_bundle_from_the_case_page(live_server, runtime, client, auth, browser):
    from playwright.sync_api import expect

    # GIVEN the referrer's case with two approved reports
    referral_id, visits = case_with_visits(client, auth, [5, 2])
    for visit_id in visits:
        approve_directly(visit_id)
    referrer = browser.new_context(accept_downloads=True).new_page()
    referrer.set_default_timeout(15_000)
    sign_in(referrer, live_server, REFERRER, f"/referrals/{referral_id}")

    # WHEN they download the court bundle from the case page
    link = referrer.get_by_role("link", name=re.compile("Download the court bundle"))
    expect(link).to_contain_text("2 reports")
    with referrer.expect_download() as download:
        link.click()

    # THEN it is the case's PDF, served as one
    assert download.value.suggested_filename.startswith("court-bundle-FCS-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    answer = referrer.context.request.get(f"{live_server}/referrals/{referral_id}/bundle.pdf")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body()[:5] == b"%PDF-"
