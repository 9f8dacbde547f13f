"""Deciding reviewed items, whichever door the decision comes through: an emailed approval link
or the item's page in the app; and the queue of items waiting for a decision.

Both doors end in the same conditional write (`approvals`), so a second decision is refused
whichever way it comes, and the same waiting workflow resumes.
"""

from __future__ import annotations

from chalicelib.auth import Principal, Role
from chalicelib.errors import Forbidden
from chalicelib.services import approvals, outputs, review
from chalicelib.services.approvals import LinkPage
from chalicelib.services.subjects import all_subjects, subject

DECIDERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def open_link(link_id: str, principal: Principal | None, *, record_view: bool = True) -> LinkPage:
    link = approvals.find(link_id)
    if link is None:
        return LinkPage("unknown")
    return approvals.open_link(link, subject(link.subject_type), principal, record_view=record_view)


def decide_link(
    link_id: str, principal: Principal | None, decision: str | None, comment: str | None, confirmed: bool
) -> LinkPage:
    link = approvals.find(link_id)
    if link is None:
        return LinkPage("unknown")
    return approvals.decide(link, subject(link.subject_type), principal, decision, comment, confirmed)


def decide_in_app(kind: str, subject_id: str, principal: Principal, decision: str | None, comment: str | None) -> dict:
    """A supervisor's or admin's decision from the item's page (409 if it is not waiting)."""
    if not principal.has_any(DECIDERS):
        raise Forbidden("Only a supervisor or an admin may decide.")
    return approvals.decide_in_app(subject(kind), subject_id, principal, decision, comment)


def waiting(principal: Principal) -> list[outputs.WaitingItem]:
    """Every item waiting for a decision: overdue first, then oldest first."""
    if not principal.has_any(DECIDERS):
        raise Forbidden("Only supervisors and admins see the decisions queue.")
    rows = review.queue(all_subjects()) + end_request_rows()
    return sorted(rows, key=lambda row: (not row["overdue"], row["waiting_since"]))


# A referrer's request to end a case is due like any decision: within a day.
END_REQUEST_DUE_SECONDS = 24 * 3600


def end_request_rows() -> list[outputs.WaitingItem]:
    """The referrers' requests to end a case, as rows of the queue: no workflow reviews them, so
    they are read from their own sparse index (one Query), oldest first."""
    from datetime import datetime

    from chalicelib import clock
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.services.case_status import end_requests_waiting

    now = clock.now()
    rows = []
    for referral in end_requests_waiting():
        children = [c.get("first_name", "") for c in (referral.submission or {}).get("children", [])]
        waited = max(0, int((now - datetime.fromisoformat(referral.end_requested_at)).total_seconds()))
        rows.append(
            {
                "kind": "end_request",
                "id": referral.referral_id,
                "reference": human_reference(referral.referral_id),
                "title": ", ".join(name for name in children if name),
                "status": referral.status,
                "status_label": "Request to end the case",
                "url": f"/referrals/{referral.referral_id}#case-status",
                "waiting_since": referral.end_requested_at,
                "waited_seconds": waited,
                "overdue": waited >= END_REQUEST_DUE_SECONDS,
            }
        )
    return rows


def decision_queue(principal: Principal) -> outputs.DecisionQueue:
    """`waiting` as the API answers it."""
    return {"decisions": waiting(principal)}
