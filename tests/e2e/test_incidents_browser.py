"""An incident in a real browser: the visit's worker records it on the visit page (the form keeps
what was typed when it shows an error), the supervisor decides it from the link in their email and
suspends the case, and the case page then shows the case suspended, its next visit cancelled and
the decision on its timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.helpers import approval_path, wait_for_email
from tests.visit_helpers import CASEY, REFERRER_EMAIL, add_referral, add_visit, add_worker, referral_status, visits_of

pytestmark = pytest.mark.browser

SUPERVISOR = "supervisor@familycontact.example"


def _visit_under_way() -> tuple[str, str, str]:
    """An active case with a visit that started an hour ago (Casey's) and one next week."""
    from chalicelib import clock
    from chalicelib.storage.visits import Visit

    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE")
    visit_id = add_visit(referral_id, worker, 0)
    visit = Visit.get(visit_id)
    start = clock.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    visit.starts_at, visit.ends_at = start.isoformat(), (start + timedelta(minutes=90)).isoformat()
    visit.save()
    return referral_id, visit_id, add_visit(referral_id, worker, 7)


def _during(visit_id: str) -> str:
    from chalicelib.domain.local_time import from_iso, to_local
    from chalicelib.storage.visits import Visit

    start = to_local(from_iso(Visit.get(visit_id).starts_at))
    return (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")


def test_an_incident_is_recorded_decided_from_the_email_and_suspends_the_case(live_server, runtime, browser):
    referral_id, visit_id, next_week = _visit_under_way()

    worker = browser.new_context().new_page()
    sign_in(worker, live_server, CASEY, f"/visits/{visit_id}")
    form = worker.locator("#incident-form")
    form.get_by_label("What happened").fill("At handover the father shouted at the mother; Maya cried.")
    form.get_by_role("button", name="Record the incident").click()
    expect(worker.locator(".error-summary")).to_be_visible()  # when it happened, and more, are missing
    form = worker.locator("#incident-form")
    assert "the father shouted" in form.get_by_label("What happened").input_value()  # kept as typed
    form.get_by_label("When it happened").fill(_during(visit_id))
    form.get_by_label("Who was present").fill("Maya, her mother, her father, the worker")
    form.get_by_label("Yes, the visit ended early").check()
    form.get_by_label("Why the visit ended early (if it did)").fill("To keep Maya safe.")
    form.get_by_label("The duty social worker").check()
    form.get_by_label("Immediate actions taken").fill("Ended the visit; Maya left with her mother.")
    form.get_by_label("Yes: alert the duty supervisor now").check()
    form.get_by_role("button", name="Record the incident").click()
    worker.wait_for_url("**/incidents/**")
    assert worker.get_by_text("At handover the father shouted").first.is_visible()

    told = wait_for_email(runtime.outbox, REFERRER_EMAIL, "incident")
    assert "shouted" not in told["text"]  # the referrer learns that one happened, not what
    request = wait_for_email(runtime.outbox, SUPERVISOR, "An incident needs your decision")

    supervisor = browser.new_context().new_page()
    sign_in(supervisor, live_server, SUPERVISOR, approval_path(request))
    supervisor.get_by_role("radio", name="Suspend the case").check()
    supervisor.get_by_label("What changes, or why the case is suspended", exact=False).fill("Risk to Maya at handover.")
    supervisor.get_by_label("I have read this and I am deciding it myself").check()
    supervisor.get_by_role("button", name="Record my decision").click()
    supervisor.get_by_role("heading", name="Decision recorded").wait_for()
    assert supervisor.get_by_text("You chose Suspend the case").is_visible()

    assert referral_status(referral_id) == "SUSPENDED"
    assert {v.visit_id: v.status for v in visits_of(referral_id)}[next_week] == "CANCELLED"
    supervisor.goto(f"{live_server}/referrals/{referral_id}")
    assert supervisor.get_by_text("suspended the case after an incident").is_visible()
