"""The visit report's rules: drafts, submissions, attendance, statuses, the decision and the hash (no AWS)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.domain.reports import (
    InvalidTransition,
    ReportContent,
    ReportDecision,
    ReportStatus,
    attendance_problems,
    check_transition,
    content_hash,
    missing_for_submission,
    participant_labels,
)
from chalicelib.domain.validation import field_errors
from chalicelib.examples import example_report

PARTICIPANTS = {"child-0": "Maya", "family-0": "Mother"}


def _paths(exc: ValidationError) -> list[str]:
    return [error["path"] for error in field_errors(exc)]


def test_participants_are_keyed_by_their_place_on_the_visit_with_their_labels():
    visit = {"children": [0, 2], "family_members": [1], "labels": ["Maya", "Leo", "Father"]}
    assert participant_labels(visit) == {"child-0": "Maya", "child-2": "Leo", "family-1": "Father"}


def test_a_complete_report_has_nothing_missing():
    content = ReportContent.model_validate(example_report())
    assert missing_for_submission(content, PARTICIPANTS) == []


def test_an_empty_draft_is_a_valid_draft_but_names_every_gap_for_a_submission():
    content = ReportContent.model_validate({})
    missing = {problem["path"] for problem in missing_for_submission(content, PARTICIPANTS)}
    assert {"attendance", "brought_by", "actual_start", "actual_end", "supervision_level", "observations"} <= missing
    assert {"safeguarding_concern", "critical_incident", "ended_early"} <= missing
    assert "recommendations" not in missing and "concerns" not in missing


@pytest.mark.parametrize(
    ("flag", "details", "message"),
    [
        ("safeguarding_concern", "safeguarding_details", "Describe the safeguarding concern"),
        ("critical_incident", "critical_incident_details", "Describe the critical incident"),
        ("ended_early", "ended_early_reason", "Say why the visit ended early"),
    ],
)
def test_a_yes_needs_its_details(flag, details, message):
    body = {**example_report(), flag: True}
    body.pop(details, None)
    content = ReportContent.model_validate(body)
    assert {"path": details, "message": message} in missing_for_submission(content, PARTICIPANTS)
    assert content.urgent is (flag != "ended_early")


def test_the_end_must_come_after_the_start():
    content = ReportContent.model_validate({**example_report(), "actual_start": "11:00", "actual_end": "10:59"})
    assert {"path": "actual_end", "message": "Must be after the actual start"} in missing_for_submission(
        content, PARTICIPANTS
    )


@pytest.mark.parametrize("bad", ["9:05", "24:00", "10:60", "ten", "10.05", "١٤:٠٥", "１４:05", "1৪:05"])
def test_times_are_written_as_hh_mm(bad):
    with pytest.raises(ValidationError) as caught:
        ReportContent.model_validate({"actual_start": bad})
    assert _paths(caught.value) == ["actual_start"]


def test_text_limits_are_generous_but_enforced():
    ReportContent.model_validate({"observations": "x" * 20_000})
    with pytest.raises(ValidationError) as caught:
        ReportContent.model_validate({"observations": "x" * 20_001, "concerns": "y" * 8_001})
    assert sorted(_paths(caught.value)) == ["concerns", "observations"]


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError) as caught:
        ReportContent.model_validate({"opinion": "The mother seems unfit"})
    assert _paths(caught.value) == ["opinion"]


def test_attendance_names_only_the_visits_participants_each_once():
    content = ReportContent.model_validate(
        {
            "attendance": [
                {"participant": "child-0", "attendance": "attended"},
                {"participant": "family-7", "attendance": "attended"},
                {"participant": "child-0", "attendance": "no_show"},
            ]
        }
    )
    assert attendance_problems(content, PARTICIPANTS) == [
        {"path": "attendance[1].participant", "message": "Not a participant of this visit"},
        {"path": "attendance[2].participant", "message": "Already listed"},
    ]


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        ({"attendance": "late"}, "attendance[0].minutes_late"),
        ({"attendance": "attended", "minutes_late": 5}, "attendance[0].minutes_late"),
        ({"attendance": "cancelled"}, "attendance[0].cancelled_by"),
        ({"attendance": "no_show", "cancelled_by": "parent"}, "attendance[0].cancelled_by"),
        ({"attendance": "late", "minutes_late": 0}, "attendance[0].minutes_late"),
    ],
)
def test_late_needs_minutes_and_cancelled_needs_who(entry, path):
    with pytest.raises(ValidationError) as caught:
        ReportContent.model_validate({"attendance": [{"participant": "child-0", **entry}]})
    assert path in _paths(caught.value)


def test_statuses_move_only_as_the_review_allows():
    check_transition(ReportStatus.DRAFT, ReportStatus.SUBMITTED)
    check_transition(ReportStatus.SUBMITTED, ReportStatus.CHANGES_REQUESTED)
    check_transition(ReportStatus.CHANGES_REQUESTED, ReportStatus.SUBMITTED)
    check_transition(ReportStatus.SUBMITTED, ReportStatus.APPROVED)
    for current, new in [
        (ReportStatus.APPROVED, ReportStatus.SUBMITTED),
        (ReportStatus.DRAFT, ReportStatus.APPROVED),
        (ReportStatus.CHANGES_REQUESTED, ReportStatus.APPROVED),
    ]:
        with pytest.raises(InvalidTransition):
            check_transition(current, new)


def test_asking_for_changes_needs_a_comment_and_approving_does_not():
    assert ReportDecision.model_validate({"decision": "approve"}).new_status is ReportStatus.APPROVED
    with pytest.raises(ValidationError) as caught:
        ReportDecision.model_validate({"decision": "request_changes", "comment": "  "})
    assert _paths(caught.value) == ["comment"]


def test_the_hash_is_of_one_canonical_text_and_changes_with_any_content():
    body = example_report()
    reordered = dict(reversed(list(body.items())))
    assert content_hash("v1", 1, body) == content_hash("v1", 1, reordered)
    assert len(content_hash("v1", 1, body)) == 64
    assert content_hash("v1", 1, body) != content_hash("v1", 2, body)
    assert content_hash("v1", 1, body) != content_hash("v1", 1, {**body, "observations": body["observations"] + "."})


@pytest.mark.parametrize(
    ("status", "locked"),
    [(None, False), ("DRAFT", False), ("CHANGES_REQUESTED", False), ("SUBMITTED", True), ("APPROVED", True)],
)
def test_a_submitted_or_approved_report_locks_its_visit(status, locked):
    from chalicelib.domain.reports import visit_locked_by

    reason = visit_locked_by(status)
    assert (reason is not None) == locked
    if locked:
        assert "cannot be moved, reassigned or cancelled" in reason or "can no longer be moved" in reason
