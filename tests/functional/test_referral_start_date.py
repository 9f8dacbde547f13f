"""A new referral's contact cannot start in the past: refused beside the start date, by form and API."""

from __future__ import annotations

import copy
from datetime import timedelta

from chalicelib import clock
from chalicelib.web.forms import field_id
from tests.dates import example_referral
from tests.functional.test_referral_pages import Html, submit_form
from tests.helpers import submit_referral


def yesterday_start() -> dict:
    body = copy.deepcopy(example_referral())
    body["contact"]["start_date"] = (clock.today() - timedelta(days=1)).isoformat()
    return body


def test_the_form_refuses_a_start_date_in_the_past_beside_the_field(client, sam):
    response = submit_form(client, sam, yesterday_start())
    assert response.status_code == 422
    page = Html(response.body)
    error = page.one("p", id=f"{field_id('contact.start_date')}-error")
    assert error["text"].startswith("Start date cannot be in the past")


def test_the_api_refuses_it_at_the_start_date(client, sam):
    response = submit_referral(client, {**sam, "Content-Type": "application/json"}, yesterday_start())
    assert response.status_code == 422
    fields = response.json_body["error"]["fields"]
    assert [f["path"] for f in fields] == ["contact.start_date"]
