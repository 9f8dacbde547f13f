"""The referral_review workflow's side: starting it, its Lambda steps, and the approval-link subject.

Each step is safe to run again: it reads the referral's status first and acts on what is true
now, so a retried Task, a restarted execution or a decision that raced a reminder all converge.
"""

from __future__ import annotations

from typing import Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain.referrals import (
    Decision,
    ReferralStatus,
    ReferralSubmission,
    ReviewDecision,
    public_summary,
)
from chalicelib.errors import ValidationFailed
from chalicelib.observability import count, logger
from chalicelib.services import approvals, email
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.referrals import change_status, load
from chalicelib.storage.referrals import Exchange, Referral, append_to
from chalicelib.workflows import executions

CLOSED = "closed"  # what a wait receives when the referral no longer needs a decision


# -- starting and stopping --------------------------------------------------------------------------


def execution_name(referral: Referral) -> str:
    return f"{referral.referral_id}-{referral.workflow_runs}"


def start_workflow(referral: Referral) -> bool:
    """Start the review. If Step Functions is unavailable the referral stays SUBMITTED and the
    recovery sweep starts it later; the submitter is not failed for it."""
    try:
        executions.start(
            settings().referral_review_state_machine_arn,
            execution_name(referral),
            {"referral_id": referral.referral_id},
        )
        return True
    except executions.WorkflowUnavailable:
        count("ReferralWorkflowStartDeferred")
        return False


def close_waits(task_tokens: set[str]) -> None:
    """End waits that no longer need an answer. A stale token is fine: that wait already ended,
    and the next step reads the referral's status and closes the review itself."""
    for token in task_tokens:
        executions.resume(token, {"decision": CLOSED})


# -- the approval-link subject ----------------------------------------------------------------------


class ReferralSubject:
    kind = "referral"
    decision_labels = {
        Decision.ACCEPT.value: "Accept the referral",
        Decision.DECLINE.value: "Decline the referral",
        Decision.MORE_INFO.value: "Ask the referrer for more information",
    }

    def validate(self, decision: str | None, comment: str | None) -> ReviewDecision:
        from pydantic import ValidationError

        from chalicelib.domain.validation import field_errors

        try:
            return ReviewDecision.model_validate({"decision": decision, "comment": comment or None})
        except ValidationError as exc:
            raise ValidationFailed("Check the decision.", fields=field_errors(exc)) from exc

    def apply(self, tx: Any, subject_id: str, decision: ReviewDecision, actor: str) -> None:
        if decision.decision is Decision.MORE_INFO:
            extra = (
                append_to(
                    Referral.exchanges, [Exchange(asked_at=clock.iso_now(), asked_by=actor, question=decision.comment)]
                ),
            )
        else:
            extra = (
                Referral.decision.set(decision.decision.value),
                Referral.decided_by.set(actor),
                Referral.decided_at.set(clock.iso_now()),
                Referral.decision_comment.set(decision.comment),
            )
        change_status(
            tx,
            subject_id,
            ReferralStatus.UNDER_REVIEW.value,
            decision.new_status.value,
            action="referral.decided",
            reason=decision.comment,
            extra_actions=extra,
        )

    def outcome(self, subject_id: str) -> dict | None:
        referral = Referral.get(subject_id)
        last = (referral.history or [None])[-1]
        return {
            "status": referral.status,
            "status_label": ReferralStatus(referral.status).label,
            "decision": referral.decision,
            "decided_by": referral.decided_by or (last.actor if last else None),
            "decided_at": referral.decided_at or (last.at if last else None),
        }

    def workflow_result(self, decision: ReviewDecision) -> dict:
        return {"decision": decision.decision.value}

    def wait_was_over(self, subject_id: str) -> None:
        """A decision landed just as its wait ended (a timeout in the same instant). An accept or
        decline is told to the referrer now; a question is picked up by the next review step,
        which sees the status, or by the recovery sweep."""
        referral = load(subject_id)
        if referral.decision and referral.notified_status != referral.status:
            notify_decision({"referral_id": subject_id})


SUBJECT = ReferralSubject()


# -- workflow steps -----------------------------------------------------------------------------------


def link_summary(referral: Referral) -> dict:
    """What the supervisor sees in the email and on the link page: never the carer's address."""
    submission = ReferralSubmission.model_validate(referral.submission, context={"today": clock.today()})
    return {
        "referral_id": referral.referral_id,
        "submitted_at": referral.created_at,
        **public_summary(submission, clock.today()),
        "questions": [{"question": e.question, "answer": e.answer} for e in referral.exchanges or []],
    }


class NothingToDecide(Exception):
    """Raised instead of waiting when the referral needs no decision now (decided, withdrawn or
    waiting for the referrer). Its message is the decision to route on; the ASL catches it."""


class AlreadyAnswered(Exception):
    """Raised instead of waiting when the referrer answered before the wait began."""


def _check_decision_needed(referral: Referral) -> None:
    status = ReferralStatus(referral.status)
    if status in (ReferralStatus.SUBMITTED, ReferralStatus.UNDER_REVIEW):
        return
    if status is ReferralStatus.MORE_INFO_REQUESTED:
        raise NothingToDecide(Decision.MORE_INFO.value)
    raise NothingToDecide(referral.decision or CLOSED)


