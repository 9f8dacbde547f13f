"""The referral status machine: the statuses, the transitions allowed, and which statuses await a
decision.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

# ---------------------------------------------------------------------------------------------
# Status machine


class ReferralStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    UNDER_REVIEW = "UNDER_REVIEW"
    MORE_INFO_REQUESTED = "MORE_INFO_REQUESTED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"
    LAPSED = "LAPSED"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"

    @property
    def label(self) -> str:
        """Lower-case words for messages: "more info requested"."""
        return self.value.replace("_", " ").lower()


_S = ReferralStatus

ALLOWED_TRANSITIONS: Mapping[ReferralStatus, frozenset[ReferralStatus]] = {
    _S.SUBMITTED: frozenset({_S.UNDER_REVIEW, _S.WITHDRAWN}),
    _S.UNDER_REVIEW: frozenset({_S.MORE_INFO_REQUESTED, _S.ACCEPTED, _S.DECLINED, _S.WITHDRAWN}),
    _S.MORE_INFO_REQUESTED: frozenset({_S.UNDER_REVIEW, _S.LAPSED, _S.WITHDRAWN}),
    _S.ACCEPTED: frozenset({_S.ACTIVE, _S.CLOSED}),
    _S.ACTIVE: frozenset({_S.CLOSED}),
    _S.DECLINED: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.LAPSED: frozenset(),
    _S.CLOSED: frozenset(),
}

AWAITING_DECISION = frozenset({_S.SUBMITTED, _S.UNDER_REVIEW, _S.MORE_INFO_REQUESTED})
DECIDED = frozenset({_S.ACCEPTED, _S.DECLINED, _S.ACTIVE, _S.CLOSED})


class InvalidTransition(Exception):
    """A status change the referral rules do not allow (the API answers 409)."""

    def __init__(self, current: ReferralStatus | str, new: ReferralStatus | str) -> None:
        self.current = ReferralStatus(current)
        self.new = ReferralStatus(new)
        super().__init__(f"A referral that is {self.current.label} cannot become {self.new.label}")


def check_transition(current: ReferralStatus | str, new: ReferralStatus | str) -> None:
    """Raise InvalidTransition unless `current -> new` is allowed (ValueError if unknown)."""
    if ReferralStatus(new) not in ALLOWED_TRANSITIONS[ReferralStatus(current)]:
        raise InvalidTransition(current, new)


def is_decided(status: ReferralStatus | str) -> bool:
    """True once a supervisor has accepted or declined (including ACTIVE and CLOSED)."""
    return ReferralStatus(status) in DECIDED


def awaits_decision(status: ReferralStatus | str) -> bool:
    """True while a supervisor may still decide and the referrer may still withdraw."""
    return ReferralStatus(status) in AWAITING_DECISION


def address_is_confidential(submission: Mapping | None) -> bool:
    """The referral's form flags a confidential address: its venue and times never reach the other
    party, nor anything sent to the referrer that could be passed on."""
    return bool(((submission or {}).get("risks") or {}).get("confidential_address"))
