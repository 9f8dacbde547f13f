"""The check every test's emails go through (`tests/email_dates.py`) finds a weekday written in a
date, and only there: a preferred day of the week on its own is not a date."""

from __future__ import annotations

import pytest

from tests.email_dates import weekday_dates


def message(text: str) -> dict:
    return {"subject": "", "text": text, "html": ""}


@pytest.mark.parametrize(
    "text",
    ["Clearances on Sunday 15 June 2031", "expires Tue, 14 May 2019", "the visit of Thursday 2nd Jan"],
)
def test_a_weekday_in_a_date_is_found(text):
    assert weekday_dates(message(text))


@pytest.mark.parametrize(
    "text",
    ["Clearances on 15 June 2031", "Preferred days: Tuesday, Thursday", "23 Nov 2026, 14:55", "Monday to Friday"],
)
def test_dates_written_our_way_and_lone_weekdays_pass(text):
    assert weekday_dates(message(text)) == []
