"""The people's side, walked in a real browser as each person would: the admin's audit log, the 404
page, every role's start page, human wording and dates, clearance renewals, referral references,
the approval page, the register's CSV download, a past start date refused, and the emails that
follow a withdrawal and an answer."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.dates import born, example_referral, iso_days_from_today, long_day
from tests.e2e.referral_form import fill_required_fields, send_referral
from tests.e2e.seeded_site import HR, PEOPLE, open_as
from tests.helpers import approval_path, submit_referral, wait_for, wait_for_email
from tests.report_helpers import ADMIN, REFERRER, SUPERVISOR, book_visit
from tests.visit_helpers import add_worker

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"FCS-[0-9A-Z]{4}-[0-9A-Z]{2}")
# Dates as people read them: "14 May 2019", "23 Nov 2026, 14:55". Never a machine's form of them.
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ISO_TIME = re.compile(r"T\d{2}:\d{2}")
WEEKDAY_DATE = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? \d{1,2}\b")
SHOWN_MOMENT = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$")
# Words from the code rather than from people: snake_case or UPPER_CASE tokens.
CODE_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")


def read(page) -> str:
    """The page's visible text, after checking its dates read as people write them."""
    text = page.inner_text("body")
    for pattern in (ISO_DATE, ISO_TIME, WEEKDAY_DATE):
        assert not pattern.search(text), f"{page.url}: {pattern.search(text).group(0)!r} in the visible text"
    return text


def signed_in(page, base_url: str, email: str | None) -> None:
    open_as(page, base_url, email, {})


def referral_under_review(client, auth, runtime, body: dict | None = None) -> tuple[str, dict]:
    """A referral submitted through the API, and the supervisor's email asking for a decision."""
    before = len(runtime.outbox.messages())
    response = submit_referral(client, auth("referrer", REFERRER), body or example_referral())
    assert response.status_code == 201, response.body
    message = wait_for(
        lambda: next(
            (
                m
                for m in runtime.outbox.messages()[before:]
                if SUPERVISOR in m["to"] and "needs your decision" in m["subject"]
            ),
            None,
        ),
        what="the supervisor's email",
    )
    return response.json_body["id"], message


def test_admin_reads_a_referrals_history_in_the_audit_log_and_a_days_events(
    live_server, client, auth, runtime, page, monkeypatch
):
    from chalicelib.api import audit

    # GIVEN a referral the supervisor asked a question about, and audit pages of two events
    referral_id, _ = referral_under_review(client, auth, runtime)
    question = {"decision": "more_info", "comment": "Which school does Maya attend?"}
    decided = client.http.post(
        f"/v1/referrals/{referral_id}/decision", headers=auth("supervisor"), body=json.dumps(question)
    )
    assert decided.status_code == 200, decided.body
    monkeypatch.setattr(audit, "PAGE", 2)

    # WHEN the admin reads the referral's reference from its page
    signed_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/referrals/{referral_id}")
    reference = REFERENCE.search(read(page)).group(0)

    # AND follows the audit log link from their start page and asks for that referral's history
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_label("Kind of item").select_option(label="Referral")
    page.get_by_label("Reference").fill(reference)
    page.get_by_role("button", name="Show its history").click()
    page.wait_for_load_state()

    # THEN its events read as words: who did what, when, oldest first
    text = read(page)
    assert f"The history of referral {reference}, oldest first: the referral, its visits" in text
    rows = page.locator("#audit tbody tr")
    assert rows.count() == 2
    first = rows.first
    assert (
        first.locator("td[data-label=Who]").inner_text() == f"Sam Okafor ({REFERRER})"
    )  # the audit log's name and email
    assert first.locator("td[data-label=What]").inner_text() == "Submitted the referral"
    assert SHOWN_MOMENT.match(first.locator("td[data-label=When]").inner_text())
    assert first.locator("td[data-label=Item]").inner_text().startswith(f"Referral {reference}")

    # WHEN they page on with "Later events" until the page offers no more
    def events_shown() -> list[tuple[str, str]]:
        return [
            (row.locator("td[data-label=Who]").inner_text(), row.locator("td[data-label=What]").inner_text())
            for row in rows.all()
        ]

    seen = events_shown()
    for _ in range(10):
        later = page.get_by_role("link", name="Later events")
        if later.count() == 0:
            break
        with page.expect_navigation():
            later.click()
        read(page)
        seen += events_shown()

    # THEN the whole history has been shown, the supervisor's question among it
    assert len(seen) > 2
    assert (f"Priya Shah ({SUPERVISOR})", "Decided the referral") in seen

    # WHEN they ask for everything on today's date
    from chalicelib.services.audit import uk_today

    today = uk_today()
    page.get_by_label("Day").fill(today.isoformat())
    page.get_by_role("button", name="Show that day").click()
    page.wait_for_load_state()

    # THEN the day's events are listed, newest first, with the day in words
    text = read(page)
    assert f"Events on {today.day} {today:%B %Y}, newest first." in text
    assert page.locator("#audit tbody tr").count() == 2
    assert page.get_by_role("link", name="Earlier events").is_visible()


