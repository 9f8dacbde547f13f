"""Referral use cases for the referrer and the supervisors: submit, list, read, answer, withdraw."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.config import settings
from chalicelib.domain.referral_decisions import Amendment
from chalicelib.domain.referral_form import ReferralSubmission
from chalicelib.domain.referral_reference import human_reference, reference_key
from chalicelib.domain.referrals import ReferralStatus, awaits_decision
from chalicelib.errors import BadRequest, Conflict, Forbidden
from chalicelib.observability import count, logger
from chalicelib.services import figures, outputs, review
from chalicelib.services.audit import audited_transaction, history_views, status_change
from chalicelib.services.referral_status import change_status, load
from chalicelib.storage import idempotency as idempotency_store
from chalicelib.storage import referral_references as reference_store
from chalicelib.storage import referrals as referral_store
from chalicelib.storage.base import ItemBusy
from chalicelib.workflows.registry import REFERRAL_REVIEW

if TYPE_CHECKING:
    from chalicelib.storage.referrals import Referral

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
# Ids drawn for one referral before giving up: with a billion references, a second draw is already rare.
REFERENCE_DRAWS = 8
IN_PROGRESS_WAIT_SECONDS = 10  # a twin request waits this long for the first to finish
REVIEWERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


# -- views ---------------------------------------------------------------------------------------


def summary(referral: Referral) -> outputs.ReferralSummary:
    """A referral as a list shows it: who, when, its status, and the children's names."""
    submission = referral.submission or {}
    return {
        "id": referral.referral_id,
        "reference": human_reference(referral.referral_id),
        "status": referral.status,
        "created_at": referral.created_at,
        "updated_at": referral.updated_at,
        "referrer_email": referral.referrer_email,
        "decision": None
        if referral.decision is None
        else {
            "decision": referral.decision,
            "comment": referral.decision_comment,
            "decided_by": referral.decided_by,
            "decided_by_name": referral.decided_by_name,
            "decided_by_role": referral.decided_by_role,
            "decided_at": referral.decided_at,
        },
        "children": [
            f"{c.get('first_name', '')} {c.get('last_name', '')}".strip() for c in submission.get("children", [])
        ],
    }


def view(referral: Referral) -> outputs.Referral:
    """One referral: its summary, the submitted form, its status history and the questions asked."""
    return {
        **summary(referral),
        "submission": referral.submission or {},
        "history": history_views(referral.history),
        "questions": [
            {
                "asked_at": e.asked_at,
                "asked_by": e.asked_by,
                "asked_by_name": e.asked_by_name,
                "asked_by_role": e.asked_by_role,
                "question": e.question,
                "answered_at": e.answered_at,
                "answer": e.answer,
            }
            for e in referral.exchanges or []
        ],
    }


# -- submit ---------------------------------------------------------------------------------------


class KeyReused(Conflict):
    """The Idempotency-Key already made a referral from another body: nothing new is made."""

    code = "idempotency_key_reused"


def submit(
    principal: Principal,
    submission: ReferralSubmission,
    idempotency_key: str | None,
    *,
    draft_id: str | None = None,
) -> outputs.Referral:
    """Create a referral (status SUBMITTED + audit event, one transaction) and start its review.
    With `draft_id`, the referrer's draft it was typed in is removed in the same transaction.

    With an idempotency key, the same transaction claims the key for the new referral, so the same
    key and body answer that referral again and create nothing; the same key with another body is
    `KeyReused`. A twin whose transaction meets the first's in flight tries again until the first
    has ended, for up to `IN_PROGRESS_WAIT_SECONDS`.
    """
    body = submission.model_dump(mode="json")
    if idempotency_key and len(idempotency_key) > 200:
        raise BadRequest("The Idempotency-Key header is longer than 200 characters.")
    deadline = time.monotonic() + IN_PROGRESS_WAIT_SECONDS
    while True:
        try:
            return _create(principal, body, idempotency_key, draft_id)
        except ItemBusy as exc:
            if not idempotency_key:
                raise  # no twin to wait for: DynamoDB was busy with an item (503)
            if time.monotonic() > deadline:
                raise Conflict("The same referral is still being saved. Try again in a moment.") from exc
            time.sleep(0.05)


def _new_referral_id() -> str:
    """A candidate id: its first 30 bits are the referral's reference (`human_reference`)."""
    return uuid.uuid4().hex


