"""Approval links: only the SHA-256 of the link id is stored, with the task token it unlocks."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import JSONAttribute, ListAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.audit import entity_key
from chalicelib.storage.base import meta

ACTIVE, USED, RETIRED = "ACTIVE", "USED", "RETIRED"


class LinksBySubject(GlobalSecondaryIndex):
    """Every link issued for one item ("<kind>#<id>", like the audit keys), newest last."""

    class Meta:
        index_name = "by_subject"
        projection = AllProjection()

    subject_key = UnicodeAttribute(hash_key=True)
    issued_at = UnicodeAttribute(range_key=True)


class ApprovalLink(Model):
    class Meta:
        locals().update(meta("approval-links"))

    link_hash = UnicodeAttribute(hash_key=True)  # SHA-256 hex of the id in the URL
    subject_key = UnicodeAttribute()  # "<kind>#<id>"
    subject_type = UnicodeAttribute()  # the kind: "referral" | "report"
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
    decided_by = UnicodeAttribute(null=True)  # the approver, or whoever decided in the app
    retired_at = UTCDateTimeAttribute(null=True)

    by_subject = LinksBySubject()


def subject_key(kind: str, subject_id: str) -> str:
    return entity_key(kind, subject_id)


def active_links(kind: str, subject_id: str) -> Iterator[ApprovalLink]:
    """The item's links still ACTIVE (expired ones included: the caller checks the time), newest first."""
    return ApprovalLink.by_subject.query(
        subject_key(kind, subject_id), filter_condition=ApprovalLink.state == ACTIVE, scan_index_forward=False
    )
