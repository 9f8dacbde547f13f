"""Referral items: the submitted form, its status, its history, and the indexes the queues read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta
from chalicelib.storage.cursors import KeyCursor, paged


class ReferralsByReferrer(GlobalSecondaryIndex):
    """A referrer's own referrals, newest first."""

    class Meta:
        index_name = "by_referrer"
        projection = AllProjection()

    referrer_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ReferralsByStatus(GlobalSecondaryIndex):
    """The supervisors' queues and the recovery sweep: referrals in one status, oldest first."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ReferralsByReference(GlobalSecondaryIndex):
    """A referral by the reference people see (`FCS-9X1J-AF`, stored as its key `9X1JAF`)."""

    class Meta:
        index_name = "by_reference"
        projection = KeysOnlyProjection()

    reference = UnicodeAttribute(hash_key=True)


class CancellationsOwed(GlobalSecondaryIndex):
    """Sparse: only cases suspended or closed whose upcoming visits are not all cancelled yet (a
    case with more than one transaction holds, or one whose finishing was interrupted)."""

    class Meta:
        index_name = "cancellations_owed"
        projection = KeysOnlyProjection()

    cancellations_owed = UnicodeAttribute(hash_key=True)
    updated_at = UnicodeAttribute(range_key=True)


class EndRequestsWaiting(GlobalSecondaryIndex):
    """Sparse: only cases whose referrer's request to end them waits for a supervisor, oldest first."""

    class Meta:
        index_name = "end_requests_waiting"
        projection = AllProjection()

    end_request_waiting = UnicodeAttribute(hash_key=True)
    end_requested_at = UnicodeAttribute(range_key=True)


class StatusChange(MapAttribute):
    at = UnicodeAttribute()
    actor = UnicodeAttribute()  # the email: who it was
    actor_name = UnicodeAttribute(null=True)  # the name and role shown (older entries have neither)
    actor_role = UnicodeAttribute(null=True)
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)


class Exchange(MapAttribute):
    """A supervisor's question and, once it comes, the referrer's answer."""

    asked_at = UnicodeAttribute()
    asked_by = UnicodeAttribute()
    asked_by_name = UnicodeAttribute(null=True)
    asked_by_role = UnicodeAttribute(null=True)
    question = UnicodeAttribute()
    answered_at = UnicodeAttribute(null=True)
    answer = UnicodeAttribute(null=True)


class Referral(Model):
    """Every change is conditional on the current status, which is what orders concurrent writers."""

    class Meta:
        locals().update(meta("referrals"))

    referral_id = UnicodeAttribute(hash_key=True)
    referrer_id = UnicodeAttribute()
    referrer_email = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    submission = JSONAttribute()  # the validated ReferralSubmission, as JSON
    history = ListAttribute(of=StatusChange, default=list)
    exchanges = ListAttribute(of=Exchange, default=list)
    decision = UnicodeAttribute(null=True)
    decision_comment = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    decided_by_name = UnicodeAttribute(null=True)
    decided_by_role = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    notified_status = UnicodeAttribute(null=True)  # the status the referrer was last told about
    # The amendment wait's callback token: server side only, never rendered or logged.
    amendment_task_token = UnicodeAttribute(null=True)
    workflow_runs = NumberAttribute(default=1)  # executions started; names are "<id>-<n>"
    # `domain.referrals.reference_key` of the reference people see; older items have none.
    reference = UnicodeAttribute(null=True)
    # The case after acceptance (`services.case_status`): a suspension's planned day to resume,
    # how it closed, the marker of visit cancellations still owed, and the referrer's end request.
    resume_on = UnicodeAttribute(null=True)
    closing_reason = UnicodeAttribute(null=True)
    closing_other_reason = UnicodeAttribute(null=True)
    closing_summary = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    cancellations_owed = UnicodeAttribute(null=True)  # OWED while the sweep has cancellations to finish
    end_request_waiting = UnicodeAttribute(null=True)  # WAITING while a supervisor has not decided it
    end_requested_at = UnicodeAttribute(null=True)
    end_requested_by = UnicodeAttribute(null=True)
    end_request_reason = UnicodeAttribute(null=True)
    end_request_outcome = UnicodeAttribute(null=True)  # "closed" or "declined", once decided
    end_request_decline_reason = UnicodeAttribute(null=True)
    # The case's first visit held (its report approved with a family member attending): the
    # dashboard's time from acceptance to the first visit counts it once.
    first_visit_held_id = UnicodeAttribute(null=True)
    first_visit_held_at = UnicodeAttribute(null=True)  # that visit's start

    by_referrer = ReferralsByReferrer()
    by_status = ReferralsByStatus()
    by_reference = ReferralsByReference()
    cancellations_owed_index = CancellationsOwed()
    end_requests_waiting_index = EndRequestsWaiting()


def every_referral(statuses: Iterable[str]) -> Iterator[Referral]:
    """Every referral in `statuses` (name them all for every referral), status by status through
    the status index: a one-off job's read (the dashboard backfill), never a request's."""
    for status in statuses:
        yield from Referral.by_status.query(status)


