"""Approval links: the scanner-safe way a supervisor decides from an email (DESIGN.md section 5).

The URL carries an opaque random id; only its SHA-256 is stored, beside the task token it
unlocks. Opening a link shows the item and changes nothing; a decision is a POST that consumes
the link and changes its subject in one conditional transaction, then resumes the workflow.
A decision taken in the app goes through the same write. The mechanism knows no item kind: the
caller passes the `ApprovalSubject` (a referral, a report) it acts on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.config import settings
from chalicelib.domain.identity import normalise_email
from chalicelib.domain.link_ids import could_be_ours, hash_link, new_link_id
from chalicelib.domain.people import Person, person_label
from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.observability import count, logger
from chalicelib.services.audit import SYSTEM, audited_transaction, new_event
from chalicelib.storage import approval_links as store
from chalicelib.workflows import executions

if TYPE_CHECKING:
    from chalicelib.storage.approval_links import ApprovalLink

NO_DECISION = "Choose one of the decisions"  # a decision form sent with none chosen, on any page


class ApprovalSubject(Protocol):
    """What a kind of item (referral, report) tells the link mechanism."""

    kind: str
    decision_labels: dict[str, str]  # decision -> button text, in display order
    page_template: str  # renders the item on the approval page from the link's summary
    labels: dict[str, str]  # the item's words on the approval page: "noun", "comment", "comment_hint"

    def validate(self, decision: str | None, comment: str | None) -> Any:
        """The decision as the subject's model, or raise ValidationFailed with field paths."""

    def apply(
        self, tx: Any, subject_id: str, decision: Any, actor: Person, audit: dict, summary: dict
    ) -> Callable[[], None] | None:
        """Add the subject's conditional change and its audit event (with `audit` in it) to `tx`.
        `summary` is the link's, fixed when it was issued (what the subject counts by, read without a call).
        May return what must run once that write has committed (e.g. a change's later chunks and emails)."""

    def outcome(self, subject_id: str) -> dict:
        """Where the item stands: "decided" (by someone's decision), "settled" (needs no decision now),
        "status_label", "decision", "decided_by", "decided_at"."""

    def workflow_result(self, decision: Any) -> dict:
        """What the waiting workflow receives."""

    def check_still_waiting(self, tx: Any, subject_id: str) -> None:
        """Add to `tx` the condition that the item still waits for a decision (a new link needs it)."""

    def wait_was_over(self, subject_id: str) -> None:
        """The decision is recorded but its wait had ended: carry on without the workflow."""


def link_url(link_id: str) -> str:
    return f"{settings().public_base_url}/approve/{link_id}"


# -- issuing and retiring ----------------------------------------------------------------------


def issue(
    subject: ApprovalSubject,
    *,
    subject_id: str,
    case_id: str,
    approver_email: str,
    task_token: str,
    summary: dict,
    purpose: str,
    retire_others: bool = True,
) -> str:
    """Store a new link for one approver and return its id (the only copy of it); `case_id` is the
    case its item belongs to, kept on the link for its events. The older links
    are retired after the new one is saved, so a waiting item always has a live link.

    The link is written only if its item still waits for a decision, checked in the same
    transaction: an item withdrawn or decided since the caller read it gets no live link (Conflict).
    """
    link_id = new_link_id()
    now = clock.now()
    link = store.new_link(
        hash_link(link_id),
        kind=subject.kind,
        subject_id=subject_id,
        case_id=case_id,
        approver_email=normalise_email(approver_email),  # compared exactly with the signed-in email
        allowed_decisions=list(subject.decision_labels),
        task_token=task_token,
        purpose=purpose,
        summary=summary,
        issued_at=now.isoformat(timespec="microseconds"),
        expires_at=now + timedelta(seconds=settings().approval_link_ttl_seconds),
    )
    with audited_transaction(SYSTEM, "no longer waiting for a decision", case_id=case_id) as tx:
        subject.check_still_waiting(tx, subject_id)
        store.add_link(tx, link)
        tx.record(
            subject.kind,
            subject_id,
            "approval_link.issued",
            {"approver": approver_email, "purpose": purpose, "expires_at": link.expires_at.isoformat()},
        )
    count("ApprovalLinkIssued")
    if retire_others:
        retire_active(subject.kind, subject_id, reason=f"superseded by a {purpose} link", keep=link.link_hash)
    return link_id


def retire_active(
    kind: str, subject_id: str, reason: str, keep: str | None = None, actor: str | Person = SYSTEM
) -> list[ApprovalLink]:
    """Retire every still-active link of an item (but `keep`), each with its audit event; a link
    used meanwhile stays used. `actor` is the person whose action ended them (a referrer who
    withdrew), or the service's own step."""
    retired: list[ApprovalLink] = []
    for link in store.active_links(kind, subject_id):
        if link.link_hash == keep:
            continue
        try:
            with audited_transaction(actor) as tx:
                _retire(tx, link, reason)
        except Conflict:
            continue
        retired.append(link)
    if retired:
        logger().info("approval links retired", extra={"count": len(retired), "reason": reason})
    return retired


