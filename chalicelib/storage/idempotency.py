"""Idempotency keys claimed by the write they protect: one item per (referrer, key), holding only
the id of the referral that write created, until its TTL. Never the request or the answer."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta


class IdempotencyClaim(Model):
    class Meta:
        locals().update(meta("idempotency"))

    id = UnicodeAttribute(hash_key=True)  # SHA-256 hex of the owner and the client's key
    referral_id = UnicodeAttribute()
    expires_at = TTLAttribute()


def _claim_id(owner_id: str, key: str) -> str:
    """One referrer's key is not another's; the key as sent (any text) is never stored."""
    return hashlib.sha256(f"{owner_id}\n{key}".encode()).hexdigest()


def claim_key(tx: Writes, owner_id: str, key: str, referral_id: str, *, now: datetime, expires_at: datetime) -> None:
    """Claim the key for the referral in the caller's transaction, only if no live claim holds it
    (one past `expires_at` that DynamoDB's TTL has not yet removed is taken over)."""
    tx.save(
        IdempotencyClaim(_claim_id(owner_id, key), referral_id=referral_id, expires_at=expires_at),
        condition=IdempotencyClaim.id.does_not_exist() | (IdempotencyClaim.expires_at < now),
    )


def claimed_referral(owner_id: str, key: str, *, now: datetime) -> str | None:
    """The id of the referral the key was claimed for while the claim lives (strongly consistent), or None."""
    try:
        claim = IdempotencyClaim.get(_claim_id(owner_id, key), consistent_read=True)
    except IdempotencyClaim.DoesNotExist:
        return None
    return claim.referral_id if claim.expires_at > now else None
