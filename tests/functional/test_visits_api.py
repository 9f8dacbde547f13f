"""Visits through the HTTP API under the embedded runtime: booking, series, guards, changes, reads."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.dates import at, days_from_today, long_day, march_clock_change, monday_of, month_end, plan_day, short_day
from tests.visit_helpers import (
    CASEY,
    OTHER_REFERRER_EMAIL,
    PAST_VISITS,
    ROBIN,
    add_referral,
    add_worker,
    referral_status,
    visits_of,
)

TUESDAY = plan_day(1)  # the contact plan's first Tuesday (12 January 2027 when written), in GMT
YEAR = TUESDAY.year


def one(referral_id: str, worker_id: str, start=at(TUESDAY, "16:00"), end=at(TUESDAY, "17:30"), **extra) -> dict:
    return {
        "referral_id": referral_id,
        "worker_id": worker_id,
        "start": start,
        "end": end,
        "venue": "Northshire Family Centre, Room 2",
        **extra,
    }


def series(worker_id: str, **extra) -> dict:
    body = {
        "first_start": at(TUESDAY, "16:00"),
        "length_minutes": 90,
        "repeat": "weekly",
        "sessions": 26,
        "worker_id": worker_id,
        "venue": "Northshire Family Centre, Room 2",
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def post(client, auth, path: str, body: dict, role: str = "supervisor", email: str | None = None):
    return client.http.post(path, headers=auth(role, email), body=json.dumps(body))


def error(response) -> dict:
    return response.json_body["error"]


def field_paths(response) -> list[str]:
    return [f["path"] for f in error(response).get("fields", [])]


# -- booking one visit --------------------------------------------------------------------------------


def test_booking_one_visit_stores_utc_with_the_zone_and_activates_the_referral(client, auth, casey, referral):
    # WHEN a supervisor books one visit at 16:00 local time in January (GMT)
    response = post(client, auth, "/v1/visits", one(referral, casey))
    # THEN it is created, stored as 16:00 UTC with the zone, and the referral is now ACTIVE
    assert response.status_code == 201, response.json_body
    visit = response.json_body
    assert (visit["start"], visit["starts_at"], visit["zone"]) == (
        at(TUESDAY, "16:00"),
        f"{TUESDAY}T16:00:00+00:00",
        "Europe/London",
    )
    assert visit["status"] == "SCHEDULED" and visit["status_label"] == "Scheduled"
    assert visit["participants"]["labels"] == ["Maya", "Leo", "Mother"]
    assert referral_status(referral) == "ACTIVE"
    # AND the visit and the referral change each have their audit event
    from chalicelib.services import audit

    assert [e["action"] for e in audit.history("visit", visit["id"])] == ["visit.scheduled"]
    assert "referral.activated" in [e["action"] for e in audit.history("referral", referral)]


def test_a_second_visit_keeps_the_referral_active(client, auth, casey, referral):
    post(client, auth, "/v1/visits", one(referral, casey))
    response = post(
        client, auth, "/v1/visits", one(referral, casey, at(plan_day(8), "16:00"), at(plan_day(8), "17:30"))
    )
    assert response.status_code == 201
    assert referral_status(referral) == "ACTIVE"


def test_a_visit_outside_the_contact_plan_is_allowed_and_shown_as_outside(client, auth, casey, referral):
    inside = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    after = plan_day(204)  # three weeks after the plan ends
    outside = post(client, auth, "/v1/visits", one(referral, casey, at(after, "10:00"), at(after, "11:00"))).json_body
    assert (inside["outside_plan"], outside["outside_plan"]) == (False, True)


def test_participants_must_be_on_the_referral(client, auth, casey, referral):
    body = one(referral, casey, participants={"children": [0, 5], "family_members": [0]})
    response = post(client, auth, "/v1/visits", body)
    assert response.status_code == 422
    assert field_paths(response) == ["participants.children[1]"]
    assert visits_of(referral) == []


# -- bad input: 422, nothing written -------------------------------------------------------------------


def test_end_before_start_is_422_at_end_and_nothing_is_written(client, auth, casey, referral):
    response = post(client, auth, "/v1/visits", one(referral, casey, end=at(TUESDAY, "15:00")))
    assert response.status_code == 422
    assert error(response)["fields"] == [{"path": "end", "message": "The end must be after the start"}]
    assert visits_of(referral) == [] and referral_status(referral) == "ACCEPTED"


@pytest.mark.parametrize("length", [0, -90])
def test_a_series_of_zero_or_negative_length_is_422(client, auth, casey, referral, length):
    response = post(client, auth, f"/v1/referrals/{referral}/visits", series(casey, length_minutes=length))
    assert response.status_code == 422
    assert field_paths(response) == ["length_minutes"]
    assert visits_of(referral) == []


def test_a_series_over_the_limit_is_422(client, auth, casey, referral):
    response = post(client, auth, f"/v1/referrals/{referral}/visits", series(casey, sessions=41))
    assert response.status_code == 422
    assert field_paths(response) == ["sessions"]
    assert visits_of(referral) == []


def test_a_series_until_a_date_that_makes_more_than_40_visits_is_422(client, auth, casey, referral):
    until = plan_day(309).isoformat()  # 45 Tuesdays on
    response = post(client, auth, f"/v1/referrals/{referral}/visits", series(casey, sessions=None, until=until))
    assert response.status_code == 422
    assert field_paths(response) == ["until"]
    assert "more than 40" in error(response)["fields"][0]["message"]
    assert visits_of(referral) == []


def test_a_series_that_overlaps_itself_is_422(client, auth, casey, referral):
    body = series(casey, more_starts=[at(TUESDAY, "17:00")], sessions=4)
    response = post(client, auth, f"/v1/referrals/{referral}/visits", body)
    assert response.status_code == 422
    assert field_paths(response) == ["more_starts"]
    assert "overlaps itself" in error(response)["message"]
    assert visits_of(referral) == []


def test_a_time_the_clocks_skip_is_422(client, auth, casey, referral):
    change = march_clock_change(YEAR)
    response = post(client, auth, "/v1/visits", one(referral, casey, at(change, "01:30"), at(change, "03:00")))
    assert response.status_code == 422
    assert field_paths(response) == ["start"]
    assert "clocks go forward" in error(response)["fields"][0]["message"]


def test_an_unknown_worker_is_422_at_worker_id(client, auth, referral):
    response = post(client, auth, "/v1/visits", one(referral, "no-such-worker"))
    assert response.status_code == 422
    assert field_paths(response) == ["worker_id"]
    assert visits_of(referral) == []


def test_an_unknown_referral_is_422_in_a_body_and_404_in_a_path(client, auth, casey):
    response = post(client, auth, "/v1/visits", one("no-such-referral", casey))
    assert response.status_code == 422
    assert field_paths(response) == ["referral_id"]
    response = post(client, auth, "/v1/referrals/no-such-referral/visits", series(casey))
    assert response.status_code == 404


def test_unknown_fields_and_wrong_types_are_422_with_paths(client, auth, casey, referral):
    body = {**one(referral, casey), "colour": "blue", "start": 1767225600}
    response = post(client, auth, "/v1/visits", body)
    assert response.status_code == 422
    assert set(field_paths(response)) == {"colour", "start"}


def test_a_body_that_is_not_json_is_400(client, auth):
    response = client.http.post("/v1/visits", headers=auth("supervisor"), body="{not json")
    assert response.status_code == 400


# -- guards: 409, nothing written -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["UNDER_REVIEW", "DECLINED", "CLOSED"])
def test_a_referral_that_is_not_accepted_is_409_saying_its_status(client, auth, casey, status):
    referral = add_referral(status)
    response = post(client, auth, "/v1/visits", one(referral, casey))
    assert response.status_code == 409
    assert status.replace("_", " ").lower() in error(response)["message"]
    assert visits_of(referral) == [] and referral_status(referral) == status


def test_a_worker_who_will_not_be_compliant_is_409_naming_the_clearance_and_date(client, auth, referral):
    expired = plan_day(-1)
    worker = add_worker("Alex Morgan", "alex@example.org", first_aid_expires=expired)
    response = post(client, auth, "/v1/visits", one(referral, worker))
    assert response.status_code == 409
    message = error(response)["message"]
    assert f"will not be compliant on {long_day(TUESDAY)}" in message
    assert f"First aid certificate expired on {long_day(expired)}" in message
    assert visits_of(referral) == [] and referral_status(referral) == "ACCEPTED"


def test_a_series_lists_every_date_the_worker_will_not_be_compliant_and_writes_nothing(client, auth, referral):
    worker = add_worker("Alex Morgan", "alex@example.org", first_aid_expires=plan_day(21))
    response = post(client, auth, f"/v1/referrals/{referral}/visits", series(worker, sessions=6))
    assert response.status_code == 409
    failing = error(response)["fields"]
    # the first three Tuesdays are fine; the next three (2, 9 and 16 Feb 2027 when written) are after the expiry
    assert [f["path"] for f in failing] == ["visits[3]", "visits[4]", "visits[5]"]
    after = [f"{short_day(plan_day(days))}," for days in (22, 29, 36)]
    assert [f["message"][: len(day)] for f, day in zip(failing, after, strict=True)] == after
    message = error(response)["message"]
    assert "3 of the 6 visits cannot be booked, so none were" in message
    # the reason is said once, with the days it stops
    assert message.count("First aid certificate") == 1
    assert f"3 visits from {long_day(plan_day(22))} to {long_day(plan_day(36))}" in message
    assert visits_of(referral) == [] and referral_status(referral) == "ACCEPTED"


def test_an_overlapping_visit_is_409_naming_the_clashing_visit(client, auth, casey, referral):
    first = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    other_referral = add_referral()
    response = post(client, auth, "/v1/visits", one(other_referral, casey, at(TUESDAY, "17:00"), at(TUESDAY, "18:00")))
    assert response.status_code == 409
    # named by its day and time, never by its id
    assert first["id"] not in json.dumps(error(response))
    assert f"already has a visit from {short_day(TUESDAY)}, 16:00 to 17:30" in error(response)["message"]
    assert visits_of(other_referral) == []


def test_two_bookings_racing_for_the_same_worker_cannot_both_pass_the_overlap_check(
    runtime, casey, referral, monkeypatch
):
    from chalicelib.auth import Principal, Role
    from chalicelib.domain.visit_requests import NewVisit
    from chalicelib.errors import Conflict
    from chalicelib.services import visit_booking, visit_guards

    supervisor = Principal(
        "u-supervisor-1", "supervisor@familycontact.example", "Priya Shah", frozenset({Role.SUPERVISOR})
    )
    other_referral = add_referral()
    real_booked, raced = visit_guards._booked, []

    def and_meanwhile(worker_id, slots, ignore=None):
        found = real_booked(worker_id, slots, ignore)
        if not raced:  # another supervisor books the same hour between this check and this write
            raced.append("racing")
            raced[0] = visit_booking.book(supervisor, NewVisit.model_validate(one(other_referral, casey)))["id"]
        return found

    monkeypatch.setattr(visit_guards, "_booked", and_meanwhile)
    with pytest.raises(Conflict, match="the worker already has a visit") as lost:
        visit_booking.book(supervisor, NewVisit.model_validate(one(referral, casey)))
    assert len(raced) == 1
    assert f"{short_day(TUESDAY)}, 16:00" in lost.value.message  # the loser is told which visit won the hour
    assert visits_of(referral) == [] and [v.visit_id for v in visits_of(other_referral)] == raced
    assert referral_status(referral) == "ACCEPTED"


def test_back_to_back_visits_do_not_overlap(client, auth, casey, referral):
    post(client, auth, "/v1/visits", one(referral, casey))
    response = post(client, auth, "/v1/visits", one(referral, casey, at(TUESDAY, "17:30"), at(TUESDAY, "18:00")))
    assert response.status_code == 201


def test_a_series_clashing_with_one_booked_visit_writes_none_of_it(client, auth, casey, referral):
    booked = post(
        client, auth, "/v1/visits", one(referral, casey, at(plan_day(29), "16:30"), at(plan_day(29), "17:00"))
    ).json_body
    response = post(client, auth, f"/v1/referrals/{referral}/visits", series(casey, sessions=10))
    assert response.status_code == 409
    assert [f["path"] for f in error(response)["fields"]] == ["visits[4]"]
    assert error(response)["fields"][0]["message"].endswith(
        f"already has a visit from {short_day(plan_day(29))}, 16:30 to 17:00"
    )
    assert booked["id"] not in json.dumps(error(response))
    assert [v.visit_id for v in visits_of(referral)] == [booked["id"]]


def test_a_cancelled_visit_does_not_block_the_slot(client, auth, casey, referral):
    first = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    post(client, auth, f"/v1/visits/{first['id']}/cancel", {"cancelled_by": "parent", "reason": "Unwell"})
    assert post(client, auth, "/v1/visits", one(referral, casey)).status_code == 201


# -- a series ---------------------------------------------------------------------------------------------


def test_a_series_of_26_is_booked_in_one_go_keeping_16_00_across_the_clock_change(client, auth, casey, referral):
    response = post(client, auth, f"/v1/referrals/{referral}/visits", series(casey))
    assert response.status_code == 201, response.json_body
    booked = response.json_body
    assert booked["count"] == 26 and len(visits_of(referral)) == 26
    assert {v["start"][11:] for v in booked["visits"]} == {"16:00"}
    by_day = {v["date"]: v["starts_at"] for v in booked["visits"]}
    change = march_clock_change(YEAR)  # a Sunday: the Tuesdays either side of it
    before, after = (change - timedelta(days=5)).isoformat(), (change + timedelta(days=2)).isoformat()
    assert by_day[before] == f"{before}T16:00:00+00:00"  # GMT
    assert by_day[after] == f"{after}T15:00:00+00:00"  # BST
    assert referral_status(referral) == "ACTIVE"
    from chalicelib.services import audit

    (event,) = audit.history("visit_series", booked["series_id"])
    assert sorted(event["changes"]["visit_ids"]) == sorted(v["id"] for v in booked["visits"])


def test_a_series_of_40_fits_in_one_transaction(client, auth, casey, referral):
    response = post(client, auth, f"/v1/referrals/{referral}/visits", series(casey, sessions=40))
    assert response.status_code == 201, response.json_body
    assert len(visits_of(referral)) == 40


def test_monthly_on_the_31st_until_a_date(client, auth, casey, referral):
    body = series(casey, first_start=f"{YEAR}-01-31T10:00", repeat="monthly", sessions=None, until=f"{YEAR}-05-31")
    response = post(client, auth, f"/v1/referrals/{referral}/visits", body)
    assert response.status_code == 201, response.json_body
    assert [v["date"] for v in response.json_body["visits"]] == [
        f"{YEAR}-01-31",
        month_end(YEAR, 2).isoformat(),  # the 28th (the 29th in a leap year)
        f"{YEAR}-03-31",
        f"{YEAR}-04-30",
        f"{YEAR}-05-31",
    ]


# -- who may do what --------------------------------------------------------------------------------------


def test_a_worker_cannot_schedule(client, auth, casey, referral):
    response = post(client, auth, "/v1/visits", one(referral, casey), role="worker", email=CASEY)
    assert response.status_code == 403
    response = post(client, auth, f"/v1/referrals/{referral}/visits", series(casey), role="worker", email=CASEY)
    assert response.status_code == 403
    assert visits_of(referral) == []


def test_without_a_token_is_401(client, casey, referral):
    response = client.http.post(
        "/v1/visits", headers={"Content-Type": "application/json"}, body=json.dumps(one(referral, casey))
    )
    assert response.status_code == 401


def test_a_referrer_cannot_read_another_referrers_visits(client, auth, casey, referral):
    visit = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    other = auth("referrer", OTHER_REFERRER_EMAIL)
    assert client.http.get(f"/v1/visits?referral={referral}", headers=other).status_code == 403
    assert client.http.get(f"/v1/visits/{visit['id']}", headers=other).status_code == 403
    assert client.http.get("/v1/visits", headers=other).json_body["visits"] == []
    # while the referral's own referrer sees it
    own = client.http.get(f"/v1/visits?referral={referral}", headers=auth("referrer"))
    assert [v["id"] for v in own.json_body["visits"]] == [visit["id"]]


def test_a_referrer_sees_no_venue_or_times_when_the_address_is_confidential(client, auth, casey):
    referral = add_referral(confidential=True)
    visit = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    seen = client.http.get(f"/v1/visits/{visit['id']}", headers=auth("referrer")).json_body
    assert (seen["venue"], seen["start"], seen["end"], seen["starts_at"], seen["ends_at"]) == (None,) * 5
    assert seen["date"] == TUESDAY.isoformat()
    listed = client.http.get("/v1/visits", headers=auth("referrer")).json_body["visits"]
    assert [(v["venue"], v["start"]) for v in listed] == [(None, None)]
    # the supervisor and the worker still see them
    assert client.http.get(f"/v1/visits/{visit['id']}", headers=auth("supervisor")).json_body["venue"]
    assert client.http.get(f"/v1/visits/{visit['id']}", headers=auth("worker", CASEY)).json_body["start"]


def test_a_worker_sees_only_their_own_visits(client, auth, casey, referral):
    robin = add_worker("Robin Patel", ROBIN)
    mine = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    theirs = post(client, auth, "/v1/visits", one(referral, robin)).json_body
    listed = client.http.get("/v1/visits", headers=auth("worker", CASEY)).json_body["visits"]
    assert [v["id"] for v in listed] == [mine["id"]]
    assert client.http.get(f"/v1/visits/{theirs['id']}", headers=auth("worker", CASEY)).status_code == 403
    assert client.http.get(f"/v1/visits?worker={robin}", headers=auth("worker", CASEY)).status_code == 403


# -- reading and filters ------------------------------------------------------------------------------------


def test_list_filters_by_worker_referral_range_status_and_at_risk(client, auth, casey, referral):
    from chalicelib import clock

    robin = add_worker("Robin Patel", ROBIN)
    past = clock.today() - timedelta(days=2)
    done = post(client, auth, PAST_VISITS, one(referral, casey, f"{past}T10:00", f"{past}T11:00")).json_body
    jan = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    feb = post(client, auth, "/v1/visits", one(referral, robin, at(plan_day(22), "16:00"), at(plan_day(22), "17:00")))
    feb = feb.json_body
    supervisor = auth("supervisor")

    def ids(query: str) -> list[str]:
        response = client.http.get(f"/v1/visits?{query}", headers=supervisor)
        assert response.status_code == 200, response.json_body
        return [v["id"] for v in response.json_body["visits"]]

    assert ids(f"worker={casey}") == [done["id"], jan["id"]]
    assert ids(f"referral={referral}") == [done["id"], jan["id"], feb["id"]]
    assert ids(f"referral={referral}&from={YEAR}-01-01&to={plan_day(21)}") == [jan["id"]]  # to the day before feb
    assert ids(f"from={TUESDAY}&to={plan_day(22)}") == [jan["id"], feb["id"]]
    assert ids(f"referral={referral}&status=REPORT_DUE") == [done["id"]]
    assert ids(f"referral={referral}&status=SCHEDULED") == [jan["id"], feb["id"]]
    assert ids(f"referral={referral}&at_risk=true") == []


@pytest.mark.parametrize(
    "query, path",
    [
        ("from=2027-02-30", "from"),
        ("from=12/01/2027", "from"),
        ("from=2027-02-01&to=2027-01-01", "to"),
        ("status=DONE", "status"),
        ("at_risk=maybe", "at_risk"),
        ("limit=0", "limit"),
        ("worker=%3Cscript%3E", "worker"),
        ("from=9999-12-31", "from"),
        ("to=0001-01-01", "to"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(client, auth, query, path):
    response = client.http.get(f"/v1/visits?{query}", headers=auth("supervisor"))
    assert response.status_code == 400
    assert field_paths(response) == [path]


def test_a_range_over_93_days_across_all_workers_is_422(client, auth):
    response = client.http.get("/v1/visits?from=2027-01-01&to=2027-06-01", headers=auth("supervisor"))
    assert response.status_code == 422
    assert field_paths(response) == ["to"]


def test_an_unknown_visit_is_404(client, auth):
    assert client.http.get("/v1/visits/nope", headers=auth("supervisor")).status_code == 404


def test_the_calendar_has_the_workers_own_visits_in_london_time(client, auth, casey, referral):
    from icalendar import Calendar

    robin = add_worker("Robin Patel", ROBIN)
    tuesday = monday_of(days_from_today(7)) + timedelta(days=1)  # next week's: the calendar reaches a year ahead
    post(client, auth, f"/v1/referrals/{referral}/visits", series(casey, first_start=at(tuesday, "16:00"), sessions=3))
    wednesday = tuesday + timedelta(days=1)
    post(client, auth, "/v1/visits", one(referral, robin, at(wednesday, "10:00"), at(wednesday, "11:00")))
    response = client.http.get("/v1/visits.ics", headers=auth("worker", CASEY))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.body)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3
    start = events[0].decoded("dtstart")
    assert str(start.tzinfo) == "Europe/London" and start.hour == 16
    assert "Maya" not in response.body.decode()
    assert any(c.name == "VTIMEZONE" for c in calendar.walk())


def test_a_referrer_cannot_download_the_calendar(client, auth):
    assert client.http.get("/v1/visits.ics", headers=auth("referrer")).status_code == 403


# -- changing and cancelling ----------------------------------------------------------------------------------


def test_reschedule_keeps_the_length_and_runs_the_overlap_guard_again(client, auth, casey, referral):
    first = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    second = post(
        client, auth, "/v1/visits", one(referral, casey, at(plan_day(3), "16:00"), at(plan_day(3), "17:30"))
    ).json_body
    clash = client.http.patch(
        f"/v1/visits/{second['id']}", headers=auth("supervisor"), body=json.dumps({"start": at(TUESDAY, "17:00")})
    )
    assert clash.status_code == 409 and f"a visit from {short_day(TUESDAY)}, 16:00" in error(clash)["message"]
    assert first["id"] not in error(clash)["message"]
    moved = client.http.patch(
        f"/v1/visits/{second['id']}", headers=auth("supervisor"), body=json.dumps({"start": at(plan_day(4), "10:00")})
    )
    assert moved.status_code == 200
    assert (moved.json_body["start"], moved.json_body["end"]) == (at(plan_day(4), "10:00"), at(plan_day(4), "11:30"))


def test_reassigning_to_a_worker_who_will_not_be_compliant_is_409(client, auth, casey, referral):
    visit = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    lapsed = add_worker("Alex Morgan", "alex@example.org", first_aid_expires=plan_day(-10))
    response = client.http.patch(
        f"/v1/visits/{visit['id']}", headers=auth("supervisor"), body=json.dumps({"worker_id": lapsed})
    )
    assert response.status_code == 409
    assert "will not be compliant" in error(response)["message"]


def test_patch_with_end_before_start_is_422(client, auth, casey, referral):
    visit = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    response = client.http.patch(
        f"/v1/visits/{visit['id']}", headers=auth("supervisor"), body=json.dumps({"end": at(TUESDAY, "15:00")})
    )
    assert response.status_code == 422 and field_paths(response) == ["end"]


def test_a_worker_cannot_reschedule(client, auth, casey, referral):
    visit = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    response = client.http.patch(
        f"/v1/visits/{visit['id']}", headers=auth("worker", CASEY), body=json.dumps({"start": at(plan_day(4), "10:00")})
    )
    assert response.status_code == 403


def test_cancel_records_who_and_why_and_cancelling_twice_is_409(client, auth, casey, referral):
    visit = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    body = {"cancelled_by": "carer", "reason": "The child is unwell."}
    response = post(client, auth, f"/v1/visits/{visit['id']}/cancel", body, role="worker", email=CASEY)
    assert response.status_code == 200
    cancelled = response.json_body
    assert cancelled["status"] == "CANCELLED" and cancelled["report_needed"] is False
    assert cancelled["cancellation"]["by"] == "carer" and cancelled["cancellation"]["recorded_by"] == CASEY
    again = post(client, auth, f"/v1/visits/{visit['id']}/cancel", body)
    assert again.status_code == 409
    assert "already cancelled" in error(again)["message"]
    from chalicelib.services import audit

    assert [e["action"] for e in audit.history("visit", visit["id"])] == ["visit.scheduled", "visit.cancelled"]


def test_cancel_needs_a_known_reason_and_who(client, auth, casey, referral):
    visit = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    response = post(client, auth, f"/v1/visits/{visit['id']}/cancel", {"cancelled_by": "neighbour", "reason": ""})
    assert response.status_code == 422
    assert set(field_paths(response)) == {"cancelled_by", "reason"}


def test_another_worker_cannot_cancel(client, auth, casey, referral):
    add_worker("Robin Patel", ROBIN)
    visit = post(client, auth, "/v1/visits", one(referral, casey)).json_body
    body = {"cancelled_by": "service", "reason": "Staff shortage"}
    response = post(client, auth, f"/v1/visits/{visit['id']}/cancel", body, role="worker", email=ROBIN)
    assert response.status_code == 403


# -- local identity ---------------------------------------------------------------------------------------------


def test_dev_token_is_issued_for_any_email_with_a_role(client):
    body = {"role": "referrer", "email": "new.person@council.example"}
    response = client.http.post("/dev/token", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 200
    assert response.json_body["email"] == "new.person@council.example"
    assert response.json_body["roles"] == ["referrer"]


def test_dev_token_with_an_unknown_role_is_422(client):
    body = {"role": "wizard", "email": "new.person@council.example"}
    response = client.http.post("/dev/token", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 422 and field_paths(response) == ["role"]


def test_a_worker_hr_added_signs_in_with_their_email_and_is_listed(client, runtime):
    add_worker("Dana Whitlock", "dana.whitlock@familycontact.example")
    response = client.http.post(
        "/dev/token",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"email": "Dana.Whitlock@familycontact.example"}),
    )
    assert response.status_code == 200 and response.json_body["roles"] == ["worker"]
    page = client.http.get("/signin").body.decode()
    assert "Dana Whitlock" in page and "dana.whitlock@familycontact.example" in page
