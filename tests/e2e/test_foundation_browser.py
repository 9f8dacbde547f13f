"""A person opens the service in a real browser and signs in."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_start_page_offers_sign_in_and_after_it_shows_the_users_own_links(live_server, page):
    # GIVEN the service running on loopback
    # WHEN a person opens the start page
    page.goto(live_server + "/")
    # THEN they are asked to sign in
    assert page.get_by_role("heading", name="Family Contact Service").is_visible()
    assert page.get_by_role("link", name="Sign in").first.is_visible()

    # WHEN they sign in as the demo HR officer
    sign_in(page, live_server, "hr@familycontact.example")
    # THEN the header names them and the page offers HR's work, not a referrer's
    assert "Signed in as Jordan Lee (hr)" in page.locator("header").inner_text()
    assert page.get_by_role("link", name="Worker clearances").is_visible()
    assert page.get_by_role("link", name="Refer a family").count() == 0
