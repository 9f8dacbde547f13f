"""The visit report as a reviewed item: what the review machinery needs of it, and the steps only
the report_review workflow has (alerting urgent concerns at once, telling the referrer a report is
ready, telling the worker a revision is overdue).

The shared steps (ask, remind, escalate, overdue, failure, the wait for the worker's revision) live
in `services.review`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain.date_words import day_of
from chalicelib.domain.people import Person
from chalicelib.domain.referral_reference import human_reference
from chalicelib.domain.reports import Decision, ReportContent, ReportDecision, ReportStatus
from chalicelib.errors import Conflict
from chalicelib.services import approvals, email, figures, review
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.report_access import load
from chalicelib.services.report_status import change_status
from chalicelib.services.review import Described, NothingToDecide, decider_label
from chalicelib.storage import reports as store
from chalicelib.workflows.registry import REPORT_REVIEW

if TYPE_CHECKING:
    from chalicelib.storage.reports import Report

KIND = REPORT_REVIEW.subject_kind
DECIDED = frozenset({ReportStatus.APPROVED, ReportStatus.CHANGES_REQUESTED})


def report_url(visit_id: str) -> str:
    return f"{settings().public_base_url}/visits/{visit_id}/report"


def visit_day(report: Report) -> str:
    return day_of(report.visit_starts_at)


def case_of(report: Report) -> dict[str, str]:
    """The case as emails name it: the referral's reference and the children's first names."""
    return {"reference": human_reference(report.referral_id), "children": children_of(report)}


def children_of(report: Report) -> str:
    """The first names of the children at the visit, as the report's attendance labels them."""
    labels = report.participants or {}
    return ", ".join(label for key, label in labels.items() if key.startswith("child-") and label != key)


def latest(report: Report) -> ReportContent:
    return ReportContent.model_validate(store.get_version(report.visit_id, int(report.version)).content)


