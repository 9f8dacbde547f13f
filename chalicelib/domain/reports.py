"""Visit reports: what a report records (SVN standards 7.3 and 20.2–20.3), the rules of a draft and
of a submission, its statuses, and the canonical content whose SHA-256 an approved version carries.

Pure Python. A draft may be incomplete, but every value in it has the right type and size; a
submission must be complete: `missing_for_submission` names each gap by its field path.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from chalicelib.domain.fields import InputModel, lines, one_line, optional
from chalicelib.domain.validation import cross_field_error
from chalicelib.domain.visit_requests import Id
from chalicelib.domain.visits import CancelledBy

OBSERVATIONS_MAX = 20_000  # a long session, written as facts and direct quotes
SECTION_MAX = 8_000
DETAILS_MAX = 4_000
COMMENT_MAX = 2_000
MAX_PARTICIPANTS = 20
MAX_MINUTES_LATE = 600

_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")  # ASCII digits: `\d` takes any script's


def _clock_time(value: Any) -> Any:
    """A wall-clock time written HH:MM (24-hour)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not _CLOCK.fullmatch(value.strip()):
        raise ValueError("Must be a time written as HH:MM, for example 14:05")
    return value.strip()


ClockTime = Annotated[str | None, BeforeValidator(_clock_time)]


class Attendance(StrEnum):
    ATTENDED = "attended"
    LATE = "late"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


ATTENDANCE_LABELS = {
    Attendance.ATTENDED: "Attended",
    Attendance.LATE: "Attended, late",
    Attendance.NO_SHOW: "Did not come",
    Attendance.CANCELLED: "Cancelled",
}


class SupervisionLevel(StrEnum):
    FULL = "full"
    INTERMITTENT = "intermittent"
    HANDOVER = "handover"
    VIRTUAL = "virtual"


SUPERVISION_LABELS = {
    SupervisionLevel.FULL: ("Full", "within sight and hearing throughout"),
    SupervisionLevel.INTERMITTENT: ("Intermittent", "the worker checked in at intervals"),
    SupervisionLevel.HANDOVER: ("Handover only", "the worker handed the child over between the adults"),
    SupervisionLevel.VIRTUAL: ("Virtual", "the worker joined the video or phone call throughout"),
}


class ReportStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    CHANGES_REQUESTED = "CHANGES_REQUESTED"
    APPROVED = "APPROVED"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    ReportStatus.DRAFT: "Draft",
    ReportStatus.SUBMITTED: "Waiting for approval",
    ReportStatus.CHANGES_REQUESTED: "Changes requested",
    ReportStatus.APPROVED: "Approved",
}

ALLOWED_TRANSITIONS: Mapping[ReportStatus, frozenset[ReportStatus]] = {
    ReportStatus.DRAFT: frozenset({ReportStatus.SUBMITTED}),
    ReportStatus.SUBMITTED: frozenset({ReportStatus.CHANGES_REQUESTED, ReportStatus.APPROVED}),
    ReportStatus.CHANGES_REQUESTED: frozenset({ReportStatus.SUBMITTED}),
    ReportStatus.APPROVED: frozenset(),
}
WRITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.CHANGES_REQUESTED})


def visit_locked_by(status: ReportStatus | str | None) -> str | None:
    """Why a visit whose report is in `status` can no longer be moved, reassigned or cancelled, or
    None. A submitted report was written of the visit as it was, so the visit stays as it was
    while it is reviewed (until changes are requested) and for good once it is approved; a draft,
    or no report yet, locks nothing."""
    if status is None or ReportStatus(status) in WRITABLE:
        return None
    if ReportStatus(status) is ReportStatus.APPROVED:
        return (
            "This visit's report is approved, so the visit can no longer be moved, reassigned or cancelled: "
            "the approved report records it as it was. Nothing was changed."
        )
    return (
        "This visit's report has been submitted and is waiting for approval, so the visit cannot be moved, "
        "reassigned or cancelled: the report records it as it was. Nothing was changed. To change the visit, "
        "the supervisor reviewing the report first requests changes."
    )