def in_status(status: str, *, newest_first: bool = False, limit: int | None = None) -> Iterator[Referral]:
    """Referrals in one status, by when they were made (the queues and the recovery sweep)."""
    return Referral.by_status.query(status, scan_index_forward=not newest_first, limit=limit)


_BY_STATUS_CURSOR = KeyCursor(("referral_id", "created_at"))


def in_status_after(status: str, cursor: str | None) -> Iterator[tuple[Referral, str | None]]:
    """Referrals in one status, oldest first, after `cursor`: each with the cursor that goes on
    after it (the recovery sweep, which may stop at any item and go on in its next run)."""
    return paged(Referral.by_status.query, _BY_STATUS_CURSOR, status, cursor, status=status)


def of_referrer(referrer_id: str, status: str | None, limit: int) -> Iterator[Referral]:
    """One referrer's referrals, newest first, optionally in one status."""
    condition = (Referral.status == status) if status else None
    return Referral.by_referrer.query(referrer_id, scan_index_forward=False, limit=limit, filter_condition=condition)


def ids_with_reference(key: str, limit: int = 5) -> list[str]:
    """The ids of the referrals whose reference has this key (two may share one, rarely)."""
    return [r.referral_id for r in Referral.by_reference.query(key, limit=limit)]


def append_to(attribute, items: list):
    """The update action that appends `items` to a list attribute (list_append)."""
    return attribute.set(attribute.append(items))


def referral(referral_id: str, *, consistent: bool = False) -> Referral | None:
    """The referral (strongly consistent if asked), or None."""
    try:
        return Referral.get(referral_id, consistent_read=consistent)
    except Referral.DoesNotExist:
        return None


def referrals_by_id(referral_ids: Iterable[str]) -> dict[str, Referral]:
    """These referrals, by id (an id naming none is left out): one BatchGetItem per 100."""
    return {r.referral_id: r for r in Referral.batch_get(list(dict.fromkeys(referral_ids)))}


def mark_first_visit_held(tx: Writes, referral_id: str, visit_id: str, starts_at: str) -> None:
    """Record the case's first visit held, only if none is recorded yet."""
    tx.update(
        Referral(referral_id),
        actions=[Referral.first_visit_held_id.set(visit_id), Referral.first_visit_held_at.set(starts_at)],
        condition=Referral.referral_id.exists() & Referral.first_visit_held_id.does_not_exist(),
    )


def check_referral_status(tx: Writes, referral_id: str, status: str) -> None:
    """A condition of the transaction: the referral is still in `status`."""
    tx.condition_check(Referral, referral_id, condition=Referral.status == status)


