"""The court bundle's cumulative summary, counted from approved reports, cancelled visits and
incidents: pure arithmetic."""

from __future__ import annotations

import pytest

from chalicelib.domain.case_summary import (
    ReportedSession,
    attendance_text,
    by_whom,
    incident_line,
    participant_line,
    summarise,
)
from chalicelib.domain.reports import ReportContent

PEOPLE = {"child-0": "Maya", "family-0": "Mother"}


def session(day: str, *entries: dict, concern: str | None = None, people: dict | None = None) -> ReportedSession:
    content = ReportContent.model_validate(
        {
            "attendance": list(entries),
            "safeguarding_concern": concern is not None,
            "safeguarding_details": concern,
        }
    )
    return ReportedSession(day, people or PEOPLE, content)


def came(who: str) -> dict:
    return {"participant": who, "attendance": "attended"}


def late(who: str, minutes: int) -> dict:
    return {"participant": who, "attendance": "late", "minutes_late": minutes}


def no_show(who: str) -> dict:
    return {"participant": who, "attendance": "no_show"}


def cancelled(who: str, by: str) -> dict:
    return {"participant": who, "attendance": "cancelled", "cancelled_by": by}


def test_attendance_and_lateness_are_counted_per_participant():
    summary = summarise(
        [
            session("2026-03-02", came("child-0"), late("family-0", 10)),
            session("2026-03-09", came("child-0"), late("family-0", 25)),
            session("2026-03-16", came("child-0"), no_show("family-0")),
            session("2026-03-23", cancelled("child-0", "carer"), came("family-0")),
        ]
    )

    maya, mother = summary.participants
    assert (maya.label, maya.attended, maya.late, maya.no_show, maya.cancelled) == ("Maya", 3, 0, 0, 1)
    assert (mother.attended, mother.late, mother.minutes_late, mother.no_show) == (1, 2, 35, 1)
    assert participant_line(mother) == "Mother: came to 3 (late to 2, 35 minutes in all), did not come to 1"
    assert participant_line(maya) == "Maya: came to 3, cancelled 1"


def test_a_session_is_held_when_at_least_one_participant_came():
    summary = summarise(
        [
            session("2026-03-02", came("child-0"), no_show("family-0")),
            session("2026-03-09", cancelled("child-0", "parent"), no_show("family-0")),
            session("2026-03-16", late("child-0", 5)),
        ]
    )

    assert (summary.sessions_reported, summary.sessions_held) == (3, 2)


def test_cancellations_are_counted_by_whom_and_an_unknown_canceller_as_someone_else():
    summary = summarise(
        [session("2026-03-02", cancelled("child-0", "service"), cancelled("family-0", "parent"))],
        cancelled_by=["parent", "parent", "service", None, "nobody-we-know"],
    )

    assert summary.visits_cancelled_by == {"parent": 2, "service": 1, "other": 2}
    assert summary.attendance_cancelled_by == {"service": 1, "parent": 1}
    assert by_whom(summary.visits_cancelled_by) == "Parent 2, the service 1, someone else 2"
    assert by_whom({}) == "none"


def test_concerns_are_listed_in_date_order_whatever_order_the_reports_come_in():
    summary = summarise(
        [
            session("2026-04-06", came("child-0"), concern="Mother shouted at staff."),
            session("2026-03-02", came("child-0")),
            session("2026-03-09", came("child-0"), concern="Bruise on Maya's arm."),
        ]
    )

    assert [(c.day, c.details) for c in summary.concerns] == [
        ("2026-03-09", "Bruise on Maya's arm."),
        ("2026-04-06", "Mother shouted at staff."),
    ]


def test_a_participant_keeps_the_label_of_their_latest_session():
    summary = summarise(
        [
            session("2026-03-09", came("family-0"), people={"family-0": "Mum"}),
            session("2026-03-02", came("family-0"), people={"family-0": "Mother"}),
        ]
    )

    (mother,) = summary.participants
    assert (mother.label, mother.attended) == ("Mum", 2)


@pytest.mark.parametrize(
    ("incidents", "line"),
    [
        ([], "No incidents recorded."),
        (
            [
                {"critical": True, "ended_early": True, "decision": "suspend"},
                {"critical": False, "ended_early": False, "decision": None},
                {"critical": False, "ended_early": True, "decision": "change_conditions"},
            ],
            "3 incidents (1 critical, 2 ended the visit early); decisions: not yet decided 1, "
            "conditions changed 1, case suspended 1.",
        ),
    ],
)
def test_incidents_are_counted_with_their_decisions(incidents, line):
    summary = summarise([], incidents=incidents)

    assert summary.incidents == len(incidents)
    assert incident_line(summary) == line


def test_the_review_form_starts_from_the_attendance_in_words():
    summary = summarise([session("2026-03-02", came("child-0"), late("family-0", 10))], cancelled_by=["carer"])

    assert attendance_text(summary) == (
        "1 session held, of 1 with an approved report.\n"
        "Maya: came to 1.\n"
        "Mother: came to 1 (late to 1, 10 minutes in all).\n"
        "1 visit cancelled: Carer 1."
    )
