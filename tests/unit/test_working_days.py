"""Working days in England and Wales: weekends and bank holidays are not, substitutes included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import holidays
import pytest

from chalicelib.domain.working_days import add_working_days, calendar_seconds, is_working_day, working_days_between


def test_england_and_wales_share_their_bank_holidays():
    for year in (2026, 2027, 2030):
        england = holidays.country_holidays("GB", subdiv="ENG", years=year)
        wales = holidays.country_holidays("GB", subdiv="WLS", years=year)
        assert sorted(england) == sorted(wales)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 4), True),  # a Friday
        (date(2026, 12, 5), False),  # Saturday
        (date(2026, 12, 6), False),  # Sunday
        (date(2026, 12, 25), False),  # Christmas Day, a Friday
        (date(2026, 12, 28), False),  # Boxing Day fell on Saturday: Monday is its substitute
        (date(2026, 12, 29), True),
        (date(2027, 12, 27), False),  # Christmas Day on a Saturday: Monday is its substitute
        (date(2027, 12, 28), False),  # Boxing Day on a Sunday: Tuesday is its substitute
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),
        (date(2027, 1, 1), False),  # New Year's Day
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_adding_working_days_skips_the_weekend_and_easter():
    assert add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Friday -> Monday
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)  # Maundy Thursday -> Tuesday after Easter
    assert add_working_days(date(2026, 12, 5), 1) == date(2026, 12, 7)  # Saturday -> Monday
    assert add_working_days(date(2026, 12, 4), 0) == date(2026, 12, 4)


def test_adding_working_days_across_christmas_and_the_year_boundary():
    # Thu 24 Dec 2026: Christmas (Fri), the weekend, Boxing Day's substitute (Mon 28) are skipped
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    # Thu 31 Dec 2026: New Year's Day (Fri) and the weekend are skipped
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 5)


def test_no_counting_backwards():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 12, 4), -1)


def test_working_days_between():
    assert working_days_between(date(2026, 12, 4), date(2026, 12, 7)) == 1
    assert working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5  # 24, 29, 30, 31 Dec, 4 Jan
    assert working_days_between(date(2026, 12, 7), date(2026, 12, 4)) == 0


def test_a_working_day_from_friday_afternoon_ends_on_monday_afternoon():
    friday = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    assert calendar_seconds(friday, 24 * 3600) == 3 * 24 * 3600
    assert calendar_seconds(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), 24 * 3600) == 24 * 3600  # a Wednesday
    assert (
        calendar_seconds(datetime(2026, 12, 31, 9, 0, tzinfo=UTC), 2 * 24 * 3600) == 5 * 24 * 3600
    )  # Thursday -> Tuesday


def test_periods_shorter_than_a_day_are_kept_as_they_are():
    """What the workflow tests run on: compressed timings of seconds stay seconds, on any day."""
    assert calendar_seconds(datetime(2026, 12, 5, 14, 0, tzinfo=UTC), 2) == 2
    assert calendar_seconds(datetime(2026, 12, 4, 14, 0, tzinfo=UTC), 0) == 1
