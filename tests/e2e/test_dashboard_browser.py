"""The service dashboard in a browser, at 1280 and 390 pixels: axe finds no serious or critical
violation, nothing is drawn outside a phone's screen, and each figure's chart sits beside its
table on a wide screen and above it on a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility_browser import BLOCKING, SIZES, describe
from tests.e2e.test_phone_layout_browser import OUTSIDE_THE_SCREEN
from tests.helpers import decide_from_email, referral_awaiting_decision
from tests.report_helpers import SUPERVISOR

pytestmark = pytest.mark.browser

# Each figure's chart and table: their left edges and tops.
PAIRS = """() => Array.from(document.querySelectorAll('.dashboard-pair')).map(pair => {
  const chart = pair.querySelector('svg').getBoundingClientRect(), table = pair.querySelector('table').getBoundingClientRect();
  return {chart: [chart.left, chart.top, chart.bottom], table: [table.left, table.top]};
})"""


def test_the_dashboard_reads_at_both_widths_with_no_serious_violation(live_server, runtime, client, auth, page):
    import json

    from axe_playwright_python.sync_playwright import Axe

    from chalicelib import clock
    from chalicelib.domain.monthly_counts import last_months
    from tests.visit_helpers import CASEY, add_referral, add_visit, add_worker

    # GIVEN a month with a referral received and accepted, and a visit tomorrow a parent cancelled
    referral_awaiting_decision(client, auth, runtime)
    decide_from_email(client, runtime, "accept")
    visit_id = add_visit(add_referral(), add_worker("Casey Evans", CASEY), 1)
    cancelled = client.http.post(
        f"/v1/visits/{visit_id}/cancel",
        headers=auth("supervisor"),
        body=json.dumps({"cancelled_by": "parent", "reason": "Unwell"}),
    )
    assert cancelled.status_code == 200, cancelled.body
    first, last = last_months(clock.today() + timedelta(days=1), 12)  # tomorrow may be next month
    path = f"/dashboard?from={first}&to={last}"
    sign_in(page, live_server, SUPERVISOR, path)

    # WHEN the supervisor opens the dashboard at each width
    failures, layouts = [], {}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200
        failures += [
            f"{width}px: {describe(v)}" for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING
        ]
        layouts[width] = page.evaluate(PAIRS)
        if width < 500:
            assert page.evaluate(OUTSIDE_THE_SCREEN) == []

    # THEN no serious violation; the chart is beside its table when wide, above it on a phone
    assert failures == [], "\n".join(failures)
    assert len(layouts[1280]) == len(layouts[390]) >= 5
    assert all(pair["table"][0] > pair["chart"][0] for pair in layouts[1280])
    assert all(pair["table"][1] >= pair["chart"][2] for pair in layouts[390])
    # AND the cancellation is drawn as its part of a stacked bar, named in the legend and the table
    figure = page.locator("#figure-visits_cancelled")
    assert figure.locator(".dashboard-legend li").first.inner_text().strip() == "Parent"
    assert figure.locator("svg.dashboard-chart rect").count() == 1
    assert "Parent" in figure.locator("thead").inner_text()
