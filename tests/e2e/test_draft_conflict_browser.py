"""In a real browser: one report open in two tabs. The second tab's autosave finds the draft saved
by the first, stops, says so, and keeps what was typed; "Save draft" then shows the typed text
again with the message, and saving once more keeps it."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import sign_in
from tests.helpers import wait_for
from tests.report_helpers import book_visit
from tests.visit_helpers import CASEY

pytestmark = pytest.mark.browser


def test_autosave_of_a_draft_saved_in_another_tab_stops_and_keeps_the_typed_text(
    live_server, runtime, client, auth, browser
):
    from playwright.sync_api import expect

    from chalicelib.storage import reports as store

    visit_id = book_visit(client, auth)
    context = browser.new_context()
    context.set_default_timeout(15_000)
    first, second = context.new_page(), context.new_page()
    second.clock.install()  # the 30-second autosave runs when the test moves this tab's clock
    sign_in(first, live_server, CASEY, f"/visits/{visit_id}/report")
    report_path = f"{live_server}/visits/{visit_id}/report"
    first.goto(report_path)
    second.goto(report_path)

    # GIVEN the first tab saves a draft after the second tab was opened
    first.get_by_label("Who brought the child").fill("The foster carer")
    first.get_by_role("button", name="Save draft").click()
    expect(first.get_by_text("Your draft is saved")).to_be_visible()

    # WHEN the second tab's person types and its autosave runs
    second.get_by_label("Observations").fill("Typed in the second tab.")
    second.clock.run_for(31_000)

    # THEN autosave says the draft was changed elsewhere and has stopped; the text is still there
    status = second.locator("#autosave-status")
    expect(status).to_contain_text("This draft was changed elsewhere")
    expect(status).to_contain_text("Autosave has stopped")
    expect(second.get_by_label("Observations")).to_have_value("Typed in the second tab.")
    assert store.get_report(visit_id).draft.get("brought_by") == "The foster carer"

    # WHEN they press Save draft: the page shows their text again with the message
    second.get_by_role("button", name="Save draft").click()
    expect(second.get_by_role("alert").filter(has_text=re.compile("changed elsewhere"))).to_be_visible()
    expect(second.get_by_label("Observations")).to_have_value("Typed in the second tab.")

    # AND pressing it again, having been told, keeps their version
    second.get_by_role("button", name="Save draft").click()
    expect(second.get_by_text("Your draft is saved")).to_be_visible()
    assert store.get_report(visit_id).draft.get("observations") == "Typed in the second tab."

    # AND from there autosave saves twice in a row: each save states the revision the last one returned
    revision = second.locator("input[name=draft_revision]")
    for words in ("Second thoughts.", "Third thoughts."):
        held = revision.input_value()
        second.get_by_label("Observations").fill(words)
        second.clock.run_for(31_000)
        wait_for(lambda w=words: store.get_report(visit_id).draft.get("observations") == w, 10, what="the autosave")
        expect(revision).not_to_have_value(held)  # the page took in the revision its save returned
    expect(status).not_to_contain_text("Not saved")
    context.close()
