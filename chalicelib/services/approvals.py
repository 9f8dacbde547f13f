"""Approval links: the scanner-safe way a supervisor decides from an email (DESIGN.md section 5).

The URL carries an opaque random id; only its SHA-256 is stored, beside the task token it
unlocks. Opening a link shows the item and changes nothing; a decision is a POST that consumes
the link and changes its subject in one conditional transaction, then resumes the workflow.
Referrals and visit reports plug in through `ApprovalSubject`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from typing import Any, Protocol

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.observability import count, logger
from chalicelib.services.audit import SYSTEM, audited_transaction, new_event
from chalicelib.storage.approval_links import ACTIVE, RETIRED, USED, ApprovalLink

LINK_ID_BYTES = 32  # 256 bits of randomness in every link


class ApprovalSubject(Protocol):
    """What a kind of item (referral, report) tells the link mechanism."""

    kind: str
    decision_labels: dict[str, str]  # decision -> button text, in display order

    def validate(self, decision: str | None, comment: str | None) -> Any:
        """The decision as the subject's model, or raise ValidationFailed with field paths."""

    def apply(self, tx: Any, subject_id: str, decision: Any, actor: str) -> None:
        """Add the subject's conditional change and its audit event to the transaction."""

    def outcome(self, subject_id: str) -> dict | None:
        """Who decided what and when, once decided (for the "already decided" page)."""

    def workflow_result(self, decision: Any) -> dict:
        """What the waiting workflow receives."""

    def wait_was_over(self, subject_id: str) -> None:
        """The decision is recorded but its wait had ended: carry on without the workflow."""


SUBJECTS: dict[str, str] = {
    "referral": "chalicelib.services.referral_review:SUBJECT",
}


def subject(kind: str) -> ApprovalSubject:
    module, _, name = SUBJECTS[kind].partition(":")
    return getattr(import_module(module), name)


def hash_link(link_id: str) -> str:
    return hashlib.sha256(link_id.encode("utf-8")).hexdigest()


def link_url(link_id: str) -> str:
    return f"{settings().public_base_url}/approve/{link_id}"


# -- issuing and retiring ----------------------------------------------------------------------


def issue(
    *,
    kind: str,
    subject_id: str,
    approver_email: str,
    task_token: str,
    summary: dict,
    purpose: str,
    retire_others: bool = True,
) -> str:
    """Store a new link for one approver and return its id (the only copy of it)."""
    if retire_others:
        retire_active(subject_id, reason=f"superseded by a {purpose} link")
    link_id = secrets.token_urlsafe(LINK_ID_BYTES)
    now = clock.now()
    link = ApprovalLink(
        hash_link(link_id),
        subject_type=kind,
        subject_id=subject_id,
        approver_email=approver_email,
        allowed_decisions=list(subject(kind).decision_labels),
        task_token=task_token,
        purpose=purpose,
        summary=summary,
        issued_at=now.isoformat(timespec="microseconds"),
        expires_at=now + timedelta(seconds=settings().approval_link_ttl_seconds),
        state=ACTIVE,
    )
    with audited_transaction(SYSTEM) as tx:
        tx.save(link, condition=ApprovalLink.link_hash.does_not_exist())
        tx.record(
            kind,
            subject_id,
            "approval_link.issued",
            {"approver": approver_email, "purpose": purpose, "expires_at": link.expires_at.isoformat()},
        )
    count("ApprovalLinkIssued")
    return link_id


def retire_active(subject_id: str, reason: str) -> list[ApprovalLink]:
    """Retire every still-active link of a subject; a link used meanwhile stays used."""
    from pynamodb.exceptions import UpdateError

    retired: list[ApprovalLink] = []
    for link in ApprovalLink.by_subject.query(subject_id, filter_condition=ApprovalLink.state == ACTIVE):
        try:
            link.update(
                actions=[ApprovalLink.state.set(RETIRED), ApprovalLink.retired_at.set(clock.now())],
                condition=ApprovalLink.state == ACTIVE,
            )
            retired.append(link)
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") != "ConditionalCheckFailedException":
                raise
    if retired:
        logger().info("approval links retired", extra={"count": len(retired), "reason": reason})
    return retired


# -- opening and deciding ----------------------------------------------------------------------