def test_an_unknown_address_shows_the_services_404_page_with_a_way_home(live_server, page):
    # WHEN someone types an address the service does not have
    response = page.goto(f"{live_server}/referals")

    # THEN the service's own page answers, with its header and a link home
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert page.locator("header").get_by_role("link", name="Family Contact Service").is_visible()
    read(page)

    # AND following the link goes home
    page.get_by_role("link", name="Go to the start page").click()
    page.wait_for_url(f"{live_server}/")
    assert page.get_by_role("heading", name="Family Contact Service", exact=True).is_visible()


# What each person's start page links to (counts and a visit's time left out).
WORK = {
    "referrer": {"Refer a family", "My referrals"},
    "worker": {"My visits", "Write the report"},
    "supervisor": {"Decisions waiting", "Referrals", "Visits this week"},
    "hr": {"Worker clearances", "Add a worker"},
    "admin": {"Audit log", "Sign a person out everywhere"},
}


def test_every_roles_start_page_offers_its_work_and_each_link_opens_a_page(live_server, client, auth, page):
    # GIVEN a visit of yesterday whose report is due (the worker's start page links to it), and
    # one tomorrow (the supervisor's week shows its days)
    book_visit(client, auth, days_from_now=-1)
    book_visit(client, auth, days_from_now=1)

    for role, email in PEOPLE.items():
        signed_in(page, live_server, email)
        page.goto(f"{live_server}/")
        text = read(page)
        if email is None:
            # Signed out, the start page offers signing in and promises nothing else.
            assert page.get_by_role("link", name="Sign in").first.is_visible()
            assert "report" not in text.lower()
            continue
        section = page.locator(f"section.home-section[data-role={role}]")
        labels = section.get_by_role("link").all_inner_texts()
        assert WORK[role] <= {re.sub(r" (\(\d+\)|of .*)$", "", label) for label in labels}, (role, labels)
        for label in labels:
            page.goto(f"{live_server}/")
            with page.expect_navigation() as opened:
                page.locator(f"section.home-section[data-role={role}]").get_by_role(
                    "link", name=label, exact=True
                ).click()
            assert opened.value.status == 200, (role, label, opened.value.status)
            assert page.locator("h1").count() == 1
            read(page)


def test_pages_speak_in_words_not_code(live_server, client, auth, runtime, page):
    # GIVEN a referral under review and a worker with clearances on record
    referral_id, _ = referral_under_review(client, auth, runtime)
    worker_id = add_worker("Alex Morgan", "alex.morgan@example.org")

    # WHEN the supervisor reads the referral and HR reads the register and a clearance
    for email, path in (
        (SUPERVISOR, f"/referrals/{referral_id}"),
        (REFERRER, f"/referrals/{referral_id}"),
        (HR, "/hr/clearances"),
        (HR, f"/hr/clearances/{worker_id}/background_check"),
        (HR, f"/hr/clearances/{worker_id}/first_aid"),
    ):
        signed_in(page, live_server, email)
        page.goto(live_server + path)
        text = read(page)

        # THEN no word on them is one from the code
        found = CODE_WORD.findall(text)
        assert not found, (path, sorted(set(found)))

    # WHEN forms come back with errors: a decision recorded with none chosen, an empty licence saved
    for email, path, button, expected in (
        (SUPERVISOR, f"/referrals/{referral_id}", "Record my decision", "Choose one of the decisions"),
        (HR, f"/hr/clearances/{worker_id}/driving_licence", "Save driving licence", "Required for the driving licence"),
    ):
        signed_in(page, live_server, email)
        page.goto(live_server + path)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()

        # THEN their messages are in words too
        assert expected in page.locator(".error-summary").inner_text()
        found = CODE_WORD.findall(read(page))
        assert not found, (path, sorted(set(found)))

    # WHEN HR types an email without an @ into the new worker form
    page.goto(f"{live_server}/hr/clearances")
    page.get_by_role("link", name="Add a worker").first.click()
    page.get_by_label("Full name").fill("Sam Whitfield")
    page.get_by_label("Work email").fill("sam.whitfield.example.org")
    page.get_by_role("button", name="Add worker").click()
    page.wait_for_load_state()

    # THEN the message beside it is in plain words, and the typed address is kept
    message = page.locator("#email-error").inner_text()
    assert "@-sign" not in message and "email" in message.lower(), message
    assert page.get_by_label("Work email").input_value() == "sam.whitfield.example.org"
    assert not CODE_WORD.findall(read(page))


