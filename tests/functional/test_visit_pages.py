"""The visit pages: scheduling a series from a referral, the supervisor's week, the worker's visits."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from tests.dates import at, days_from_today, long_day, plan_day, plan_end, plan_start, short_day
from tests.visit_helpers import CASEY, add_worker, post_visit, visits_of


def page_auth(auth, role: str, email: str | None = None) -> dict:
    headers = auth(role, email)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers


def text_of(html: str) -> str:
    """What a person reads: the page without its tags and attributes."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def value_of(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no input {name}"
    return match.group(1)


def form(worker_id: str, **overrides) -> dict:
    return {
        "first_start": at(plan_day(1), "16:00"),
        "length_minutes": "90",
        "repeat": "weekly",
        "until": "",
        "sessions": "6",
        "worker_id": worker_id,
        "venue": "Northshire Family Centre",
        **overrides,
    }


def test_the_series_form_is_prefilled_from_the_contact_plan(client, auth, casey, referral):
    page = client.http.get(f"/referrals/{referral}/visits/new", headers=auth("supervisor"))
    assert page.status_code == 200
    html = page.body.decode()
    # The plan starts on a Monday (11 January 2027 when written), prefers Tuesdays and Thursdays after
    # 16:00, 90 minutes, weekly
    assert value_of(html, "first_start") == at(plan_day(1), "16:00")
    assert value_of(html, "length_minutes") == "90"
    assert value_of(html, "until") == plan_end().isoformat()
    assert '<option value="weekly" selected>Every week</option>' in html
    assert "Casey Evans" in html
    assert long_day(plan_start()) in text_of(html)


def test_booking_a_series_from_the_form_shows_it_in_the_week(client, auth, casey, referral):
    response = client.http.post(
        f"/referrals/{referral}/visits/new", headers=page_auth(auth, "supervisor"), body=urlencode(form(casey))
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/visits/week?start={plan_start()}")
    assert len(visits_of(referral)) == 6
    week = client.http.get(response.headers["Location"], headers=auth("supervisor")).body.decode()
    assert "6 visits booked" in week
    assert "Casey Evans" in week and "16:00–17:30" in week
    assert "Maya, Leo, Mother" in week


def test_a_clash_re_shows_the_form_listing_every_date_and_books_nothing(client, auth, referral):
    lapsed = add_worker("Alex Morgan", "alex@example.org", first_aid_expires=plan_day(19))
    response = client.http.post(
        f"/referrals/{referral}/visits/new", headers=page_auth(auth, "supervisor"), body=urlencode(form(lapsed))
    )
    assert response.status_code == 409
    text = text_of(response.body.decode())
    assert "cannot be booked, so none were" in text
    for days in (22, 29, 36):  # the fourth to sixth Tuesdays (2, 9 and 16 Feb 2027 when written)
        assert short_day(plan_day(days)) in text
    assert f"{short_day(plan_day(15))}, 16:00:" not in text
    assert value_of(response.body.decode(), "venue") == "Northshire Family Centre"
    assert visits_of(referral) == []


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"length_minutes": "0"}, "length_minutes"),
        ({"sessions": "", "until": ""}, "until"),
        ({"sessions": "41"}, "sessions"),
    ],
)
def test_bad_input_is_shown_beside_its_field(client, auth, casey, referral, overrides, field):
    body = urlencode(form(casey, **overrides))
    response = client.http.post(f"/referrals/{referral}/visits/new", headers=page_auth(auth, "supervisor"), body=body)
    assert response.status_code == 422
    html = response.body.decode()
    assert f'id="{field}-error"' in html
    assert value_of(html, "venue") == "Northshire Family Centre"
    assert visits_of(referral) == []


def test_a_worker_cannot_open_the_scheduling_page(client, auth, casey, referral):
    response = client.http.get(f"/referrals/{referral}/visits/new", headers=auth("worker", CASEY))
    assert response.status_code == 403


