"""A case's status after acceptance (DESIGN section 3, Case): suspend, resume and close it, and the
referrer's request to end it, which waits in the decisions queue until a supervisor decides.

Suspending or closing cancels the case's upcoming visits (starting after now, still scheduled;
past visits are untouched and still owe their reports) in the transaction of the status change,
each with its audit event. A case with more upcoming visits than that transaction holds is marked
`cancellations_owed` in the same write; `finish()` then cancels the rest in bounded chunks (each
one transaction, the marker cleared by the last). A chunk that fails leaves the marker, so a
re-run (`finish_owed_cancellations`), the next suspension or closure of the case, a resume, or the
recovery sweep (`finish_all_owed`) goes on from the visits still scheduled: each chunk reads them
afresh, so none is cancelled twice.

`add_suspension` is the write the incident decision `suspend` shares (contract 2): the incident's
decision and the case's suspension are one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.config import settings
from chalicelib.domain import date_words, visit_figures
from chalicelib.domain.case_status import Closure, EndRequest, EndRequestDecision, Resumption, Suspension
from chalicelib.domain.local_time import from_iso, iso_utc
from chalicelib.domain.people import Person
from chalicelib.domain.referral_reference import human_reference
from chalicelib.domain.referrals import (
    CLOSABLE,
    ENDABLE_ON_REQUEST,
    SUSPENDABLE,
    ReferralStatus,
    address_is_confidential,
    resumes_to,
)
from chalicelib.domain.visits import CancelledBy, VisitStatus
from chalicelib.errors import Conflict, Forbidden
from chalicelib.observability import logger
from chalicelib.services import family_links, figures, outputs, visit_notices
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.referral_status import change_status, load
from chalicelib.services.visit_changes import add_cancellation, cancelled_counted
from chalicelib.storage import referrals as referral_store
from chalicelib.storage import visits as visit_store

if TYPE_CHECKING:
    from chalicelib.storage.referrals import Referral
    from chalicelib.storage.visits import Visit

STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})
TRANSACTION_ITEMS = 100  # DynamoDB's limit on one TransactWriteItems
ITEMS_PER_VISIT = 2  # the visit (conditional on still being scheduled) and its audit event
# The status change's own transaction: the referral and its audit event, and room for what the
# caller adds beside them (an incident's decision and its event), then as many visits as fit.
CALLER_ROOM = 18
# The dashboard's counters of the cancellations: one per (UK month, counter). Room for visits over
# a few months; visits spread over more take fewer per transaction (`fitting`).
COUNTER_ROOM = 4
FIRST_VISITS = (TRANSACTION_ITEMS - 2 - CALLER_ROOM - COUNTER_ROOM) // ITEMS_PER_VISIT  # 38
# Each later chunk: its visits, a check that the case is still suspended or closed, and the
# marker's removal with the last chunk.
CHUNK_VISITS = (TRANSACTION_ITEMS - 2 - COUNTER_ROOM) // ITEMS_PER_VISIT  # 47
# A request finishes at most this many chunks (about 390 more visits) within API Gateway's 29 s;
# the recovery sweep, every 10 minutes, finishes a longer case.
REQUEST_CHUNKS = 8
STOPPED = (ReferralStatus.SUSPENDED.value, ReferralStatus.CLOSED.value)
CANCEL_REASONS = {
    ReferralStatus.SUSPENDED.value: "The case was suspended",
    ReferralStatus.CLOSED.value: "The case was closed",
}


# -- the upcoming visits -------------------------------------------------------------------------


def upcoming_visits(referral_id: str, limit: int) -> list[Visit]:
    """Up to `limit` of the case's visits starting after now that are still scheduled, soonest
    first: one Query of the case's visits from now on (cancelled ones are passed over)."""
    now = iso_utc(clock.now())
    found: list[Visit] = []
    for visit in visit_store.visits_of_referral(referral_id, now):
        if visit.starts_at > now and visit.status == VisitStatus.SCHEDULED:
            found.append(visit)
            if len(found) >= limit:
                break
    return found


