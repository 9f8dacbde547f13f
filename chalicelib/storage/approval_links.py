"""Approval links: only the SHA-256 of the link id is stored, with the task token it unlocks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pynamodb.attributes import JSONAttribute, ListAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.audit import entity_key
from chalicelib.storage.base import Writes, meta

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
    case_id = UnicodeAttribute(null=True)  # the referral id of the item's case: its events carry it
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
    decided_by_name = UnicodeAttribute(null=True)  # their name and role as shown (older links have neither)
    decided_by_role = UnicodeAttribute(null=True)
    retired_at = UTCDateTimeAttribute(null=True)

    by_subject = LinksBySubject()

    @property
    def is_used(self) -> bool:
        """A decision was taken through it."""
        return self.state == USED

    @property
    def is_retired(self) -> bool:
        """It died unused: superseded by a newer link, or its item decided or closed another way."""
        return self.state == RETIRED


def subject_key(kind: str, subject_id: str) -> str:
    return entity_key(kind, subject_id)


def active_links(kind: str, subject_id: str) -> Iterator[ApprovalLink]:
    """The item's links still ACTIVE (expired ones included: the caller checks the time), newest first."""
    return ApprovalLink.by_subject.query(
        subject_key(kind, subject_id), filter_condition=ApprovalLink.state == ACTIVE, scan_index_forward=False
    )


def case_of(link: ApprovalLink) -> str:
    """The case (referral id) the link's item belongs to. A link issued before links kept their
    case (local data kept across restarts) is told by its item: a referral is its own case, a
    report is its visit's."""
    if link.case_id:
        return link.case_id
    if link.subject_type == "report":
        from chalicelib.storage.visits import Visit

        return Visit.get(link.subject_id).referral_id
    return link.subject_id


def link(link_hash: str, *, consistent: bool = False) -> ApprovalLink | None:
    """The link stored under this hash (strongly consistent if asked), or None."""
    try:
        return ApprovalLink.get(link_hash, consistent_read=consistent)
    except ApprovalLink.DoesNotExist:
        return None


def new_link(
    link_hash: str,
    *,
    kind: str,
    subject_id: str,
    case_id: str,
    approver_email: str,
    allowed_decisions: list[str],
    task_token: str,
    purpose: str,
    summary: dict,
    issued_at: str,
    expires_at: datetime,
) -> ApprovalLink:
    """A live link not yet written (see `add_link`)."""
    return ApprovalLink(
        link_hash,
        subject_key=subject_key(kind, subject_id),
        subject_type=kind,
        subject_id=subject_id,
        case_id=case_id,
        approver_email=approver_email,
        allowed_decisions=allowed_decisions,
        task_token=task_token,
        purpose=purpose,
        summary=summary,
        issued_at=issued_at,
        expires_at=expires_at,
        state=ACTIVE,
    )


def add_link(tx: Writes, link: ApprovalLink) -> None:
    """Write a new link (never over another with the same hash)."""
    tx.save(link, condition=ApprovalLink.link_hash.does_not_exist())


def retire_link(tx: Writes, link: ApprovalLink, *, at: datetime) -> None:
    """Retire the link, only if it is still active (a link used meanwhile stays used)."""
    tx.update(
        link,
        actions=[ApprovalLink.state.set(RETIRED), ApprovalLink.retired_at.set(at)],
        condition=ApprovalLink.state == ACTIVE,
    )


def use_link(
    tx: Writes,
    link: ApprovalLink,
    *,
    decision: str,
    comment: str | None,
    decided_at: str,
    decided_by: str,
    decided_by_name: str | None = None,
    decided_by_role: str | None = None,
    now: datetime,
) -> None:
    """Consume the link with the decision taken through it, only if it is still active and not
    expired at `now`."""
    tx.update(
        link,
        actions=[
            ApprovalLink.state.set(USED),
            ApprovalLink.decision.set(decision),
            ApprovalLink.comment.set(comment),
            ApprovalLink.decided_at.set(decided_at),
            ApprovalLink.decided_by.set(decided_by),
            ApprovalLink.decided_by_name.set(decided_by_name),
            ApprovalLink.decided_by_role.set(decided_by_role),
        ],
        condition=(ApprovalLink.state == ACTIVE) & (ApprovalLink.expires_at > now),
    )
