"""Approval links: only the SHA-256 of the link id is stored, with the task token it unlocks."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, ListAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import meta

ACTIVE, USED, RETIRED = "ACTIVE", "USED", "RETIRED"


class LinksBySubject(GlobalSecondaryIndex):
    """Every link issued for one referral or report: to retire the others."""

    class Meta:
        index_name = "by_subject"
        projection = AllProjection()

    subject_id = UnicodeAttribute(hash_key=True)
    issued_at = UnicodeAttribute(range_key=True)


class ApprovalLink(Model):
    class Meta:
        locals().update(meta("approval-links"))

    link_hash = UnicodeAttribute(hash_key=True)  # SHA-256 hex of the id in the URL
    subject_type = UnicodeAttribute()  # "referral" | "report"
    subject_id = UnicodeAttribute()
    approver_email = UnicodeAttribute()
    allowed_decisions = ListAttribute(of=UnicodeAttribute)
    task_token = UnicodeAttribute()  # server side only
    purpose = UnicodeAttribute()  # "review" | "reminder" | "escalation"
    summary = JSONAttribute()  # what the confirmation page shows, fixed when the link is issued
    issued_at = UnicodeAttribute()
    expires_at = TTLAttribute()
    state = UnicodeAttribute(default=ACTIVE)
    decision = UnicodeAttribute(null=True)
    comment = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    retired_at = UTCDateTimeAttribute(null=True)

    by_subject = LinksBySubject()