def test_the_referral_page_lists_its_visits_and_links_to_scheduling(client, auth, casey, referral):
    client.http.post(
        f"/referrals/{referral}/visits/new", headers=page_auth(auth, "supervisor"), body=urlencode(form(casey))
    )
    html = client.http.get(f"/referrals/{referral}", headers=auth("supervisor")).body.decode()
    assert f'href="/referrals/{referral}/visits/new"' in html
    assert html.count('id="visit-') == 6
    assert f"{short_day(plan_day(1))}, 16:00" in html
    # the referrer sees the visits but cannot schedule
    own = client.http.get(f"/referrals/{referral}", headers=auth("referrer")).body.decode()
    assert own.count('id="visit-') == 6 and "/visits/new" not in own


# -- a visit that already happened --------------------------------------------------------------------


def past_form(worker_id: str, day=None, **overrides) -> dict:
    day = day or days_from_today(-1)
    return {
        "start": at(day, "10:00"),
        "end": at(day, "11:30"),
        "worker_id": worker_id,
        "venue": "Northshire Family Centre",
        **overrides,
    }


def test_a_series_starting_in_the_past_is_refused_saying_how_to_record_a_past_visit(client, auth, casey, referral):
    body = urlencode(form(casey, first_start=at(days_from_today(-1), "16:00")))
    response = client.http.post(f"/referrals/{referral}/visits/new", headers=page_auth(auth, "supervisor"), body=body)
    assert response.status_code == 422
    html = response.body.decode()
    assert 'id="first_start-error"' in html
    assert "record a visit that already happened" in text_of(html)
    assert f'href="/referrals/{referral}/visits/past"' in html
    assert visits_of(referral) == []


def test_the_past_visit_page_says_plainly_it_records_a_visit_that_already_happened(client, auth, casey, referral):
    page = client.http.get(f"/referrals/{referral}/visits/past", headers=auth("supervisor"))
    assert page.status_code == 200
    text = text_of(page.body.decode())
    assert "Record a visit that already happened" in text
    assert "This records a visit that already happened" in text and "Nobody is emailed" in text
    assert "Casey Evans" in text
    # and the referral's page leads to it
    html = client.http.get(f"/referrals/{referral}", headers=auth("supervisor")).body.decode()
    assert f'href="/referrals/{referral}/visits/past"' in html
    own = client.http.get(f"/referrals/{referral}", headers=auth("referrer")).body.decode()
    assert "/visits/past" not in own


def test_recording_a_past_visit_from_the_page_shows_the_visit_with_its_report_due(client, auth, casey, referral):
    from chalicelib.services import audit

    response = client.http.post(
        f"/referrals/{referral}/visits/past", headers=page_auth(auth, "supervisor"), body=urlencode(past_form(casey))
    )
    assert response.status_code == 303, response.body
    [visit] = visits_of(referral)
    assert response.headers["Location"] == f"/visits/{visit.visit_id}?done=recorded"
    assert [e["action"] for e in audit.history("visit", visit.visit_id)] == ["visit.recorded_past"]
    text = text_of(client.http.get(response.headers["Location"], headers=auth("supervisor")).body.decode())
    assert "The visit that already happened was recorded" in text and "Report due" in text


def test_a_time_still_to_come_is_shown_beside_its_field_and_nothing_is_recorded(client, auth, casey, referral):
    body = urlencode(past_form(casey, day=days_from_today(2)))
    response = client.http.post(f"/referrals/{referral}/visits/past", headers=page_auth(auth, "supervisor"), body=body)
    assert response.status_code == 422
    html = response.body.decode()
    assert 'id="start-error"' in html and "book a coming visit instead" in text_of(html)
    assert value_of(html, "venue") == "Northshire Family Centre"
    assert visits_of(referral) == []


def test_a_worker_not_compliant_that_day_is_refused_on_the_page(client, auth, referral):
    lapsed = add_worker("Alex Morgan", "alex@example.org", first_aid_expires=days_from_today(-3))
    body = urlencode(past_form(lapsed))
    response = client.http.post(f"/referrals/{referral}/visits/past", headers=page_auth(auth, "supervisor"), body=body)
    assert response.status_code == 409
    text = text_of(response.body.decode())
    assert "This visit cannot be recorded, so nothing was" in text and "will not be compliant" in text
    assert visits_of(referral) == []