def _create(principal: Principal, body: dict, idempotency_key: str | None, draft_id: str | None) -> outputs.Referral:
    """Write the referral with its reference and its idempotency key claimed in the same
    transaction; when another referral holds that reference, draw another id and write again.
    Then start its review, once. When the key was already claimed, answer its referral instead."""
    for draw in range(1, REFERENCE_DRAWS + 1):
        referral = _new_referral(principal, body)
        key = reference_key(human_reference(referral.referral_id))
        try:
            with audited_transaction(principal.person) as tx:
                referral_store.add_referral(tx, referral)
                reference_store.claim_reference(tx, key, referral.referral_id)
                if idempotency_key:
                    now = clock.now()
                    idempotency_store.claim_key(
                        tx,
                        principal.user_id,
                        idempotency_key,
                        referral.referral_id,
                        now=now,
                        expires_at=now + timedelta(seconds=IDEMPOTENCY_TTL_SECONDS),
                    )
                figures.count_submitted(tx, referral.created_at)
                tx.record(
                    "referral",
                    referral.referral_id,
                    "referral.submitted",
                    {"status": ReferralStatus.SUBMITTED.value, "children": len(body.get("children", []))},
                )
                if draft_id:
                    from chalicelib.services import referral_drafts

                    referral_drafts.remove_on_submit(tx, principal.user_id, draft_id, referral.referral_id)
            break
        except Conflict:
            if idempotency_key:
                first = idempotency_store.claimed_referral(principal.user_id, idempotency_key, now=clock.now())
                if first is not None:
                    return _repeated(first, body)
            # Claims are never deleted, so a taken reference is why this write failed.
            if draw == REFERENCE_DRAWS or not reference_store.reference_taken(key):
                raise
    count("ReferralSubmitted")
    review.start(REFERRAL_REVIEW, referral.referral_id, referral.workflow_runs)
    return view(referral)


def _repeated(referral_id: str, body: dict) -> outputs.Referral:
    """The referral a repeated request's key made, as it is now; `KeyReused` if made from another body."""
    referral = load(referral_id, consistent_read=True)
    if referral.submission != body:
        raise KeyReused(
            f"This Idempotency-Key was already used for referral {human_reference(referral_id)}, with a "
            "different body. Use a new key for a new referral."
        )
    return view(referral)


def _new_referral(principal: Principal, body: dict) -> Referral:
    now = clock.iso_now()
    referral_id = _new_referral_id()
    return referral_store.new_referral(
        referral_id,
        reference=reference_key(human_reference(referral_id)),
        referrer_id=principal.user_id,
        referrer_email=principal.email,
        status=ReferralStatus.SUBMITTED.value,
        created_at=now,
        updated_at=now,
        submission=body,
        history=[status_change(principal.person, None, ReferralStatus.SUBMITTED.value)],
        exchanges=[],
        workflow_runs=1,
    )


# -- read -----------------------------------------------------------------------------------------


def get_for(principal: Principal, referral_id: str) -> Referral:
    if principal.has_any(REVIEWERS):
        return load(referral_id)
    if Role.REFERRER in principal.roles:
        return load_own(principal, referral_id)
    raise Forbidden("Only the referrer who made this referral, a supervisor or an admin may see it.")


def list_for(principal: Principal, status: str | None, limit: int = 50) -> list[outputs.ReferralSummary]:
    """A referrer's own referrals (newest first); supervisors see every referral, by status."""
    if status is not None and status not in ReferralStatus.__members__:
        allowed = ", ".join(ReferralStatus.__members__)
        raise BadRequest(f"'status' must be one of {allowed}.")
    if principal.has_any(REVIEWERS):
        statuses = [status] if status else list(ReferralStatus.__members__)
        # A referral that changes status between two of these queries is read by both: the one
        # that has seen more of its history is the one it is now.
        latest: dict[str, Referral] = {}
        for one in statuses:
            for referral in referral_store.in_status(one, newest_first=True, limit=limit):
                kept = latest.get(referral.referral_id)
                if kept is None or _progress(referral) > _progress(kept):
                    latest[referral.referral_id] = referral
        found = sorted(latest.values(), key=lambda r: r.created_at, reverse=True)
        return [summary(r) for r in found[:limit]]
    return [summary(r) for r in referral_store.of_referrer(principal.user_id, status, limit)]


