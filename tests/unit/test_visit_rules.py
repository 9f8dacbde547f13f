"""Visit rules without AWS: series dates, local time across the clock change, overlap and the inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from chalicelib.domain.local_time import exists_locally, parse_local, to_utc
from chalicelib.domain.validation import field_errors
from chalicelib.domain.visit_requests import (
    NewSeries,
    NewVisit,
    VisitChange,
    example_cancellation,
    example_change,
    example_series,
    example_visit,
)
from chalicelib.domain.visit_series import MAX_SERIES, add_months, series_starts
from chalicelib.domain.visit_slots import (
    check_has_happened,
    check_not_past_booking,
    clashes_with,
    outside_plan,
    overlaps,
    self_overlaps,
    slot,
)
from chalicelib.domain.visits import Repeat, VisitStatus, readable_reason, status_on


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def paths(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {e["path"]: e["message"] for e in field_errors(exc.value)}


# -- series dates ---------------------------------------------------------------------------------


def test_every_month_on_the_31st_falls_on_each_months_last_day_without_drifting():
    starts = series_starts([at("2027-01-31T10:00")], Repeat.MONTHLY, sessions=5)
    assert [s.date() for s in starts] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


def test_every_month_on_the_31st_uses_29_february_in_a_leap_year():
    assert add_months(at("2028-01-31T10:00"), 1, 31).date() == date(2028, 2, 29)


def test_monthly_series_crosses_the_year_end():
    starts = series_starts([at("2026-11-30T09:30")], Repeat.MONTHLY, sessions=4)
    assert [s.date() for s in starts] == [date(2026, 11, 30), date(2026, 12, 30), date(2027, 1, 30), date(2027, 2, 28)]


def test_weekly_series_across_a_month_end_keeps_the_weekday():
    starts = series_starts([at("2027-01-26T16:00")], Repeat.WEEKLY, sessions=3)
    assert [s.date() for s in starts] == [date(2027, 1, 26), date(2027, 2, 2), date(2027, 2, 9)]
    assert {s.weekday() for s in starts} == {1}


def test_fortnightly_until_a_date_includes_that_date():
    starts = series_starts([at("2027-01-05T16:00")], Repeat.FORTNIGHTLY, until=date(2027, 2, 16))
    assert [s.date() for s in starts] == [date(2027, 1, 5), date(2027, 1, 19), date(2027, 2, 2), date(2027, 2, 16)]


def test_until_stops_before_a_date_past_it():
    starts = series_starts([at("2027-01-05T16:00")], Repeat.FORTNIGHTLY, until=date(2027, 2, 15))
    assert starts[-1].date() == date(2027, 2, 2)


def test_two_weekly_starts_interleave_and_count_towards_the_sessions():
    starts = series_starts([at("2027-01-05T16:00"), at("2027-01-07T16:00")], Repeat.WEEKLY, sessions=3)
    assert [s.date() for s in starts] == [date(2027, 1, 5), date(2027, 1, 7), date(2027, 1, 12)]


def test_a_series_stops_one_past_the_limit_so_the_caller_can_refuse_it():
    starts = series_starts([at("2027-01-05T16:00")], Repeat.WEEKLY, until=date(2035, 1, 1))
    assert len(starts) == MAX_SERIES + 1


# -- local time and the clock change --------------------------------------------------------------


def test_weekly_visit_keeps_its_wall_clock_time_across_the_spring_clock_change():
    # GIVEN 16:00 every Tuesday from before to after the last Sunday of March 2027 (28 March)
    starts = series_starts([at("2027-03-23T16:00")], Repeat.WEEKLY, sessions=2)
    slots = [slot(s, 90) for s in starts]
    # THEN both are 16:00 locally, stored as 16:00 UTC (GMT) then 15:00 UTC (BST)
    assert [s.local_start.strftime("%H:%M") for s in slots] == ["16:00", "16:00"]
    assert slots[0].starts_at == datetime(2027, 3, 23, 16, 0, tzinfo=UTC)
    assert slots[1].starts_at == datetime(2027, 3, 30, 15, 0, tzinfo=UTC)
    assert slots[1].ends_at - slots[1].starts_at == timedelta(minutes=90)


def test_weekly_visit_keeps_its_wall_clock_time_across_the_autumn_clock_change():
    # The clocks go back on Sunday 31 October 2027.
    starts = series_starts([at("2027-10-26T16:00")], Repeat.WEEKLY, sessions=2)
    assert [to_utc(s) for s in starts] == [
        datetime(2027, 10, 26, 15, 0, tzinfo=UTC),
        datetime(2027, 11, 2, 16, 0, tzinfo=UTC),
    ]


def test_a_time_in_the_skipped_hour_does_not_exist():
    assert not exists_locally(at("2027-03-28T01:30"))
    assert exists_locally(at("2027-03-28T02:30"))
    with pytest.raises(ValueError, match="clocks go forward"):
        parse_local("2027-03-28T01:30")


def test_the_repeated_autumn_hour_means_the_first_one():
    assert to_utc(at("2027-10-31T01:30")) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_local_time_in_another_shape_is_refused():
    for value in ("2027-01-12 16:00", "12/01/2027 16:00", 1767225600, "2027-02-30T10:00", "2027-01-12T16:00+0100"):
        with pytest.raises(ValueError):
            parse_local(value)


def test_an_instant_with_its_offset_is_its_uk_wall_clock_time():
    assert parse_local("2027-01-12T16:00Z") == datetime(2027, 1, 12, 16, 0)  # GMT
    assert parse_local("2027-07-13T15:00Z") == datetime(2027, 7, 13, 16, 0)  # BST
    assert parse_local("2027-01-12T21:30+05:30") == datetime(2027, 1, 12, 16, 0)
    assert parse_local("2027-01-12T16:00:59.5-00:00") == datetime(2027, 1, 12, 16, 0)


def test_an_offset_says_which_of_the_repeated_autumn_hours_is_meant():
    first, second = parse_local("2027-10-31T00:30Z"), parse_local("2027-10-31T01:30Z")
    assert first == second == datetime(2027, 10, 31, 1, 30)
    assert (to_utc(first), to_utc(second)) == (
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
    )


def test_a_year_out_of_any_visits_reach_is_refused_before_any_arithmetic():
    for value in ("9999-12-31T23:00", "9999-12-31T23:30-05:00", "0001-01-01T00:00+01:00", "2099-12-31T23:30-05:00"):
        with pytest.raises(ValueError, match="between 2000 and 2099"):
            parse_local(value)
    assert parse_local("2099-12-31T23:00") == datetime(2099, 12, 31, 23, 0)


def test_only_ascii_digits_are_read():
    for value in ("２０２７-01-12T16:00", "2027-01-12T١٦:00"):
        with pytest.raises(ValueError, match="YYYY-MM-DDTHH:MM"):
            parse_local(value)


# -- overlap ---------------------------------------------------------------------------------------


def test_overlap_is_shared_time_and_back_to_back_is_not():
    a, b = at("2027-01-12T16:00+00:00"), at("2027-01-12T17:30+00:00")
    assert overlaps(a, b, at("2027-01-12T17:00+00:00"), at("2027-01-12T18:00+00:00"))
    assert overlaps(a, b, at("2027-01-12T16:30+00:00"), at("2027-01-12T17:00+00:00"))  # inside
    assert not overlaps(a, b, b, at("2027-01-12T19:00+00:00"))  # starts when the other ends
    assert not overlaps(a, b, at("2027-01-12T15:00+00:00"), a)  # ends when the other starts


def test_clashes_with_names_the_overlapping_visits_only():
    new = slot(at("2027-01-12T16:00"), 60)
    existing = [
        ("v-before", at("2027-01-12T14:00+00:00"), at("2027-01-12T16:00+00:00")),
        ("v-clash", at("2027-01-12T16:30+00:00"), at("2027-01-12T18:00+00:00")),
    ]
    assert clashes_with(new, existing) == ["v-clash"]


def test_a_series_whose_starts_share_time_overlaps_itself():
    slots = [slot(at("2027-01-12T16:00"), 90), slot(at("2027-01-12T17:00"), 90), slot(at("2027-01-19T16:00"), 90)]
    assert self_overlaps(slots) == [(0, 1)]


def test_outside_plan_compares_the_local_day_with_the_plan_dates():
    assert outside_plan(at("2027-01-10T10:00"), date(2027, 1, 11), date(2027, 7, 9))
    assert not outside_plan(at("2027-01-11T10:00"), date(2027, 1, 11), date(2027, 7, 9))
    assert not outside_plan(at("2027-07-09T23:30"), date(2027, 1, 11), date(2027, 7, 9))
    assert outside_plan(at("2027-07-10T00:00"), date(2027, 1, 11), None) is False
    assert outside_plan(at("2027-07-10T00:00"), date(2027, 1, 11), date(2027, 7, 9))


# -- statuses ----------------------------------------------------------------------------------------


def test_a_scheduled_visit_is_due_its_report_from_its_start():
    start = at("2027-01-12T16:00+00:00")
    assert status_on("SCHEDULED", start, start - timedelta(seconds=1)) is VisitStatus.SCHEDULED
    assert status_on("SCHEDULED", start, start) is VisitStatus.REPORT_DUE
    assert status_on("CANCELLED", start, start + timedelta(days=1)) is VisitStatus.CANCELLED
    assert status_on("REPORTED", start, start + timedelta(days=1)) is VisitStatus.REPORTED
    assert VisitStatus.REPORT_DUE.label == "Report due"


# -- inputs ---------------------------------------------------------------------------------------------


def test_examples_are_valid():
    NewVisit.model_validate(example_visit())
    NewSeries.model_validate(example_series()).slots()
    VisitChange.model_validate(example_change())
    from chalicelib.domain.visit_requests import Cancellation

    Cancellation.model_validate(example_cancellation())


def test_end_before_start_is_an_error_at_end():
    body = {**example_visit(), "end": "2027-01-12T15:00"}
    with pytest.raises(ValidationError) as exc:
        NewVisit.model_validate(body)
    assert paths(exc) == {"end": "The end must be after the start"}


def test_end_equal_to_start_is_an_error_at_end():
    body = {**example_visit(), "end": "2027-01-12T16:00"}
    with pytest.raises(ValidationError) as exc:
        NewVisit.model_validate(body)
    assert "end" in paths(exc)


@pytest.mark.parametrize("length", [0, -30])
def test_a_series_of_zero_or_negative_length_is_an_error(length):
    with pytest.raises(ValidationError) as exc:
        NewSeries.model_validate({**example_series(), "length_minutes": length})
    assert paths(exc) == {"length_minutes": "Must be at least 15"}


def test_a_series_of_more_sessions_than_the_limit_is_an_error():
    with pytest.raises(ValidationError) as exc:
        NewSeries.model_validate({**example_series(), "sessions": MAX_SERIES + 1})
    assert "sessions" in paths(exc)


def test_a_series_until_a_date_that_makes_too_many_visits_is_an_error():
    series = NewSeries.model_validate({**example_series(), "sessions": None, "until": "2028-12-31"})
    with pytest.raises(ValidationError) as exc:
        series.slots()
    assert "more than 40 visits" in paths(exc)["until"]


def test_a_series_of_exactly_the_limit_is_fine():
    assert len(NewSeries.model_validate({**example_series(), "sessions": MAX_SERIES}).slots()) == MAX_SERIES


def test_a_series_needs_exactly_one_of_until_and_sessions():
    with pytest.raises(ValidationError) as exc:
        NewSeries.model_validate({**example_series(), "sessions": None})
    assert "until" in paths(exc)
    with pytest.raises(ValidationError) as exc:
        NewSeries.model_validate({**example_series(), "until": "2027-06-01"})
    assert "sessions" in paths(exc)


def test_a_series_that_overlaps_itself_is_an_error():
    series = NewSeries.model_validate({**example_series(), "more_starts": ["2027-01-12T17:00"]})
    with pytest.raises(ValidationError) as exc:
        series.slots()
    assert "overlaps itself" in paths(exc)["more_starts"]


def test_a_change_must_change_something():
    with pytest.raises(ValidationError):
        VisitChange.model_validate({})


def test_reasons_read_as_words_and_dates():
    assert readable_reason("first_aid expired on 2027-03-01") == "First aid certificate expired on 1 March 2027"


def test_participants_need_a_child_and_are_kept_in_order_once_each():
    from chalicelib.domain.visit_requests import Participants

    with pytest.raises(ValidationError) as exc:
        Participants.model_validate({"children": [], "family_members": [0]})
    assert paths(exc) == {"children": "Choose at least one child"}
    chosen = Participants.model_validate({"children": [1, 0, 1], "family_members": []})
    assert (chosen.children, chosen.family_members) == ([0, 1], [])


# -- booking is for the future; a visit that already happened is recorded ---------------------------


NOW = datetime(2027, 1, 12, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts_at", "refused"),
    [
        (NOW - timedelta(days=1), True),
        (NOW - timedelta(minutes=1), True),
        (NOW, True),  # starting this very minute: already under way, so not a booking
        (NOW + timedelta(minutes=1), False),
    ],
)
def test_a_booking_whose_start_has_come_is_refused_saying_how_to_record_it(starts_at, refused):
    problem = check_not_past_booking(starts_at, NOW)
    assert (problem is not None) is refused
    if refused:
        assert "record a visit that already happened" in problem and "POST /v1/visits/past" in problem


@pytest.mark.parametrize(
    ("starts_at", "refused"),
    [
        (NOW - timedelta(days=1), False),
        (NOW, False),  # a visit starting now has begun: it may be recorded
        (NOW + timedelta(minutes=1), True),
    ],
)
def test_a_visit_is_recorded_as_past_only_once_its_start_has_come(starts_at, refused):
    problem = check_has_happened(starts_at, NOW)
    assert (problem is not None) is refused
    if refused:
        assert "book a coming visit instead" in problem


def test_booking_and_recording_a_past_visit_take_every_start_one_way_or_the_other():
    for minutes in range(-3, 4):
        starts_at = NOW + timedelta(minutes=minutes)
        assert (check_not_past_booking(starts_at, NOW) is None) != (check_has_happened(starts_at, NOW) is None)


def test_a_past_visit_reads_as_one_visit_and_its_example_is_valid():
    from chalicelib.domain.visit_requests import PastVisit, example_past_visit

    past = PastVisit.model_validate(example_past_visit())
    assert past.slot.minutes == 90


@pytest.mark.parametrize(
    ("now", "first_start"),
    [
        (datetime(2027, 1, 12, 9, 0), "2027-01-12T16:00"),  # today, before the preferred time
        (datetime(2027, 1, 12, 16, 0), "2027-01-13T16:00"),  # that very minute: it has begun, so tomorrow
        (datetime(2027, 1, 12, 18, 0), "2027-01-13T16:00"),
    ],
)
def test_the_series_form_is_prefilled_with_a_start_still_to_come(now, first_start):
    from chalicelib.api.visit_pages import plan_values

    plan = {"start_date": "2027-01-04", "preferred_times": "after 16:00"}
    assert plan_values(plan, now)["first_start"] == first_start
