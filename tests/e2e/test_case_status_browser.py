"""A case's life after its first visits, in a real browser: a supervisor resumes a suspended case,
closes a case and downloads its closing letter; a referrer asks to end a case and a supervisor
decides it from the decisions queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.helpers import wait_for_email
from tests.visit_helpers import CASEY, REFERRER_EMAIL, add_referral, add_visit, add_worker, referral_status, visits_of

pytestmark = pytest.mark.browser

SUPERVISOR = "supervisor@familycontact.example"


def _suspended_case() -> tuple[str, str]:
    """A case suspended by a supervisor (its history says so), with one past visit."""
    from chalicelib.auth import Principal, Role
    from chalicelib.domain.case_status import Suspension
    from chalicelib.services.case_status import suspend_case

    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE")
    past = add_visit(referral_id, worker, -5)
    supervisor = Principal("u-supervisor-1", SUPERVISOR, "Priya Shah", frozenset({Role.SUPERVISOR}))
    suspend_case(supervisor, referral_id, Suspension(reason="Police inquiry"))
    return referral_id, past


def test_a_supervisor_resumes_a_suspended_case(live_server, runtime, page):
    referral_id, _ = _suspended_case()
    sign_in(page, live_server, SUPERVISOR, f"/referrals/{referral_id}")
    form = page.locator("#resume-case")
    form.get_by_role("button", name="Resume the case").click()
    expect(page.locator(".field-error").first).to_be_visible()  # a reason is needed

    page.locator("#resume-case").get_by_label("Reason").fill("The inquiry ended with no further action.")
    page.locator("#resume-case").get_by_role("button", name="Resume the case").click()
    expect(page.get_by_text("The case has resumed")).to_be_visible()
    assert referral_status(referral_id) == "ACTIVE"
    assert page.locator("#suspend-case").is_visible()
    told = wait_for_email(runtime.outbox, REFERRER_EMAIL, "Case resumed")
    assert "no further action" in told["text"]


def test_a_supervisor_closes_a_case_and_downloads_its_letter(live_server, runtime, page):
    from pypdf import PdfReader

    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE")
    add_visit(referral_id, worker, -7)
    upcoming = add_visit(referral_id, worker, 7)
    sign_in(page, live_server, SUPERVISOR, f"/referrals/{referral_id}")

    form = page.locator("#close-case")
    form.get_by_label("Closing reason").select_option("plan_completed")
    form.get_by_label("Closing summary").fill("All planned sessions took place and went well.")
    form.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("The case is closed")).to_be_visible()
    assert {v.visit_id: v.status for v in visits_of(referral_id)}[upcoming] == "CANCELLED"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the closing letter (PDF)").click()
    text = "\n".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "The contact plan was completed" in text and "All planned sessions took place" in text
    assert "Sessions held\n1" in text
    letter = wait_for_email(runtime.outbox, REFERRER_EMAIL, "Case closed")
    assert [a["filename"] for a in letter["attachments"]] == ["closing-letter.pdf"]


def test_a_referrer_asks_to_end_a_case_and_a_supervisor_decides_it(live_server, runtime, browser):
    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE")
    add_visit(referral_id, worker, -7)

    referrer = browser.new_context().new_page()
    sign_in(referrer, live_server, REFERRER_EMAIL, f"/referrals/{referral_id}")
    referrer.locator("#ask-to-end").get_by_label("Why should the case end?").fill("The court made a final order.")
    referrer.get_by_role("button", name="Send my request").click()
    expect(referrer.get_by_text("Your request to end the case has been sent")).to_be_visible()

    supervisor = browser.new_context().new_page()
    sign_in(supervisor, live_server, SUPERVISOR, "/decisions")
    row = supervisor.locator(f'tr[data-kind="end_request"][data-id="{referral_id}"]')
    row.get_by_role("link").click()
    form = supervisor.locator("#decide-end-request")
    form.get_by_label("Close the case").check()
    form.get_by_role("button", name="Record my decision").click()
    expect(supervisor.get_by_text("Write the closing summary").first).to_be_visible()  # kept: the choice
    assert supervisor.locator("#decide-end-request").get_by_label("Close the case").is_checked()

    form = supervisor.locator("#decide-end-request")
    form.get_by_label("Closing summary").fill("Closed at the referrer's request after the final order.")
    form.get_by_role("button", name="Record my decision").click()
    expect(supervisor.get_by_text("Your decision on the request to end the case has been recorded")).to_be_visible()
    assert referral_status(referral_id) == "CLOSED"
    told = wait_for_email(runtime.outbox, REFERRER_EMAIL, "Case closed")
    assert "The referrer withdrew the referral" in told["text"]
    supervisor.goto(f"{live_server}/decisions")
    assert supervisor.locator('tr[data-kind="end_request"]').count() == 0
