"""Referral forms in progress, kept for their referrer: what was typed, as typed (not validated),
until it is submitted, deleted, or DynamoDB's TTL removes it after the draft expires."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta


class DraftsByOwner(GlobalSecondaryIndex):
    """A referrer's drafts, most recently saved last."""

    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    saved_at = UnicodeAttribute(range_key=True)


class ReferralDraft(Model):
    class Meta:
        locals().update(meta("referral-drafts"))

    draft_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    saved_at = UnicodeAttribute()
    values = JSONAttribute()  # the form as typed: children's details, so never logged
    children_count = NumberAttribute()
    # The key the form submits with, so pressing Submit twice makes one referral.
    idempotency_key = UnicodeAttribute()
    expires_at = TTLAttribute()

    by_owner = DraftsByOwner()


def of_owner(owner_id: str, limit: int) -> list[ReferralDraft]:
    """The owner's drafts, most recently saved first (expired ones included: the caller checks)."""
    return list(ReferralDraft.by_owner.query(owner_id, scan_index_forward=False, limit=limit))


def draft(draft_id: str) -> ReferralDraft | None:
    """The draft (expired ones included: the caller checks), or None."""
    try:
        return ReferralDraft.get(draft_id)
    except ReferralDraft.DoesNotExist:
        return None


def new_draft(draft_id: str, **attributes) -> ReferralDraft:
    """A draft not yet written (see `add_draft`)."""
    return ReferralDraft(draft_id, **attributes)


def add_draft(tx: Writes, draft: ReferralDraft) -> None:
    """Write a new draft (never over another of the same id)."""
    tx.save(draft, condition=ReferralDraft.draft_id.does_not_exist())


def save_owned_draft(tx: Writes, draft: ReferralDraft, owner_id: str) -> None:
    """Write the changed draft, only while it is still there and `owner_id`'s."""
    tx.save(draft, condition=ReferralDraft.owner_id == owner_id)


def delete_owned_draft(tx: Writes, draft_id: str, owner_id: str, *, if_gone: bool = False) -> None:
    """Delete the draft, only if it is `owner_id`'s (or, `if_gone`, already gone)."""
    condition = ReferralDraft.owner_id == owner_id
    if if_gone:
        condition = condition | ReferralDraft.draft_id.does_not_exist()
    tx.delete(ReferralDraft(draft_id), condition=condition)