def referral_list(principal: Principal, status: str | None, limit: int = 50) -> outputs.ReferralList:
    """`list_for` as the API answers it."""
    return {"referrals": list_for(principal, status, limit)}


def _progress(referral: Referral) -> tuple[str, int]:
    return referral.updated_at, len(referral.history)


# -- the referrer's actions -----------------------------------------------------------------------


def load_own(principal: Principal, referral_id: str) -> Referral:
    """The referral, if this referrer made it. Forbidden otherwise, and the same for an id that
    names no referral: ids are not for probing."""
    referral = referral_store.referral(referral_id)
    if referral is None or referral.referrer_id != principal.user_id:
        raise Forbidden("Only the referrer who made this referral may see it or act on it.")
    return referral


def amend(principal: Principal, referral_id: str, amendment: Amendment) -> outputs.Referral:
    """Answer the supervisor's question: back to UNDER_REVIEW, and the waiting workflow resumes."""
    referral = load_own(principal, referral_id)
    if referral.status != ReferralStatus.MORE_INFO_REQUESTED:
        raise Conflict(f"This referral is {ReferralStatus(referral.status).label}: there is no question to answer.")
    last = len(referral.exchanges) - 1
    with audited_transaction(principal.person, "The referral changed meanwhile. Reload it.") as tx:
        change_status(
            tx,
            referral_id,
            referral.status,
            ReferralStatus.UNDER_REVIEW.value,
            action="referral.amended",
            reason="more information given",
            extra_actions=referral_store.answer_actions(last, amendment.answer, clock.iso_now()),
        )
    # Read after the commit: the workflow may have stored its wait's token meanwhile. If it
    # stores it later, its conditional write fails and it goes straight back to review.
    answered = referral_store.referral(referral_id, consistent=True)
    from chalicelib.services.referral_review import SUBJECT

    review.answered(SUBJECT, answered, answered.amendment_task_token, {"answered": True})
    return view(answered)


def withdraw(principal: Principal, referral_id: str, reason: str | None = None) -> outputs.Referral:
    """The referrer withdraws before a decision: links retired, the review workflow stopped."""
    referral = load_own(principal, referral_id)
    for attempt in range(2):
        if not awaits_decision(referral.status):
            label = ReferralStatus(referral.status).label
            raise Conflict(f"This referral is already {label}; it cannot be withdrawn.")
        try:
            with audited_transaction(principal.person, "The referral changed meanwhile. Reload it.") as tx:
                change_status(
                    tx,
                    referral_id,
                    referral.status,
                    ReferralStatus.WITHDRAWN.value,
                    action="referral.withdrawn",
                    reason=reason,
                )
            break
        except Conflict:
            # Its status moved as we wrote: its review began (still withdrawable) or it was
            # decided. Read it again and say which, instead of a guess.
            referral = load_own(principal, referral_id)
            if attempt:
                raise
    # Whatever the review waits on (a decision link or the referrer's answer) is answered
    # "closed", so the execution ends cleanly instead of waiting for its timeout.
    answer_wait = referral.amendment_task_token if referral.status == ReferralStatus.MORE_INFO_REQUESTED else None
    approvers = review.stop(
        REFERRAL_REVIEW.subject_kind,
        referral_id,
        "withdrawn",
        [answer_wait] if answer_wait else [],
        actor=principal.person,
    )
    if referral.status in (ReferralStatus.UNDER_REVIEW, ReferralStatus.MORE_INFO_REQUESTED):
        _tell_withdrawn(referral, approvers or [settings().duty_supervisor_email], reason)
    logger().info("referral withdrawn", extra={"referral_id": referral_id})
    return view(load(referral_id))


def _tell_withdrawn(referral: Referral, recipients: list[str], reason: str | None) -> None:
    """The supervisor who was asked to decide hears that there is nothing left to decide."""
    from chalicelib.services import email

    children = ", ".join(c.get("first_name", "") for c in (referral.submission or {}).get("children", []))
    try:
        email.send(
            recipients,
            "referral_withdrawn",
            reference=human_reference(referral.referral_id),
            children=children,
            reason=reason,
            link=f"{settings().public_base_url}/referrals/{referral.referral_id}",
        )
    except Exception as exc:  # the withdrawal stands even if the courtesy email cannot go
        # The error's class only: SES's messages quote the refused addresses.
        logger().error(
            "withdrawal email not sent", extra={"referral_id": referral.referral_id, "error": type(exc).__name__}
        )
