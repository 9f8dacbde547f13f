"""Visit times as the API and the scheduling page take them: UK wall-clock time, or an RFC 3339
instant with its offset; a time no visit can have is a 422 naming its field, never a 500."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from tests.dates import at, plan_day
from tests.functional.test_visit_pages import form, page_auth
from tests.functional.test_visits_api import error, field_paths, one, post, series
from tests.visit_helpers import visits_of

TUESDAY = plan_day(1)


def offset_instant(local: str) -> str:
    """The same moment as the UK wall-clock `local`, written in UTC with `Z`, and at +05:30."""
    moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Europe/London"))
    return moment.astimezone(ZoneInfo("Asia/Kolkata")).isoformat(timespec="minutes")


def test_a_visit_booked_with_an_offset_is_the_same_moment_in_uk_time(client, auth, casey, referral):
    start, end = at(TUESDAY, "16:00"), at(TUESDAY, "17:30")
    response = post(client, auth, "/v1/visits", one(referral, casey, offset_instant(start), offset_instant(end)))
    assert response.status_code == 201, response.json_body
    assert (response.json_body["start"], response.json_body["end"]) == (start, end)


def test_utc_written_with_z_is_accepted_for_a_series_and_a_change(client, auth, casey, referral):
    start = at(TUESDAY, "16:00")
    utc = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo("Europe/London")).astimezone(ZoneInfo("UTC"))
    booked = post(
        client, auth, f"/v1/referrals/{referral}/visits", series(casey, first_start=utc.strftime("%Y-%m-%dT%H:%MZ"))
    )
    assert booked.status_code == 201, booked.json_body
    assert booked.json_body["visits"][0]["start"] == start

    later = at(plan_day(2), "10:00")
    moved = client.http.patch(
        f"/v1/visits/{booked.json_body['visits'][0]['id']}",
        headers=auth("supervisor"),
        body=json.dumps({"start": offset_instant(later)}),
    )
    assert moved.status_code == 200, moved.json_body
    assert moved.json_body["start"] == later


@pytest.mark.parametrize("start", ["9999-12-31T23:00", "9999-12-31T23:30-05:00", "0001-01-01T00:00+01:00"])
def test_a_start_no_visit_can_have_is_422_for_one_visit_and_a_series(client, auth, casey, referral, start):
    single = post(client, auth, "/v1/visits", one(referral, casey, start, at(TUESDAY, "17:30")))
    assert single.status_code == 422 and "start" in field_paths(single)
    many = post(client, auth, f"/v1/referrals/{referral}/visits", series(casey, first_start=start))
    assert many.status_code == 422 and field_paths(many) == ["first_start"]
    assert visits_of(referral) == []


def test_a_year_9999_series_end_or_change_is_422(client, auth, casey, referral):
    until = post(client, auth, f"/v1/referrals/{referral}/visits", series(casey, sessions=None, until="9999-12-31"))
    assert until.status_code == 422, until.json_body
    visit = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    moved = client.http.patch(
        f"/v1/visits/{visit['id']}", headers=auth("supervisor"), body=json.dumps({"start": "9999-12-31T23:00"})
    )
    assert moved.status_code == 422 and field_paths(moved) == ["start"], moved.json_body
    assert "between" in error(moved)["fields"][0]["message"]


def test_a_year_9999_start_on_the_series_page_is_shown_beside_its_field(client, auth, casey, referral):
    body = urlencode(form(casey, first_start="9999-12-31T23:00"))
    response = client.http.post(f"/referrals/{referral}/visits/new", headers=page_auth(auth, "supervisor"), body=body)
    assert response.status_code == 422
    assert 'id="first_start-error"' in response.body.decode()
    assert visits_of(referral) == []


def test_digits_other_than_ascii_are_refused(client, auth, casey, referral):
    arabic = at(TUESDAY, "16:00").translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = post(client, auth, "/v1/visits", one(referral, casey, arabic, at(TUESDAY, "17:30")))
    assert response.status_code == 422 and field_paths(response) == ["start"]