def _cancel_in(tx: Any, visits: Sequence[Visit], status: str) -> None:
    """Each visit's cancellation by the service, and the dashboard's counts of them all, merged."""
    for visit in visits:
        add_cancellation(tx, visit, CancelledBy.SERVICE.value, CANCEL_REASONS[status], {"case": status})
    figures.count_cancelled(tx, [cancelled_counted(visit) for visit in visits])


def fitting(visits: Sequence[Visit], room: int) -> list[Visit]:
    """The soonest of `visits` whose cancellations fit in `room` items of a transaction: each visit
    and its audit event, and one counter per (UK month, counter) they count in."""
    now = clock.iso_now()
    kept: list[Visit] = []
    counters: set[tuple[str, str]] = set()
    for visit in visits:
        more = counters | set(visit_figures.cancelled_counts(from_iso(visit.starts_at), from_iso(now), "service"))
        if ITEMS_PER_VISIT * (len(kept) + 1) + len(more) > room:
            break
        kept.append(visit)
        counters = more
    return kept


# -- contract 2: the suspension inside someone else's transaction --------------------------------


def add_suspension(
    tx: Any, referral: Referral, *, reason: str, actor: str | Person, resume_on: date | None = None
) -> Callable[[], None]:
    """Add to the open `audited_transaction` `tx` the case's move to SUSPENDED (its history entry,
    its audit event) and the cancellation of as many upcoming visits as fit. Returns `finish()`,
    to run after the transaction commits: it cancels any remaining upcoming visits in bounded,
    resumable chunks and emails the workers of the cancelled visits and the referrer.

    Raises `Conflict` (409) unless the case is ACCEPTED or ACTIVE."""
    if referral.status not in SUSPENDABLE:
        raise Conflict(_cannot(referral, "suspended"))
    upcoming = upcoming_visits(referral.referral_id, FIRST_VISITS + 1)
    first = fitting(upcoming[:FIRST_VISITS], TRANSACTION_ITEMS - 2 - CALLER_ROOM)
    owed = len(upcoming) > len(first)
    change_status(
        tx,
        referral.referral_id,
        referral.status,
        ReferralStatus.SUSPENDED.value,
        action="referral.suspended",
        reason=reason,
        extra_actions=referral_store.suspension_actions(
            resume_on.isoformat() if resume_on else None, owes_cancellations=owed
        ),
        details={"resume_on": resume_on.isoformat() if resume_on else None, "visits_cancelled": len(first)},
    )
    _cancel_in(tx, first, ReferralStatus.SUSPENDED.value)

    def finish() -> None:
        _after_stopping(referral.referral_id, actor, first, owed)

    return finish


def _after_stopping(referral_id: str, actor: str | Person, first: Sequence[Visit], owed: bool) -> None:
    """After a suspension or closure commits: the referrer hears first (what happens next), then
    the workers of the visits already cancelled, then the rest are cancelled chunk by chunk,
    each chunk's workers told as it commits."""
    referral = load(referral_id, consistent_read=True)
    _tell_referrer(referral, referral.status, cancelled=first, more=owed)
    visit_notices.cancelled_for_case(referral, first)
    family_links.retire_for_visits(family_links.may_hold_links(first), "the visit was cancelled", actor)
    if owed:
        finish_owed_cancellations(referral_id, actor, max_chunks=REQUEST_CHUNKS)


