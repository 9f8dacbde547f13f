"""Filling in the referral form in a real browser, with labels as a person reads them."""

from __future__ import annotations

import re

from tests.dates import plan_start

CHECK_ANSWERS = "Check your answers before sending your referral"
SUBMITTED = re.compile(r".*/referrals/[0-9a-f]{32}\?done=submitted$")


def fill_child(page, index: int, first_name: str, date_of_birth: str) -> None:
    child = page.locator(f"#children-{index}")
    child.get_by_label("First name").fill(first_name)
    child.get_by_label("Last name").fill("Robinson")
    child.get_by_label("Date of birth").fill(date_of_birth)
    child.get_by_label("Legal status").select_option(label="Interim care order")
    child.get_by_label("Placement").select_option(label="Foster care")


def fill_the_rest(page, preferred_day: str | None = None, risk: str | None = None) -> None:
    """One family member, the contact plan (on `preferred_day` if given), the legal basis, `risk`
    if given, and the consent."""
    member = page.locator("#family_members-0")
    member.get_by_label("Full name").fill("Danielle Robinson")
    member.get_by_label("Relationship to the child or children").fill("Mother")
    member.get_by_label("Phone (optional if you give an email)").fill("07700 900456")
    page.locator("#contact-type-supervised").check()
    page.get_by_label("Number of sessions").fill("1")
    page.get_by_label("Per", exact=True).select_option("week")
    page.get_by_label("Length of each session, in minutes").fill("90")
    if preferred_day:
        page.locator(f"#contact-preferred_days-{preferred_day}").check()
    page.get_by_label("Start date").fill(plan_start().isoformat())
    page.locator("#legal_basis-court_order-no").check()
    if risk:
        page.locator(f"#risks-{risk}").check()
    page.get_by_label("I confirm that consent or the legal basis for this referral is in place").check()


def fill_required_fields(page, date_of_birth: str) -> None:
    """What a referrer types for one child and one family member."""
    page.get_by_label("Your work phone").fill("01632 960123")
    page.get_by_label("Organisation").fill("Northshire County Council")
    fill_child(page, 0, "Maya", date_of_birth)
    fill_the_rest(page, preferred_day="tuesday", risk="domestic_abuse")


def continue_to_check(page) -> None:
    """Press the form's Continue: the page to check the answers, which must come (no errors)."""
    page.get_by_role("button", name="Continue", exact=True).click()
    page.get_by_role("heading", name=CHECK_ANSWERS, level=1).wait_for()


def send_referral(page) -> None:
    """Continue to the check page and send the referral from it: the referral's page is shown."""
    continue_to_check(page)
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_url(SUBMITTED)