def test_a_worker_cannot_open_the_past_visit_page(client, auth, casey, referral):
    response = client.http.get(f"/referrals/{referral}/visits/past", headers=auth("worker", CASEY))
    assert response.status_code == 403


def test_the_week_marks_at_risk_visits_and_reports_due_in_words(client, auth, casey, referral):
    from chalicelib import clock
    from chalicelib.domain.local_time import to_local
    from chalicelib.storage.visits import Visit

    # A visit that has started (00:30 today, or yesterday before 02:00) and one still to come (22:00
    # today, or tomorrow after 21:00), whatever the time of day the test runs at; each shown on the
    # week it falls in (the two weeks differ only around Sunday midnight).
    now = to_local(clock.now())
    past = now.date() - timedelta(days=0 if now.hour >= 2 else 1)
    coming = now.date() + timedelta(days=0 if now.hour < 21 else 1)
    body = {
        "referral_id": referral,
        "worker_id": casey,
        "start": f"{past}T00:30",
        "end": f"{past}T01:30",
        "venue": "Family Centre",
    }
    due = post_visit(client, auth("supervisor"), body).json_body
    later = {**body, "start": f"{coming}T22:00", "end": f"{coming}T23:00"}
    risky = post_visit(client, auth("supervisor"), later).json_body
    flagged = Visit.get(risky["id"])
    flagged.update(actions=[Visit.at_risk.set(True), Visit.at_risk_reason.set("First aid certificate expired")])

    weeks = sorted({past - timedelta(days=past.weekday()), coming - timedelta(days=coming.weekday())})
    html = "".join(
        client.http.get(f"/visits/week?start={monday}", headers=auth("supervisor")).body.decode() for monday in weeks
    )
    text = text_of(html)
    assert "Report due" in text and "At risk" in text and "First aid certificate expired" in text
    assert "REPORT_DUE" not in text and "SCHEDULED" not in text
    assert f'id="visit-{due["id"]}"' in html and f'id="visit-{risky["id"]}"' in html


def test_my_visits_shows_the_workers_upcoming_visits_and_reports_due(client, auth, casey, referral):
    from chalicelib import clock

    robin = add_worker("Robin Patel", "robin.worker@familycontact.example")
    yesterday = clock.today() - timedelta(days=1)
    soon = clock.today() + timedelta(days=3)
    supervisor = auth("supervisor")
    for worker, day in ((casey, yesterday), (casey, soon), (robin, soon)):
        body = {
            "referral_id": referral,
            "worker_id": worker,
            "start": f"{day}T10:00",
            "end": f"{day}T11:00",
            "venue": "Family Centre",
        }
        assert post_visit(client, supervisor, body).status_code == 201
    html = client.http.get("/visits/mine", headers=auth("worker", CASEY)).body.decode()
    text = text_of(html)
    assert "Reports due (1)" in text and "Upcoming visits (1)" in text
    assert "REPORT_DUE" not in text
    home = client.http.get("/", headers=auth("worker", CASEY)).body.decode()
    assert 'href="/visits/mine"' in home
    # AND the page's calendar link gives the same two visits as an iCalendar file
    assert 'href="/visits/mine.ics"' in html
    calendar = client.http.get("/visits/mine.ics", headers=auth("worker", CASEY))
    assert calendar.headers["Content-Type"].startswith("text/calendar")
    assert calendar.body.decode().count("BEGIN:VEVENT") == 2


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "not-a-date", "2027-02-30"])
def test_the_week_of_a_date_out_of_reach_shows_this_week(client, auth, start):
    response = client.http.get(f"/visits/week?start={start}", headers=auth("supervisor"))
    assert response.status_code == 200
    assert "Visits: Week of" in response.body.decode()


def test_a_fresh_local_start_has_demo_visits_for_the_demo_worker(client, auth):
    from local.seed import seed_demo_data

    made = seed_demo_data()
    assert made["local.demo_visits:seed_demo_visits"] == 7
    text = text_of(client.http.get("/visits/mine", headers=auth("worker", CASEY)).body.decode())
    assert "Reports due (1)" in text and "Upcoming visits (6)" in text
