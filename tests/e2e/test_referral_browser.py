"""A referrer refers a family in a real browser, correcting one mistake on the way and checking the
answers before sending; the supervisor accepts from the emailed link; the referrer sees the
referral accepted."""

from __future__ import annotations

import re
import time

import pytest

from tests.dates import born, iso_days_from_today, long_day, plan_start
from tests.e2e.conftest import sign_in
from tests.e2e.referral_form import CHECK_ANSWERS, SUBMITTED, continue_to_check, fill_required_fields, send_referral
from tests.helpers import REFERRER, SUPERVISOR, approval_path, wait_for_email

pytestmark = pytest.mark.browser


def status_shown(page) -> str:
    return page.locator("dl.summary .status").first.get_attribute("data-status") or ""


def test_referrer_refers_corrects_a_mistake_and_sees_the_supervisors_acceptance(live_server, runtime, browser, page):
    # GIVEN the referrer signed in and on the referral form
    sign_in(page, live_server, REFERRER, "/referrals/new")
    assert page.get_by_role("heading", name="Refer a family").is_visible()
    assert page.get_by_label("Your name").input_value() == "Sam Okafor"

    # WHEN they fill it in with the child's date of birth in the future, and press Enter
    future = iso_days_from_today(60)
    fill_required_fields(page, future)
    page.get_by_label("Preferred times (optional)").fill("After school")
    page.get_by_label("Preferred times (optional)").press("Enter")
    page.wait_for_load_state()

    # THEN the form comes back with the error beside the date of birth, and nothing is lost
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("link").count() == 1
    error = page.locator("#children-0-date_of_birth-error")
    assert error.inner_text() == "Date of birth cannot be in the future"
    assert page.locator("#children-0 .has-error #children-0-date_of_birth").count() == 1
    child = page.locator("#children-0")
    assert child.get_by_label("First name").input_value() == "Maya"
    assert child.get_by_label("Date of birth").input_value() == future
    assert child.get_by_label("Legal status").input_value() == "interim_care_order"
    assert page.locator("#family_members-0-name").input_value() == "Danielle Robinson"
    assert page.locator("#contact-type-supervised").is_checked()
    assert page.locator("#contact-preferred_days-tuesday").is_checked()
    assert not page.locator("#contact-preferred_days-monday").is_checked()
    assert page.locator("#legal_basis-court_order-no").is_checked()
    assert page.locator("#risks-domestic_abuse").is_checked()
    assert page.get_by_label("I confirm that consent or the legal basis for this referral is in place").is_checked()
    assert page.get_by_label("Preferred times (optional)").input_value() == "After school"
    # ... and the summary's link takes them to the field
    summary.get_by_role("link").click()
    assert page.evaluate("location.hash") == "#children-0-date_of_birth"

    # WHEN they correct the date, check their answers and send the referral
    child.get_by_label("Date of birth").fill(born().isoformat())
    send_referral(page)

    # THEN they land on the referral's page
    assert page.get_by_role("heading", name="Referral for Maya Robinson").is_visible()
    assert "Your referral has been submitted" in page.locator(".notice").inner_text()
    referral_url = page.url.split("?")[0]

    # WHEN the supervisor opens the link from their email in their own browser
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    supervisor_context = browser.new_context()
    supervisor_context.set_default_timeout(15_000)
    supervisor = supervisor_context.new_page()
    supervisor.goto(live_server + approval_path(message))

    # THEN they see the confirmation page, which has decided nothing
    assert supervisor.get_by_role("heading", name=re.compile(r"^Review referral")).is_visible()
    assert "Opening this page has not decided anything" in supervisor.content()

    # WHEN they accept, confirm and record the decision
    supervisor.get_by_label("Accept the referral").check()
    supervisor.get_by_label("I have read this and I am deciding it myself").check()
    supervisor.get_by_role("button", name="Record my decision").click()
    supervisor.wait_for_load_state()

    # THEN the decision is recorded
    assert supervisor.get_by_role("heading", name="Decision recorded").is_visible()
    supervisor_context.close()

    # AND the referrer's page shows the referral accepted (the workflow finishes in the background)
    deadline = time.monotonic() + 20
    page.goto(referral_url)
    while status_shown(page) != "ACCEPTED" and time.monotonic() < deadline:
        time.sleep(0.25)
        page.reload()
    assert status_shown(page) == "ACCEPTED"
    assert page.locator("dl.summary .status").first.inner_text() == "Accepted"
    history = page.locator("table tbody tr").last.inner_text()
    assert "Accepted" in history
    # ... and in their list of referrals
    page.goto(live_server + "/referrals")
    assert page.locator("tbody .status").first.get_attribute("data-status") == "ACCEPTED"


def answer(page, label: str) -> str:
    """The check page's answer beside `label` (the first such row)."""
    return page.locator(f"dl.summary dt:text-is('{label}') + dd").first.inner_text()


def test_referrer_checks_the_answers_changes_one_and_sends_the_referral(live_server, client, auth, page):
    def referrals() -> list[dict]:
        return client.http.get("/v1/referrals", headers=auth("referrer", REFERRER)).json_body["referrals"]

    # GIVEN the referrer has filled in the form
    sign_in(page, live_server, REFERRER, "/referrals/new")
    fill_required_fields(page, born().isoformat())
    page.get_by_label("Preferred times (optional)").fill("After school")

    # WHEN they press Continue
    continue_to_check(page)

    # THEN every answer is listed to check, section by section, and nothing has been sent
    assert page.title().startswith(CHECK_ANSWERS)
    assert page.get_by_role("heading", name="Child 1: Maya Robinson", level=2).is_visible()
    assert page.get_by_role("heading", name="Family member 1: Danielle Robinson", level=2).is_visible()
    assert answer(page, "Organisation") == "Northshire County Council"
    assert answer(page, "Date of birth") == long_day(born())
    assert answer(page, "Legal status") == "Interim care order"
    assert answer(page, "Preferred days") == "Tuesday"
    assert answer(page, "Preferred times") == "After school"
    assert answer(page, "Start date") == long_day(plan_start())
    assert answer(page, "Known risks") == "Domestic abuse"
    assert referrals() == []

    # WHEN they press Change beside the contact arrangements
    page.get_by_role("button", name="Change contact arrangements").click()
    page.get_by_role("heading", name="Refer a family", level=1).wait_for()

    # THEN the form is back at that section, with everything they typed
    assert page.evaluate("location.hash") == "#contact"
    assert page.get_by_label("Preferred times (optional)").input_value() == "After school"
    assert page.get_by_label("Organisation").input_value() == "Northshire County Council"
    assert page.locator("#children-0").get_by_label("First name").input_value() == "Maya"
    assert page.locator("#children-0").get_by_label("Legal status").input_value() == "interim_care_order"
    assert page.locator("#contact-preferred_days-tuesday").is_checked()
    assert page.locator("#risks-domestic_abuse").is_checked()
    assert page.get_by_label("I confirm that consent or the legal basis for this referral is in place").is_checked()
    assert page.locator(".error-summary").count() == 0

    # WHEN they change the times, press Continue, and send the referral from the check page
    page.get_by_label("Preferred times (optional)").fill("After school, 16:00 to 18:00")
    continue_to_check(page)
    assert answer(page, "Preferred times") == "After school, 16:00 to 18:00"
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_url(SUBMITTED)

    # THEN one referral is made, with the changed answer
    assert "Your referral has been submitted" in page.locator(".notice").inner_text()
    assert answer(page, "Preferred times") == "After school, 16:00 to 18:00"
    assert len(referrals()) == 1
