"""Unit tests for the scan's pure parts: the latest reminder owed after missed days, and the window it reads."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.clearances import (
    Certificate,
    ClearanceKind,
    ClearancePolicy,
    reminder_due,
    reminder_due_between,
)
from chalicelib.services.compliance_scan import MAX_CATCH_UP_DAYS, scan_window

POLICY = ClearancePolicy()  # reminders 60/30/7/0, warning 60, grace 30
EXPIRY = date(2026, 3, 1)
CERT = Certificate(ClearanceKind.FIRST_AID, date(2023, 3, 1), EXPIRY)


def before(n: int) -> date:
    return EXPIRY - timedelta(days=n)


def test_one_day_range_is_the_same_as_reminder_due() -> None:
    for n in range(-5, 70):
        assert reminder_due_between(CERT, POLICY, before(n), before(n)) == reminder_due(CERT, POLICY, before(n))


def test_after_missed_days_only_the_most_urgent_reminder_is_owed() -> None:
    # GIVEN the 30- and 7-day marks both passed unseen WHEN the scan next runs 5 days before
    # THEN only the 7-day reminder is owed
    assert reminder_due_between(CERT, POLICY, before(35), before(5)) == 7


def test_nothing_is_owed_when_no_reminder_day_falls_in_the_range() -> None:
    assert reminder_due_between(CERT, POLICY, before(29), before(8)) is None


def test_a_renewal_applied_for_by_the_end_of_the_range_owes_nothing() -> None:
    renewing = Certificate(ClearanceKind.FIRST_AID, date(2023, 3, 1), EXPIRY, renewal_applied_on=before(6))
    assert reminder_due_between(renewing, POLICY, before(8), before(5)) is None


@given(st.integers(min_value=-10, max_value=80), st.integers(min_value=0, max_value=30))
def test_the_reminder_owed_always_fell_due_inside_the_range(start: int, length: int) -> None:
    first, last = before(start), before(start) + timedelta(days=length)
    offset = reminder_due_between(CERT, POLICY, first, last)
    if offset is not None:
        assert first <= EXPIRY - timedelta(days=offset) <= last
        assert offset in POLICY.reminder_days


def test_a_daily_run_reads_from_grace_plus_one_days_back_to_the_end_of_the_warning_window() -> None:
    today = date(2026, 3, 1)
    window = scan_window(today, today - timedelta(days=1), POLICY)
    assert (window.status_from, window.reminders_from) == (today, today)
    assert window.read_from == date(2026, 1, 29)  # 31 days back: a grace period ending today
    assert window.read_to == date(2026, 4, 30)  # 60 days ahead: the warning window and 60-day reminder
    assert window.months == ["2026-01", "2026-02", "2026-03", "2026-04"]


def test_a_run_after_missed_days_answers_for_them_but_catches_reminders_up_only_so_far() -> None:
    today = date(2026, 3, 1)
    window = scan_window(today, today - timedelta(days=40), POLICY)
    assert window.status_from == today - timedelta(days=39)
    assert window.reminders_from == today - timedelta(days=MAX_CATCH_UP_DAYS)
    assert window.read_from == today - timedelta(days=39 + 31)


def test_an_unfinished_run_is_answered_for_even_before_any_run_completed() -> None:
    today = date(2026, 3, 1)
    window = scan_window(today, None, POLICY, unfinished_since=today - timedelta(days=2))
    assert window.status_from == today - timedelta(days=2)


def test_a_run_as_of_an_earlier_day_than_the_last_completed_answers_for_that_day_only() -> None:
    today = date(2026, 3, 1)
    window = scan_window(today, today + timedelta(days=3), POLICY)
    assert window.status_from == today
