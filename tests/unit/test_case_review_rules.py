"""When a case review is due, and what a review must say."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from chalicelib.domain.case_reviews import (
    CaseReviewInput,
    add_months,
    days_overdue,
    example_case_review,
    is_overdue,
    next_review_due,
    reminder_window_end,
)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 3, date(2026, 4, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2026, 10, 31), 3, date(2027, 1, 31)),
    ],
)
def test_months_are_added_within_the_month_reached(day, months, expected):
    assert add_months(day, months) == expected


def test_the_next_review_is_due_a_period_after_the_last_review_or_the_first_visit():
    assert next_review_due(None, date(2026, 1, 12), 3) == date(2026, 4, 12)
    assert next_review_due(date(2026, 4, 20), date(2026, 1, 12), 3) == date(2026, 7, 20)


def test_a_review_is_overdue_from_the_day_after_it_was_due():
    due = date(2026, 4, 12)
    assert not is_overdue(due, date(2026, 4, 12))
    assert is_overdue(due, date(2026, 4, 13))
    assert (days_overdue(due, date(2026, 4, 12)), days_overdue(due, date(2026, 4, 13))) == (0, 1)
    assert reminder_window_end(date(2026, 4, 1), 14) == date(2026, 4, 15)


def test_a_review_that_changes_the_plan_must_say_how():
    with pytest.raises(ValidationError) as caught:
        CaseReviewInput.model_validate({**example_case_review(), "plan_changes": "  "})
    assert [e["loc"] for e in caught.value.errors()] == [("plan_changes",)]
    kept = CaseReviewInput.model_validate({**example_case_review(), "continues_as_planned": True, "plan_changes": ""})
    assert kept.plan_changes is None
