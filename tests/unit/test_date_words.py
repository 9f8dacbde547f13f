"""Dates as people read them: days as `14 May 2019`, moments as `23 Nov 2026, 14:55` in UK time,
all written by `chalicelib/domain/date_words.py` and nowhere else."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from chalicelib.domain.date_words import clock, day_of, long_day, period, short_day, span, when

ROOT = Path(__file__).resolve().parents[2]
SERVICE_CODE = (ROOT / "chalicelib", ROOT / "local")  # what ships, and the local runtime beside it


def test_a_moment_in_winter_reads_as_uk_time_without_a_zone_code():
    assert when("2026-11-23T14:55:00+00:00") == "23 Nov 2026, 14:55"


def test_a_length_of_time_reads_in_its_largest_whole_unit():
    assert period(7 * 24 * 3600) == "7 days"
    assert period(24 * 3600) == "1 day"
    assert period(36 * 3600) == "36 hours"
    assert period(3600) == "1 hour"
    assert period(90 * 60) == "90 minutes"
    assert period(20) == "1 minute"


def test_a_visits_time_reads_as_its_day_start_and_end_in_uk_time():
    assert span("2026-07-14T09:05:00+00:00", "2026-07-14T10:35:00+00:00") == "14 Jul 2026, 10:05 to 11:35"


def test_a_moment_in_summer_is_shown_an_hour_ahead_of_utc():
    assert when("2026-07-14T09:05:00+00:00") == "14 Jul 2026, 10:05"
    assert when(datetime(2026, 7, 14, 9, 5, tzinfo=UTC)) == "14 Jul 2026, 10:05"


def test_a_moment_without_a_zone_is_taken_as_uk_time_and_anything_else_is_shown_as_it_came():
    assert when("2027-01-12T16:00") == "12 Jan 2027, 16:00"
    assert when(datetime(2027, 1, 12, 16, 0)) == "12 Jan 2027, 16:00"
    assert when("soon") == "soon"
    assert when(None) == when("") == ""


def test_a_day_reads_as_day_month_year_from_a_date_or_its_iso_text():
    assert long_day(date(2019, 5, 14)) == "14 May 2019"
    assert long_day("2027-07-09") == "9 July 2027"
    assert long_day("2027-07-09T23:30:00+00:00") == "9 July 2027"  # the day as written, not converted
    assert long_day(None) == "" and long_day("unknown") == "unknown"


def test_the_day_of_a_moment_is_its_uk_day():
    # 23:30 UTC on 30 June is 00:30 on 1 July in the UK.
    assert day_of("2026-06-30T23:30:00+00:00") == "1 July 2026"
    assert day_of(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"
    assert day_of("2026-06-30T23:30") == "30 June 2026"
    assert day_of(None) == "" and day_of("later") == "later"


def test_a_day_in_a_week_on_show_leaves_out_its_year():
    assert short_day(date(2026, 11, 2)) == "2 Nov"


def test_a_time_of_day_is_on_a_24_hour_clock_in_uk_time():
    assert clock(datetime(2026, 7, 14, 15, 0, tzinfo=UTC)) == "16:00"
    assert clock(datetime(2026, 12, 14, 9, 5)) == "09:05"  # wall-clock time already


def test_pages_and_emails_word_dates_with_the_same_functions():
    from chalicelib.templating import environment

    env = environment()
    assert (env.globals["long_day"], env.globals["day_of"], env.globals["when"]) == (long_day, day_of, when)


def test_no_other_module_spells_out_a_month_or_a_clock_time():
    # GIVEN every module and template of the service WHEN searched for a date format of its own
    # THEN only date_words writes months and clock times (ISO dates for machines are fine)
    spelled = re.compile(r"%[-]?[bBdHMY]|strftime|month_name")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in SERVICE_CODE
        for path in sorted(folder.rglob("*"))
        if path.suffix in {".py", ".html", ".txt"} and path.name != "date_words.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if spelled.search(line)
    ]
    assert offenders == []
