"""HR's register fits a 1280-pixel screen without sideways scrolling, and on a 390-pixel phone
reads as one card per worker."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in
from tests.e2e.test_hr_dashboard_browser import HR_EMAIL, add_worker_with_expired_first_aid

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_register_fits_the_screen(live_server, page, width, height):
    add_worker_with_expired_first_aid()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, HR_EMAIL, "/hr/clearances")
    table = page.locator("#clearances")
    assert table.is_visible()
    # the table is no wider than its scroll box: nothing hides off to the side
    overflow = page.evaluate(
        "() => { const box = document.querySelector('.table-scroll'); return box.scrollWidth - box.clientWidth; }"
    )
    assert overflow <= 1
    row = page.locator("#clearances tbody tr").first
    if width < 640:
        # each worker is a card: the row's cells stack, each naming what it shows
        assert row.evaluate("r => getComputedStyle(r).display") == "block"
        assert (
            row.locator('td[data-kind="first_aid"]')
            .evaluate("td => getComputedStyle(td, '::before').content")
            .strip('"')
            == "First aid certificate"
        )
    else:
        assert row.evaluate("r => getComputedStyle(r).display") == "table-row"
