"""The workforce figures' pure rules: the tally of workers by compliance, clearances expiring soon,
the UK day a visit's at-risk mark is filed under, and the snapshot's values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain import workforce_figures as wf

TODAY = date(2027, 3, 10)


def test_a_new_worker_counts_once_and_as_compliant_only_if_so():
    assert wf.worker_added_counts("MISSING") == {"workers": 1, "workers.compliant": 0}
    assert wf.worker_added_counts("VALID") == {"workers": 1, "workers.compliant": 1}


@pytest.mark.parametrize(
    ("before", "after", "counts"),
    [
        ("MISSING", "VALID", {"workers.compliant": 1}),
        ("VALID", "EXPIRED", {"workers.compliant": -1}),
        ("EXPIRING", "RENEWAL_IN_PROGRESS", {}),  # compliant both ways: nothing moves
        ("VALID", "EXPIRING", {}),
        ("EXPIRED", "MISSING", {}),
        (None, "VALID", {"workers.compliant": 1}),
    ],
)
def test_a_compliance_change_moves_the_compliant_tally_only_when_it_crosses(before, after, counts):
    assert wf.compliance_change_counts(before, after) == counts


def test_the_recount_of_recorded_statuses():
    assert wf.tally_of(["VALID", "MISSING", "EXPIRING", "EXPIRED"]) == {"workers": 4, "workers.compliant": 2}
    assert wf.tally_of([]) == {"workers": 0, "workers.compliant": 0}


def test_expiring_within_counts_today_and_the_last_day_but_not_yesterday_or_beyond():
    expiries = [TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=30), TODAY + timedelta(days=31)]
    expiries += [TODAY + timedelta(days=60), TODAY + timedelta(days=61)]
    assert wf.expiring_within(expiries, TODAY) == {30: 2, 60: 4}


def test_a_visit_is_filed_under_its_uk_day():
    assert wf.uk_day(datetime(2027, 6, 30, 23, 30, tzinfo=UTC)) == "2027-07-01"  # BST
    assert wf.uk_day(datetime(2027, 1, 31, 23, 30, tzinfo=UTC)) == "2027-01-31"  # GMT


def test_the_snapshot_values_and_a_workforce_of_none():
    values = wf.snapshot_values({"workers": 4, "workers.compliant": 3}, {30: 1, 60: 2}, 5)
    assert values == {
        "workforce_compliant": 0.75,
        "clearances_expiring_30": 1,
        "clearances_expiring_60": 2,
        "visits_at_risk": 5,
    }
    assert wf.snapshot_values({}, {}, 0)["workforce_compliant"] is None


def test_every_workforce_figure_is_defined_in_plain_words_with_a_unit():
    assert [s.key for s in wf.STANDARDS] == [
        "workforce_compliant",
        "clearances_expiring_30",
        "clearances_expiring_60",
        "visits_at_risk",
    ]
    for standard in wf.STANDARDS:
        assert standard.unit in ("count", "share") and standard.definition.endswith(".")
    assert wf.standard("workforce_compliant").target == 1.0


# -- the monthly digest ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "first"),
    [
        (2027, 1, date(2027, 1, 4)),  # 1 January a Friday and a bank holiday; then the weekend
        (2029, 1, date(2029, 1, 2)),  # 1 January a Monday, a bank holiday: Tuesday 2 January
        (2028, 1, date(2028, 1, 4)),  # 1 January a Saturday: its substitute holiday Monday 3 January
        (2027, 5, date(2027, 5, 4)),  # 1 May a Saturday, Monday 3 May the early May bank holiday
        (2027, 3, date(2027, 3, 1)),  # an ordinary Monday
        (2026, 8, date(2026, 8, 3)),  # 1 August a Saturday
    ],
)
def test_the_first_working_day_skips_weekends_and_bank_holidays(year, month, first):
    from chalicelib.domain.dashboard_digest import first_working_day, is_first_working_day

    assert first_working_day(year, month) == first
    assert is_first_working_day(first)
    assert not is_first_working_day(first + timedelta(days=1))
    assert not is_first_working_day(date(year, month, 1)) or first == date(year, month, 1)


def test_the_digest_reports_the_month_before():
    from chalicelib.domain.dashboard_digest import month_reported

    assert month_reported(date(2027, 1, 4)) == "2026-12"
    assert month_reported(date(2027, 3, 1)) == "2027-02"


def test_the_digest_lists_every_missed_target_first_each_group_in_the_page_s_order():
    from chalicelib.domain.dashboard_digest import Line, ordered

    lines = [
        Line("Received", "4", None, False),
        Line("Decided in a day", "50%", "Every referral", True),
        Line("Median", "Up to 24 hours", None, False),
        Line("Cleared", "75%", "Every worker", True),
    ]
    assert [line.title for line in ordered(lines)] == ["Decided in a day", "Cleared", "Received", "Median"]


def test_the_digest_words_each_value_as_the_page_does():
    from chalicelib.domain.monthly_counts import Histogram, Standard, value_words

    hours = Histogram("h.", (24, 48), "hours")
    assert value_words(Standard("a", "A", "", "share", none_words="No decisions"), None) == "No decisions"
    assert value_words(Standard("a", "A", "", "share"), 0.754) == "75%"
    assert value_words(Standard("a", "A", "", "count"), None) == "0"
    assert value_words(Standard("a", "A", "", "count"), 12) == "12"
    assert value_words(Standard("a", "A", "", "hours", histogram=hours), 48) == "Up to 48 hours"
    assert value_words(Standard("a", "A", "", "hours", histogram=hours), 49) == "More than 48 hours"
    assert value_words(Standard("a", "A", "", "hours", histogram=hours), 1) == "Up to 1 hour"