def ask_supervisor(event: dict) -> dict:
    referral = load(event["referral_id"])
    token = event["task_token"]
    _check_decision_needed(referral)
    if referral.status == ReferralStatus.SUBMITTED:
        with audited_transaction(SYSTEM) as tx:
            change_status(
                tx,
                referral.referral_id,
                ReferralStatus.SUBMITTED.value,
                ReferralStatus.UNDER_REVIEW.value,
                action="referral.review_started",
            )
    reminders = int(event.get("reminders", 0))
    purpose = "reminder" if reminders else "review"
    _send_link(referral, token, settings().duty_supervisor_email, purpose, reminders, retire_others=True)
    return {"asked": True, "purpose": purpose}


def escalate(event: dict) -> dict:
    """Both the supervisor and the admin get a fresh link for this wait: the supervisor's old link
    carried the token of the wait that timed out, so it could no longer resume anything."""
    referral = load(event["referral_id"])
    _check_decision_needed(referral)
    reminders = int(event.get("reminders", 0))
    _send_link(
        referral, event["task_token"], settings().duty_supervisor_email, "reminder", reminders, retire_others=True
    )
    _send_link(referral, event["task_token"], settings().admin_email, "escalation", reminders, retire_others=False)
    return {"asked": True, "purpose": "escalation"}


def _send_link(
    referral: Referral, token: str, approver: str, purpose: str, reminders: int, retire_others: bool
) -> None:
    summary = link_summary(referral)
    link_id = approvals.issue(
        kind="referral",
        subject_id=referral.referral_id,
        approver_email=approver,
        task_token=token,
        summary=summary,
        purpose=purpose,
        retire_others=retire_others,
    )
    email.send(
        approver,
        "referral_review_request",
        summary=summary,
        link=approvals.link_url(link_id),
        purpose=purpose,
        reminders=reminders,
        expires_hours=settings().approval_link_ttl_seconds // 3600,
    )


def notify_decision(event: dict) -> dict:
    """Tell the referrer the outcome, once per status, and retire any links still open."""
    referral = load(event["referral_id"])
    approvals.retire_active(referral.referral_id, reason="decided")
    if referral.notified_status == referral.status:
        return {"sent": False}
    email.send(
        referral.referrer_email,
        "referral_decision",
        referral=referral,
        accepted=referral.status == ReferralStatus.ACCEPTED,
        children=_first_names(referral),
    )
    referral.update(actions=[Referral.notified_status.set(referral.status)])
    return {"sent": True}


def await_amendment(event: dict) -> dict:
    """Keep the wait's token server side and email the referrer the question."""
    referral = load(event["referral_id"])
    token = event["task_token"]
    approvals.retire_active(referral.referral_id, reason="more information requested")
    if referral.status != ReferralStatus.MORE_INFO_REQUESTED:
        # Answered (or withdrawn) before this wait began: back to review, which sees what is true.
        raise AlreadyAnswered(referral.status)
    from pynamodb.exceptions import UpdateError

    try:
        referral.update(
            actions=[Referral.amendment_task_token.set(token)],
            condition=Referral.status == ReferralStatus.MORE_INFO_REQUESTED.value,
        )
    except UpdateError as exc:
        if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
            raise AlreadyAnswered(load(referral.referral_id).status) from exc
        raise
    question = referral.exchanges[-1].question if referral.exchanges else ""
    email.send(
        referral.referrer_email,
        "referral_more_info",
        referral=referral,
        question=question,
        children=_first_names(referral),
        link=f"{settings().public_base_url}/referrals/{referral.referral_id}",
    )
    return {"asked": True}


def mark_lapsed(event: dict) -> dict:
    from chalicelib.errors import Conflict

    referral = load(event["referral_id"])
    try:
        with audited_transaction(SYSTEM) as tx:
            change_status(
                tx,
                referral.referral_id,
                ReferralStatus.MORE_INFO_REQUESTED.value,
                ReferralStatus.LAPSED.value,
                action="referral.lapsed",
                reason="the requested information did not arrive in time",
            )
    except Conflict:
        return {"status": load(referral.referral_id).status}
    email.send(referral.referrer_email, "referral_lapsed", referral=referral, children=_first_names(referral))
    return {"status": ReferralStatus.LAPSED.value}


def report_overdue(event: dict) -> dict:
    """The review stops here: its links die with it, and the recovery sweep starts a new review."""
    referral = load(event["referral_id"])
    approvals.retire_active(referral.referral_id, reason="review overdue")
    with audited_transaction(SYSTEM) as tx:
        tx.record("referral", referral.referral_id, "referral.review_overdue", {"status": referral.status})
    email.send(settings().admin_email, "referral_review_overdue", referral=referral)
    return {"alerted": True}


def record_failure(event: dict) -> dict:
    failure = event.get("failure") or {}
    error = str(failure.get("Error", "unknown"))[:200]
    referral_id = event["referral_id"]
    approvals.retire_active(referral_id, reason="workflow failed")  # their waits ended with it
    with audited_transaction(SYSTEM) as tx:
        tx.record("referral", referral_id, "workflow.failed", {"error": error, "execution": event.get("execution")})
    email.send(
        settings().admin_email,
        "workflow_failure",
        workflow="referral review",
        subject_id=referral_id,
        error=error,
        execution=event.get("execution"),
    )
    logger().error("workflow failed", extra={"workflow": "referral_review", "referral_id": referral_id, "error": error})
    return {"recorded": True}


def _first_names(referral: Referral) -> str:
    names = [c.get("first_name", "") for c in (referral.submission or {}).get("children", [])]
    return ", ".join(n for n in names if n)


STEPS = {
    "ask_supervisor": ask_supervisor,
    "escalate": escalate,
    "notify_decision": notify_decision,
    "await_amendment": await_amendment,
    "mark_lapsed": mark_lapsed,
    "report_overdue": report_overdue,
    "record_failure": record_failure,
}