def history_entry(
    *,
    at: str,
    actor: str,
    actor_name: str | None = None,
    actor_role: str | None = None,
    from_status: str | None,
    to_status: str,
    reason: str | None = None,
) -> StatusChange:
    """One entry of a referral's or a report's status history: who by email, with the name and role shown."""
    return StatusChange(
        at=at,
        actor=actor,
        actor_name=actor_name,
        actor_role=actor_role,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def new_referral(referral_id: str, **attributes) -> Referral:
    """A referral not yet written (see `add_referral`)."""
    return Referral(referral_id, **attributes)


def add_referral(tx: Writes, referral: Referral) -> None:
    """Write a new referral (never over another of the same id)."""
    tx.save(referral, condition=Referral.referral_id.does_not_exist())


def change_referral_status(
    tx: Writes,
    referral_id: str,
    *,
    from_status: str,
    to_status: str,
    entry: StatusChange,
    now: str,
    extra_actions: tuple = (),
) -> None:
    """Move the referral to `to_status` with its history `entry`, only if it is still `from_status`."""
    tx.update(
        Referral(referral_id),
        actions=[
            Referral.status.set(to_status),
            Referral.updated_at.set(now),
            append_to(Referral.history, [entry]),
            *extra_actions,
        ],
        condition=Referral.status == from_status,
    )


def answer_actions(exchange: int, answer: str, at: str) -> tuple:
    """What answering the supervisor's question number `exchange` (from 0) sets beside the status."""
    return (Referral.exchanges[exchange].answer.set(answer), Referral.exchanges[exchange].answered_at.set(at))


def count_workflow_run(tx: Writes, referral: Referral, run: int) -> None:
    """Record that run number `run` of its review started, only if no other run was counted since it was read."""
    tx.update(
        referral,
        actions=[Referral.workflow_runs.set(run)],
        condition=Referral.workflow_runs == referral.workflow_runs,
    )


def keep_amendment_wait(tx: Writes, referral: Referral, task_token: str, *, while_status: str) -> None:
    """Keep the token of the wait for the referrer's answer, only while the referral is still in `while_status`."""
    tx.update(
        referral,
        actions=[Referral.amendment_task_token.set(task_token)],
        condition=Referral.status == while_status,
    )


def check_referral_status_in(tx: Writes, referral_id: str, statuses: Iterable[str]) -> None:
    """A condition of the transaction: the referral is still in one of `statuses`."""
    tx.condition_check(Referral, referral_id, condition=Referral.status.is_in(*statuses))


def question_actions(
    question: str, asked_by: str, at: str, *, name: str | None = None, role: str | None = None
) -> tuple:
    """What asking the referrer a question sets beside the status: a new exchange, not yet answered."""
    exchange = Exchange(asked_at=at, asked_by=asked_by, asked_by_name=name, asked_by_role=role, question=question)
    return (append_to(Referral.exchanges, [exchange]),)


def decision_actions(
    decision: str, decided_by: str, at: str, comment: str | None, *, name: str | None = None, role: str | None = None
) -> tuple:
    """What a supervisor's accept or decline sets beside the status: who (the email, with the name
    and role shown), when, and the comment."""
    return (
        Referral.decision.set(decision),
        Referral.decided_by.set(decided_by),
        Referral.decided_by_name.set(name),
        Referral.decided_by_role.set(role),
        Referral.decided_at.set(at),
        Referral.decision_comment.set(comment),
    )


def mark_referrer_notified(tx: Writes, referral: Referral) -> None:
    """Record that the referrer was told of the referral's current status."""
    tx.update(referral, actions=[Referral.notified_status.set(referral.status)])


# -- the case after acceptance: suspension, closure, cancellations owed, the end request --------

OWED, WAITING = "owed", "waiting"


def suspension_actions(resume_on: str | None, *, owes_cancellations: bool) -> tuple:
    """What suspending sets beside the status: the planned day to resume (or none), and the marker
    of cancellations still owed when not every upcoming visit fits the status change's transaction."""
    return (
        Referral.resume_on.set(resume_on) if resume_on else Referral.resume_on.remove(),
        *owed_actions(owes_cancellations),
    )


def resumption_actions() -> tuple:
    return (Referral.resume_on.remove(),)


def closing_actions(reason: str, other: str | None, summary: str, at: str, *, owes_cancellations: bool) -> tuple:
    """What closing sets beside the status: the reason (with its own words for "other"), the
    summary, when, and the marker of cancellations still owed."""
    return (
        Referral.closing_reason.set(reason),
        Referral.closing_other_reason.set(other) if other else Referral.closing_other_reason.remove(),
        Referral.closing_summary.set(summary),
        Referral.closed_at.set(at),
        Referral.resume_on.remove(),
        *owed_actions(owes_cancellations),
    )


def owed_actions(owes: bool) -> tuple:
    return (Referral.cancellations_owed.set(OWED),) if owes else ()


def settle_cancellations(tx: Writes, referral_id: str, while_statuses: Iterable[str] = ()) -> None:
    """Every upcoming visit of the case is cancelled: take it off the owed list (only while it is
    in one of `while_statuses`, when given)."""
    statuses = tuple(while_statuses)
    condition = Referral.status.is_in(*statuses) if statuses else None
    tx.update(Referral(referral_id), actions=[Referral.cancellations_owed.remove()], condition=condition)


def owing_cancellations(limit: int | None = None) -> list[str]:
    """The ids of the cases whose upcoming visits are not all cancelled yet, oldest change first."""
    return [r.referral_id for r in Referral.cancellations_owed_index.query(OWED, limit=limit)]


def ask_to_end(tx: Writes, referral_id: str, *, reason: str, by: str, at: str, statuses: Iterable[str]) -> None:
    """Record the referrer's request to end the case, only while the case is in one of `statuses`
    and no other request of theirs waits."""
    tx.update(
        Referral(referral_id),
        actions=[
            Referral.end_request_waiting.set(WAITING),
            Referral.end_requested_at.set(at),
            Referral.end_requested_by.set(by),
            Referral.end_request_reason.set(reason),
            Referral.end_request_outcome.remove(),
            Referral.end_request_decline_reason.remove(),
        ],
        condition=Referral.status.is_in(*statuses) & Referral.end_request_waiting.does_not_exist(),
    )


def end_request_decided_actions(outcome: str, decline_reason: str | None = None) -> tuple:
    """What deciding the waiting end request sets: it leaves the queue with its outcome."""
    return (
        Referral.end_request_waiting.remove(),
        Referral.end_request_outcome.set(outcome),
        Referral.end_request_decline_reason.set(decline_reason)
        if decline_reason
        else Referral.end_request_decline_reason.remove(),
    )


def decline_end_request(tx: Writes, referral_id: str, decline_reason: str) -> None:
    """The supervisor declines the waiting end request, only while it still waits."""
    tx.update(
        Referral(referral_id),
        actions=list(end_request_decided_actions("declined", decline_reason)),
        condition=Referral.end_request_waiting == WAITING,
    )


def end_requests_waiting() -> Iterator[Referral]:
    """Every case whose end request waits for a decision, oldest request first."""
    return Referral.end_requests_waiting_index.query(WAITING)
