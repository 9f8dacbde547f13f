"""Incidents at a visit: what a worker records, when it may be recorded, the review's statuses and
the supervisor's decision.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import field_validator, model_validator

from chalicelib.domain.date_words import span
from chalicelib.domain.fields import InputModel, lines, optional
from chalicelib.domain.local_time import LocalTimeError, parse_local
from chalicelib.domain.validation import cross_field_error

DETAILS_MAX = 8_000
SHORT_MAX = 2_000
COMMENT_MAX = 2_000
RECORDING_WINDOW = timedelta(hours=24)  # after the visit's end, an incident may still be recorded


class IncidentStatus(StrEnum):
    REPORTED = "REPORTED"  # waiting for the supervisor's decision
    DECIDED = "DECIDED"

    @property
    def label(self) -> str:
        return {"REPORTED": "waiting for a decision", "DECIDED": "decided"}[self.value]


class Decision(StrEnum):
    CONTINUE = "continue"
    CHANGE_CONDITIONS = "change_conditions"
    SUSPEND = "suspend"

    @property
    def label(self) -> str:
        return DECISION_LABELS[self]


DECISION_LABELS = {
    Decision.CONTINUE: "Contact continues with no change",
    Decision.CHANGE_CONDITIONS: "The conditions of contact change",
    Decision.SUSPEND: "The case is suspended",
}


class IncidentReport(InputModel):
    """What happened at a visit, as its worker (or a supervisor) records it."""

    what_happened: lines(DETAILS_MAX)
    occurred_at: str  # UK wall-clock time, inside the visit (from its start to its end)
    present: lines(SHORT_MAX)  # who was there
    ended_early: bool = False
    ended_early_reason: optional(lines(SHORT_MAX)) = None
    told_police: bool = False
    told_duty_social_worker: bool = False
    told_others: optional(lines(SHORT_MAX)) = None  # anyone else told: names and roles
    immediate_actions: lines(DETAILS_MAX)
    critical: bool = False

    @field_validator("occurred_at")
    @classmethod
    def _local_time(cls, value: str) -> str:
        try:
            return parse_local(value).isoformat(timespec="minutes")
        except LocalTimeError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _reason_when_ended_early(self) -> IncidentReport:
        if self.ended_early and self.ended_early_reason is None:
            raise cross_field_error(
                "IncidentReport", [(("ended_early_reason",), "Say why the visit ended early", None)]
            )
        return self

    @property
    def occurred_local(self) -> datetime:
        return datetime.fromisoformat(self.occurred_at)


class IncidentDecision(InputModel):
    """The supervisor's decision: continue, change the conditions (saying what changes), or suspend
    the case (saying why)."""

    decision: Decision
    comment: optional(lines(COMMENT_MAX)) = None

    @model_validator(mode="after")
    def _comment_when_needed(self) -> IncidentDecision:
        if self.decision is Decision.CHANGE_CONDITIONS and self.comment is None:
            raise cross_field_error("IncidentDecision", [(("comment",), "Say what changes in the contact plan", None)])
        if self.decision is Decision.SUSPEND and self.comment is None:
            raise cross_field_error("IncidentDecision", [(("comment",), "Say why the case is suspended", None)])
        return self


def recording_refusal(now: datetime, visit_start: datetime, visit_end: datetime) -> str | None:
    """Why an incident cannot be recorded now (aware moments), or None: from the visit's start to
    24 hours after its end."""
    if now < visit_start:
        return "An incident can be recorded once the visit has started."
    if now > visit_end + RECORDING_WINDOW:
        return (
            "An incident must be recorded within 24 hours of the end of its visit; this visit ended more "
            "than 24 hours ago. Tell the duty supervisor, who will record it on the case."
        )
    return None


def occurred_refusal(occurred_local: datetime, start_local: datetime, end_local: datetime) -> str | None:
    """Why the time given is not inside the visit (UK wall-clock times), or None."""
    if not start_local <= occurred_local <= end_local:
        return f"Give a time inside the visit, {span(start_local, end_local)} (UK time)"
    return None


def example_incident() -> dict[str, Any]:
    """A valid incident (the OpenAPI example): `occurred_at` must fall inside the visit it is recorded on."""
    return {
        "what_happened": "The father raised his voice at the mother in the car park at handover and would not leave.",
        "occurred_at": "2027-01-12T16:40",
        "present": "Maya, her father, the contact worker; the mother arrived at 16:35.",
        "ended_early": True,
        "ended_early_reason": "Maya was frightened and asked to go home.",
        "told_police": False,
        "told_duty_social_worker": True,
        "told_others": "Centre manager (Jo Baker)",
        "immediate_actions": "Maya was taken inside to a quiet room; her carer collected her at 16:55.",
        "critical": True,
    }
