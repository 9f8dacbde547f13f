"""Writing a visit's report: save a draft (as often as the worker likes), submit it as a new,
immutable version and send it for review, and the status changes a report goes through.

Only the report's author writes (`report_access.may_write`). The review of a submitted version is
the report_review workflow (`services.report_review`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain.people import person_label
from chalicelib.domain.reports import (
    WRITABLE,
    ReportContent,
    ReportStatus,
    attendance_problems,
    content_hash,
    missing_for_submission,
    participant_labels,
)
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.observability import count
from chalicelib.services import figures, outputs, review
from chalicelib.services.audit import ChangedElsewhere, audited_transaction, status_change
from chalicelib.services.report_access import is_author, load, someone_elses_draft, writable_visit
from chalicelib.services.report_status import change_status
from chalicelib.services.report_views import view_for
from chalicelib.storage import reports as store
from chalicelib.workflows.registry import REPORT_REVIEW

if TYPE_CHECKING:
    from chalicelib.storage.reports import Report

KIND = REPORT_REVIEW.subject_kind


def _writable(report: Report) -> None:
    status = ReportStatus(report.status)
    if status is ReportStatus.APPROVED:
        raise Conflict("This report is approved and locked: it cannot be changed.")
    if status not in WRITABLE:
        raise Conflict(
            "This report is waiting for a supervisor's decision: it can be changed once they ask for changes."
        )


def save_draft(
    principal: Principal, visit_id: str, content: ReportContent, read_revision: int | None = None
) -> outputs.Report:
    """Save what the worker has written so far (as often as they like); creates the report on the
    first save, whose writer becomes its author. The visit's times and participants are copied
    afresh each time, so a rescheduled visit is seen; the author is not: it changes only by a
    supervisor's handover.

    `read_revision` is the draft revision the writer's copy was based on (0 before the first
    save). The write holds only if the stored draft is still at that revision (a DynamoDB
    condition), so a draft saved from another tab or device is never overwritten unseen: the
    writer gets `ChangedElsewhere`. Without it, the write is conditional on the revision this
    request read.
    """
    visit, existing = writable_visit(principal, visit_id)
    participants = participant_labels(visit.participants or {})
    problems = attendance_problems(content, participants)
    if problems:
        raise ValidationFailed(f"{len(problems)} field(s) need attention.", fields=problems)
    if existing is not None:
        _writable(existing)
    stored = int(existing.draft_revision or 0) if existing is not None else 0
    based_on = stored if read_revision is None else read_revision
    if based_on != stored:
        raise _draft_changed(existing)
    now = clock.iso_now()
    copied = {"visit_starts_at": visit.starts_at, "participants": participants}
    draft = content.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    try:
        _write_draft(principal, visit, existing, draft, copied, now, based_on)
    except Conflict as exc:
        # Say which it was: the report left the draft stage (submitted from elsewhere), or its
        # draft was saved elsewhere after this writer read it.
        current = store.get_report(visit_id)
        if current is not None:
            if not is_author(principal, current):  # another worker's first save won the race
                raise someone_elses_draft(current) from exc
            _writable(current)
        raise _draft_changed(current) from exc
    return view_for(principal, load(visit_id))


def _draft_changed(current: Report | None) -> ChangedElsewhere:
    from chalicelib.domain.date_words import when

    saved = f" (saved {when(current.draft_saved_at)})" if current is not None and current.draft_saved_at else ""
    return ChangedElsewhere(
        f"This draft was changed elsewhere{saved}, for example in another tab or on another device, after "
        "you opened it, so your changes were not saved. What you typed is kept: compare it with the saved "
        "draft, then save again to keep your version."
    )


def _write_draft(
    principal: Principal, visit: Any, existing: Report | None, draft: dict, copied: dict, now: str, based_on: int
) -> None:
    from chalicelib.services.referrals import load as load_referral
    from chalicelib.storage.workers import get_worker

    visit_id = visit.visit_id
    with audited_transaction(principal.person, "The report changed meanwhile. Reload it.") as tx:
        if existing is None:
            referral = load_referral(visit.referral_id)
            worker = get_worker(visit.worker_id)
            report = store.new_report(
                visit_id,
                referral_id=visit.referral_id,
                referrer_id=referral.referrer_id,
                referrer_email=referral.referrer_email,
                worker_id=visit.worker_id,
                worker_email=principal.email,
                worker_name=worker.name if worker else principal.name,
                status=ReportStatus.DRAFT.value,
                draft=draft,
                draft_saved_at=now,
                draft_revision=1,
                history=[status_change(principal.person, None, ReportStatus.DRAFT.value)],
                created_at=now,
                updated_at=now,
                **copied,
            )
            store.add_report(tx, report)
            tx.record(KIND, visit_id, "report.draft_started", {"sections": len(draft)}, case_id=visit.referral_id)
        else:
            store.save_report_draft(tx, existing, draft=draft, saved_at=now, based_on=based_on, copied=copied)
            tx.record(
                KIND,
                visit_id,
                "report.draft_saved",
                {"sections": len(draft), "revision": based_on + 1},
                case_id=visit.referral_id,
            )


def submit(principal: Principal, visit_id: str) -> outputs.SubmittedReport:
    """Submit the saved draft as a new, immutable version and send it for review. Three AWS calls:
    the report, one transaction (which also checks the visit is still this worker's, at the
    time the draft saw, and not cancelled), and starting or resuming the workflow."""
    report = store.get_report(visit_id)
    if report is None:  # the assigned worker learns there is nothing to submit; anyone else, nothing
        writable_visit(principal, visit_id)
        raise NotFound("No report has been written for this visit yet: save a draft first.")
    if not is_author(principal, report):
        writable_visit(principal, visit_id)  # says whose draft it is to the worker now on the visit
        raise Forbidden("Only the report's author may submit it.")
    _writable(report)
    if clock.iso_now() < report.visit_starts_at:
        raise Conflict("This visit has not started yet: its report can be submitted once it has taken place.")
    content = ReportContent.model_validate(report.draft or {})
    problems = missing_for_submission(content, report.participants or {})
    if problems:
        raise ValidationFailed(
            f"{len(problems)} part(s) of the report need attention before it can be submitted.", fields=problems
        )
    version = int(report.version or 0) + 1
    body = content.model_dump(mode="json", exclude_none=True)
    digest = content_hash(visit_id, version, body)
    now = clock.iso_now()
    runs = int(report.workflow_runs or 0)
    first = runs == 0
    # The revision's wait, as this request saw it: the write below holds only if it is unchanged.
    waiting = report.resubmission_task_token
    unchanged_wait = store.wait_unchanged(waiting)
    try:
        _write_submission(
            principal, report, version, body, digest, now, 1 if first else runs, unchanged_wait, content.urgent
        )
    except Conflict:
        _already_submitted(visit_id, version)
        _visit_given_to_another(report)
        raise
    count("ReportSubmitted")
    if first:
        review.start(REPORT_REVIEW, visit_id, 1)
    else:  # the revision's wait resumes; if it has ended, a new run reviews this version
        from chalicelib.services.report_review import SUBJECT

        review.answered(SUBJECT, report, waiting, {"revised": version})
    return {
        "visit_id": visit_id,
        "status": ReportStatus.SUBMITTED.value,
        "status_label": ReportStatus.SUBMITTED.label,
        "version": version,
        "sha256": digest,
        "submitted_at": now,
    }


def _write_submission(
    principal: Principal,
    report: Report,
    version: int,
    body: dict,
    digest: str,
    now: str,
    runs: int,
    unchanged_wait: Any,
    urgent: bool,
) -> None:
    """The version, the status change and its audit event, in one conditional transaction; the
    first submission is counted in it (`figures.count_report_submitted`)."""
    from chalicelib.domain.visits import VisitStatus
    from chalicelib.storage.visits import check_visit_still

    visit_id = report.visit_id
    with audited_transaction(
        principal.person, "The visit changed since this draft was saved. Save it again, then submit."
    ) as tx:
        check_visit_still(
            tx,
            visit_id,
            worker_id=report.worker_id,
            starts_at=report.visit_starts_at,
            not_status=VisitStatus.CANCELLED.value,
        )
        store.add_version(tx, visit_id, version, content=body, submitted_at=now, submitted_by=principal.email)
        extra = store.submission_actions(version, digest, runs)
        if version == 1:  # a resubmission after changes were asked for is not a new submission
            extra += store.first_submission_actions(now, report.visit_starts_at)
            figures.count_report_submitted(tx, report.visit_starts_at, now)
        change_status(
            tx,
            report,
            report.status,
            ReportStatus.SUBMITTED.value,
            action="report.submitted",
            extra_actions=extra,
            details={"version": version, "urgent": urgent},
            also_if=unchanged_wait,
            at=now,
        )


def _visit_given_to_another(report: Report) -> None:
    """After a failed submission: if the visit is now another worker's, say what to do."""
    from chalicelib.services import visit_access

    if visit_access.load(report.visit_id).worker_id != report.worker_id:
        raise Conflict(
            "This visit is now assigned to another worker, so your draft cannot be submitted for it. "
            "A supervisor can hand the draft over to them, or give the visit back to you."
        )


def _already_submitted(visit_id: str, version: int) -> None:
    """After a failed submission: if the same report was submitted meanwhile (a double click, a second
    tab), say so and by whom, instead of blaming the visit."""
    current = store.get_report(visit_id)
    if current is None or ReportStatus(current.status) in WRITABLE:
        return
    if int(current.version or 0) >= version:
        last = (current.history or [None])[-1]
        by = f" by {person_label(last.actor, last.actor_name, last.actor_role)}" if last is not None else ""
        raise ChangedElsewhere(
            f"This report was already submitted{by} (version {int(current.version)}) while you were submitting "
            f"it: it is now {ReportStatus(current.status).label.lower()}. Nothing more was submitted."
        )
    _writable(current)