def _retire(tx: Any, link: ApprovalLink, reason: str) -> None:
    store.retire_link(tx, link, at=clock.now())
    tx.record(
        link.subject_type,
        link.subject_id,
        "approval_link.retired",
        {"approver": link.approver_email, "purpose": link.purpose, "reason": reason},
        case_id=store.case_of(link),
    )


# -- opening and deciding from an email ---------------------------------------------------------


@dataclass
class LinkPage:
    """What to show for a link: the form, or why there is nothing left to decide."""

    state: str  # "open" | "used" | "superseded" | "expired" | "unknown" | "decided" | "refused"
    link: ApprovalLink | None = None
    subject: ApprovalSubject | None = None
    outcome: dict | None = None
    errors: list[dict] = field(default_factory=list)
    values: dict = field(default_factory=dict)

    @property
    def status_code(self) -> int:
        if self.state == "open" and self.errors:
            return 422
        if self.state == "superseded" and self.outcome and self.outcome.get("decided"):
            return 409  # decided through another door: a conflict, whichever door this was
        return {
            "open": 200,
            "decided": 200,
            "refused": 403,
            "unknown": 404,
            "expired": 410,
            "superseded": 410,
            "used": 409,
        }[self.state]

    @property
    def decision_labels(self) -> dict[str, str]:
        return self.subject.decision_labels if self.subject else {}


def find(link_id: str) -> ApprovalLink | None:
    if not could_be_ours(link_id):
        return None
    return store.link(hash_link(link_id))


def _someone_else(link: ApprovalLink, principal: Principal | None) -> bool:
    """A link is its approver's alone: anyone else signed in (but an admin) is refused. A visitor
    who is not signed in is the approver as far as we can tell: the link itself is the secret."""
    if principal is None or principal.is_admin:
        return False
    return principal.email != link.approver_email  # both as normalised at sign-in (or issue)


def _closed_page(link: ApprovalLink, subject: ApprovalSubject) -> LinkPage | None:
    if link.is_used:
        return LinkPage(
            "used",
            link,
            subject,
            outcome={
                "decision": link.decision,
                "decided_by": person_label(
                    link.decided_by or link.approver_email, link.decided_by_name, link.decided_by_role
                ),
                "decided_at": link.decided_at,
                "comment": link.comment,
            },
        )
    if link.is_retired:
        return LinkPage("superseded", link, subject, outcome=subject.outcome(link.subject_id))
    if link.expires_at <= clock.now():
        return LinkPage("expired", link, subject, outcome=subject.outcome(link.subject_id))
    return None


def open_link(
    link: ApprovalLink, subject: ApprovalSubject, principal: Principal | None, *, record_view: bool = True
) -> LinkPage:
    """GET: what the link shows. Changes nothing but the audit trail (HEAD records nothing)."""
    if _someone_else(link, principal):
        page = LinkPage("refused", link, subject)
    else:
        page = _closed_page(link, subject) or LinkPage("open", link, subject)
    if record_view:
        _record_opening(
            link, principal, "approval_link.refused" if page.state == "refused" else "approval_link.viewed", page.state
        )
    return page


def _record_opening(link: ApprovalLink, principal: Principal | None, action: str, shown: str) -> None:
    """An opening of the link, as the person who opened it: whoever is signed in (refused, or an
    admin), else the approver (the link is their secret). The approver is kept as a detail."""
    new_event(
        link.subject_type,
        link.subject_id,
        principal.person if principal is not None else Person(link.approver_email),
        action,
        {"shown": shown, "purpose": link.purpose, "approver": link.approver_email, **_signed_in(principal)},
        case_id=store.case_of(link),
    ).save()


def decide(
    link: ApprovalLink,
    subject: ApprovalSubject,
    principal: Principal | None,
    decision: str | None,
    comment: str | None,
    confirmed: bool,
) -> LinkPage:
    """POST: consume the link and record the decision in one transaction, then resume the workflow."""
    if _someone_else(link, principal):
        _record_opening(link, principal, "approval_link.refused", "refused")  # a refused decision changes nothing else
        return LinkPage("refused", link, subject)
    closed = _closed_page(link, subject)
    if closed is not None:
        return closed
    values = {"decision": decision or "", "comment": comment or "", "confirmed": confirmed}
    # Every problem at once, each beside its field: a half-filled form decides nothing.
    errors: list[dict] = []
    chosen = None
    if not decision:
        errors.append({"path": "decision", "message": NO_DECISION})
    elif decision not in link.allowed_decisions:
        errors.append({"path": "decision", "message": "That decision cannot be made with this link"})
    else:
        try:
            chosen = subject.validate(decision, comment)
        except ValidationFailed as error:
            errors += error.fields
    if not confirmed:
        errors.append({"path": "confirmed", "message": "Tick the box to confirm you have read it before deciding"})
    if errors:
        return LinkPage("open", link, subject, errors=errors, values=values)

    audit = {"approver": link.approver_email, "via": "email link", **_signed_in(principal)}
    try:
        outcome = _consume(subject, link, [], chosen, decision, comment, _link_decider(link, principal), audit)
    except Conflict:
        # Another link, the app or the referrer got there first: say what happened instead.
        return LinkPage("superseded", link, subject, outcome=subject.outcome(link.subject_id))
    return LinkPage("decided", link, subject, outcome=outcome)


