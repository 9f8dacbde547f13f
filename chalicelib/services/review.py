"""The review machinery every approvable item shares: start the workflow, ask an approver with a
fresh link, remind, escalate, report a review overdue, record a failure, close the waits, wait for
the author's answer and resume (or restart) the review when it comes.

Written once; each step takes the `ReviewSubject` (a referral, a report) it works on. The item's
own statuses, emails and decision handling stay with the subject. Each step is safe to run
again: it reads the item first and acts on what is true now, so a retried Task, a restarted
execution or a decision that raced a reminder all converge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain import date_words
from chalicelib.domain.people import Person, person_label
from chalicelib.domain.working_days import calendar_seconds
from chalicelib.errors import Conflict, NotFound
from chalicelib.observability import count, logger
from chalicelib.services import approvals, email, outputs
from chalicelib.services.approvals import ApprovalSubject
from chalicelib.services.audit import CASE_ITEMS, SYSTEM, audited_transaction
from chalicelib.workflows import executions
from chalicelib.workflows.registry import Workflow

CLOSED = "closed"  # what a wait receives when the item no longer needs a decision


class NothingToDecide(Exception):
    """Raised instead of waiting when the item needs no decision now (decided, withdrawn, or
    waiting for its author). Its message is the decision to route on; the ASL catches it."""


class AlreadyAnswered(Exception):
    """Raised instead of waiting for the author when they answered before the wait began."""


@dataclass(frozen=True)
class Described:
    """An item as the generic emails, the queue and the recovery sweep name it."""

    subject_id: str
    reference: str  # short, for people
    title: str  # what it is about: the children's first names, "the visit of 22 Nov 2026"; no addresses
    status: str
    status_label: str
    url: str  # the item's page, where a supervisor can decide it
    since: str  # ISO time it entered its current status (what the queue sorts by)
    runs: int  # executions started for it: names are "<id>-<run>"
    case_id: str  # the case (referral id) it belongs to: its audit events carry it


@dataclass(frozen=True)
class AuthorWait:
    """How a subject waits for its author's answer (a referrer's answer, a worker's revision): the
    `await_answer` step of its workflow's author wait (`AuthorWait` in its ASL fragment)."""

    status: str  # the item's status while its author is asked
    # Adds to a transaction the write that keeps the wait's task token on the item, server side,
    # only while the item is still in `status`: (tx, item, task_token, while_status=...).
    keep_token: Callable[..., None]
    retire_reason: str  # why the item's links die as the wait begins
    audit_action: str  # the audit event of the wait's start
    details: Callable[[Any], dict]  # that event's details
    # An answer that finds the wait over (timed out, lost) starts the next run itself; without
    # this, the recovery sweep restarts the review (the answered status must be a stranded one).
    restart_when_over: bool = False


def decider_label(email: str | None, name: str | None, role: str | None, last: Any) -> str | None:
    """Who decided an item, as its outcome names them: the decider stored on the item, else the
    author of its last status change (`last`, a history entry or None); None when neither is known."""
    if email:
        return person_label(email, name, role)
    return person_label(last.actor, last.actor_name, last.actor_role) if last is not None else None


class ReviewSubject(ApprovalSubject, Protocol):
    """What the review machinery needs of a kind of item, beyond what its links need."""

    workflow: Workflow
    page: str  # the address of the item's page, with `{id}`: read and decided there
    email_templates: dict[str, str]  # "request" -> the approver's email template
    steps: dict[str, Callable[[dict], Any]]  # its workflow's Lambda steps, by the names the ASL uses
    author_wait: AuthorWait | None  # None when a decision never goes back to the item's author

    def load(self, subject_id: str) -> Any: ...

    def describe(self, item: Any) -> Described: ...

    def check_decision_needed(self, item: Any) -> None:
        """Raise NothingToDecide(route) when the item needs no decision now."""

    def begin_review(self, item: Any) -> None:
        """Record that the review has started (e.g. SUBMITTED -> UNDER_REVIEW); idempotent."""

    def summary(self, item: Any) -> dict:
        """What the approver sees in the email and on the link page: no protected details."""

    def waiting(self) -> Iterable[Any]:
        """Items waiting for a decision now (the queue reads this; a Query, never a Scan)."""

    def in_status_after(self, status: str, cursor: str | None) -> Iterable[tuple[Any, str | None]]:
        """Items in one status after `cursor`, each with the cursor that goes on after it (the
        recovery sweep reads its workflow's stranded statuses, and may stop at any item)."""

    def count_run(self, tx: Any, item: Any, run: int) -> None:
        """Add to `tx`: the item's run counter moves from its current value to `run`."""

    def ask_author(self, item: Any) -> None:
        """Email the author what the decision asks of them (with an author wait only)."""


def decision_from(model: Any, decision: str | None, comment: str | None) -> Any:
    """A subject's decision model from the form or body, or ValidationFailed with field paths."""
    from pydantic import ValidationError

    from chalicelib.domain.validation import field_errors
    from chalicelib.errors import ValidationFailed

    try:
        return model.model_validate({"decision": decision, "comment": comment or None})
    except ValidationError as exc:
        fields = field_errors(exc)
        if not decision:  # no choice made on the page: said in its words, not the decisions' codes
            fields = [{**f, "message": approvals.NO_DECISION} if f["path"] == "decision" else f for f in fields]
        raise ValidationFailed("Check the decision.", fields=fields) from exc


