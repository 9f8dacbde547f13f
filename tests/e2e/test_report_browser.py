"""In a real browser: the worker writes and submits a report; the supervisor asks for changes from
the emailed link; the worker revises and resubmits; the supervisor approves; the referrer opens the
report and downloads the PDF."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import sign_in
from tests.helpers import approval_path, wait_for_email
from tests.report_helpers import REFERRER, SUPERVISOR, book_visit
from tests.visit_helpers import CASEY

pytestmark = pytest.mark.browser


def _decide_from_email(browser, base_url: str, runtime, count: int, decision: str, comment: str = "") -> None:
    """The supervisor, not signed in, opens the link from their email and decides."""
    from playwright.sync_api import expect

    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval", count=count)
    page.goto(base_url + approval_path(message))
    expect(page.get_by_role("heading", name=re.compile("Review report"))).to_be_visible()
    page.get_by_label(decision).check()
    if comment:
        page.get_by_label(re.compile("Changes needed")).fill(comment)
    page.get_by_label("I have read this and I am deciding it myself").check()
    page.get_by_role("button", name="Record my decision").click()
    expect(page.get_by_role("heading", name="Decision recorded")).to_be_visible()
    page.context.close()


def test_a_report_written_revised_approved_and_read_by_the_referrer(live_server, runtime, client, auth, browser):
    from playwright.sync_api import expect

    visit_id = book_visit(client, auth)
    worker = browser.new_context().new_page()
    worker.set_default_timeout(15_000)

    # GIVEN the worker signed in, with the visit's report due on "My visits"
    sign_in(worker, live_server, CASEY, "/visits/mine")
    worker.get_by_role("link", name="Write or open the report").click()
    expect(worker.get_by_role("heading", name=re.compile("Report of the visit of"))).to_be_visible()

    # WHEN they save a first draft and then submit with a section missing
    worker.get_by_label("Maya").select_option(label="Attended")
    worker.get_by_label("Mother").select_option(label="Attended, late")
    worker.locator("#attendance-1-minutes_late").fill("10")
    worker.get_by_label("Who brought the child").fill("The foster carer")
    worker.get_by_role("button", name="Save draft").click()
    expect(worker.get_by_text("Your draft is saved")).to_be_visible()
    worker.get_by_label("Actual start").fill("10:05")
    worker.get_by_label("Actual end").fill("11:30")
    worker.locator("#supervision_level-full").check()
    worker.get_by_label("Observations").fill('Mother said "I am sorry, the bus was late." Maya hugged her.')
    worker.get_by_label("How the child presented").fill("Clean, smiling, talkative.")
    worker.get_by_role("button", name="Submit for approval").click()
    # THEN the page says what is missing, keeping what was typed
    expect(worker.get_by_role("heading", name=re.compile("problems? with the report"))).to_be_visible()
    expect(worker.get_by_label("Observations")).to_have_value(re.compile("bus was late"))

    # WHEN they complete it and submit
    worker.get_by_label("Quality of the interaction").fill("Warm; mother followed Maya's lead.")
    worker.locator("#safeguarding_concern-no").check()
    worker.locator("#critical_incident-no").check()
    worker.locator("#ended_early-no").check()
    worker.get_by_role("button", name="Submit for approval").click()
    expect(worker.get_by_text("Your report has been submitted")).to_be_visible()

    # AND the supervisor asks for changes from the emailed link
    _decide_from_email(browser, live_server, runtime, 1, "Ask the worker for changes", "Quote what Maya said.")

    # THEN the worker sees the comment above the form, revises and resubmits
    wait_for_email(runtime.outbox, CASEY, "Changes requested")
    worker.goto(f"{live_server}/visits/{visit_id}/report")
    expect(worker.locator("#changes-requested")).to_contain_text("Quote what Maya said.")
    worker.get_by_label("Observations").fill(
        'Mother said "I am sorry, the bus was late." Maya said "I missed you" and hugged her.'
    )
    worker.get_by_role("button", name="Submit for approval").click()
    expect(worker.get_by_text("Your report has been submitted")).to_be_visible()

    # AND the supervisor approves the second version
    _decide_from_email(browser, live_server, runtime, 2, "Approve the report")

    # THEN the referrer, signed in from the "ready" email's link, reads it and downloads the PDF
    ready = wait_for_email(runtime.outbox, REFERRER, "is ready")
    assert f"/visits/{visit_id}/report" in ready["text"]
    referrer = browser.new_context(accept_downloads=True).new_page()
    referrer.set_default_timeout(15_000)
    sign_in(referrer, live_server, REFERRER, f"/visits/{visit_id}/report")
    expect(referrer.get_by_text("I missed you")).to_be_visible()
    expect(referrer.locator("[data-status=APPROVED]")).to_be_visible()
    with referrer.expect_download() as download:
        referrer.get_by_role("link", name="Download the report as a PDF").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
