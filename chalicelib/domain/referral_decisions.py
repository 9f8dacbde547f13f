"""The supervisor's decision on a referral and the referrer's answer to a question.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from chalicelib.domain.fields import InputModel
from chalicelib.domain.referral_form import AnswerText, OptionalComment
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.domain.validation import cross_field_error

# ---------------------------------------------------------------------------------------------
# The supervisor's decision and the referrer's answer


class Decision(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    MORE_INFO = "more_info"


_DECISION_STATUS = {
    Decision.ACCEPT: ReferralStatus.ACCEPTED,
    Decision.DECLINE: ReferralStatus.DECLINED,
    Decision.MORE_INFO: ReferralStatus.MORE_INFO_REQUESTED,
}


class ReviewDecision(InputModel):
    """Accept, decline (with a reason) or ask for more information (with a question)."""

    decision: Decision
    comment: OptionalComment = None

    @property
    def new_status(self) -> ReferralStatus:
        return _DECISION_STATUS[self.decision]

    @model_validator(mode="after")
    def _comment_when_needed(self) -> ReviewDecision:
        if self.comment is None and self.decision is not Decision.ACCEPT:
            message = (
                "Give the reason for declining this referral"
                if self.decision is Decision.DECLINE
                else "Write the question for the referrer"
            )
            raise cross_field_error("ReviewDecision", [(("comment",), message, None)])
        return self


class Amendment(InputModel):
    """The referrer's answer to a request for more information."""

    answer: AnswerText