def finish_owed_cancellations(referral_id: str, actor: str | Person = SYSTEM, *, max_chunks: int | None = None) -> int:
    """Cancel the upcoming visits a suspended or closed case still owes, one bounded transaction
    per chunk, telling each chunk's workers; the last chunk clears the marker. Safe to run again
    after an interruption: it reads what is still scheduled. Stops after `max_chunks` with the
    marker kept, when given. Returns how many it cancelled."""
    cancelled, chunks = 0, 0
    while max_chunks is None or chunks < max_chunks:
        chunks += 1
        referral = load(referral_id, consistent_read=True)
        if referral.status not in STOPPED:
            # Resumed meanwhile (a resume finishes them first, so only a race leaves this): the
            # visits stay booked and the marker goes.
            with audited_transaction(actor) as tx:
                referral_store.settle_cancellations(tx, referral_id)
            return cancelled
        chunk = upcoming_visits(referral_id, CHUNK_VISITS + 1)
        batch = fitting(chunk[:CHUNK_VISITS], TRANSACTION_ITEMS - 2)
        last = len(chunk) <= len(batch)
        with audited_transaction(actor, "The case changed while its visits were being cancelled.") as tx:
            # One item of the referral per transaction: the last chunk's marker removal carries the
            # condition that the case is still stopped, the others a check of it.
            if last:
                referral_store.settle_cancellations(tx, referral_id, STOPPED)
            else:
                referral_store.check_referral_status_in(tx, referral_id, STOPPED)
            _cancel_in(tx, batch, referral.status)
        cancelled += len(batch)
        visit_notices.cancelled_for_case(referral, batch)
        # No family links to retire: the chunks hold the visits after the soonest ones the status
        # change cancelled, too far off for a reminder, and a cancelled visit's link is dead anyway.
        if last:
            logger().info("case visits cancelled", extra={"referral_id": referral_id, "visits": cancelled})
            return cancelled
    return cancelled


def finish_all_owed(out_of_time: Callable[[], bool] = lambda: False) -> dict:
    """The recovery sweep's part: every case that still owes cancellations is finished (one case
    at a time; a case that fails is left marked for the next run)."""
    summary = {"cases": 0, "visits": 0, "failed": 0}
    for referral_id in referral_store.owing_cancellations():
        if out_of_time():
            break
        try:
            summary["visits"] += finish_owed_cancellations(referral_id)
            summary["cases"] += 1
        except Exception as exc:
            summary["failed"] += 1
            logger().error(
                "owed cancellations not finished", extra={"referral_id": referral_id, "error": type(exc).__name__}
            )
    return summary


# -- the route-facing services ------------------------------------------------------------------


def _staff(principal: Principal) -> None:
    if not principal.has_any(STAFF):
        raise Forbidden("Only a supervisor or an admin may change a case's status.")


def _cannot(referral: Referral, verb: str) -> str:
    label = ReferralStatus(referral.status).label
    return f"This case is {label}, so it cannot be {verb}. Nothing was changed."


def suspend_case(principal: Principal, referral_id: str, suspension: Suspension) -> outputs.CaseStatus:
    _staff(principal)
    referral = load(referral_id, consistent_read=True)
    if referral.cancellations_owed:
        finish_owed_cancellations(referral_id, principal.person)
    with audited_transaction(principal.person, "The case changed meanwhile. Reload it and try again.") as tx:
        finish = add_suspension(
            tx, referral, reason=suspension.reason, actor=principal.person, resume_on=suspension.resume_on
        )
    finish()
    return _view(referral_id)


def resume_case(principal: Principal, referral_id: str, resumption: Resumption) -> outputs.CaseStatus:
    """Back to the status the case was suspended from. Nothing is rebooked: the supervisor books
    the visits again."""
    _staff(principal)
    referral = load(referral_id, consistent_read=True)
    if referral.status != ReferralStatus.SUSPENDED:
        raise Conflict(_cannot(referral, "resumed"))
    if referral.cancellations_owed:
        finish_owed_cancellations(referral_id, principal.person)  # the suspension's cancellations first
    to = resumes_to(referral.history)
    with audited_transaction(principal.person, "The case changed meanwhile. Reload it and try again.") as tx:
        change_status(
            tx,
            referral_id,
            referral.status,
            to.value,
            action="referral.resumed",
            reason=resumption.reason,
            extra_actions=referral_store.resumption_actions(),
        )
    resumed = load(referral_id, consistent_read=True)
    _tell_referrer(resumed, "RESUMED", reason=resumption.reason)
    return _view(referral_id)