def test_hr_renews_a_clearance_from_the_certificate_on_record_and_records_an_application_by_its_date(live_server, page):
    from chalicelib import clock

    # GIVEN a worker with a first aid certificate on record
    worker_id = add_worker("Alex Morgan", "alex.morgan@example.org")
    today = clock.today()

    # WHEN HR opens it from the register
    signed_in(page, live_server, HR)
    page.goto(f"{live_server}/hr/clearances")
    page.get_by_role("link", name="Renew first aid certificate for Alex Morgan").click()
    expect(page.get_by_role("heading", name="First aid certificate for Alex Morgan")).to_be_visible()

    # THEN the form starts with the certificate on record
    assert page.get_by_label("Training provider").input_value() == "St John Ambulance"
    issued = page.get_by_label("Issued on", exact=True).input_value()
    assert issued == (today - timedelta(days=30)).isoformat()
    assert page.get_by_label("Expires on (optional)").input_value()
    read(page)

    # WHEN HR gives only the date the renewal was applied for, and saves
    page.get_by_label("Renewal applied for on (optional)").fill(today.isoformat())
    page.get_by_role("button", name="Save first aid certificate").click()
    page.wait_for_load_state()

    # THEN it is saved, and the clearance shows the application by its date
    assert "Saved Alex Morgan's first aid certificate." in page.get_by_role("status").first.inner_text()
    page.goto(f"{live_server}/hr/clearances/{worker_id}/first_aid")
    record = page.locator("dl.summary").inner_text()
    assert re.search(rf"Renewal applied for\s+{today.day} {today:%B %Y}", record), record
    read(page)


def test_referrer_finds_a_new_referral_by_its_reference(live_server, page):
    # GIVEN the referrer submits a referral through the form
    signed_in(page, live_server, REFERRER)
    page.goto(f"{live_server}/referrals/new")
    fill_required_fields(page, born().isoformat())
    send_referral(page)

    # THEN its page shows its reference, and its date of birth in words
    text = read(page)
    reference = REFERENCE.search(text).group(0)
    assert long_day(born()) in text

    # AND their list shows it
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="My referrals").click()
    assert reference in read(page)

    # WHEN they type the reference into the list's search
    page.get_by_label("Reference").fill(reference.lower())
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()

    # THEN only that referral is listed, and it opens
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert reference in rows.first.inner_text()
    assert f"with the reference {reference}".lower() in read(page).lower()
    rows.first.get_by_role("link").click()
    assert reference in read(page)


def test_approval_page_says_when_signing_in_is_needed_and_leads_on_after_the_decision(
    live_server, client, auth, runtime, page
):
    # GIVEN a referral with an "other" risk waiting for the supervisor's decision
    body = example_referral()
    body["risks"]["other"] = True
    body["risks"]["details"] = "The family dog has bitten a visitor before."
    referral_id, message = referral_under_review(client, auth, runtime, body)
    link = live_server + approval_path(message)

    # WHEN the supervisor opens the emailed link signed out
    signed_in(page, live_server, None)
    page.goto(link)

    # THEN it says they will be asked to sign in to open the referral, and shows the other risk
    text = read(page)
    assert "you will be asked to sign in" in text
    assert "The family dog has bitten a visitor before." in text

    # WHEN they open it signed in
    signed_in(page, live_server, SUPERVISOR)
    page.goto(link)

    # THEN it does not say so
    assert "asked to sign in" not in read(page)

    # WHEN they decide
    page.get_by_label("Accept the referral").check()
    page.get_by_label("I have read this and I am deciding it myself").check()
    page.get_by_role("button", name="Record my decision").click()
    page.wait_for_load_state()

    # THEN it links to the referral and to the queue, and both open
    assert page.get_by_role("heading", name="Decision recorded").is_visible()
    decided_at = read(page)
    assert "asked to sign in" not in decided_at
    page.get_by_role("link", name="Open the referral").click()
    page.wait_for_url(f"{live_server}/referrals/{referral_id}")
    assert page.get_by_role("heading", name=re.compile(r"^Referral for")).is_visible()
    read(page)
    # (Going back would post the decision again: the emailed link, reopened, leads on the same way.)
    page.goto(link)
    assert page.get_by_role("heading", name="This link was already used").is_visible()
    page.get_by_role("link", name="Decisions waiting").click()
    page.wait_for_url(f"{live_server}/decisions")
    assert page.get_by_role("heading", name="Decisions waiting").is_visible()
    read(page)


