"""The periodic case review: what a supervisor records, and when the next one is due.

Pure Python (no AWS, no I/O): every rule takes the day as an argument.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from pydantic import model_validator

from chalicelib.domain.fields import InputModel, lines, optional
from chalicelib.domain.validation import cross_field_error

TEXT_MAX = 4_000


class CaseReviewInput(InputModel):
    """A supervisor's review of an active case. Changes to the plan are required when contact does
    not continue as planned."""

    attendance: lines(TEXT_MAX)
    concerns: optional(lines(TEXT_MAX)) = None
    continues_as_planned: bool
    plan_changes: optional(lines(TEXT_MAX)) = None

    @model_validator(mode="after")
    def _changes_when_not_as_planned(self) -> CaseReviewInput:
        if not self.continues_as_planned and self.plan_changes is None:
            raise cross_field_error(
                "CaseReviewInput",
                [(("plan_changes",), "Say what changes in the plan, as contact does not continue as planned", None)],
            )
        return self


def example_case_review() -> dict[str, Any]:
    return {
        "attendance": "Eleven sessions held of twelve booked. Maya attended all; her mother was late twice.",
        "concerns": "None since the last review.",
        "continues_as_planned": False,
        "plan_changes": "Move sessions to Saturday mornings from next month, at the mother's request.",
    }


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, kept within the month reached: 30 November + 3 months is
    28 February (29 in a leap year), 31 May + 1 month is 30 June."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review_due(last_reviewed: date | None, started: date, period_months: int) -> date:
    """A review is due `period_months` after the last review, or after the case started (its first
    visit) when it has had none."""
    return add_months(last_reviewed or started, period_months)


def is_overdue(due_on: date, today: date) -> bool:
    """Overdue from the day after the due day: a review recorded on the day it is due is on time."""
    return due_on < today


def reminder_window_end(today: date, days_ahead: int) -> date:
    """The last due day a reminder run on `today` covers: due within `days_ahead` days (inclusive),
    or already overdue."""
    return today + timedelta(days=days_ahead)


def days_overdue(due_on: date, today: date) -> int:
    """0 when not overdue; 1 on the day after the due day."""
    return max(0, (today - due_on).days)
