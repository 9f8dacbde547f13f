"""In a real browser: the supervisor cancels, moves and reassigns visits from the week view and from the
list of visits at risk; the week reads at 1280 pixels; the assigned worker reads the visit's briefing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import sign_in
from tests.visit_helpers import CASEY, ROBIN, add_referral, add_worker

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("today")]  # one "today" throughout

SUPERVISOR_EMAIL = "supervisor@familycontact.example"


def book(referral_id: str, worker_id: str, day: date, start: str = "10:00", end: str = "11:00") -> str:
    """A visit made as the supervisor makes it (every guard runs): booked, or recorded as having
    happened when its start has passed; its id."""
    from chalicelib.auth import Principal, Role
    from chalicelib.domain.visit_requests import NewVisit
    from chalicelib.services import visit_booking
    from tests.visit_helpers import has_passed

    supervisor = Principal("u-supervisor-1", SUPERVISOR_EMAIL, "Priya Shah", frozenset({Role.SUPERVISOR}))
    visit = NewVisit.model_validate(
        {
            "referral_id": referral_id,
            "worker_id": worker_id,
            "start": f"{day}T{start}",
            "end": f"{day}T{end}",
            "venue": "Northshire Family Centre, Room 2",
        }
    )
    make = visit_booking.record_past if has_passed(visit.start.isoformat()) else visit_booking.book
    return make(supervisor, visit)["id"]


def flag_at_risk(visit_id: str, reason: str) -> None:
    """As the daily scan leaves a visit whose worker will not be compliant on its day."""
    from chalicelib.storage.visits import Visit

    Visit.get(visit_id).update(actions=[Visit.at_risk.set(True), Visit.at_risk_reason.set(reason)])


def stored(visit_id: str):
    from chalicelib.storage.visits import Visit

    return Visit.get(visit_id, consistent_read=True)


def supervisor_page(browser, live_server, path: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, SUPERVISOR_EMAIL, path)
    return page


@pytest.fixture
def week_of_visits(today):
    """Casey's visit four days from now (at risk), Robin free and compliant that day; the week it falls in."""
    casey = add_worker("Casey Evans", CASEY)
    robin = add_worker("Robin Patel", ROBIN)
    day = today + timedelta(days=4)
    visit_id = book(add_referral(), casey, day)
    flag_at_risk(visit_id, "First aid certificate expires before this visit")
    return {
        "visit": visit_id,
        "day": day,
        "casey": casey,
        "robin": robin,
        "monday": day - timedelta(days=day.weekday()),
    }


@pytest.mark.parametrize("origin", ["week", "at-risk"])
def test_the_supervisor_cancels_a_visit_saying_who_and_why(live_server, browser, week_of_visits, origin):
    from playwright.sync_api import expect

    visit = week_of_visits["visit"]
    start = f"/visits/week?start={week_of_visits['monday']}" if origin == "week" else "/visits/at-risk"
    page = supervisor_page(browser, live_server, start)
    # WHEN the supervisor chooses Cancel on the visit, says the carer cancelled and why
    page.locator(f"#visit-{visit}").get_by_role("link", name=re.compile("^Cancel the visit")).click()
    expect(page.get_by_role("heading", name=re.compile("^Cancel the visit of"))).to_be_visible()
    page.get_by_label("Carer").check()
    page.get_by_label("Why").fill("Maya has a temperature; the carer will offer another date.")
    page.get_by_role("button", name="Cancel the visit").click()
    # THEN they are back where they started, told so, and the visit is cancelled with who and why
    expect(page.get_by_role("status")).to_contain_text("The visit was cancelled.")
    assert page.url.startswith(f"{live_server}{start}")
    if origin == "week":
        expect(page.locator(f"#visit-{visit}")).to_contain_text("Cancelled")
    else:
        expect(page.locator(f"#visit-{visit}")).to_have_count(0)
    saved = stored(visit)
    assert (saved.status, saved.cancelled_by) == ("CANCELLED", "carer")
    page.context.close()


@pytest.mark.parametrize("origin", ["week", "at-risk"])
def test_the_supervisor_moves_a_visit(live_server, browser, week_of_visits, origin):
    from playwright.sync_api import expect

    visit, day = week_of_visits["visit"], week_of_visits["day"]
    start = f"/visits/week?start={week_of_visits['monday']}" if origin == "week" else "/visits/at-risk"
    page = supervisor_page(browser, live_server, start)
    page.locator(f"#visit-{visit}").get_by_role("link", name=re.compile("^Move the visit")).click()
    # WHEN they first try a time in the past, the page refuses it and keeps what they typed
    past = f"{day - timedelta(days=30)}T14:00"
    page.get_by_label(re.compile("^New start")).fill(past)
    page.get_by_role("button", name="Move the visit").click()
    expect(page.get_by_role("alert").first).to_contain_text("has passed")
    expect(page.get_by_label(re.compile("^New start"))).to_have_value(past)
    # THEN a good time moves it, keeping its length, and they are back where they started
    page.get_by_label(re.compile("^New start")).fill(f"{day}T14:00")
    page.get_by_role("button", name="Move the visit").click()
    expect(page.get_by_role("status")).to_contain_text("The visit was moved.")
    assert page.url.startswith(f"{live_server}{start}")
    if origin == "week":
        expect(page.locator(f"#visit-{visit}")).to_contain_text("14:00–15:00")
    assert stored(visit).starts_at != stored(visit).ends_at
    page.context.close()


