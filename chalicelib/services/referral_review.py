"""The referral as a reviewed item: what the review machinery needs of it, and the steps only the
referral_review workflow has (telling the referrer, lapsing).

The shared steps (ask, remind, escalate, overdue, failure, the wait for the referrer's answer) live
in `services.review`; this module
supplies the referral's statuses, words, emails and decision handling.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain import referrals as referral_rules
from chalicelib.domain.people import Person
from chalicelib.domain.referral_decisions import Decision, ReviewDecision
from chalicelib.domain.referral_form import ReferralSubmission, public_summary
from chalicelib.domain.referral_reference import human_reference
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.errors import Conflict
from chalicelib.services import approvals, email, figures, review
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.referral_status import change_status, load
from chalicelib.services.review import CLOSED, Described, NothingToDecide, decider_label
from chalicelib.storage import referrals as referral_store
from chalicelib.workflows.registry import REFERRAL_REVIEW

if TYPE_CHECKING:
    from chalicelib.storage.referrals import Referral

KIND = REFERRAL_REVIEW.subject_kind
UNDECIDED = frozenset({ReferralStatus.SUBMITTED, ReferralStatus.UNDER_REVIEW})
# Statuses a supervisor's decision leads to (withdrawn and lapsed ones were closed, not decided).
DECIDED = frozenset({ReferralStatus.MORE_INFO_REQUESTED, *referral_rules.DECIDED})


def reference(referral_id: str) -> str:
    return human_reference(referral_id)


def first_names(referral: Referral) -> str:
    names = [c.get("first_name", "") for c in (referral.submission or {}).get("children", [])]
    return ", ".join(n for n in names if n)


def link_summary(referral: Referral) -> dict:
    """What the supervisor sees in the email and on the link page: never the carer's address.

    `other_risk` (the risk details when "other" is flagged) is for the link page only: no email shows it.
    """
    submission = ReferralSubmission.model_validate(
        referral.submission, context={"today": clock.today(), "stored": True}
    )
    return {
        "referral_id": referral.referral_id,
        "reference": reference(referral.referral_id),
        "submitted_at": referral.created_at,
        **public_summary(submission, clock.today()),
        "questions": [{"question": e.question, "answer": e.answer} for e in referral.exchanges or []],
        "other_risk": (submission.risks.details or "Not described") if submission.risks.other else None,
    }


class ReferralSubject:
    kind = KIND
    workflow = REFERRAL_REVIEW
    decision_labels = {
        Decision.ACCEPT.value: "Accept the referral",
        Decision.DECLINE.value: "Decline the referral",
        Decision.MORE_INFO.value: "Ask the referrer for more information",
    }
    page_template = "approval_referral.html"
    labels = {
        "noun": "referral",
        "comment": "Reason or question",
        "comment_hint": "needed to decline or to ask for more information; sent to the referrer",
    }
    page = "/referrals/{id}"
    email_templates = {"request": "referral_review_request"}
    author_wait = review.AuthorWait(
        status=ReferralStatus.MORE_INFO_REQUESTED.value,
        keep_token=referral_store.keep_amendment_wait,
        retire_reason="more information requested",
        audit_action="referral.awaiting_answer",
        details=lambda referral: {"status": referral.status},
    )

    @cached_property
    def steps(self) -> dict:
        return review.steps(self, {"notify_decision": notify_decision, "mark_lapsed": mark_lapsed})

    # -- reading ----------------------------------------------------------------------------

    def load(self, subject_id: str) -> Referral:
        return load(subject_id)

    def describe(self, referral: Referral) -> Described:
        status = ReferralStatus(referral.status)
        entered = [h.at for h in referral.history or [] if h.to_status == referral.status]
        return Described(
            subject_id=referral.referral_id,
            reference=reference(referral.referral_id),
            title=first_names(referral) or "Referral",
            status=status.value,
            status_label=status.label,
            url=self.page.format(id=referral.referral_id),
            since=entered[-1] if entered else referral.updated_at,
            runs=int(referral.workflow_runs or 1),
            case_id=referral.referral_id,
        )

    def summary(self, referral: Referral) -> dict:
        return link_summary(referral)

    def waiting(self) -> Iterable[Referral]:
        return referral_store.in_status(ReferralStatus.UNDER_REVIEW.value)

    def in_status_after(self, status: str, cursor: str | None) -> Iterable[tuple[Referral, str | None]]:
        return referral_store.in_status_after(status, cursor)

    # -- the review's own changes -----------------------------------------------------------

    def check_decision_needed(self, referral: Referral) -> None:
        status = ReferralStatus(referral.status)
        if status in UNDECIDED:
            return
        if status is ReferralStatus.MORE_INFO_REQUESTED:
            raise NothingToDecide(Decision.MORE_INFO.value)
        raise NothingToDecide(referral.decision or CLOSED)

    def begin_review(self, referral: Referral) -> None:
        if referral.status != ReferralStatus.SUBMITTED:
            return
        with audited_transaction(SYSTEM) as tx:
            change_status(
                tx,
                referral.referral_id,
                ReferralStatus.SUBMITTED.value,
                ReferralStatus.UNDER_REVIEW.value,
                action="referral.review_started",
            )

    def count_run(self, tx: Any, referral: Referral, run: int) -> None:
        referral_store.count_workflow_run(tx, referral, run)

    def ask_author(self, referral: Referral) -> None:
        """The referrer is emailed the supervisor's question and a link to answer it."""
        question = referral.exchanges[-1].question if referral.exchanges else ""
        email.send(
            referral.referrer_email,
            "referral_more_info",
            referral=referral,
            question=question,
            children=first_names(referral),
            link=f"{settings().public_base_url}/referrals/{referral.referral_id}",
        )

    # -- deciding -----------------------------------------------------------------------------

    def validate(self, decision: str | None, comment: str | None) -> ReviewDecision:
        return review.decision_from(ReviewDecision, decision, comment)

    def apply(
        self, tx: Any, subject_id: str, decision: ReviewDecision, actor: Person, audit: dict, summary: dict
    ) -> None:
        """The decision, and for an accept or decline the dashboard's counters, in the link's one write
        (the submission time is the link summary's `submitted_at`)."""
        if decision.decision is Decision.MORE_INFO:
            extra = referral_store.question_actions(
                decision.comment, actor.email, clock.iso_now(), name=actor.name, role=actor.role
            )
        else:
            extra = referral_store.decision_actions(
                decision.decision.value,
                actor.email,
                clock.iso_now(),
                decision.comment,
                name=actor.name,
                role=actor.role,
            )
        change_status(
            tx,
            subject_id,
            ReferralStatus.UNDER_REVIEW.value,
            decision.new_status.value,
            action="referral.decided",
            reason=decision.comment,
            extra_actions=extra,
            details=audit,
        )
        if decision.decision is not Decision.MORE_INFO:
            figures.count_decided(tx, decision.decision is Decision.ACCEPT, summary.get("submitted_at"))

    def outcome(self, subject_id: str) -> dict:
        # Read after a decision lost its race: it must see the winner's committed write.
        referral = load(subject_id, consistent_read=True)
        last = (referral.history or [None])[-1]
        status = ReferralStatus(referral.status)
        return {
            "decided": status in DECIDED,
            "settled": status not in UNDECIDED,
            "status": status.value,
            "status_label": status.label,
            "decision": referral.decision,
            "decided_by": decider_label(referral.decided_by, referral.decided_by_name, referral.decided_by_role, last),
            "decided_at": referral.decided_at or (last.at if last else None),
        }

    def workflow_result(self, decision: ReviewDecision) -> dict:
        return {"decision": decision.decision.value}

    def check_still_waiting(self, tx: Any, subject_id: str) -> None:
        referral_store.check_referral_status_in(tx, subject_id, (s.value for s in UNDECIDED))

    def wait_was_over(self, subject_id: str) -> None:
        """A decision landed just as its wait ended (a timeout in the same instant). An accept or
        decline is told to the referrer now; a question is picked up by the next review step,
        which sees the status, or by the recovery sweep."""
        referral = load(subject_id)
        if referral.decision and referral.notified_status != referral.status:
            notify_decision({"subject_id": subject_id})


SUBJECT = ReferralSubject()


# -- the referral's own steps -----------------------------------------------------------------------


def notify_decision(event: dict) -> dict:
    """Tell the referrer the outcome, once per status, and retire any links still open."""
    referral = load(event["subject_id"])
    approvals.retire_active(KIND, referral.referral_id, reason="decided")
    if referral.notified_status == referral.status:
        return {"sent": False}
    email.send(
        referral.referrer_email,
        "referral_decision",
        referral=referral,
        accepted=referral.status == ReferralStatus.ACCEPTED,
        confidential=referral_rules.address_is_confidential(referral.submission),
        children=first_names(referral),
        invites_reply=True,
    )
    with audited_transaction(SYSTEM) as tx:
        referral_store.mark_referrer_notified(tx, referral)
        tx.record(KIND, referral.referral_id, "referral.referrer_notified", {"status": referral.status})
    return {"sent": True}


def mark_lapsed(event: dict) -> dict:
    referral = load(event["subject_id"])
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
    email.send(referral.referrer_email, "referral_lapsed", referral=referral, children=first_names(referral))
    return {"status": ReferralStatus.LAPSED.value}
