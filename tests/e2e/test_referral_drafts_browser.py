"""A referrer types half a referral in a real browser, saves it, leaves, comes back to it from
their list, adds a child (a redirect: reloading posts nothing and adds no child), submits it,
and the draft is gone."""

from __future__ import annotations

import re

import pytest

from tests.dates import born
from tests.e2e.conftest import sign_in
from tests.e2e.referral_form import fill_child, fill_the_rest, send_referral
from tests.helpers import REFERRER

pytestmark = pytest.mark.browser

DRAFT_URL = re.compile(r".*/referrals/drafts/[0-9a-f]{32}(\?[^#]*)?(#.*)?$")


def test_referrer_saves_half_a_referral_comes_back_adds_a_child_and_submits(live_server, runtime, page):
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    # GIVEN the referrer has typed half a referral: who they are and one child's name
    sign_in(page, live_server, REFERRER, "/referrals/new")
    page.get_by_label("Your work phone").fill("01632 960123")
    page.get_by_label("Organisation").fill("Northshire County Council")
    page.locator("#children-0").get_by_label("First name").fill("Maya")

    # WHEN they save it and leave
    page.get_by_role("button", name="Save and come back later").click()
    page.wait_for_url(DRAFT_URL)
    assert "Your draft is saved" in page.get_by_role("alert").inner_text()
    assert "30 days after it was last saved" in page.locator("#draft-status").inner_text()
    draft_path = page.url.removeprefix(live_server).partition("?")[0]
    page.goto(f"{live_server}/")

    # THEN their list shows the draft, and Continue brings back what they typed
    page.goto(f"{live_server}/referrals")
    drafts = page.locator("#drafts")
    assert drafts.get_by_role("cell", name="1", exact=True).is_visible()
    drafts.get_by_role("link", name=re.compile("Continue")).click()
    page.wait_for_url(DRAFT_URL)
    assert page.url.removeprefix(live_server) == draft_path
    assert page.locator("#children-0").get_by_label("First name").input_value() == "Maya"
    assert page.get_by_label("Organisation").input_value() == "Northshire County Council"

    # WHEN they add a child
    page.locator("#children-0").get_by_label("Last name").fill("Robinson")
    with page.expect_response(lambda r: r.request.method == "GET" and "/referrals/drafts/" in r.url) as shown:
        page.get_by_role("button", name="Add a child").click()
    page.wait_for_load_state()

    # THEN the page after it is a GET of the draft's page, with the new child's first input focused
    assert shown.value.status == 200
    assert DRAFT_URL.fullmatch(page.url) and page.url.removeprefix(live_server).startswith(draft_path)
    assert page.locator("#children fieldset.item").count() == 2
    assert page.evaluate("document.activeElement.id") == "children-1-first_name"
    assert page.locator("#children-0").get_by_label("Last name").input_value() == "Robinson"

    # AND reloading posts nothing and adds no child
    posted_before = len(posts)
    page.reload()
    assert len(posts) == posted_before
    assert page.locator("#children fieldset.item").count() == 2

    # WHEN they finish the form and submit it
    fill_child(page, 0, "Maya", born(0).isoformat())
    fill_child(page, 1, "Leo", born(1).isoformat())
    fill_the_rest(page)
    send_referral(page)
    assert "Your referral has been submitted" in page.content()

    # THEN the draft is gone: not in the list, and its page says so
    page.goto(f"{live_server}/referrals")
    assert page.locator("#drafts").count() == 0
    assert page.get_by_role("link", name="Maya Robinson, Leo Robinson").is_visible()
    response = page.goto(f"{live_server}{draft_path}")
    assert response.status == 404
    assert "This draft no longer exists" in page.content()