class ReportSubject:
    kind = KIND
    workflow = REPORT_REVIEW
    decision_labels = {
        Decision.APPROVE.value: "Approve the report",
        Decision.REQUEST_CHANGES.value: "Ask the worker for changes",
    }
    page_template = "approval_report.html"
    labels = {
        "noun": "report",
        "comment": "Changes needed",
        "comment_hint": "needed to ask for changes; sent to the worker",
    }
    page = "/visits/{id}/report"
    email_templates = {"request": "report_review_request"}
    author_wait = review.AuthorWait(
        status=ReportStatus.CHANGES_REQUESTED.value,
        keep_token=store.keep_revision_wait,
        retire_reason="changes requested",
        audit_action="report.awaiting_revision",
        details=lambda report: {"version": int(report.version)},
        restart_when_over=True,
    )

    @cached_property
    def steps(self) -> dict:
        own = {
            "alert_if_urgent": alert_if_urgent,
            "notify_decision": notify_decision,
            "revision_overdue": revision_overdue,
        }
        return review.steps(self, own)

    # -- reading ----------------------------------------------------------------------------

    def load(self, subject_id: str) -> Report:
        return load(subject_id)

    def describe(self, report: Report) -> Described:
        status = ReportStatus(report.status)
        entered = [h.at for h in report.history or [] if h.to_status == report.status]
        names = ", ".join((report.participants or {}).values())
        return Described(
            subject_id=report.visit_id,
            reference=human_reference(report.referral_id),
            title=f"the visit of {visit_day(report)}" + (f" ({names})" if names else ""),
            status=status.value,
            status_label=status.label.lower(),
            url=self.page.format(id=report.visit_id),
            since=entered[-1] if entered else report.updated_at,
            runs=int(report.workflow_runs or 1),
            case_id=report.referral_id,
        )

    def summary(self, report: Report) -> dict:
        """What the approver reads: the whole submitted version (staff only), and what the email shows."""
        content = latest(report)
        return {
            "reference": human_reference(report.referral_id),
            "children_names": children_of(report),
            "visit_id": report.visit_id,
            "visit_starts_at": report.visit_starts_at,
            "worker_name": report.worker_name,
            "version": int(report.version),
            "participants": report.participants or {},
            "urgent": content.urgent,
            "content": content.model_dump(mode="json", exclude_none=True),
        }

    def waiting(self) -> Iterable[Report]:
        return store.in_status(ReportStatus.SUBMITTED.value)

    def in_status_after(self, status: str, cursor: str | None) -> Iterable[tuple[Report, str | None]]:
        return store.in_status_after(status, cursor)

    # -- the review's own changes -----------------------------------------------------------

    def check_decision_needed(self, report: Report) -> None:
        status = ReportStatus(report.status)
        if status is ReportStatus.SUBMITTED:
            return
        if status is ReportStatus.CHANGES_REQUESTED:
            raise NothingToDecide(Decision.REQUEST_CHANGES.value)
        if status is ReportStatus.APPROVED:
            raise NothingToDecide(Decision.APPROVE.value)
        raise NothingToDecide(f"a {status.label.lower()} report has nothing to decide")

    def begin_review(self, report: Report) -> None:
        """A submitted report is under review from its submission: nothing to record."""

    def count_run(self, tx: Any, report: Report, run: int) -> None:
        """A new run keeps no wait of an earlier one."""
        store.count_workflow_run(tx, report, run)

    def ask_author(self, report: Report) -> None:
        _ask_worker_to_revise(report)

    # -- deciding -----------------------------------------------------------------------------

    def validate(self, decision: str | None, comment: str | None) -> ReportDecision:
        return review.decision_from(ReportDecision, decision, comment)

    def apply(
        self, tx: Any, subject_id: str, decision: ReportDecision, actor: Person, audit: dict, summary: dict
    ) -> None:
        """Approving locks the submitted version: its number and hash are copied in the same write.
        The decision is counted in it, approvals by the visit's start (the link summary's
        `visit_starts_at`), and an approval counts the visit held (a family member attended) and
        its no-shows."""
        approved = decision.decision is Decision.APPROVE
        at = clock.iso_now()
        if approved:
            extra = store.approval_actions(actor.email, at, name=actor.name, role=actor.role)
            _count_approval(tx, subject_id, summary)
        else:
            extra = store.changes_request_actions(decision.comment)
        figures.count_report_decided(tx, approved, summary.get("visit_starts_at"), at)
        change_status(
            tx,
            subject_id,
            ReportStatus.SUBMITTED.value,
            decision.new_status.value,
            action="report.decided",
            reason=decision.comment,
            extra_actions=extra,
            details=audit,
            at=at,
        )

    def outcome(self, subject_id: str) -> dict:
        report = load(subject_id)
        status = ReportStatus(report.status)
        last = (report.history or [None])[-1]
        return {
            "decided": status in DECIDED,
            "settled": status is not ReportStatus.SUBMITTED,
            "status": status.value,
            "status_label": status.label.lower(),
            "decision": Decision.APPROVE.value if status is ReportStatus.APPROVED else None,
            "decided_by": decider_label(report.approved_by, report.approved_by_name, report.approved_by_role, last),
            "decided_at": report.approved_at or (last.at if last else None),
        }

    def workflow_result(self, decision: ReportDecision) -> dict:
        return {"decision": decision.decision.value}

    def check_still_waiting(self, tx: Any, subject_id: str) -> None:
        store.check_report_status(tx, subject_id, ReportStatus.SUBMITTED.value)

    def wait_was_over(self, subject_id: str) -> None:
        """The decision is recorded but its wait had ended: an approval is told now; a request for
        changes reaches the worker now, and their resubmission starts the next review."""
        report = load(subject_id)
        if report.status == ReportStatus.APPROVED:
            notify_decision({"subject_id": subject_id})
        elif report.status == ReportStatus.CHANGES_REQUESTED:
            _ask_worker_to_revise(report)


SUBJECT = ReportSubject()


def _count_approval(tx: Any, visit_id: str, summary: dict) -> None:
    """Count the approved version's attendance, read from the link's summary (fixed when the link
    was issued for that version; a link without one reads it). A visit held that is its case's
    first held also counts the days since the referral's acceptance, and is marked on the referral
    in the same write: one GetItem of the referral, only when the visit was held."""
    from chalicelib.domain.visit_figures import is_held
    from chalicelib.storage import referrals as referral_store

    content, starts_at = summary.get("content"), summary.get("visit_starts_at")
    if content is None or not starts_at:
        report = load(visit_id)
        content, starts_at = latest(report).model_dump(mode="json", exclude_none=True), report.visit_starts_at
    attendance = attendance_of(content)
    first_after = None
    if is_held(attendance):
        referral_id = getattr(tx, "case_id", None) or load(visit_id).referral_id  # the link's case
        referral = referral_store.referral(referral_id, consistent=True)
        if referral is not None and not referral.first_visit_held_id:
            referral_store.mark_first_visit_held(tx, referral.referral_id, visit_id, starts_at)
            first_after = referral.decided_at
    figures.count_approved(tx, starts_at, attendance, first_after)


