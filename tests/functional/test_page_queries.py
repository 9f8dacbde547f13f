"""Hostile query strings on every page that reads one: each parameter is read by the page's model
(`chalicelib/api/queries.py`), so a bad value is the 400 page naming it, or is ignored where a
person would expect that (a notice flag, a sort order, a week to show), and never a 500."""

from __future__ import annotations

import pytest

from tests.dates import plan_day
from tests.helpers import bearer, session_cookie
from tests.report_helpers import book_visit, save
from tests.visit_helpers import CASEY, REFERRER_EMAIL, add_referral, add_worker

HOSTILE = {
    "superscript": "²",
    "5000 digits": "9" * 5000,
    "not UTF-8": "%ff%fe%80",
    "a line break": "a%0Ab",
}
# page -> (who reads it, {parameter: "strict" (a bad value is the 400 page) or "forgiving" (ignored)})
PAGES = {
    "/audit": ("admin", {"kind": "strict", "id": "strict", "day": "strict", "cursor": "strict"}),
    "/hr/clearances": (
        "hr",
        {"status": "strict", "sort": "forgiving", "saved": "forgiving", "added": "forgiving", "kind": "forgiving"},
    ),
    "/hr/clearances.csv": ("hr", {"status": "strict", "sort": "forgiving"}),
    "/referrals": ("referrer", {"status": "strict", "sort": "strict", "order": "strict", "q": "strict"}),
    "/referrals/{referral_id}": ("referrer", {"done": "forgiving"}),
    "/visits/{visit_id}/report": ("worker", {"done": "forgiving"}),
    "/visits/week": ("supervisor", {"start": "forgiving", "done": "forgiving", "count": "forgiving"}),
    "/signin": (None, {"next": "forgiving"}),
}
PEOPLE = {"referrer": REFERRER_EMAIL, "worker": CASEY}


@pytest.fixture(scope="module")
def runtime(module_runtime):
    return module_runtime


@pytest.fixture(scope="module")
def client(module_client):
    return module_client


@pytest.fixture(scope="module")
def ids(client) -> dict[str, str]:
    add_worker("Casey Evans", CASEY)
    visit_id = book_visit(client, bearer)
    assert save(client, bearer, visit_id).status_code == 200
    return {"referral_id": add_referral(), "visit_id": visit_id}


@pytest.fixture(scope="module")
def cookies(client) -> dict[str | None, dict]:
    signed_in = {role: {"Cookie": session_cookie(role, PEOPLE.get(role))} for role, _ in PAGES.values() if role}
    return {None: {}, **signed_in}


def _get(client, cookies, ids, page: str, query: str):
    role, _ = PAGES[page]
    return client.http.get(f"{page.format(**ids)}?{query}", headers=cookies[role])


CASES = [
    pytest.param(page, name, kind, value, id=f"{page} {name}={label}")
    for page, (_, params) in PAGES.items()
    for name, kind in params.items()
    for label, value in HOSTILE.items()
]


@pytest.mark.parametrize(("page", "name", "kind", "value"), CASES)
def test_a_hostile_value_is_the_400_page_naming_it_or_ignored_never_a_500(
    client, cookies, ids, page, name, kind, value
):
    response = _get(client, cookies, ids, page, f"{name}={value}")
    assert response.status_code in (200, 400), response.body[:300]
    if kind == "forgiving":
        assert response.status_code == 200, response.body[:300]
    elif value == HOSTILE["5000 digits"]:  # over every limit: the page names the parameter
        assert response.status_code == 400
        assert f"&#39;{name}&#39;" in response.body.decode() or f"'{name}'" in response.body.decode()
    if response.status_code == 200 and page != "/hr/clearances.csv":
        assert "9" * 300 not in response.body.decode()  # nothing hostile is echoed at length


@pytest.mark.parametrize("page", list(PAGES))
def test_a_stray_parameter_is_ignored(client, cookies, ids, page):
    assert _get(client, cookies, ids, page, "limit=%C2%B2&x=%ff").status_code == 200


def test_of_a_repeated_parameter_the_last_counts(client, cookies, ids):
    assert _get(client, cookies, ids, "/referrals", "status=LOST&status=ACCEPTED").status_code == 200
    assert _get(client, cookies, ids, "/referrals", "status=ACCEPTED&status=LOST").status_code == 400
    first, last, monday = plan_day(2), plan_day(9), plan_day(7)  # the last is in the week of that Monday
    week = _get(client, cookies, ids, "/visits/week", f"start={first}&start={last}").body.decode()
    assert f"{monday.day} {monday:%b}" in week


def test_a_week_out_of_reach_still_shows_this_week_and_a_booked_count_its_notice(client, cookies, ids):
    shown = _get(client, cookies, ids, "/visits/week", "start=9999-12-31&done=scheduled&count=3")
    assert shown.status_code == 200
    assert "3 visits booked" in shown.body.decode()
    odd = _get(client, cookies, ids, "/visits/week", "done=scheduled&count=%C2%B2")
    assert odd.status_code == 200 and "visits booked" not in odd.body.decode()
