"""HR keeps clearances up to date in a real browser: an expired worker shows red until the renewal is recorded."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("today")]  # one "today" throughout

HR_EMAIL = "hr@familycontact.example"


def add_worker_with_expired_first_aid() -> str:
    from chalicelib import clock
    from chalicelib.auth import Principal, Role
    from chalicelib.domain.clearance_records import record_model
    from chalicelib.domain.clearances import ClearanceKind, add_years
    from chalicelib.domain.workers import NewWorker
    from chalicelib.services import clearances, workers

    hr = Principal("u-hr-1", HR_EMAIL, "Jordan Lee", frozenset({Role.HR}))
    today = clock.today()
    worker_id = workers.create_worker(NewWorker(name="Alex Morgan", email="alex@example.org"), HR_EMAIL)["worker_id"]
    records = {
        ClearanceKind.BACKGROUND_CHECK: {
            "issued_on": today - timedelta(days=60),
            "check_type": "enhanced_dbs",
            "certificate_number": "001122334455",
        },
        ClearanceKind.FIRST_AID: {
            "issued_on": add_years(today - timedelta(days=3), -3),
            "expires_on": today - timedelta(days=3),
            "provider": "St John Ambulance",
            "level": "Paediatric first aid (12-hour)",
        },
    }
    for kind, body in records.items():
        clearances.record_clearance(worker_id, kind, record_model(kind).model_validate(body), hr)
    return worker_id


def test_hr_sees_an_expired_worker_in_red_records_a_renewal_and_the_row_turns_green(live_server, page, today):
    from playwright.sync_api import expect

    # GIVEN a worker whose first aid certificate expired three days ago
    worker_id = add_worker_with_expired_first_aid()

    # WHEN HR signs in and opens the clearance dashboard
    sign_in(page, live_server, HR_EMAIL, "/hr/clearances")
    expect(page.get_by_role("heading", name="Worker clearances")).to_be_visible()

    # THEN the worker's row is red: expired, because of first aid
    row = page.locator(f"#worker-{worker_id}")
    compliance = row.locator("td.compliance .status")
    expect(compliance).to_have_text("Expired")
    expect(compliance).to_have_class(re.compile(r"\bstatus-red\b"))
    first_aid = row.locator('td[data-kind="first_aid"]')
    expect(first_aid.locator(".status")).to_have_class(re.compile(r"\bstatus-red\b"))
    expect(row.locator('td[data-kind="background_check"] .status')).to_have_class(re.compile(r"\bstatus-green\b"))

    # WHEN HR opens the renewal form and types an expiry before the issue date
    first_aid.get_by_role("link", name="Renew first aid certificate for Alex Morgan").click()
    expect(page.get_by_role("heading", name="First aid certificate for Alex Morgan")).to_be_visible()
    expect(page.get_by_label("Training provider")).to_have_value("St John Ambulance")
    page.get_by_label("Issued on", exact=True).fill(today.isoformat())
    page.get_by_label("Expires on (optional)").fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Save first aid certificate").click()

    # THEN the form comes back with the error beside the field and what was typed kept
    expect(page.locator("#expires_on-error")).to_have_text("Must be after the issue date (issued_on)")
    expect(page.get_by_label("Issued on", exact=True)).to_have_value(today.isoformat())

    # WHEN HR corrects the expiry and saves
    page.get_by_label("Expires on (optional)").fill(date(today.year + 3, today.month, 1).isoformat())
    page.get_by_role("button", name="Save first aid certificate").click()

    # THEN the dashboard confirms it and the worker's row has turned green
    expect(page.get_by_role("status")).to_contain_text("Saved Alex Morgan's first aid certificate.")
    row = page.locator(f"#worker-{worker_id}")
    expect(row.locator("td.compliance .status")).to_have_text("Valid")
    expect(row.locator("td.compliance .status")).to_have_class(re.compile(r"\bstatus-green\b"))
    expect(row.locator('td[data-kind="first_aid"] .status')).to_have_class(re.compile(r"\bstatus-green\b"))


def test_hr_filters_the_dashboard_to_expired_workers(live_server, page):
    from playwright.sync_api import expect

    # GIVEN an expired worker and a worker with nothing recorded
    worker_id = add_worker_with_expired_first_aid()
    from chalicelib.domain.workers import NewWorker
    from chalicelib.services import workers

    workers.create_worker(NewWorker(name="Sam Whitfield", email="sam@example.org"), HR_EMAIL)

    # WHEN HR chooses to see only expired workers
    sign_in(page, live_server, HR_EMAIL, "/hr/clearances")
    page.get_by_label("Show workers whose compliance is").select_option("EXPIRED")
    page.get_by_role("button", name="Filter").click()

    # THEN only the expired worker is listed
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator(f"#worker-{worker_id}")).to_be_visible()