@dataclass
class LinkPage:
    """What to show for a link: the form, or why there is nothing left to decide."""

    state: str  # "open" | "used" | "superseded" | "expired" | "unknown" | "decided"
    link: ApprovalLink | None = None
    outcome: dict | None = None
    errors: list[dict] = field(default_factory=list)
    values: dict = field(default_factory=dict)

    @property
    def status_code(self) -> int:
        return {"open": 200, "decided": 200, "unknown": 404, "expired": 410, "superseded": 410, "used": 409}[self.state]

    @property
    def decision_labels(self) -> dict[str, str]:
        return subject(self.link.subject_type).decision_labels if self.link else {}


def _find(link_id: str) -> ApprovalLink | None:
    # A made-up id that is not even the right shape is answered without a read.
    if not link_id or len(link_id) > 128:
        return None
    try:
        return ApprovalLink.get(hash_link(link_id))
    except ApprovalLink.DoesNotExist:
        return None


def _closed_page(link: ApprovalLink | None) -> LinkPage | None:
    if link is None:
        return LinkPage("unknown")
    if link.state == USED:
        return LinkPage(
            "used",
            link,
            outcome={
                "decision": link.decision,
                "decided_by": link.approver_email,
                "decided_at": link.decided_at,
                "comment": link.comment,
            },
        )
    if link.state == RETIRED:
        return LinkPage("superseded", link, outcome=subject(link.subject_type).outcome(link.subject_id))
    if link.expires_at <= clock.now():
        return LinkPage("expired", link, outcome=subject(link.subject_type).outcome(link.subject_id))
    return None


def open_link(link_id: str, *, record_view: bool = True) -> LinkPage:
    """GET: what the link shows. Changes nothing but the audit trail (HEAD records nothing)."""
    link = _find(link_id)
    page = _closed_page(link) or LinkPage("open", link)
    if record_view and link is not None:
        event = new_event(
            link.subject_type,
            link.subject_id,
            link.approver_email,
            "approval_link.viewed",
            {"shown": page.state, "purpose": link.purpose},
        )
        event.save()
    return page


def decide(link_id: str, decision: str | None, comment: str | None, confirmed: bool) -> LinkPage:
    """POST: consume the link and record the decision in one transaction, then resume the workflow."""
    link = _find(link_id)
    closed = _closed_page(link)
    if closed is not None:
        return closed
    assert link is not None
    values = {"decision": decision or "", "comment": comment or "", "confirmed": confirmed}
    approval = subject(link.subject_type)
    # Every problem at once, each beside its field: a half-filled form decides nothing.
    errors: list[dict] = []
    chosen = None
    if not decision:
        errors.append({"path": "decision", "message": "Choose one of the decisions"})
    elif decision not in link.allowed_decisions:
        errors.append({"path": "decision", "message": "That decision cannot be made with this link"})
    else:
        try:
            chosen = approval.validate(decision, comment)
        except ValidationFailed as error:
            errors += error.fields
    if not confirmed:
        errors.append({"path": "confirmed", "message": "Tick the box to confirm you have read it before deciding"})
    if errors:
        return LinkPage("open", link, errors=errors, values=values)

    now = clock.now()
    try:
        with audited_transaction(link.approver_email, conflict_message="already decided") as tx:
            tx.update(
                link,
                actions=[
                    ApprovalLink.state.set(USED),
                    ApprovalLink.decision.set(str(decision)),
                    ApprovalLink.comment.set(comment or None),
                    ApprovalLink.decided_at.set(now.isoformat(timespec="seconds")),
                ],
                condition=(ApprovalLink.state == ACTIVE) & (ApprovalLink.expires_at > now),
            )
            approval.apply(tx, link.subject_id, chosen, link.approver_email)
    except Conflict:
        # Another link (or the referrer) got there first: say what happened instead.
        return LinkPage("superseded", link, outcome=approval.outcome(link.subject_id))

    from chalicelib.workflows import executions

    if not executions.resume(link.task_token, approval.workflow_result(chosen)):
        logger().warning("decision recorded but its wait was over", extra={"subject": link.subject_type})
        approval.wait_was_over(link.subject_id)
    count("ApprovalDecided")
    return LinkPage(
        "decided",
        link,
        outcome={
            "decision": decision,
            "decided_by": link.approver_email,
            "decided_at": now.isoformat(timespec="seconds"),
            "comment": comment,
        },
    )
