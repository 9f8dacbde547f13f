"""A referral's status changes and its lookup: the one way each is done, shared by the referrer's
actions (`services.referrals`), the review (`services.referral_review`) and booking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.domain.referrals import InvalidTransition, check_transition
from chalicelib.errors import Conflict, NotFound
from chalicelib.services.audit import status_change
from chalicelib.storage import referrals as referral_store

if TYPE_CHECKING:
    from chalicelib.storage.referrals import Referral


def change_status(
    tx: Any,
    referral_id: str,
    from_status: str,
    to_status: str,
    *,
    action: str,
    reason: str | None = None,
    extra_actions: tuple = (),
    details: dict | None = None,
) -> None:
    """Add one status change to the caller's transaction: the update (only if the referral is
    still `from_status`), its history entry and its audit event (with `details`, such as who
    signed in to decide). The domain rules decide first."""
    try:
        check_transition(from_status, to_status)
    except InvalidTransition as exc:
        raise Conflict(f"{exc}.") from exc
    referral_store.change_referral_status(
        tx,
        referral_id,
        from_status=from_status,
        to_status=to_status,
        entry=status_change(tx.person, from_status, to_status, reason),
        now=clock.iso_now(),
        extra_actions=extra_actions,
    )
    changes = {"from": from_status, "to": to_status, **(details or {})}
    if reason:
        changes["reason"] = reason
    tx.record("referral", referral_id, action, changes)


def load(referral_id: str, *, consistent_read: bool = False) -> Referral:
    referral = referral_store.referral(referral_id, consistent=consistent_read)
    if referral is None:
        raise NotFound("No referral with that id.")
    return referral