# -- starting and stopping --------------------------------------------------------------------


def start(workflow: Workflow, subject_id: str, run: int) -> bool:
    """Start the item's review. If Step Functions is unavailable the item keeps its status and
    the recovery sweep starts it later; the person who saved it is not failed for it."""
    try:
        executions.start(
            settings().state_machine_arn(workflow.name),
            workflow.execution_name(subject_id, run),
            {"subject_id": subject_id},
        )
        return True
    except executions.WorkflowUnavailable:
        count("WorkflowStartDeferred")
        return False


def count_restart(subject: ReviewSubject, item: Any, run: int, status: str, lost_to: str) -> bool:
    """Count run `run` on the item with its audit event, in one conditional write; False when
    another request or sweep counted it first (that one starts it)."""
    described = subject.describe(item)
    try:
        with audited_transaction(SYSTEM, lost_to, case_id=described.case_id) as tx:
            subject.count_run(tx, item, run)
            tx.record(subject.kind, described.subject_id, "workflow.restarted", {"status": status, "run": run})
    except Conflict:
        return False
    return True


def running(workflow: Workflow, subject_id: str, run: int) -> bool:
    arn = settings().state_machine_arn(workflow.name)
    return executions.status(arn, workflow.execution_name(subject_id, run)) == "RUNNING"


def answered(subject: ReviewSubject, item: Any, wait_token: str | None, output: dict) -> None:
    """The author's answer is saved (`item` as read before it): the wait that kept `wait_token`
    resumes. If that wait is over, or none was kept and the review is not running (it was about to
    keep one: its write now fails and it goes straight back to review), then, for a subject whose
    wait restarts, the next run reviews the answer now; for the others the recovery sweep does."""
    if wait_token is not None and executions.resume(wait_token, output):
        return
    wait = subject.author_wait
    if wait is None or not wait.restart_when_over:
        return
    described = subject.describe(item)
    if wait_token is None and running(subject.workflow, described.subject_id, described.runs):
        return
    run = described.runs + 1
    if count_restart(subject, item, run, subject.workflow.starts_in, "started by another request"):
        start(subject.workflow, described.subject_id, run)


def close_waits(task_tokens: Iterable[str]) -> None:
    """End waits that no longer need an answer. A stale token is fine: that wait already ended,
    and the next step reads the item's status and closes the review itself."""
    for token in set(task_tokens):
        executions.resume(token, {"decision": CLOSED})


def stop(
    kind: str, subject_id: str, reason: str, extra_waits: Iterable[str] = (), actor: str | Person = SYSTEM
) -> list[str]:
    """The item no longer needs a decision: its links die and whatever its review waits on
    (a link's decision, the author's answer) is answered "closed", so the execution ends cleanly.
    `actor` is who stopped it (the referrer who withdrew), named on the links' retirements.

    Returns who held the links that died (each once), so they can be told.
    """
    retired = approvals.retire_active(kind, subject_id, reason=reason, actor=actor)
    close_waits([link.task_token for link in retired] + list(extra_waits))
    return list(dict.fromkeys(link.approver_email for link in retired))


# -- the steps ----------------------------------------------------------------------------------


def ask(subject: ReviewSubject, event: dict) -> dict:
    item = subject.load(event["subject_id"])
    subject.check_decision_needed(item)
    try:
        subject.begin_review(item)
    except Conflict:
        # It changed as the review began (withdrawn, say): what it is now decides the route.
        item = subject.load(event["subject_id"])
        subject.check_decision_needed(item)
    reminders = int(event.get("reminders", 0))
    purpose = "reminder" if reminders else "review"
    _send_link(subject, item, event["task_token"], settings().duty_supervisor_email, purpose, reminders, True)
    return {"asked": True, "purpose": purpose}


def escalate(subject: ReviewSubject, event: dict) -> dict:
    """Both the supervisor and the admin get a fresh link for this wait: the supervisor's old link
    carried the token of the wait that timed out, so it could no longer resume anything."""
    item = subject.load(event["subject_id"])
    subject.check_decision_needed(item)
    reminders = int(event.get("reminders", 0))
    token = event["task_token"]
    _send_link(subject, item, token, settings().duty_supervisor_email, "reminder", reminders, True)
    _send_link(subject, item, token, settings().admin_email, "escalation", reminders, False)
    return {"asked": True, "purpose": "escalation"}


def _send_link(
    subject: ReviewSubject, item: Any, token: str, approver: str, purpose: str, reminders: int, retire_others: bool
) -> None:
    summary = subject.summary(item)
    described = subject.describe(item)
    subject_id = described.subject_id
    try:
        link_id = approvals.issue(
            subject,
            subject_id=subject_id,
            case_id=described.case_id,
            approver_email=approver,
            task_token=token,
            summary=summary,
            purpose=purpose,
            retire_others=retire_others,
        )
    except Conflict:
        # Withdrawn or decided since this step read it: no link was written; what it is now
        # decides the route (NothingToDecide), and no email goes out.
        subject.check_decision_needed(subject.load(subject_id))
        raise
    email.send(
        approver,
        subject.email_templates["request"],
        summary=summary,
        link=approvals.link_url(link_id),
        purpose=purpose,
        reminders=reminders,
        expires_in=date_words.period(settings().approval_link_ttl_seconds),
    )


