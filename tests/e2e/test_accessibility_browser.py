"""axe-core on every page of the service, as each person who sees it and signed out, on a
1280-pixel screen and a 390-pixel phone: no violation of impact "serious" or "critical"."""

from __future__ import annotations

import pytest

from tests.e2e.seeded_site import open_as, page_routes, pages, route_of, seed

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (390, 844)]
BLOCKING = {"serious", "critical"}


def describe(violation: dict) -> str:
    targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    return f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"


def test_no_page_has_a_serious_accessibility_violation(live_server, runtime, client, auth, page):
    from axe_playwright_python.sync_playwright import Axe

    # GIVEN a service holding referrals, visits and reports in every state
    site = seed(client, auth, runtime)
    axe, sessions = Axe(), {}
    routes, covered, failures = page_routes(), set(), []

    # WHEN each page is opened by each person who sees it, at each width
    for spec in pages(site):
        open_as(page, live_server, spec.who, sessions)
        response = page.goto(live_server + spec.path)
        assert response is not None and response.status < 500, f"{spec.name}: {response and response.status}"
        if spec.act:
            spec.act(page)
        assert "Something went wrong on our side" not in page.content(), spec.name
        route = route_of(spec.path, routes)
        covered.add(route)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in BLOCKING:
                    failures.append(f"{spec.name} ({route}) at {width}px: {describe(violation)}")

    # THEN every page route of the app was checked, and none has a serious or critical violation
    assert routes - covered == set(), f"page routes no page in the list opens: {sorted(routes - covered)}"
    assert failures == [], "\n".join(failures)
