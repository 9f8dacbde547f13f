"""The referral status machine: the statuses, the transitions allowed, and which statuses await a
decision.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

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
    SUSPENDED = "SUSPENDED"
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
    _S.ACCEPTED: frozenset({_S.ACTIVE, _S.SUSPENDED, _S.CLOSED}),
    _S.ACTIVE: frozenset({_S.SUSPENDED, _S.CLOSED}),
    # Resuming goes back to the status the case was suspended from (`resumes_to`): ACTIVE, or
    # ACCEPTED for a case suspended before its first visit, whose first booking still makes it ACTIVE.
    _S.SUSPENDED: frozenset({_S.ACTIVE, _S.ACCEPTED, _S.CLOSED}),
    _S.DECLINED: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.LAPSED: frozenset(),
    _S.CLOSED: frozenset(),
}

AWAITING_DECISION = frozenset({_S.SUBMITTED, _S.UNDER_REVIEW, _S.MORE_INFO_REQUESTED})
DECIDED = frozenset({_S.ACCEPTED, _S.DECLINED, _S.ACTIVE, _S.SUSPENDED, _S.CLOSED})
# The case's life after acceptance (DESIGN section 3, Case): what may be suspended, closed, or
# asked by the referrer to end.
SUSPENDABLE = frozenset({_S.ACCEPTED, _S.ACTIVE})
CLOSABLE = frozenset({_S.ACCEPTED, _S.ACTIVE, _S.SUSPENDED})
ENDABLE_ON_REQUEST = frozenset({_S.ACTIVE, _S.SUSPENDED})


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


def resumes_to(history: Iterable[Any]) -> ReferralStatus:
    """The status a suspended case resumes to: the one its last suspension left (`history` is its
    status history, oldest first, entries with `from_status` and `to_status`). A case suspended
    before any visit was booked goes back to ACCEPTED, not ACTIVE: ACTIVE means a visit has been
    booked, and the first booking after resuming makes it so."""
    for entry in reversed(list(history)):
        if entry.to_status == _S.SUSPENDED and entry.from_status in SUSPENDABLE:
            return ReferralStatus(entry.from_status)
    return _S.ACTIVE


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
