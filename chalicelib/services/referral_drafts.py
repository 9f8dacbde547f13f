"""Referral drafts: a referrer's form in progress, kept as typed (not validated) for DRAFT_DAYS
days after its last save, then removed by DynamoDB's TTL. Only its owner reads or changes it.
Every save and removal is audited with counts only: a draft's contents are never logged."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain.referral_form import DRAFT_DAYS
from chalicelib.errors import Conflict, NotFound, PayloadTooLarge
from chalicelib.services.audit import audited_transaction
from chalicelib.storage import referral_drafts as draft_store

if TYPE_CHECKING:
    from chalicelib.storage.referral_drafts import ReferralDraft

MAX_DRAFTS = 20  # per referrer: a draft is a form in progress, not a filing cabinet
# What the stored form may weigh (JSON): DynamoDB's item limit is 400 KB, and a form's JSON can
# be larger than the posted body it came from (escaped characters).
MAX_DRAFT_BYTES = 200_000
ENTITY = "referral_draft"
GONE = "This draft no longer exists: it was submitted, deleted or it expired. Your referrals are listed under My referrals."


def _children(values: dict[str, Any]) -> int:
    children = values.get("children")
    return len(children) if isinstance(children, list) else 0


def _check_size(values: dict[str, Any]) -> None:
    size = len(json.dumps(values))
    if size > MAX_DRAFT_BYTES:
        raise PayloadTooLarge(
            f"The draft is too long to save ({size} characters; the limit is {MAX_DRAFT_BYTES}). Shorten the longest notes."
        )


def _is_live(draft: ReferralDraft) -> bool:
    # DynamoDB's TTL removes expired items some time after they expire: reads check the time.
    return draft.expires_at > clock.now()


def _expiry():
    return clock.now() + timedelta(days=DRAFT_DAYS)


def view(draft: ReferralDraft) -> dict[str, Any]:
    return {
        "id": draft.draft_id,
        "created_at": draft.created_at,
        "saved_at": draft.saved_at,
        "children_count": draft.children_count,
        "expires_at": draft.expires_at.isoformat(timespec="seconds"),
        "days_kept": DRAFT_DAYS,
    }


def load_own(principal: Principal, draft_id: str) -> ReferralDraft:
    """The referrer's own live draft; anyone else's, or one that has gone, is not found."""
    draft = draft_store.draft(draft_id)
    if draft is None:
        raise NotFound(GONE)
    if draft.owner_id != principal.user_id or not _is_live(draft):
        raise NotFound(GONE)
    return draft


def list_for(principal: Principal) -> list[dict[str, Any]]:
    """The referrer's live drafts, most recently saved first."""
    return [view(d) for d in draft_store.of_owner(principal.user_id, MAX_DRAFTS + 5) if _is_live(d)]


def draft_id_of(owner_id: str, idempotency_key: str) -> str:
    """One draft per form: the form's key names it, so Save pressed twice on a new form (or sent
    again after a lost answer) finds the draft the first press made instead of making another."""
    return hashlib.sha256(f"{owner_id}\n{idempotency_key}".encode()).hexdigest()[:32]


def create(principal: Principal, values: dict[str, Any], idempotency_key: str) -> ReferralDraft:
    """A new draft holding `values`, for `principal`; the form's draft if this form made one already."""
    _check_size(values)
    draft_id = draft_id_of(principal.user_id, idempotency_key)
    try:
        return save(principal, load_own(principal, draft_id), values)
    except NotFound:
        pass
    if len(list_for(principal)) >= MAX_DRAFTS:
        raise Conflict(
            f"You already have {MAX_DRAFTS} saved drafts. Submit or delete one under My referrals before saving another."
        )
    now = clock.iso_now()
    draft = draft_store.new_draft(
        draft_id,
        owner_id=principal.user_id,
        created_at=now,
        saved_at=now,
        values=values,
        children_count=_children(values),
        idempotency_key=idempotency_key,
        expires_at=_expiry(),
    )
    try:
        with audited_transaction(principal.person) as tx:
            draft_store.add_draft(tx, draft)
            tx.record(ENTITY, draft.draft_id, "referral_draft.saved", {"children": draft.children_count})
    except Conflict:  # the other press of Save made it between our read and our write
        return save(principal, load_own(principal, draft_id), values)
    return draft


def save(principal: Principal, draft: ReferralDraft, values: dict[str, Any]) -> ReferralDraft:
    """Replace the draft's form with `values` (the draft as `load_own` read it); its expiry restarts."""
    _check_size(values)
    draft.values = values
    draft.children_count = _children(values)
    draft.saved_at = clock.iso_now()
    draft.expires_at = _expiry()
    with audited_transaction(principal.person, GONE) as tx:
        # Only while it is still there and theirs: a draft deleted or submitted meanwhile stays gone.
        draft_store.save_owned_draft(tx, draft, principal.user_id)
        tx.record(ENTITY, draft.draft_id, "referral_draft.saved", {"children": draft.children_count})
    return draft


def delete(principal: Principal, draft_id: str) -> None:
    """The referrer deletes their draft; deleting one already gone is a NotFound."""
    draft = load_own(principal, draft_id)
    with audited_transaction(principal.person, GONE) as tx:
        draft_store.delete_owned_draft(tx, draft.draft_id, principal.user_id)
        tx.record(ENTITY, draft_id, "referral_draft.deleted", {"children": draft.children_count})


def remove_on_submit(tx: Any, owner_id: str, draft_id: str, referral_id: str) -> None:
    """Add the draft's removal to the transaction that creates its referral. A draft already gone
    (deleted in another tab) does not stop the referral; another referrer's draft does."""
    draft_store.delete_owned_draft(tx, draft_id, owner_id, if_gone=True)
    tx.record(ENTITY, draft_id, "referral_draft.submitted", {"referral": referral_id})
