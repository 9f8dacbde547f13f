"""The report and incident figures: the working-day rules across a weekend and a bank holiday, what
each event adds to the counters, and the figures read from them."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import dashboard, incident_figures, monthly_counts, report_figures
from chalicelib.domain.working_days import is_working_day
from tests.dates import early_may_bank_holiday_next_year, uk_moment

UK = ZoneInfo("Europe/London")


def _ordinary_friday() -> date:
    """A Friday in June next year whose next week has no bank holiday."""
    day = date(early_may_bank_holiday_next_year().year, 6, 8)
    while day.weekday() != 4:
        day += timedelta(days=1)
    assert all(is_working_day(day + timedelta(days=n)) for n in (3, 4, 5, 6, 7))
    return day


def test_the_bank_holiday_is_not_a_working_day():
    holiday = early_may_bank_holiday_next_year()
    assert holiday.weekday() == 0 and not is_working_day(holiday)


@pytest.mark.parametrize(("days_later", "within"), [(0, True), (3, True), (4, True), (5, False), (7, False)])
def test_a_report_is_on_time_up_to_the_second_working_day_after_the_visit(days_later, within):
    """A visit on an ordinary Friday: Monday and Tuesday are the two working days after it."""
    friday = _ordinary_friday()
    visit, submitted = uk_moment(friday, 10), uk_moment(friday + timedelta(days=days_later), 17)
    assert monthly_counts.within_working_days(visit, submitted, 2) is within


@pytest.mark.parametrize(("days_later", "within"), [(4, True), (5, True), (6, False)])
def test_a_bank_holiday_gives_a_report_one_more_day(days_later, within):
    """A visit on the Friday before the early May bank holiday: Tuesday and Wednesday are its two working days."""
    friday = early_may_bank_holiday_next_year() - timedelta(days=3)
    visit, submitted = uk_moment(friday, 10), uk_moment(friday + timedelta(days=days_later), 9)
    assert monthly_counts.within_working_days(visit, submitted, 2) is within


@pytest.mark.parametrize(("days_later", "within"), [(7, True), (10, True), (11, False)])
def test_a_report_is_approved_in_time_up_to_the_fifth_working_day(days_later, within):
    """From the Friday before the bank holiday: Tue, Wed, Thu, Fri, then the next Monday is the fifth."""
    friday = early_may_bank_holiday_next_year() - timedelta(days=3)
    counts = report_figures.approval_counts(uk_moment(friday, 10), uk_moment(friday + timedelta(days=days_later), 9))
    month = f"{friday.year}-05"
    assert counts[(month, report_figures.APPROVED)] == 1
    assert (counts.get((month, report_figures.APPROVED_IN_FIVE_WORKING_DAYS)) == 1) is within


def test_the_first_submission_is_counted_in_the_uk_month_it_was_sent():
    """Sent at 00:30 on 1 June, UK time (still 31 May in UTC): June's; the visit was on the Friday before."""
    year = early_may_bank_holiday_next_year().year
    first_of_june = date(year, 6, 1)
    submitted = uk_moment(first_of_june, 0, 30)
    assert submitted.month == 5
    visit = uk_moment(first_of_june - timedelta(days=1), 10)
    counts = report_figures.submission_counts(visit, submitted)
    assert counts[(f"{year}-06", report_figures.SUBMITTED)] == 1
    assert counts[(f"{year}-06", report_figures.SUBMITTED_IN_TWO_WORKING_DAYS)] == 1


def test_a_decision_is_an_approval_or_a_request_for_changes():
    day = _ordinary_friday()
    month = f"{day.year}-{day.month:02d}"
    asked = report_figures.decision_counts(False, uk_moment(day, 10), uk_moment(day, 15))
    assert asked == {(month, report_figures.CHANGES_REQUESTED): 1}
    unknown_visit = report_figures.decision_counts(True, None, uk_moment(day, 15))
    assert unknown_visit == {(month, report_figures.APPROVED): 1}


@pytest.mark.parametrize(
    ("recorded_days_after_friday", "told_days_after_friday", "within"),
    [
        (0, 4, True),  # recorded on Friday, told on Tuesday after the bank holiday Monday
        (0, 5, False),  # Wednesday: missed
        (1, 4, True),  # recorded on Saturday: Tuesday is still the first working day after
        (4, 5, True),  # recorded on Tuesday, told on Wednesday
        (4, 6, False),
    ],
)
def test_an_incident_is_told_within_one_working_day(recorded_days_after_friday, told_days_after_friday, within):
    friday = early_may_bank_holiday_next_year() - timedelta(days=3)
    recorded = uk_moment(friday + timedelta(days=recorded_days_after_friday), 16)
    told = uk_moment(friday + timedelta(days=told_days_after_friday), 9)
    counts = incident_figures.told_counts(recorded, told)
    month = f"{told.astimezone(UK).year}-{told.astimezone(UK).month:02d}"
    assert counts[(month, incident_figures.TOLD)] == 1
    assert (counts.get((month, incident_figures.TOLD_IN_A_WORKING_DAY)) == 1) is within
    decided = incident_figures.decided_counts(recorded, told)
    assert (decided.get((month, incident_figures.DECIDED_IN_A_WORKING_DAY)) == 1) is within


def test_an_incident_recorded_late_in_the_evening_counts_on_its_uk_day():
    """Recorded at 23:30 on a Monday, UK summer time (22:30 UTC), told on Tuesday: within one working day."""
    monday = _ordinary_friday() + timedelta(days=3)
    recorded = uk_moment(monday, 23, 30)
    assert recorded.date() == monday
    assert incident_figures.within_one_working_day(recorded, uk_moment(monday + timedelta(days=1), 17))
    assert not incident_figures.within_one_working_day(recorded, uk_moment(monday + timedelta(days=2), 9))


def test_the_figures_read_from_the_counters():
    reports = report_figures.figures_of(
        {
            report_figures.SUBMITTED: 4,
            report_figures.SUBMITTED_IN_TWO_WORKING_DAYS: 3,
            report_figures.APPROVED: 2,
            report_figures.APPROVED_IN_FIVE_WORKING_DAYS: 2,
            report_figures.CHANGES_REQUESTED: 5,
        }
    )
    assert reports == {
        "reports_submitted": 4,
        "reports_submitted_within_two_working_days": 0.75,
        "reports_approved": 2,
        "reports_approved_within_five_working_days": 1.0,
        "changes_requested": 5,
    }
    incidents = incident_figures.figures_of({incident_figures.RECORDED: 2, incident_figures.TOLD: 2})
    assert incidents == {
        "incidents_recorded": 2,
        "incidents_told_within_one_working_day": 0.0,
        "incidents_decided_within_one_working_day": None,
    }


def test_the_sections_come_after_the_referrals_with_unique_keys_and_counters():
    keys = [section.key for section in dashboard.SECTIONS]
    assert keys[0] == "referrals" and keys[-2:] == ["reports", "incidents"]
    figures = [s.key for section in dashboard.SECTIONS for s in section.standards]
    assert len(figures) == len(set(figures))
    assert len(dashboard.COUNTERS) == len(set(dashboard.COUNTERS))
    for section in (report_figures.SECTION, incident_figures.SECTION):
        shown = set(section.figures_of({}))
        assert shown == {s.key for s in section.standards}
        for standard in section.standards:
            assert standard.definition and (standard.target is None or standard.target_words)
