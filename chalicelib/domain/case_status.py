"""A case's status after acceptance: suspending, resuming and closing it, and the referrer's request
to end it. What each takes as input and the closing reasons (DESIGN section 3, Case).

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from chalicelib.domain.fields import InputModel, OptionalDate, lines, one_line, optional
from chalicelib.domain.validation import cross_field_error

REASON_MAX = 1000
SUMMARY_MAX = 4000
OTHER_MAX = 200

Reason = lines(REASON_MAX)
Summary = lines(SUMMARY_MAX)
OptionalOther = optional(one_line(OTHER_MAX))
OptionalSummary = optional(Summary)
OptionalReason = optional(Reason)


class ClosingReason(StrEnum):
    PLAN_COMPLETED = "plan_completed"
    COURT_ORDER_ENDED = "court_order_ended"
    REFERRER_WITHDREW = "referrer_withdrew"
    SERVICE_ENDED_AFTER_INCIDENTS = "service_ended_after_incidents"
    FAMILY_DISENGAGED = "family_disengaged"
    OTHER = "other"


CLOSING_REASON_LABELS = {
    ClosingReason.PLAN_COMPLETED: "The contact plan was completed",
    ClosingReason.COURT_ORDER_ENDED: "The court order ended",
    ClosingReason.REFERRER_WITHDREW: "The referrer withdrew the referral",
    ClosingReason.SERVICE_ENDED_AFTER_INCIDENTS: "The service ended contact after incidents",
    ClosingReason.FAMILY_DISENGAGED: "The family disengaged",
    ClosingReason.OTHER: "Other",
}


def closing_reason_words(reason: str, other: str | None = None) -> str:
    """The closing reason as a sentence: "The court order ended", or the words given for "other"."""
    if reason == ClosingReason.OTHER and other:
        return other
    known = {str(key): label for key, label in CLOSING_REASON_LABELS.items()}
    return known.get(str(reason), str(reason))


class Suspension(InputModel):
    """`POST /v1/referrals/{id}/suspend`: why, and the day contact may resume if one is planned."""

    reason: Reason
    resume_on: OptionalDate = None


class Resumption(InputModel):
    """`POST /v1/referrals/{id}/resume`: why contact can go on again."""

    reason: Reason


class Closure(InputModel):
    """`POST /v1/referrals/{id}/close`: one of the closing reasons (words of its own for "other")
    and the closing summary the referrer's letter quotes."""

    reason: ClosingReason
    other_reason: OptionalOther = None
    summary: Summary

    @model_validator(mode="after")
    def _words_for_other(self) -> Closure:
        if self.reason is ClosingReason.OTHER and not self.other_reason:
            raise cross_field_error(
                "Closure", [(("other_reason",), "Say in a few words why the case is closing", None)]
            )
        if self.reason is not ClosingReason.OTHER:
            self.other_reason = None
        return self

    @property
    def reason_words(self) -> str:
        return closing_reason_words(self.reason, self.other_reason)


class EndRequest(InputModel):
    """`POST /v1/referrals/{id}/end-request`: the referrer's reason for asking to end the case."""

    reason: Reason


class EndDecision(StrEnum):
    CLOSE = "close"
    DECLINE = "decline"


class EndRequestDecision(InputModel):
    """The supervisor's answer to an end request: close the case (the close form's fields, the
    reason preset to "referrer withdrew"), or decline it with a reason."""

    decision: EndDecision
    reason: ClosingReason | None = None
    other_reason: OptionalOther = None
    summary: OptionalSummary = None
    decline_reason: OptionalReason = None

    @model_validator(mode="after")
    def _fields_of_the_decision(self) -> EndRequestDecision:
        problems = []
        if self.decision is EndDecision.CLOSE:
            if self.summary is None:
                problems.append((("summary",), "Write the closing summary for the referrer's letter", None))
            if self.reason is ClosingReason.OTHER and not self.other_reason:
                problems.append((("other_reason",), "Say in a few words why the case is closing", None))
        elif self.decline_reason is None:
            problems.append((("decline_reason",), "Give the reason for declining the request", None))
        if problems:
            raise cross_field_error("EndRequestDecision", problems)
        return self

    def closure(self) -> Closure:
        return Closure(
            reason=self.reason or ClosingReason.REFERRER_WITHDREW,
            other_reason=self.other_reason,
            summary=self.summary or "",
        )


def example_suspension() -> dict:
    return {
        "reason": "Contact paused while the police look into the incident at the last visit.",
        "resume_on": None,
    }


def example_closure() -> dict:
    return {
        "reason": "plan_completed",
        "other_reason": None,
        "summary": "Twenty sessions were held as planned; the children's time with their mother went well "
        "and the court has made a final order for unsupervised contact.",
    }