class InvalidTransition(Exception):
    def __init__(self, current: ReportStatus | str, new: ReportStatus | str) -> None:
        self.current, self.new = ReportStatus(current), ReportStatus(new)
        super().__init__(f"A report that is {self.current.label.lower()} cannot become {self.new.label.lower()}")


def check_transition(current: ReportStatus | str, new: ReportStatus | str) -> None:
    if ReportStatus(new) not in ALLOWED_TRANSITIONS[ReportStatus(current)]:
        raise InvalidTransition(current, new)


# -- the report's content -------------------------------------------------------------------------


def participant_labels(participants: Mapping[str, Any]) -> dict[str, str]:
    """A visit's participants as the report's attendance keys them: `child-0`, `family-1`, in the
    visit's order, each with the label people read (a first name or a relationship)."""
    keys = [f"child-{i}" for i in participants.get("children") or []]
    keys += [f"family-{i}" for i in participants.get("family_members") or []]
    labels = list(participants.get("labels") or [])
    return {key: (labels[n] if n < len(labels) and labels[n] else key) for n, key in enumerate(keys)}


class AttendanceEntry(InputModel):
    """One participant's attendance: late by how many minutes, or cancelled by whom."""

    participant: one_line(20)
    attendance: Attendance
    minutes_late: Annotated[int | None, Field(ge=1, le=MAX_MINUTES_LATE)] = None
    cancelled_by: CancelledBy | None = None

    @model_validator(mode="after")
    def _details_fit(self) -> AttendanceEntry:
        problems = []
        if self.attendance is Attendance.LATE and self.minutes_late is None:
            problems.append((("minutes_late",), "Say how many minutes late", None))
        if self.attendance is not Attendance.LATE and self.minutes_late is not None:
            problems.append((("minutes_late",), "Only for someone who came late", self.minutes_late))
        if self.attendance is Attendance.CANCELLED and self.cancelled_by is None:
            problems.append((("cancelled_by",), "Say who cancelled", None))
        if self.attendance is not Attendance.CANCELLED and self.cancelled_by is not None:
            problems.append((("cancelled_by",), "Only for someone whose attendance was cancelled", None))
        if problems:
            raise cross_field_error("AttendanceEntry", problems)
        return self


class ReportContent(InputModel):
    """The report as the worker writes it. Every field may be left empty while it is a draft."""

    attendance: list[AttendanceEntry] = Field(default_factory=list, max_length=MAX_PARTICIPANTS)
    brought_by: optional(one_line(200)) = None
    actual_start: ClockTime = None
    actual_end: ClockTime = None
    supervision_level: SupervisionLevel | None = None
    observations: optional(lines(OBSERVATIONS_MAX)) = None
    child_presentation: optional(lines(SECTION_MAX)) = None
    interaction_quality: optional(lines(SECTION_MAX)) = None
    interventions: optional(lines(SECTION_MAX)) = None
    positive_moments: optional(lines(SECTION_MAX)) = None
    concerns: optional(lines(SECTION_MAX)) = None
    safeguarding_concern: bool | None = None
    safeguarding_details: optional(lines(DETAILS_MAX)) = None
    critical_incident: bool | None = None
    critical_incident_details: optional(lines(DETAILS_MAX)) = None
    ended_early: bool | None = None
    ended_early_reason: optional(lines(DETAILS_MAX)) = None
    recommendations: optional(lines(SECTION_MAX)) = None

    @property
    def urgent(self) -> bool:
        """A safeguarding concern or a critical incident: alerts go out at submission."""
        return bool(self.safeguarding_concern or self.critical_incident)

    @property
    def concern_key(self) -> str:
        """What identifies the urgent concern this version records: the same concern submitted
        again (a resubmission with other changes, or none) is not alerted again."""
        concern = [
            bool(self.safeguarding_concern),
            " ".join((self.safeguarding_details or "").split()) if self.safeguarding_concern else "",
            bool(self.critical_incident),
            " ".join((self.critical_incident_details or "").split()) if self.critical_incident else "",
        ]
        return hashlib.sha256(json.dumps(concern).encode("utf-8")).hexdigest()