# -- deciding in the app -------------------------------------------------------------------------


def decide_in_app(
    subject: ApprovalSubject, subject_id: str, principal: Principal, decision: str | None, comment: str | None
) -> dict:
    """A supervisor decides from the item's page: the same conditional write on the item's live
    link, so the same wait resumes, a second decision through any door is a 409, and the item's
    other links die in the same transaction."""
    chosen = subject.validate(decision, comment)
    links = list(store.active_links(subject.kind, subject_id))
    now = clock.now()
    live = [link for link in links if link.expires_at > now]
    if not live:
        raise Conflict(_not_waiting(subject, subject_id))
    door, others = live[0], [link for link in links if link is not live[0]]
    audit = {"approver": door.approver_email, "via": "app", **_signed_in(principal)}
    try:
        return _consume(subject, door, others, chosen, decision, comment, principal.person, audit)
    except Conflict as exc:
        raise Conflict(_not_waiting(subject, subject_id, door)) from exc


def _not_waiting(subject: ApprovalSubject, subject_id: str, door: ApprovalLink | None = None) -> str:
    outcome = subject.outcome(subject_id)
    noun = subject.labels["noun"]
    if outcome.get("decided"):
        by = f" by {outcome['decided_by']}" if outcome.get("decided_by") else ""
        return f"This {noun} was already decided{by}: it is now {outcome['status_label']}. Nothing was changed."
    if outcome.get("settled"):
        return f"This {noun} is {outcome['status_label']}: it is not waiting for a decision now. Nothing was changed."
    # The link this decision lost on was used by the winner, whose write the item may not show yet.
    winner = _decided_by(door) if door is not None else None
    if winner:
        return f"This {noun} was already decided by {winner}. Nothing was changed."
    return (
        f"The review of this {noun} is still starting, so it cannot be decided yet. Nothing was changed: "
        "try again in a minute."
    )


def _decided_by(link: ApprovalLink) -> str | None:
    stored = store.link(link.link_hash, consistent=True)
    if stored is None or not stored.decided_by:
        return None
    return person_label(stored.decided_by, stored.decided_by_name, stored.decided_by_role)


def _link_decider(link: ApprovalLink, principal: Principal | None) -> Person:
    """Who decides through an emailed link: whoever is signed in (the approver, or an admin using
    it: anyone else was refused), the approver kept as a detail of the event; not signed in, the
    link's approver, whose secret it is."""
    if principal is not None:
        return principal.person
    return Person(link.approver_email)


def _consume(
    subject: ApprovalSubject,
    door: ApprovalLink,
    others: list[ApprovalLink],
    chosen: Any,
    decision: str | None,
    comment: str | None,
    actor: Person,
    audit: dict,
) -> dict:
    """The one write of every decision: the door link used, the item's other links retired and the
    item changed, all or nothing; then the waiting workflow resumes."""
    now = clock.now().isoformat(timespec="seconds")
    # The subject's change and its events belong to the link's case (`apply` records them in it).
    with audited_transaction(actor, conflict_message="already decided", case_id=store.case_of(door)) as tx:
        store.use_link(
            tx,
            door,
            decision=str(decision),
            comment=comment or None,
            decided_at=now,
            decided_by=actor.email,
            decided_by_name=actor.name,
            decided_by_role=actor.role,
            now=clock.now(),
        )
        for other in others:
            _retire(tx, other, "decided")
        after_commit = subject.apply(tx, door.subject_id, chosen, actor, audit, door.summary or {})
    if after_commit is not None:
        after_commit()
    if not executions.resume(door.task_token, subject.workflow_result(chosen)):
        logger().warning("decision recorded but its wait was over", extra={"subject": door.subject_type})
        subject.wait_was_over(door.subject_id)
    count("ApprovalDecided")
    return {"decision": decision, "decided_by": actor.label, "decided_at": now, "comment": comment}


def _signed_in(principal: Principal | None) -> dict:
    return {"signed_in_as": principal.email} if principal is not None else {}
