"""The family's reminder page in a real browser, at 1280 pixels and on a 390-pixel phone: it shows
the visit, works with JavaScript off (a plain form), nothing scrolls sideways, and axe finds no
serious or critical violation before or after the answer."""

from __future__ import annotations

import pytest

from tests.e2e.test_phone_layout_browser import OUTSIDE_THE_SCREEN
from tests.family_helpers import family_case, issue_link, visit_in
from tests.visit_helpers import VENUE

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (390, 844)]
BLOCKING = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in BLOCKING
    ]


def answer(page, choice: str, reason: str = "") -> None:
    page.get_by_label(choice).check()
    if reason:
        page.get_by_label("If you cannot come, you can tell us why (optional)").fill(reason)
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_load_state()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_family_page_takes_an_answer_without_javascript(live_server, browser, width, height):
    # GIVEN a family member's link to a visit in three days, opened with JavaScript off
    link_path = f"/family/{issue_link(visit_in(family_case(), 72))}"
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(live_server + link_path)
        assert VENUE in page.content() and "<script" not in page.content()

        # WHEN they say they cannot come, with a reason THEN the page says what they answered
        answer(page, "I cannot come", "My bus is not running")
        assert "Your answer is: I cannot come" in page.inner_text("main")
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_family_page_reads_well_with_no_serious_accessibility_violation(live_server, browser, width, height):
    link_path = f"/family/{issue_link(visit_in(family_case(), 72))}"
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        for step in ("opened", "left without a choice", "answered"):
            if step == "opened":
                page.goto(live_server + link_path)
                assert page.get_by_label("I will be there").is_visible()
            elif step == "left without a choice":
                page.get_by_role("button", name="Send my answer").click()
                page.wait_for_load_state()
                assert "Choose whether you will be there" in page.inner_text("main")
            else:
                answer(page, "I will be there")
                assert "Your answer is: I will be there" in page.inner_text("main")
            assert page.evaluate(OUTSIDE_THE_SCREEN) == [], step
            assert serious_violations(page) == [], step
    finally:
        context.close()
