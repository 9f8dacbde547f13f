"""Dates as people read them: days as `14 May 2019`, moments as `23 Nov 2026, 14:55` in UK time."""

from __future__ import annotations

from datetime import date

from chalicelib.templating import day_of, long_day, when


def test_a_moment_in_winter_reads_as_uk_time_without_a_zone_code():
    assert when("2026-11-23T14:55:00+00:00") == "23 Nov 2026, 14:55"


def test_a_moment_in_summer_is_shown_an_hour_ahead_of_utc():
    assert when("2026-07-14T09:05:00+00:00") == "14 Jul 2026, 10:05"


def test_a_moment_without_a_zone_is_taken_as_uk_time_and_anything_else_is_shown_as_it_came():
    assert when("2027-01-12T16:00") == "12 Jan 2027, 16:00"
    assert when("soon") == "soon"
    assert when(None) == when("") == ""


def test_a_day_reads_as_day_month_year_from_a_date_or_its_iso_text():
    assert long_day(date(2019, 5, 14)) == "14 May 2019"
    assert long_day("2027-07-09") == "9 July 2027"
    assert long_day(None) == "" and long_day("unknown") == "unknown"


def test_the_day_of_a_moment_is_its_uk_day():
    # 23:30 UTC on 30 June is 00:30 on 1 July in the UK.
    assert day_of("2026-06-30T23:30:00+00:00") == "1 July 2026"