def report_overdue(subject: ReviewSubject, event: dict) -> dict:
    """The review stops here: its links die with it, and the recovery sweep starts a new review."""
    item = subject.describe(subject.load(event["subject_id"]))
    approvals.retire_active(subject.kind, item.subject_id, reason="review overdue")
    with audited_transaction(SYSTEM, case_id=item.case_id) as tx:
        tx.record(subject.kind, item.subject_id, f"{subject.kind}.review_overdue", {"status": item.status})
    email.send(settings().admin_email, "review_overdue", item=item, noun=subject.labels["noun"])
    return {"alerted": True}


def record_failure(subject: ReviewSubject, event: dict) -> dict:
    failure = event.get("failure") or {}
    error = str(failure.get("Error", "unknown"))[:200]
    subject_id = event["subject_id"]
    approvals.retire_active(subject.kind, subject_id, reason="workflow failed")  # their waits ended with it
    details = {"error": error, "execution": event.get("execution")}
    try:
        case_id = subject.describe(subject.load(subject_id)).case_id  # its event belongs to the item's case
    except NotFound:
        case_id = None
    with audited_transaction(SYSTEM, case_id=case_id) as tx:
        if case_id is None and subject.kind in CASE_ITEMS:
            # No such item, so no case to file it under: the failure is kept as the workflow's own.
            tx.record("workflow", subject.workflow.name, "workflow.failed", {**details, "subject_id": subject_id})
        else:  # a referral is its own case, found or not
            tx.record(subject.kind, subject_id, "workflow.failed", details)
    # Logged before the email: the WorkflowFailures alarm counts this line, so the admin hears of
    # the failure even when SES refuses their address too.
    logger().error(
        "workflow failed", extra={"workflow": subject.workflow.name, "subject_id": subject_id, "error": error}
    )
    email.send(
        settings().admin_email,
        "workflow_failure",
        workflow=subject.workflow.name.replace("_", " "),
        kind=subject.kind,
        subject_id=subject_id,
        error=error,
        execution=event.get("execution"),
    )
    return {"recorded": True}


def await_answer(subject: ReviewSubject, event: dict) -> dict:
    """The decision went back to the item's author: keep the wait's token server side and ask them.
    Answered (or withdrawn) before this wait began: AlreadyAnswered, and back to review."""
    wait = subject.author_wait
    item = subject.load(event["subject_id"])
    described = subject.describe(item)
    subject_id = described.subject_id
    approvals.retire_active(subject.kind, subject_id, reason=wait.retire_reason)
    if item.status != wait.status:
        raise AlreadyAnswered(item.status)
    try:
        with audited_transaction(SYSTEM, case_id=described.case_id) as tx:
            wait.keep_token(tx, item, event["task_token"], while_status=wait.status)
            tx.record(subject.kind, subject_id, wait.audit_action, wait.details(item))
    except Conflict as exc:
        raise AlreadyAnswered(subject.load(subject_id).status) from exc
    subject.ask_author(item)
    return {"asked": True}


def steps(subject: ReviewSubject, own: dict[str, Callable[[dict], Any]]) -> dict[str, Callable[[dict], Any]]:
    """The Lambda steps of a subject's workflow: the shared ones, bound to it, and its own."""
    shared = {
        "ask_supervisor": ask,
        "escalate": escalate,
        "report_overdue": report_overdue,
        "record_failure": record_failure,
        **({"await_answer": await_answer} if subject.author_wait else {}),
    }
    return {**{name: (lambda event, step=step: step(subject, event)) for name, step in shared.items()}, **own}


# -- the queue ------------------------------------------------------------------------------------


def queue_entry(subject: ReviewSubject, item: Any, now: datetime) -> outputs.WaitingItem:
    """One row of the decisions queue: how long it has waited, and whether a reminder is due."""
    described = subject.describe(item)
    since = datetime.fromisoformat(described.since)
    waited = max(0, int((now - since).total_seconds()))
    due = subject.workflow.timings.reminder_seconds
    if subject.workflow.working_time:
        due = calendar_seconds(since, due)
    return {
        "kind": subject.kind,
        "id": described.subject_id,
        "reference": described.reference,
        "title": described.title,
        "status": described.status,
        "status_label": described.status_label,
        "url": described.url,
        "waiting_since": described.since,
        "waited_seconds": waited,
        "overdue": waited >= due,
    }


def queue(subjects: Iterable[ReviewSubject]) -> list[outputs.WaitingItem]:
    """Every item waiting for a decision, overdue first, then oldest first."""
    now = clock.now()
    rows = [queue_entry(subject, item, now) for subject in subjects for item in subject.waiting()]
    return sorted(rows, key=lambda row: (not row["overdue"], row["waiting_since"]))
