"""In a real browser: the supervisor opens a case and reads its timeline, who did what in order; the
referrer who made the referral reads their view of it, without the worker's steps or the times of a
confidential address."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import sign_in
from tests.helpers import wait_for
from tests.report_helpers import REFERRER, SUPERVISOR, book_visit, save, submit

pytestmark = pytest.mark.browser


def test_the_supervisor_and_the_referrer_read_the_case_timeline(live_server, runtime, client, auth, browser):
    from playwright.sync_api import expect

    from chalicelib.storage.visits import Visit

    # GIVEN a confidential-address case whose visit's report Casey submitted and the supervisor approved
    visit_id = book_visit(client, auth, confidential=True)
    assert save(client, auth, visit_id).status_code == 200 and submit(client, auth, visit_id).status_code == 200
    approve = lambda: client.http.post(  # noqa: E731 - the review may still be issuing its link
        f"/v1/visits/{visit_id}/report/decision", headers=auth("supervisor"), body=json.dumps({"decision": "approve"})
    )
    wait_for(lambda: approve().status_code == 200, what="the report's approval")
    referral_id = Visit.get(visit_id).referral_id

    # WHEN the supervisor opens the case page
    supervisor = browser.new_context().new_page()
    supervisor.set_default_timeout(15_000)
    sign_in(supervisor, live_server, SUPERVISOR, f"/referrals/{referral_id}")
    timeline = supervisor.locator("#timeline")
    # THEN its timeline tells who did what, in order, the times included
    expect(timeline.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(timeline).to_contain_text("Casey Evans submitted the report of the visit on")
    expect(timeline).to_contain_text("approved the report of the visit on")
    rows = timeline.locator("tbody tr td:nth-child(2)").all_inner_texts()
    submitted = next(i for i, text in enumerate(rows) if "submitted the report" in text)
    approved = next(i for i, text in enumerate(rows) if "approved the report" in text)
    assert submitted < approved
    assert any(re.search(r"\d{2}:\d{2}", text) for text in rows if "recorded the visit" in text)

    # WHEN the referrer who made the referral opens it
    referrer = browser.new_context().new_page()
    referrer.set_default_timeout(15_000)
    sign_in(referrer, live_server, REFERRER, f"/referrals/{referral_id}")
    theirs = referrer.locator("#timeline")
    # THEN they see the approved report, not the worker's steps, and no times of the confidential visit
    expect(theirs).to_contain_text("approved the report of the visit on")
    expect(theirs).not_to_contain_text("submitted the report")
    assert not re.search(r"\d{2}:\d{2}", " ".join(theirs.locator("tbody tr td:nth-child(2)").all_inner_texts()))
    supervisor.context.close()
    referrer.context.close()