# What a submission must hold; the others may stay empty.
REQUIRED = {
    "brought_by": "Say who brought the child",
    "actual_start": "Give the time the visit actually started",
    "actual_end": "Give the time the visit actually ended",
    "supervision_level": "Choose the level of supervision",
    "observations": "Write what you observed: facts and direct quotes",
    "child_presentation": "Describe how the child presented",
    "interaction_quality": "Describe the quality of the interaction",
    "safeguarding_concern": "Answer whether there was a safeguarding concern",
    "critical_incident": "Answer whether there was a critical incident",
    "ended_early": "Answer whether the visit ended early",
}
# A "yes" that needs its explanation.
EXPLAINED = {
    "safeguarding_concern": ("safeguarding_details", "Describe the safeguarding concern"),
    "critical_incident": ("critical_incident_details", "Describe the critical incident"),
    "ended_early": ("ended_early_reason", "Say why the visit ended early"),
}


def attendance_problems(content: ReportContent, participants: Mapping[str, str]) -> list[dict[str, str]]:
    """Attendance names only the visit's participants, each once (a draft may leave some out)."""
    problems, seen = [], set()
    for n, entry in enumerate(content.attendance):
        path = f"attendance[{n}].participant"
        if entry.participant not in participants:
            problems.append({"path": path, "message": "Not a participant of this visit"})
        elif entry.participant in seen:
            problems.append({"path": path, "message": "Already listed"})
        seen.add(entry.participant)
    return problems


def missing_for_submission(content: ReportContent, participants: Mapping[str, str]) -> list[dict[str, str]]:
    """Every gap a submission may not have, by field path, in the order of the form."""
    problems = attendance_problems(content, participants)
    listed = {entry.participant for entry in content.attendance}
    problems += [
        {"path": "attendance", "message": f"Record the attendance of {label}"}
        for key, label in participants.items()
        if key not in listed
    ]
    problems += [
        {"path": name, "message": message} for name, message in REQUIRED.items() if getattr(content, name) is None
    ]
    problems += [
        {"path": details, "message": message}
        for flag, (details, message) in EXPLAINED.items()
        if getattr(content, flag) and getattr(content, details) is None
    ]
    if content.actual_start and content.actual_end and content.actual_end <= content.actual_start:
        problems.append({"path": "actual_end", "message": "Must be after the actual start"})
    return problems


# -- the record of an approved version ------------------------------------------------------------


def canonical(visit_id: str, version: int, content: Mapping[str, Any]) -> str:
    """The one text of a version that its hash is taken over: sorted keys, no spaces, UTF-8."""
    document = {"visit_id": visit_id, "version": version, "content": content}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(visit_id: str, version: int, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(visit_id, version, content).encode("utf-8")).hexdigest()


# -- the supervisor's decision --------------------------------------------------------------------


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


class ReportDecision(InputModel):
    """Approve, or request changes with a comment for the worker."""

    decision: Decision
    comment: optional(lines(COMMENT_MAX)) = None

    @model_validator(mode="after")
    def _comment_when_needed(self) -> ReportDecision:
        if self.decision is Decision.REQUEST_CHANGES and self.comment is None:
            raise cross_field_error("ReportDecision", [(("comment",), "Say what the worker should change", None)])
        return self

    @property
    def new_status(self) -> ReportStatus:
        return ReportStatus.APPROVED if self.decision is Decision.APPROVE else ReportStatus.CHANGES_REQUESTED


class ReportHandover(InputModel):
    """A supervisor hands a saved draft to the worker now assigned to the visit, and says why."""

    worker_id: Id
    reason: optional(lines(COMMENT_MAX)) = None


def example_handover() -> dict[str, Any]:
    return {"worker_id": "w-2", "reason": "Casey is on leave; Robin supervised the visit and finishes the report."}


CAUTION = (
    "This report is a factual record of one supervised contact session, written by the contact worker "
    "who supervised it and approved by a supervisor of the service. It records what was seen and heard; "
    "it does not assess parenting capacity and makes no recommendation about the child's care beyond "
    "this contact. It should be read in full, together with the other reports of the contact, and not in "
    "extracts. It is confidential: where it is filed in family proceedings it may be disclosed only as the "
    "court directs, and it must not be shown to anyone else without the consent of the local authority."
)