@pytest.mark.parametrize("origin", ["week", "at-risk"])
def test_the_supervisor_reassigns_a_visit_to_a_compliant_free_worker(live_server, browser, week_of_visits, origin):
    from playwright.sync_api import expect

    visit = week_of_visits["visit"]
    start = f"/visits/week?start={week_of_visits['monday']}" if origin == "week" else "/visits/at-risk"
    page = supervisor_page(browser, live_server, start)
    page.locator(f"#visit-{visit}").get_by_role("link", name=re.compile("^Reassign the visit")).click()
    # THEN the picker says who is compliant on the day and free at the time
    robin = page.locator("label.check", has_text="Robin Patel")
    expect(robin).to_contain_text("free at that time")
    expect(robin).to_contain_text("Compliant on")
    robin.locator("input").check()
    page.get_by_role("button", name="Reassign the visit").click()
    expect(page.get_by_role("status")).to_contain_text("The visit was reassigned.")
    saved = stored(visit)
    assert saved.worker_id == week_of_visits["robin"] and not saved.at_risk
    if origin == "at-risk":
        expect(page.get_by_text("No booked visit is at risk.")).to_be_visible()
    else:
        expect(page.get_by_role("row", name=re.compile("Robin Patel"))).to_contain_text("10:00–11:00")
    page.context.close()


def test_the_week_reads_at_1280_pixels_without_one_letter_lines(live_server, browser, today):
    # GIVEN a full week: three workers with long names, a visit every day, one at risk with a long reason
    referral_id = add_referral()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    workers = [
        add_worker(name, email)
        for name, email in (
            ("Alexandra Montgomery-Whitfield", "alexandra@familycontact.example"),
            ("Bartholomew Okonkwo-Fitzgerald", "bartholomew@familycontact.example"),
            ("Casey Evans", CASEY),
        )
    ]
    for offset in range(7):
        for worker in workers:
            visit = book(referral_id, worker, monday + timedelta(days=offset), "16:00", "17:30")
    flag_at_risk(visit, "First aid certificate expired on the day before this visit; renewal not yet recorded")
    page = supervisor_page(browser, live_server, f"/visits/week?start={monday}")
    # WHEN measured: every header and worker name has at most one line per word, and room to read
    measured = page.evaluate(
        """() => [...document.querySelectorAll('table.week thead th, table.week tbody th')].map(el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return {text: el.innerText.trim(), lines: tops.size, width: el.getBoundingClientRect().width};
        })"""
    )
    assert len(measured) == 8 + 3
    for cell in measured:
        words = len(re.split(r"[\s-]+", cell["text"]))  # a line may end at a space or a hyphen, never inside a word
        assert cell["lines"] <= words, cell
        assert cell["width"] >= 80, cell
    # AND the page does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()


def test_the_assigned_worker_reads_the_briefing_from_my_visits(live_server, browser, today):
    from playwright.sync_api import expect

    # GIVEN a visit of a referral whose carer's address is confidential, booked with Casey
    casey = add_worker("Casey Evans", CASEY)
    visit = book(add_referral(confidential=True), casey, today + timedelta(days=2))
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, CASEY, "/visits/mine")
    # WHEN Casey opens the visit from My visits
    page.locator(f"#visit-{visit}").get_by_role("link").first.click()
    # THEN the briefing shows the children's needs, the safety notes, the risks and the warning
    expect(page.get_by_role("heading", name="Briefing")).to_be_visible()
    expect(page.get_by_text("Asthma; carries an inhaler")).to_be_visible()
    expect(page.get_by_text("Must not be told the foster carers' address")).to_be_visible()
    expect(page.get_by_text("Domestic abuse", exact=True)).to_be_visible()
    expect(page.locator("[data-mark=confidential-address]")).to_contain_text("Confidential address")
    expect(page.get_by_role("heading", name="Who brings and collects the child")).to_be_visible()
    # AND no action of the supervisor's
    expect(page.get_by_role("link", name=re.compile("^Cancel the visit"))).to_have_count(0)
    page.context.close()


@pytest.mark.parametrize("email", [SUPERVISOR_EMAIL, "sam.referrer@council.example"])
def test_the_case_page_links_the_approved_report_and_its_pdf(live_server, browser, today, email):
    from playwright.sync_api import expect

    from tests.report_helpers import write_report

    # GIVEN an active case with an approved report and a report still in draft
    casey = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE")
    approved = book(referral_id, casey, today - timedelta(days=14))
    draft = book(referral_id, casey, today - timedelta(days=7))
    write_report(approved, "APPROVED", {"recommendations": "Continue fortnightly."})
    write_report(draft, "DRAFT")
    page = browser.new_context(accept_downloads=True).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, email, f"/referrals/{referral_id}")
    # THEN each visit says where its report stands
    expect(page.locator(f"#visit-{approved}")).to_contain_text("Approved")
    expect(page.locator(f"#visit-{draft}")).not_to_contain_text("Approved")
    # WHEN they download the approved report's PDF, THEN it is a PDF
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download the approved report")).click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    # AND the approved report opens from the case page
    page.get_by_role("link", name=re.compile("^Read the approved report")).click()
    expect(page.get_by_role("heading", name=re.compile("^Report of the visit"))).to_be_visible()
    expect(page.get_by_text("Continue fortnightly.")).to_be_visible()
    page.context.close()
