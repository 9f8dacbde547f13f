"""In a real browser: the supervisor schedules a series from a referral and sees it in the week; the
worker HR added signs in with their email and sees the visits."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import sign_in
from tests.visit_helpers import add_referral, add_worker

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("today")]  # one "today" throughout

SUPERVISOR_EMAIL = "supervisor@familycontact.example"
WORKER_EMAIL = "dana.whitlock@familycontact.example"  # not a demo user: a worker HR added


def test_supervisor_books_a_series_from_the_referral_and_the_worker_sees_it(live_server, browser, today):
    from playwright.sync_api import expect

    # GIVEN an accepted referral whose contact plan runs from tomorrow for eight weeks, and a worker HR added
    plan_start, plan_end = today + timedelta(days=1), today + timedelta(days=56)
    referral_id = add_referral(plan=(plan_start.isoformat(), plan_end.isoformat()))
    add_worker("Dana Whitlock", WORKER_EMAIL)

    supervisor = browser.new_context().new_page()
    supervisor.set_default_timeout(15_000)
    # WHEN the supervisor opens the referral and chooses to schedule visits
    sign_in(supervisor, live_server, SUPERVISOR_EMAIL, f"/referrals/{referral_id}")
    supervisor.get_by_role("link", name="Schedule visits").click()
    expect(supervisor.get_by_role("heading", name=re.compile("Schedule visits for"))).to_be_visible()
    # THEN the form carries the contact plan: 90 minutes, weekly, until the plan's end, after 16:00
    expect(supervisor.get_by_label("Length in minutes")).to_have_value("90")
    expect(supervisor.get_by_label("How often")).to_have_value("weekly")
    expect(supervisor.get_by_label(re.compile("^Last date"))).to_have_value(plan_end.isoformat())
    first_start = supervisor.get_by_label(re.compile("^First visit")).input_value()
    assert first_start.endswith("T16:00")
    first_day = date.fromisoformat(first_start[:10])
    assert first_day.strftime("%A") in ("Tuesday", "Thursday") and first_day >= plan_start

    # WHEN they choose the worker and the venue and book
    supervisor.get_by_label("Contact worker").select_option(label="Dana Whitlock")
    supervisor.get_by_label("Venue").fill("Northshire Family Centre, Room 2")
    supervisor.get_by_role("button", name="Book the visits").click()

    # THEN the week of the first visit shows it on Dana's row
    expected = len(range(0, (plan_end - first_day).days + 1, 7))
    expect(supervisor.get_by_role("status")).to_contain_text(f"{expected} visits booked")
    row = supervisor.get_by_role("row", name=re.compile("Dana Whitlock"))
    expect(row).to_contain_text("16:00–17:30")
    expect(row).to_contain_text("Maya, Leo, Mother")
    # AND the referral's page lists every visit
    supervisor.goto(f"{live_server}/referrals/{referral_id}")
    expect(supervisor.locator("tr[id^=visit-]")).to_have_count(expected)
    supervisor.context.close()

    # WHEN the worker signs in with their email (listed on the sign-in page) and opens My visits
    worker = browser.new_context().new_page()
    worker.set_default_timeout(15_000)
    sign_in(worker, live_server, WORKER_EMAIL, "/")
    expect(worker.get_by_text("Signed in as Dana Whitlock")).to_be_visible()
    worker.get_by_role("link", name="My visits").click()
    # THEN they see their upcoming visits, in people's words
    expect(worker.get_by_role("heading", name=f"Upcoming visits ({expected})")).to_be_visible()
    expect(worker.locator("tr[id^=visit-]").first).to_contain_text(f"{first_day.day} {first_day:%b %Y}, 16:00")
    expect(worker.get_by_role("heading", name="Reports due (0)")).to_be_visible()
    worker.context.close()