def close_case(
    principal: Principal, referral_id: str, closure: Closure, *, end_request: bool = False
) -> outputs.CaseStatus:
    """Close the case with its reason and summary; the referrer gets the closing letter. A waiting
    end request leaves the queue as decided by the closure."""
    _staff(principal)
    referral = load(referral_id, consistent_read=True)
    if referral.status not in CLOSABLE:
        raise Conflict(_cannot(referral, "closed"))
    if end_request and not referral.end_request_waiting:
        raise Conflict("No request to end this case is waiting, so there is nothing to decide. Nothing was changed.")
    if referral.cancellations_owed:
        finish_owed_cancellations(referral_id, principal.person)
        referral = load(referral_id, consistent_read=True)
    upcoming = upcoming_visits(referral_id, FIRST_VISITS + 1)
    first = fitting(upcoming[:FIRST_VISITS], TRANSACTION_ITEMS - 2 - CALLER_ROOM)
    owed = len(upcoming) > len(first)
    now = clock.iso_now()
    extra = referral_store.closing_actions(
        closure.reason.value, closure.other_reason, closure.summary, now, owes_cancellations=owed
    )
    if referral.end_request_waiting:
        extra += referral_store.end_request_decided_actions("closed")
    with audited_transaction(principal.person, "The case changed meanwhile. Reload it and try again.") as tx:
        change_status(
            tx,
            referral_id,
            referral.status,
            ReferralStatus.CLOSED.value,
            action="referral.closed",
            reason=closure.reason_words,
            extra_actions=extra,
            details={
                "closing_reason": closure.reason.value,
                "visits_cancelled": len(first),
                **({"end_request": "closed"} if referral.end_request_waiting else {}),
            },
        )
        _cancel_in(tx, first, ReferralStatus.CLOSED.value)
    _after_stopping(referral_id, principal.person, first, owed)
    return _view(referral_id)


# -- the referrer's request to end the case -------------------------------------------------------


def request_end(principal: Principal, referral_id: str, request: EndRequest) -> outputs.CaseStatus:
    """The owner referrer asks to end an active or suspended case; it waits in the decisions queue."""
    from chalicelib.services.referrals import load_own

    referral = load_own(principal, referral_id)
    if referral.status not in ENDABLE_ON_REQUEST:
        raise Conflict(_cannot(referral, "ended on request") + " Only an active or suspended case can be.")
    if referral.end_request_waiting:
        raise Conflict(
            f"Your request of {date_words.when(referral.end_requested_at)} to end this case is still waiting "
            "for a supervisor's decision. Nothing was changed."
        )
    try:
        with audited_transaction(principal.person, "The case changed meanwhile. Reload it and try again.") as tx:
            referral_store.ask_to_end(
                tx,
                referral_id,
                reason=request.reason,
                by=principal.email,
                at=clock.iso_now(),
                statuses=tuple(s.value for s in ENDABLE_ON_REQUEST),
            )
            tx.record("referral", referral_id, "referral.end_requested", {"reason": request.reason})
    except Conflict:
        # A request or a status change came first: say which.
        referral = load(referral_id, consistent_read=True)
        if referral.end_request_waiting:
            raise Conflict("A request to end this case is already waiting for a supervisor's decision.") from None
        raise Conflict(_cannot(referral, "ended on request")) from None
    return _view(referral_id)


