"""The case-status section of the case page (`_case_status.html`): what it shows and which of its
forms each person sees, and the notices after each action."""

from __future__ import annotations

from typing import Any

from chalicelib.auth import Principal, Role
from chalicelib.domain.case_status import CLOSING_REASON_LABELS
from chalicelib.domain.referrals import CLOSABLE, ENDABLE_ON_REQUEST, SUSPENDABLE, ReferralStatus

CASE_STATUS_MESSAGES = {
    "suspended": "The case is suspended. Its upcoming visits are cancelled and their workers and the referrer "
    "have been emailed.",
    "resumed": "The case has resumed. Nothing was rebooked: book its visits again from the visits section.",
    "closed": "The case is closed. Its upcoming visits are cancelled, and the referrer has been emailed the "
    "closing letter.",
    "end_requested": "Your request to end the case has been sent. A supervisor will decide it and you will get "
    "an email either way.",
    "end_request_decided": "Your decision on the request to end the case has been recorded, and the referrer "
    "has been emailed.",
}
STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})


def panel(principal: Principal, case: dict[str, Any], owner_id: str) -> dict[str, Any]:
    """`case` is `services.case_status.case_view`; `owner_id` the referrer who made the referral."""
    status = ReferralStatus(case["status"])
    staff = principal.has_any(STAFF)
    owner = Role.REFERRER in principal.roles and owner_id == principal.user_id
    waiting = bool(case["end_request"] and case["end_request"]["waiting"])
    return {
        **case,
        "is_case": status in (*CLOSABLE, ReferralStatus.CLOSED),
        "can_suspend": staff and status in SUSPENDABLE,
        "can_resume": staff and status == ReferralStatus.SUSPENDED,
        "can_close": staff and status in CLOSABLE and not waiting,
        "can_decide_end": staff and waiting and status in CLOSABLE,
        "can_ask_to_end": owner and status in ENDABLE_ON_REQUEST and not waiting,
        "can_read_letter": (staff or owner) and status == ReferralStatus.CLOSED,
        "closing_reasons": {reason.value: label for reason, label in CLOSING_REASON_LABELS.items()},
    }
