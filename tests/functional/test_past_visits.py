"""Booking is for visits still to come; a visit that already happened is recorded by its own explicit
action (`POST /v1/visits/past`), for a supervisor only, audited, with every booking guard."""

from __future__ import annotations

import json

import pytest

from tests.dates import at, days_from_today, long_day
from tests.visit_helpers import CASEY, PAST_VISITS, add_referral, add_worker, referral_status, visits_of


def yesterday():
    """Asked afresh by each test: a date fixed when the module loads is wrong after midnight."""
    return days_from_today(-1)


def one(referral_id: str, worker_id: str, start: str | None = None, end: str | None = None) -> dict:
    return {
        "referral_id": referral_id,
        "worker_id": worker_id,
        "start": start or at(yesterday(), "10:00"),
        "end": end or at(yesterday(), "11:30"),
        "venue": "Northshire Family Centre, Room 2",
    }


def post(client, auth, path: str, body: dict, role: str = "supervisor", email: str | None = None):
    return client.http.post(path, headers=auth(role, email), body=json.dumps(body))


def error(response) -> dict:
    return response.json_body["error"]


def audit_actions(entity: str, entity_id: str) -> list[str]:
    from chalicelib.services import audit

    return [e["action"] for e in audit.history(entity, entity_id)]


# -- the booking routes refuse a start that has passed --------------------------------------------------


def test_booking_a_visit_whose_start_has_passed_is_422_on_start_saying_how_to_record_it(
    client, auth, runtime, casey, referral
):
    sent_before = len(runtime.outbox.messages())
    response = post(client, auth, "/v1/visits", one(referral, casey))
    assert response.status_code == 422, response.body
    fields = error(response)["fields"]
    assert [f["path"] for f in fields] == ["start"]
    assert "That time has passed" in fields[0]["message"]
    assert "POST /v1/visits/past" in fields[0]["message"]
    # nothing changed: no visit, the referral still accepted, no audit event, nobody emailed
    assert visits_of(referral) == [] and referral_status(referral) == "ACCEPTED"
    assert "referral.activated" not in audit_actions("referral", referral)
    assert len(runtime.outbox.messages()) == sent_before


def test_a_series_whose_first_start_has_passed_is_422_on_first_start_and_books_nothing(client, auth, casey, referral):
    body = {
        "first_start": at(yesterday(), "16:00"),
        "length_minutes": 90,
        "repeat": "weekly",
        "sessions": 4,
        "worker_id": casey,
        "venue": "Northshire Family Centre, Room 2",
    }
    response = post(client, auth, f"/v1/referrals/{referral}/visits", body)
    assert response.status_code == 422, response.body
    assert [f["path"] for f in error(response)["fields"]] == ["first_start"]
    assert "record a visit that already happened" in error(response)["message"]
    assert visits_of(referral) == [] and referral_status(referral) == "ACCEPTED"


# -- recording a visit that already happened -------------------------------------------------------------


def test_a_supervisor_records_a_past_visit_audited_as_such_and_its_report_is_due(
    client, auth, runtime, casey, referral
):
    sent_before = len(runtime.outbox.messages())
    response = post(client, auth, PAST_VISITS, one(referral, casey))
    assert response.status_code == 201, response.body
    visit = response.json_body
    assert visit["start"] == at(yesterday(), "10:00")
    assert (visit["status"], visit["status_label"]) == ("REPORT_DUE", "Report due")
    assert referral_status(referral) == "ACTIVE"
    assert audit_actions("visit", visit["id"]) == ["visit.recorded_past"]
    assert "referral.activated" in audit_actions("referral", referral)
    # nobody's plans depend on a visit that is over: no email
    assert len(runtime.outbox.messages()) == sent_before
    # and its worker writes the report as for any visit
    from chalicelib.examples import example_report

    saved = client.http.put(
        f"/v1/visits/{visit['id']}/report", headers=auth("worker", CASEY), body=json.dumps(example_report())
    )
    assert saved.status_code == 200, saved.body


@pytest.mark.parametrize("role", ["worker", "referrer", "hr"])
def test_only_a_supervisor_records_a_past_visit(client, auth, casey, referral, role):
    response = post(
        client, auth, PAST_VISITS, one(referral, casey), role=role, email=CASEY if role == "worker" else None
    )
    assert response.status_code == 403
    assert visits_of(referral) == []


def test_recording_a_visit_still_to_come_is_422_on_start(client, auth, casey, referral):
    tomorrow = days_from_today(1)
    response = post(client, auth, PAST_VISITS, one(referral, casey, at(tomorrow, "10:00"), at(tomorrow, "11:00")))
    assert response.status_code == 422, response.body
    assert [f["path"] for f in error(response)["fields"]] == ["start"]
    assert "book a coming visit instead" in error(response)["message"]
    assert visits_of(referral) == []


def test_a_past_visit_beyond_a_year_ago_is_422(client, auth, casey, referral):
    long_ago = days_from_today(-400)
    response = post(client, auth, PAST_VISITS, one(referral, casey, at(long_ago, "10:00"), at(long_ago, "11:00")))
    assert response.status_code == 422
    assert "cannot be recorded earlier than" in error(response)["message"]
    assert visits_of(referral) == []


def test_a_worker_not_compliant_on_that_day_cannot_be_recorded_as_having_taken_it(client, auth, referral):
    expired = days_from_today(-2)
    lapsed = add_worker("Alex Morgan", "alex@example.org", first_aid_expires=expired)
    response = post(client, auth, PAST_VISITS, one(referral, lapsed))
    assert response.status_code == 409, response.body
    message = error(response)["message"]
    assert f"will not be compliant on {long_day(yesterday())}" in message
    assert f"First aid certificate expired on {long_day(expired)}" in message
    assert visits_of(referral) == [] and referral_status(referral) == "ACCEPTED"


def test_a_past_visit_cannot_double_book_its_worker(client, auth, casey, referral):
    assert post(client, auth, PAST_VISITS, one(referral, casey)).status_code == 201
    other = add_referral()
    response = post(client, auth, PAST_VISITS, one(other, casey, at(yesterday(), "11:00"), at(yesterday(), "12:00")))
    assert response.status_code == 409, response.body
    assert "the worker already has a visit from" in error(response)["message"]
    assert visits_of(other) == []


@pytest.mark.parametrize("status", ["UNDER_REVIEW", "DECLINED", "CLOSED"])
def test_a_past_visit_of_a_referral_that_is_not_accepted_is_409(client, auth, casey, status):
    referral = add_referral(status)
    response = post(client, auth, PAST_VISITS, one(referral, casey))
    assert response.status_code == 409
    assert visits_of(referral) == [] and referral_status(referral) == status


def test_a_past_visit_is_held_to_the_contact_plan_like_any_other(client, auth, casey):
    within = add_referral(plan=("2020-01-06", None))
    before = add_referral(plan=(days_from_today(30).isoformat(), None))
    inside = post(client, auth, PAST_VISITS, one(within, casey)).json_body
    day = days_from_today(-2)
    outside = post(client, auth, PAST_VISITS, one(before, casey, at(day, "10:00"), at(day, "11:00"))).json_body
    assert (inside["outside_plan"], outside["outside_plan"]) == (False, True)