def decide_end_request(principal: Principal, referral_id: str, decision: EndRequestDecision) -> outputs.CaseStatus:
    """Close the case (the close form's fields) or decline the request with a reason; the referrer
    is emailed either way."""
    _staff(principal)
    if decision.decision.value == "close":
        return close_case(principal, referral_id, decision.closure(), end_request=True)
    referral = load(referral_id, consistent_read=True)
    if not referral.end_request_waiting:
        raise Conflict("No request to end this case is waiting, so there is nothing to decide. Nothing was changed.")
    with audited_transaction(principal.person, "The request was decided meanwhile. Reload the case.") as tx:
        referral_store.decline_end_request(tx, referral_id, decision.decline_reason or "")
        tx.record("referral", referral_id, "referral.end_request_declined", {"decline_reason": decision.decline_reason})
    _tell_referrer(load(referral_id, consistent_read=True), "END_REQUEST_DECLINED", reason=decision.decline_reason)
    return _view(referral_id)


def end_requests_waiting() -> list[Referral]:
    """Every waiting end request, oldest first (the decisions queue)."""
    return list(referral_store.end_requests_waiting())


# -- what people are told -------------------------------------------------------------------------


def _view(referral_id: str) -> outputs.CaseStatus:
    return case_view(load(referral_id, consistent_read=True))


def case_view(referral: Referral) -> outputs.CaseStatus:
    """The case's status as the routes answer it: the status, a suspension's day to resume, how it
    closed, the referrer's end request, whether cancellations are still owed, and the history."""
    from chalicelib.domain.case_status import closing_reason_words
    from chalicelib.services.audit import history_views

    closing = None
    if referral.closing_reason:
        closing = {
            "reason": referral.closing_reason,
            "reason_words": closing_reason_words(referral.closing_reason, referral.closing_other_reason),
            "other_reason": referral.closing_other_reason,
            "summary": referral.closing_summary,
            "closed_at": referral.closed_at,
        }
    end_request = None
    if referral.end_requested_at:
        end_request = {
            "reason": referral.end_request_reason,
            "requested_at": referral.end_requested_at,
            "requested_by": referral.end_requested_by,
            "waiting": bool(referral.end_request_waiting),
            "outcome": referral.end_request_outcome,
            "decline_reason": referral.end_request_decline_reason,
        }
    return {
        "id": referral.referral_id,
        "reference": human_reference(referral.referral_id),
        "status": referral.status,
        "resume_on": referral.resume_on,
        "closing": closing,
        "end_request": end_request,
        "cancellations_owed": bool(referral.cancellations_owed),
        "history": history_views(referral.history),
    }


def _tell_referrer(
    referral: Referral,
    kind: str,
    *,
    cancelled: Sequence[Visit] = (),
    more: bool = False,
    reason: str | None = None,
) -> None:
    """The referrer hears the case's new status, why, and what happens next; a closure carries the
    closing letter. A failed send is logged: the change stands."""
    from chalicelib.domain.case_status import closing_reason_words
    from chalicelib.services import email

    children = ", ".join(c.get("first_name", "") for c in (referral.submission or {}).get("children", []))
    latest = referral.history[-1] if referral.history else None
    attachments: tuple = ()
    if kind == ReferralStatus.CLOSED:
        from chalicelib.services import closing_letter

        attachments = (email.Attachment("closing-letter.pdf", "application/pdf", closing_letter.render_for(referral)),)
    try:
        email.send(
            referral.referrer_email,
            "case_status_referrer",
            kind=str(kind),
            reference=human_reference(referral.referral_id),
            children=children,
            reason=reason or (latest.reason if latest else None),
            closing_reason=closing_reason_words(referral.closing_reason, referral.closing_other_reason)
            if referral.closing_reason
            else None,
            resume_on=date_words.long_day(referral.resume_on) if referral.resume_on else None,
            cancelled_days=[date_words.day_of(v.starts_at) for v in cancelled],
            more_cancelled=more,
            confidential=address_is_confidential(referral.submission),
            link=f"{settings().public_base_url}/referrals/{referral.referral_id}",
            invites_reply=True,
            attachments=attachments,
        )
    except Exception as exc:  # the change stands even if its email cannot go
        # The error's class only: SES's messages quote the refused addresses.
        logger().error(
            "case status email not sent",
            extra={"referral_id": referral.referral_id, "kind": str(kind), "error": type(exc).__name__},
        )
