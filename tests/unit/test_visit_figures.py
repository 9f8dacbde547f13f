"""The visit figures' rules: the month a visit counts in across the clock changes, a move across
months, cancellations by whom and late at exactly 24 hours, held visits and no-shows by
participant type, reminders and answers changed, and the days to a case's first visit held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import dashboard, referral_figures, visit_figures
from chalicelib.domain.monthly_counts import merge
from chalicelib.domain.visit_figures import (
    BOOKED,
    CANCELLED,
    HELD,
    LATE_CANCELLATIONS,
    NO_SHOWS,
    REMINDERS_CONFIRMED,
    REMINDERS_SENT,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts", "month"),
    [
        (utc(2026, 3, 31, 23, 30), "2026-04"),  # 00:30 on 1 April in BST
        (utc(2026, 3, 31, 22, 59), "2026-03"),  # 23:59 on 31 March in BST
        (utc(2026, 10, 31, 23, 30), "2026-10"),  # 23:30 on 31 October in GMT
        (utc(2026, 1, 31, 23, 30), "2026-01"),
        (utc(2026, 5, 31, 23, 0), "2026-06"),  # midnight on 1 June in BST
    ],
)
def test_a_visit_counts_in_the_uk_month_of_its_start(starts, month):
    assert visit_figures.booked_counts(starts) == {(month, BOOKED): 1}


def test_a_visit_moved_to_another_month_leaves_the_old_one_and_joins_the_new():
    assert visit_figures.moved_counts(utc(2026, 3, 30, 9), utc(2026, 3, 31, 23, 30)) == {
        ("2026-03", BOOKED): -1,
        ("2026-04", BOOKED): 1,
    }


def test_a_visit_moved_within_its_month_changes_nothing():
    assert visit_figures.moved_counts(utc(2026, 3, 2, 9), utc(2026, 3, 30, 9)) == {}


@pytest.mark.parametrize(
    ("before", "late"),
    [
        (timedelta(hours=24), False),
        (timedelta(hours=24, seconds=1), False),
        (timedelta(hours=23, minutes=59, seconds=59), True),
        (timedelta(0), True),
        (timedelta(hours=-1), True),  # recorded after the start
    ],
)
def test_a_cancellation_is_late_less_than_24_hours_before_the_start(before, late):
    starts = utc(2026, 6, 10, 9)
    counts = visit_figures.cancelled_counts(starts, starts - before, "parent")
    assert counts[("2026-06", CANCELLED + "parent")] == 1
    assert (("2026-06", LATE_CANCELLATIONS) in counts) is late


def test_a_late_cancellation_across_the_clock_change_counts_in_the_month_of_the_start():
    starts = utc(2026, 3, 31, 23, 30)  # 1 April, UK time
    counts = visit_figures.cancelled_counts(starts, starts - timedelta(hours=2), "service")
    assert counts == {("2026-04", CANCELLED + "service"): 1, ("2026-04", LATE_CANCELLATIONS): 1}


@pytest.mark.parametrize("by", ["parent", "carer", "child", "service", "other"])
def test_each_cancelling_party_is_a_part_of_the_cancelled_figure(by):
    counts = visit_figures.cancelled_counts(utc(2026, 6, 10, 9), utc(2026, 6, 1), by)
    shown = visit_figures.figures_of({counter: value for (_, counter), value in counts.items()})
    assert shown["visits_cancelled"] == 1 and shown[f"visits_cancelled.{by}"] == 1
    assert sum(v for k, v in shown.items() if k.startswith("visits_cancelled.")) == 1


def test_an_unknown_canceller_counts_as_someone_else():
    assert visit_figures.cancelled_counts(utc(2026, 6, 10, 9), utc(2026, 6, 1), "judge") == {
        ("2026-06", CANCELLED + "other"): 1
    }


def test_a_visit_is_held_when_a_family_member_attends_even_late():
    starts = utc(2026, 6, 10, 9)
    counts = visit_figures.approved_counts(starts, [("child-0", "attended"), ("family-0", "late")])
    assert counts == {("2026-06", HELD): 1}


def test_a_visit_the_family_missed_is_not_held_and_each_no_show_counts_by_type():
    starts = utc(2026, 6, 10, 9)
    attendance = [("child-0", "no_show"), ("child-1", "attended"), ("family-0", "no_show"), ("family-1", "no_show")]
    counts = visit_figures.approved_counts(starts, attendance)
    assert counts == {("2026-06", NO_SHOWS + "child"): 1, ("2026-06", NO_SHOWS + "family_member"): 2}
    shown = visit_figures.figures_of({counter: value for (_, counter), value in counts.items()})
    assert (shown["no_shows"], shown["no_shows.child"], shown["no_shows.family_member"]) == (3, 1, 2)
    assert shown["visits_held"] == 0


def test_only_a_family_member_attending_holds_a_visit():
    assert not visit_figures.is_held([("child-0", "attended"), ("family-0", "cancelled")])
    assert visit_figures.is_held([("family-2", "attended")])


def test_an_answer_changed_back_and_forth_counts_once_as_it_stands():
    starts = utc(2026, 6, 10, 9)
    month = "2026-06"
    total: dict = {}
    merge(total, visit_figures.reminder_sent_counts(starts))
    merge(total, visit_figures.answer_changed_counts(starts, None, False, "coming", False))
    assert total == {(month, REMINDERS_SENT): 1, (month, REMINDERS_CONFIRMED): 1}
    merge(total, visit_figures.answer_changed_counts(starts, "coming", False, "cannot_come", True))
    assert total[(month, REMINDERS_CONFIRMED)] == 0 and total[(month, LATE_CANCELLATIONS)] == 1
    merge(total, visit_figures.answer_changed_counts(starts, "cannot_come", True, "coming", False))
    assert total[(month, REMINDERS_CONFIRMED)] == 1 and total[(month, LATE_CANCELLATIONS)] == 0
    assert visit_figures.answer_changed_counts(starts, "coming", False, "coming", False) == {}


def test_a_cannot_come_is_late_under_24_hours_before_the_start():
    starts = utc(2026, 6, 10, 9)
    assert not visit_figures.answer_is_late("cannot_come", starts - timedelta(hours=24), starts)
    assert visit_figures.answer_is_late("cannot_come", starts - timedelta(hours=23, minutes=59), starts)
    assert not visit_figures.answer_is_late("coming", starts - timedelta(hours=1), starts)


def test_the_share_of_reminders_confirmed_has_no_value_without_reminders():
    assert visit_figures.figures_of({})["reminders_confirmed_share"] is None
    assert visit_figures.figures_of({REMINDERS_SENT: 4, REMINDERS_CONFIRMED: 3})["reminders_confirmed_share"] == 0.75


def test_the_days_to_the_first_visit_count_in_the_month_of_the_visit():
    decided = utc(2026, 3, 20, 10)
    counts = referral_figures.first_visit_counts(decided, utc(2026, 3, 31, 23, 30))  # 11.5 days: "14"
    assert counts == {("2026-04", "referrals.first_visit_days.14"): 1}
    assert referral_figures.FIRST_VISIT_DAYS.median({"referrals.first_visit_days.14": 1}) == 14


def test_the_visits_section_follows_the_referrals_and_every_key_is_unique():
    assert [section.key for section in dashboard.SECTIONS][:2] == ["referrals", "visits"]
    keys = [s.key for section in dashboard.SECTIONS for s in section.standards]
    assert len(keys) == len(set(keys))
    assert len(dashboard.COUNTERS) == len(set(dashboard.COUNTERS))
    assert dashboard.standard("median_days_to_first_visit").histogram is referral_figures.FIRST_VISIT_DAYS


def test_every_visit_figure_says_it_counts_in_the_month_of_the_visits_start():
    for standard in visit_figures.STANDARDS:
        assert "month" in standard.definition and ("start" in standard.definition), standard.key