def test_hr_downloads_the_filtered_register(live_server, page):
    from chalicelib.domain.workers import NewWorker
    from chalicelib.services import workers

    # GIVEN a worker with clearances and one with nothing recorded
    add_worker("Alex Morgan", "alex.morgan@example.org")
    workers.create_worker(NewWorker(name="Sam Whitfield", email="sam.whitfield@example.org"), HR)

    # WHEN HR shows only valid workers
    signed_in(page, live_server, HR)
    page.goto(f"{live_server}/hr/clearances")
    page.get_by_label("Show workers whose compliance is").select_option("VALID")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()

    # THEN the page says it is filtered and offers to show all
    filtered = page.locator("#filtered").inner_text()
    assert "Showing only workers whose compliance is valid: 1 of 2." in filtered
    shown = [name.split("\n")[0] for name in page.locator("tbody th[scope=row]").all_inner_texts()]
    assert shown == ["Alex Morgan"]
    read(page)

    # WHEN they download these workers
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download these workers (CSV)").click()
    with open(downloading.value.path(), encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))

    # THEN the file holds the same workers as the page
    assert rows and sorted({row["Worker"] for row in rows}) == shown, rows

    # AND "Show all workers" brings the other back
    page.get_by_role("link", name="Show all workers").click()
    page.wait_for_load_state()
    assert page.locator("tbody th[scope=row]").count() == 2
    assert page.locator("#filtered").count() == 0


def test_a_start_date_in_the_past_is_refused_beside_the_field_and_the_form_kept(live_server, page):
    # GIVEN the referrer fills the form with a start date of last week
    last_week = iso_days_from_today(-7)
    signed_in(page, live_server, REFERRER)
    page.goto(f"{live_server}/referrals/new")
    fill_required_fields(page, born().isoformat())
    page.get_by_label("Start date").fill(last_week)

    # WHEN they press Continue
    page.get_by_role("button", name="Continue", exact=True).click()
    page.wait_for_load_state()

    # THEN the form comes back with the error beside the start date, and what was typed kept
    assert page.locator(".error-summary").is_visible()
    error = page.locator("#contact-start_date-error").inner_text()
    assert error.startswith("Start date cannot be in the past: give today, "), error
    assert page.locator(".has-error #contact-start_date").count() == 1
    assert page.get_by_label("Start date").input_value() == last_week
    assert page.locator("#children-0").get_by_label("First name").input_value() == "Maya"
    assert page.locator("#family_members-0-name").input_value() == "Danielle Robinson"
    assert page.locator("#risks-domestic_abuse").is_checked()
    read(page)

    # AND nothing was submitted
    page.goto(f"{live_server}/referrals")
    assert "You have not made any referrals yet." in read(page)


def test_the_supervisors_emails_after_a_withdrawal_and_an_answer(live_server, client, auth, runtime, page):
    # GIVEN a referral under review
    withdrawn_id, _ = referral_under_review(client, auth, runtime)

    # WHEN the referrer withdraws it from its page
    signed_in(page, live_server, REFERRER)
    page.goto(f"{live_server}/referrals/{withdrawn_id}")
    page.get_by_label("Reason (optional)").fill("The family has moved away.")
    page.get_by_label("I want to withdraw this referral").check()
    page.get_by_role("button", name="Withdraw referral").click()
    page.wait_for_load_state()
    assert page.locator("dl.summary .status").first.inner_text() == "Withdrawn"
    read(page)

    # THEN the supervisor's email says it was withdrawn
    told = wait_for_email(runtime.outbox, SUPERVISOR, "Withdrawn")
    assert "has withdrawn referral" in told["text"]
    assert "The family has moved away." in told["text"]

    # GIVEN another referral the supervisor asked a question about
    asked_id, _ = referral_under_review(client, auth, runtime)
    question = {"decision": "more_info", "comment": "Which school does Maya attend?"}
    decided = client.http.post(
        f"/v1/referrals/{asked_id}/decision", headers=auth("supervisor"), body=json.dumps(question)
    )
    assert decided.status_code == 200, decided.body

    # WHEN the referrer answers it from its page
    page.goto(f"{live_server}/referrals/{asked_id}")
    # The review's workflow moves on in the background: the answer form shows once it waits for one.
    wait_for(
        lambda: (page.reload(), page.get_by_label("Your answer").count())[1], what="the answer form", interval=0.25
    )
    page.get_by_label("Your answer").fill("Northtown Primary School.")
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_load_state()
    read(page)

    # THEN the supervisor's next email says it is an answer and quotes the question
    answered = wait_for_email(runtime.outbox, SUPERVISOR, "The referrer answered your question")
    assert 'Your question: "Which school does Maya attend?"' in answered["text"]
    assert 'Their answer: "Northtown Primary School."' in answered["text"]