def attendance_of(content: dict) -> list[tuple[str, str]]:
    """(participant, attendance) of each entry of a report's content, as stored."""
    return [(str(e.get("participant", "")), str(e.get("attendance", ""))) for e in content.get("attendance") or []]


# -- the report's own steps -------------------------------------------------------------------------


def alert_if_urgent(event: dict) -> dict:
    """A safeguarding concern or critical incident does not wait for approval: the duty supervisor
    (with the details) and the referrer (told to expect a call) are emailed now, once per concern:
    a resubmission recording the same concern alerts nobody again."""
    report = load(event["subject_id"])
    version = int(report.version or 0)
    if report.status != ReportStatus.SUBMITTED or report.alerted_version == version:
        return {"alerted": False}
    content = latest(report)
    if not content.urgent or report.alerted_concern == content.concern_key:
        return {"alerted": False}
    context = {
        "report": report,
        "content": content,
        "day": visit_day(report),
        "link": report_url(report.visit_id),
        **case_of(report),
    }
    email.send(settings().duty_supervisor_email, "report_urgent_supervisor", **context)
    email.send(
        report.referrer_email,
        "report_urgent_referrer",
        **context,
        supervisor=settings().duty_supervisor_email,
        invites_reply=True,
    )
    try:
        with audited_transaction(SYSTEM, case_id=report.referral_id) as tx:
            store.mark_urgent_alerted(tx, report, version, content.concern_key)
            tx.record(
                KIND,
                report.visit_id,
                "report.urgent_alerted",
                {
                    "version": version,
                    "safeguarding_concern": bool(content.safeguarding_concern),
                    "critical_incident": bool(content.critical_incident),
                },
            )
    except Conflict:
        pass  # a newer version meanwhile: its own run of this step alerts for it
    return {"alerted": True}


def notify_decision(event: dict) -> dict:
    """Approved: the visit counts as reported, and the referrer is told the report is ready (a link
    to it, no content). Once per approval; the item's links are retired."""
    from chalicelib.domain.visits import VisitStatus
    from chalicelib.services import visit_access

    report = load(event["subject_id"])
    approvals.retire_active(KIND, report.visit_id, reason="decided")
    if report.status != ReportStatus.APPROVED:
        return {"sent": False}
    visit = visit_access.load(report.visit_id)
    if visit.status == VisitStatus.SCHEDULED:
        from chalicelib.storage import visits as visit_store

        with audited_transaction(SYSTEM, "The visit changed meanwhile.", case_id=visit.referral_id) as tx:
            visit_store.change_visit_status(tx, visit, VisitStatus.REPORTED.value, now=clock.iso_now())
            tx.record("visit", visit.visit_id, "visit.reported", {"report_version": report.approved_version})
    if report.notified_status == report.status:
        return {"sent": False}
    email.send(
        report.referrer_email, "report_ready", report=report, day=visit_day(report), link=report_url(report.visit_id)
    )
    with audited_transaction(SYSTEM, case_id=report.referral_id) as tx:
        store.mark_referrer_notified(tx, report)
        tx.record(KIND, report.visit_id, "report.referrer_notified", {"status": report.status})
    return {"sent": True}


def _ask_worker_to_revise(report: Report) -> None:
    email.send(
        report.worker_email,
        "report_changes_requested",
        report=report,
        day=visit_day(report),
        comment=report.changes_comment,
        link=report_url(report.visit_id),
    )


def revision_overdue(event: dict) -> dict:
    """The revision did not come in time: the worker and the duty supervisor are told. The
    resubmission, whenever it comes, starts the next review."""
    report = load(event["subject_id"])
    if report.status != ReportStatus.CHANGES_REQUESTED:
        return {"sent": False}
    context = {"report": report, "day": visit_day(report), "link": report_url(report.visit_id), **case_of(report)}
    email.send([report.worker_email, settings().duty_supervisor_email], "report_revision_overdue", **context)
    with audited_transaction(SYSTEM, case_id=report.referral_id) as tx:
        tx.record(KIND, report.visit_id, "report.revision_overdue", {"version": int(report.version)})
    return {"sent": True}
