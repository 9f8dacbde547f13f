"""One item per referral reference: the conditional put that keeps references unique (an index cannot)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta


class ReferenceClaim(Model):
    """A reference's key (`9X1JAF` for `FCS-9X1J-AF`) and the referral that holds it; never deleted."""

    class Meta:
        locals().update(meta("referral-references"))

    reference = UnicodeAttribute(hash_key=True)
    referral_id = UnicodeAttribute()


def claim_reference(tx: Writes, key: str, referral_id: str) -> None:
    """Claim the reference for the referral in the caller's transaction, only if nobody holds it."""
    tx.save(ReferenceClaim(key, referral_id=referral_id), condition=ReferenceClaim.reference.does_not_exist())


def reference_taken(key: str) -> bool:
    """Whether a referral already holds this reference (strongly consistent)."""
    try:
        ReferenceClaim.get(key, consistent_read=True)
    except ReferenceClaim.DoesNotExist:
        return False
    return True
