"""A referral with field errors and cross-field errors (end before start, a child 18 or older at
the start) gets all of them in one answer: from the API and beside each field on the form."""

from __future__ import annotations

from datetime import date, timedelta

from tests.dates import example_referral
from tests.functional.test_referral_pages import KEY, form_of, post
from tests.helpers import submit_referral


def broken_referral() -> dict:
    body = example_referral()
    start = date.fromisoformat(body["contact"]["start_date"])
    body["referrer"]["phone"] = ""
    body["contact"]["end_date"] = (start - timedelta(days=1)).isoformat()
    body["children"][0]["date_of_birth"] = start.replace(year=start.year - 18).isoformat()
    return body


EXPECTED = {"referrer.phone", "contact.end_date", "children[0].date_of_birth"}


def test_the_api_reports_field_and_cross_field_errors_together(client, auth):
    response = submit_referral(client, auth("referrer"), broken_referral())
    assert response.status_code == 422
    assert {f["path"] for f in response.json_body["error"]["fields"]} == EXPECTED


def test_the_form_shows_every_error_beside_its_field_in_one_round(client, sam):
    pairs = [("idempotency_key", KEY), ("action", "submit"), *form_of(broken_referral())]
    response = post(client, sam, "/referrals/new", pairs)
    assert response.status_code == 422
    html = response.body.decode()
    for field in ("referrer.phone", "contact.end_date", "children[0].date_of_birth"):
        assert f'href="#{field_id(field)}"' in html, field
    assert "End date must be after the start date" in html and "18 or older on the start date" in html


def field_id(path: str) -> str:
    from chalicelib.web.forms import field_id as of

    return of(path)
