"""When an item in the decisions queue is overdue: after its workflow's reminder period, counted in
working time for a workflow whose timings are working time (an incident's decision is due within
one working day), in calendar time for the others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.services.review import Described, queue_entry
from chalicelib.workflows.registry import INCIDENT_REVIEW, REFERRAL_REVIEW, Workflow

FRIDAY_3PM = datetime(2027, 1, 8, 15, 0, tzinfo=UTC)  # a Friday with no bank holiday near it


@dataclass
class Subject:
    workflow: Workflow
    kind: str = "incident"

    def describe(self, item: str) -> Described:
        return Described(item, "REF", "Maya", "REPORTED", "waiting", "/x", FRIDAY_3PM.isoformat(), 1, "case")


@pytest.mark.parametrize(
    ("workflow", "hours", "overdue"),
    [
        (INCIDENT_REVIEW, 30, False),  # Saturday 21:00: the working day ends Monday 15:00
        (INCIDENT_REVIEW, 71, False),  # Monday 14:00
        (INCIDENT_REVIEW, 72, True),  # Monday 15:00
        (REFERRAL_REVIEW, 24, True),  # calendar time: Saturday 15:00
        (REFERRAL_REVIEW, 23, False),
    ],
)
def test_an_item_is_overdue_after_its_workflows_reminder_period(workflow, hours, overdue):
    row = queue_entry(Subject(workflow), "item", FRIDAY_3PM + timedelta(hours=hours))
    assert row["overdue"] is overdue
    assert row["waited_seconds"] == hours * 3600
