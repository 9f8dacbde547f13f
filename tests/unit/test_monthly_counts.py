"""The rules every dashboard figure shares, and the referral figures' own: the UK month an event
counts in, the bounded histograms medians come from, month ranges and targets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain import monthly_counts, referral_figures
from chalicelib.domain.monthly_counts import Histogram, Standard

HOURS = Histogram("test.hours.", (1, 24, 48), "hours")


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        (datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "2026-04"),  # 00:30 BST on 1 April
        (datetime(2026, 1, 31, 23, 30, tzinfo=UTC), "2026-01"),  # GMT: still January
        (datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "2026-10"),  # back on GMT by then
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "2026-12"),
    ],
)
def test_an_event_counts_in_its_uk_month(moment, month):
    assert monthly_counts.uk_month(moment) == month


@pytest.mark.parametrize(
    ("amount", "counter"),
    [
        (0, "test.hours.1"),
        (-3, "test.hours.1"),
        (1, "test.hours.1"),
        (1.01, "test.hours.24"),
        (24, "test.hours.24"),
        (48, "test.hours.48"),
        (48.5, "test.hours.over"),
    ],
)
def test_a_duration_counts_in_the_smallest_bucket_not_below_it(amount, counter):
    assert HOURS.bucket(amount) == counter


def test_the_median_is_the_bound_of_the_bucket_holding_the_lower_middle():
    assert HOURS.median({}) is None
    assert HOURS.median({"test.hours.1": 1, "test.hours.48": 1}) == 1  # two: the lower middle
    assert HOURS.median({"test.hours.1": 1, "test.hours.24": 1, "test.hours.48": 1}) == 24
    assert HOURS.median({"test.hours.over": 2, "test.hours.1": 1}) == HOURS.beyond == 49
    assert HOURS.counters == ("test.hours.1", "test.hours.24", "test.hours.48", "test.hours.over")


def test_months_between_and_the_last_twelve():
    assert monthly_counts.months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert monthly_counts.months_between("2027-02", "2026-11") == []
    assert monthly_counts.last_months(date(2027, 1, 15)) == ("2026-02", "2027-01")
    assert monthly_counts.last_months(date(2027, 1, 15), 1) == ("2027-01", "2027-01")
    assert monthly_counts.previous_month(date(2027, 1, 4)) == "2026-12"


def test_a_target_is_missed_only_by_a_value_on_its_wrong_side():
    share = Standard("s", "S", "d", "share", target=1.0)
    hours = Standard("h", "H", "d", "hours", target=24.0, higher_is_better=False)
    untargeted = Standard("c", "C", "d", "count")
    assert monthly_counts.missed(share, 0.99) and not monthly_counts.missed(share, 1.0)
    assert monthly_counts.missed(hours, 48) and not monthly_counts.missed(hours, 24)
    assert not monthly_counts.missed(share, None) and not monthly_counts.missed(untargeted, 0)


def test_shares_sums_and_undoing():
    assert monthly_counts.share(3, 4) == 0.75 and monthly_counts.share(0, 0) is None
    counts = {("2026-05", "a"): 1, ("2026-06", "b"): 2}
    assert monthly_counts.merge(dict(counts), monthly_counts.undone(counts)) == {
        ("2026-05", "a"): 0,
        ("2026-06", "b"): 0,
    }
    assert monthly_counts.summed([{"a": 1}, {"a": 2, "b": 1}]) == {"a": 3, "b": 1}


def _uk(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=monthly_counts.UK)


def test_a_referral_decided_on_the_first_working_day_after_it_came_is_within_the_standard():
    friday = _uk(2026, 11, 6, 16)
    assert referral_figures.decided_within_one_working_day(friday, friday + timedelta(days=3))  # Monday
    assert not referral_figures.decided_within_one_working_day(friday, friday + timedelta(days=4))
    saturday = _uk(2026, 11, 7, 10)
    assert referral_figures.decided_within_one_working_day(saturday, saturday + timedelta(days=2))
    assert not referral_figures.decided_within_one_working_day(saturday, saturday + timedelta(days=3))
    before_christmas = _uk(2026, 12, 24, 12)  # Christmas Day is a Friday, Boxing Day's holiday the Monday
    assert referral_figures.decided_within_one_working_day(before_christmas, _uk(2026, 12, 29, 9))


def test_a_decision_counts_its_bucket_and_the_standard_in_the_decisions_month():
    submitted = _uk(2026, 4, 30, 20)
    decided = _uk(2026, 5, 1, 10)  # 14 hours later, the next day
    assert referral_figures.decision_counts(True, submitted, decided) == {
        ("2026-05", referral_figures.ACCEPTED): 1,
        ("2026-05", "referrals.decision_hours.24"): 1,
        ("2026-05", referral_figures.DECIDED_IN_A_WORKING_DAY): 1,
    }
    assert referral_figures.decision_counts(False, None, decided) == {("2026-05", referral_figures.DECLINED): 1}
    assert referral_figures.submitted_counts(submitted) == {("2026-04", referral_figures.RECEIVED): 1}
