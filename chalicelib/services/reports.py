"""Visit reports for the people who write and read them: save a draft, submit a version, read a
report with its versions, and the approved version for the court-ready PDF.

Only the worker assigned to the visit writes; supervisors and admins read everything; the
referrer reads only the approved version of their own referral's reports. The review of a
submitted version is the report_review workflow (`services.report_review`).
"""

from __future__ import annotations

from typing import Any

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.reports import (
    WRITABLE,
    InvalidTransition,
    ReportContent,
    ReportStatus,
    attendance_problems,
    check_transition,
    content_hash,
    missing_for_submission,
    participant_labels,
)
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.observability import count
from chalicelib.services import review
from chalicelib.services.audit import ChangedElsewhere, audited_transaction
from chalicelib.storage import reports as store
from chalicelib.storage.referrals import StatusChange, append_to
from chalicelib.storage.reports import Report, ReportVersion
from chalicelib.workflows.registry import REPORT_REVIEW

KIND = REPORT_REVIEW.subject_kind
READERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
ONLY_ASSIGNED = "Only the worker assigned to this visit may write its report."


def load(visit_id: str) -> Report:
    report = store.get_report(visit_id)
    if report is None:
        raise NotFound("No report has been written for this visit yet.")
    return report


def is_author(principal: Principal, report: Report) -> bool:
    return Role.WORKER in principal.roles and principal.email.casefold() == report.worker_email.casefold()


def status_change(actor: str, from_status: str | None, to_status: str, reason: str | None = None) -> StatusChange:
    return StatusChange(at=clock.iso_now(), actor=actor, from_status=from_status, to_status=to_status, reason=reason)


def change_status(
    tx: Any,
    report: Report | str,
    from_status: str,
    to_status: str,
    *,
    action: str,
    reason: str | None = None,
    extra_actions: tuple = (),
    details: dict | None = None,
    also_if: Any = None,
) -> None:
    """Add one status change to `tx`: the update (only if the report is still `from_status`, and
    `also_if` holds), its history entry and its audit event. The domain rules decide first."""
    try:
        check_transition(from_status, to_status)
    except InvalidTransition as exc:
        raise Conflict(f"{exc}.") from exc
    visit_id = report if isinstance(report, str) else report.visit_id
    tx.update(
        Report(visit_id),
        actions=[
            Report.status.set(to_status),
            Report.updated_at.set(clock.iso_now()),
            append_to(Report.history, [status_change(tx.actor, from_status, to_status, reason)]),
            *extra_actions,
        ],
        condition=(Report.status == from_status) if also_if is None else (Report.status == from_status) & also_if,
    )
    tx.record(KIND, visit_id, action, {"from": from_status, "to": to_status, **(details or {})})


# -- writing ------------------------------------------------------------------------------------


def _assigned_visit(principal: Principal, visit_id: str):
    """The visit, if the signed-in worker is the one assigned to it and it still needs a report."""
    from chalicelib.domain.visits import VisitStatus
    from chalicelib.services import visit_access

    try:
        visit = visit_access.load(visit_id)
    except NotFound:  # the same answer as for someone else's visit
        raise Forbidden(ONLY_ASSIGNED) from None
    if visit_access.worker_id_of(principal) != visit.worker_id:
        raise Forbidden(ONLY_ASSIGNED)
    if visit.status == VisitStatus.CANCELLED:
        raise Conflict("This visit was cancelled, so it needs no report.")
    return visit


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
) -> dict[str, Any]:
    """Save what the worker has written so far (as often as they like); creates the report on the
    first save. The visit's details are copied afresh each time, so a rescheduled visit is seen.

    `read_revision` is the draft revision the writer's copy was based on (0 before the first
    save). The write holds only if the stored draft is still at that revision (a DynamoDB
    condition), so a draft saved from another tab or device is never overwritten unseen: the
    writer gets `ChangedElsewhere`. Without it, the write is conditional on the revision this
    request read.
    """
    visit = _assigned_visit(principal, visit_id)
    participants = participant_labels(visit.participants or {})
    problems = attendance_problems(content, participants)
    if problems:
        raise ValidationFailed(f"{len(problems)} field(s) need attention.", fields=problems)
    existing = store.get_report(visit_id)
    if existing is not None:
        _writable(existing)
    stored = int(existing.draft_revision or 0) if existing is not None else 0
    based_on = stored if read_revision is None else read_revision
    if based_on != stored:
        raise _draft_changed(existing)
    now = clock.iso_now()
    copied = {
        "worker_id": visit.worker_id,
        "worker_email": principal.email.lower(),
        "visit_starts_at": visit.starts_at,
        "participants": participants,
    }
    draft = content.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    try:
        _write_draft(principal, visit, existing, draft, copied, now, based_on)
    except Conflict as exc:
        # Say which it was: the report left the draft stage (submitted from elsewhere), or its
        # draft was saved elsewhere after this writer read it.
        current = store.get_report(visit_id)
        if current is not None:
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
    with audited_transaction(principal.email, "The report changed meanwhile. Reload it.") as tx:
        if existing is None:
            referral = load_referral(visit.referral_id)
            worker = get_worker(visit.worker_id)
            report = Report(
                visit_id,
                referral_id=visit.referral_id,
                referrer_id=referral.referrer_id,
                referrer_email=referral.referrer_email,
                worker_name=worker.name if worker else principal.name,
                status=ReportStatus.DRAFT.value,
                draft=draft,
                draft_saved_at=now,
                draft_revision=1,
                history=[status_change(principal.email, None, ReportStatus.DRAFT.value)],
                created_at=now,
                updated_at=now,
                **copied,
            )
            tx.save(report, condition=Report.visit_id.does_not_exist())
            tx.record(KIND, visit_id, "report.draft_started", {"sections": len(draft)})
        else:
            tx.update(
                existing,
                actions=[
                    Report.draft.set(draft),
                    Report.draft_saved_at.set(now),
                    Report.draft_revision.set(based_on + 1),
                    *(getattr(Report, name).set(value) for name, value in copied.items()),
                ],
                condition=(Report.status == existing.status) & store.draft_is_at(based_on),
            )
            tx.record(KIND, visit_id, "report.draft_saved", {"sections": len(draft), "revision": based_on + 1})


def submit(principal: Principal, visit_id: str) -> dict[str, Any]:
    """Submit the saved draft as a new, immutable version and send it for review. Three AWS calls:
    the report, one transaction (which also checks the visit is still this worker's, at the
    time the draft saw, and not cancelled), and starting or resuming the workflow."""
    report = store.get_report(visit_id)
    if report is None:  # the assigned worker learns there is nothing to submit; anyone else, nothing
        _assigned_visit(principal, visit_id)
        raise NotFound("No report has been written for this visit yet: save a draft first.")
    if not is_author(principal, report):
        raise Forbidden("Only the worker assigned to this visit may submit its report.")
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
    unchanged_wait = (
        Report.resubmission_task_token.does_not_exist()
        if waiting is None
        else Report.resubmission_task_token == waiting
    )
    try:
        _write_submission(
            principal, report, version, body, digest, now, 1 if first else runs, unchanged_wait, content.urgent
        )
    except Conflict:
        _already_submitted(visit_id, version)
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
    """The version, the status change and its audit event, in one conditional transaction."""
    from chalicelib.domain.visits import VisitStatus
    from chalicelib.storage.visits import Visit

    visit_id = report.visit_id
    with audited_transaction(
        principal.email, "The visit changed since this draft was saved. Save it again, then submit."
    ) as tx:
        tx.condition_check(
            Visit,
            visit_id,
            condition=(Visit.worker_id == report.worker_id)
            & (Visit.starts_at == report.visit_starts_at)
            & (Visit.status != VisitStatus.CANCELLED.value),
        )
        tx.save(
            ReportVersion(visit_id, version, content=body, submitted_at=now, submitted_by=principal.email),
            condition=ReportVersion.visit_id.does_not_exist(),
        )
        change_status(
            tx,
            report,
            report.status,
            ReportStatus.SUBMITTED.value,
            action="report.submitted",
            extra_actions=(
                Report.version.set(version),
                Report.latest_hash.set(digest),
                Report.workflow_runs.set(runs),
                Report.resubmission_task_token.remove(),
            ),
            details={"version": version, "urgent": urgent},
            also_if=unchanged_wait,
        )


def _already_submitted(visit_id: str, version: int) -> None:
    """After a failed submission: if the same report was submitted meanwhile (a double click, a second
    tab), say so and by whom, instead of blaming the visit."""
    current = store.get_report(visit_id)
    if current is None or ReportStatus(current.status) in WRITABLE:
        return
    if int(current.version or 0) >= version:
        last = (current.history or [None])[-1]
        by = f" by {last.actor}" if last is not None else ""
        raise ChangedElsewhere(
            f"This report was already submitted{by} (version {int(current.version)}) while you were submitting "
            f"it: it is now {ReportStatus(current.status).label.lower()}. Nothing more was submitted."
        )
    _writable(current)


# -- reading ------------------------------------------------------------------------------------


NOT_YOURS = "Only the visit's worker, a supervisor, an admin or the referrer may read this report."


def readable(principal: Principal, visit_id: str) -> Report:
    """The report, if this person may read it: staff who review, its author, or (approved only)
    the referrer whose referral it belongs to. Whether there is a report, and in what state, is
    told only to those whom the visit concerns: anyone else gets the same 403, even for a visit
    that does not exist."""
    if principal.has_any(READERS):
        return load(visit_id)
    report = store.get_report(visit_id)
    if report is None:
        _visit_concerning(principal, visit_id)
        raise NotFound("No report has been written for this visit yet.")
    if is_author(principal, report):
        return report
    if Role.REFERRER in principal.roles and report.referrer_id == principal.user_id:
        if report.status == ReportStatus.APPROVED:
            return report
        raise NotFound("This report has not been approved yet.")
    raise Forbidden(NOT_YOURS)


def _visit_concerning(principal: Principal, visit_id: str):
    """The visit, if it is this worker's or of this referrer's referral (or they are staff);
    Forbidden otherwise, and the same for a visit that does not exist."""
    visit = _visit_for(principal, visit_id)
    if principal.has_any(READERS) or _concerns(principal, visit):
        return visit
    raise Forbidden(NOT_YOURS)


def _visit_for(principal: Principal, visit_id: str):
    """The visit; for anyone but staff, an unknown visit is the same 403 as someone else's."""
    from chalicelib.services import visit_access

    try:
        return visit_access.load(visit_id)
    except NotFound:
        if principal.has_any(READERS):
            raise
        raise Forbidden(NOT_YOURS) from None


def _concerns(principal: Principal, visit) -> bool:
    from chalicelib.services import visit_access

    if Role.REFERRER in principal.roles and visit.referrer_id == principal.user_id:
        return True
    return Role.WORKER in principal.roles and visit_access.worker_id_of(principal) == visit.worker_id


def view_for(principal: Principal, report: Report) -> dict[str, Any]:
    """The report as this person may see it: the referrer sees only the approved version."""
    full = principal.has_any(READERS) or is_author(principal, report)
    versions = store.versions_of(report.visit_id)
    if not full:
        versions = [v for v in versions if v.version == report.approved_version]
    data: dict[str, Any] = {
        "visit_id": report.visit_id,
        "referral_id": report.referral_id,
        "worker_name": report.worker_name,
        "status": report.status,
        "status_label": ReportStatus(report.status).label,
        "participants": report.participants or {},
        "approved": None
        if report.approved_version is None
        else {
            "version": report.approved_version,
            "sha256": report.approved_hash,
            "by": report.approved_by,
            "at": report.approved_at,
        },
        "versions": [
            {"version": v.version, "submitted_at": v.submitted_at, "submitted_by": v.submitted_by, "content": v.content}
            for v in versions
        ],
    }
    if full:
        data.update(
            {
                "draft": report.draft or {},
                "draft_saved_at": report.draft_saved_at,
                "draft_revision": int(report.draft_revision or 0),
                "changes_comment": report.changes_comment,
                "history": [
                    {"at": h.at, "actor": h.actor, "from": h.from_status, "to": h.to_status, "reason": h.reason}
                    for h in report.history or []
                ],
            }
        )
    return data


def pdf_document(principal: Principal, visit_id: str) -> tuple[dict[str, Any], dict[str, Any], ReportContent]:
    """What the PDF of the approved version shows (409 until there is one). When the referral's
    address is confidential, the venue and every time of arrival or departure are left out."""
    from chalicelib.domain.date_words import long_day, when
    from chalicelib.services import visit_access
    from chalicelib.services.referrals import load as load_referral

    report = readable(principal, visit_id)
    if report.approved_version is None:
        raise Conflict("This report has not been approved yet, so there is no PDF of it.")
    version = store.get_version(visit_id, int(report.approved_version))
    visit = visit_access.load(visit_id)
    children = (load_referral(report.referral_id).submission or {}).get("children") or []
    chosen = [children[i] for i in (visit.participants or {}).get("children") or [] if i < len(children)]
    confidential = bool(visit.confidential_address)
    starts, ends = when(visit.starts_at), when(visit.ends_at)
    document = {
        "reference": visit_id[:8],
        "version": version.version,
        "sha256": report.approved_hash,
        "approved_by": report.approved_by,
        "approved_at": report.approved_at,
        "worker_name": report.worker_name,
        "participants": report.participants or {},
        "children": [
            {
                "name": f"{child.get('first_name', '')} {child.get('last_name', '')}".strip(),
                "born": long_day(child.get("date_of_birth")),
            }
            for child in chosen
        ],
    }
    shown = {
        "when": f"{starts.split(',')[0]} (times withheld: the address is confidential)"
        if confidential
        else f"{starts} to {ends.split(', ')[-1]}",
        "venue": None if confidential else visit.venue,
        "hide_times": confidential,
    }
    return document, shown, ReportContent.model_validate(version.content)


def page(principal: Principal, visit_id: str) -> dict[str, Any]:
    """What the report page shows this person: the visit, the report (as they may see it), and
    whether they may write it or decide it."""
    from chalicelib.domain.date_words import day_of, when
    from chalicelib.domain.visits import VisitStatus, from_iso
    from chalicelib.services import visit_access

    visit = _visit_for(principal, visit_id)
    report = store.get_report(visit_id)
    staff = principal.has_any(READERS)
    assigned = Role.WORKER in principal.roles and (
        is_author(principal, report) if report is not None else visit_access.worker_id_of(principal) == visit.worker_id
    )
    if report is not None and not assigned:
        report = readable(principal, visit_id)
    elif report is None and not (assigned or staff):
        if not _concerns(principal, visit):  # whether there is a report is not theirs to know
            raise Forbidden(NOT_YOURS)
        raise NotFound("No report has been written for this visit yet.")
    status = ReportStatus(report.status) if report is not None else ReportStatus.DRAFT
    hidden = bool(visit.confidential_address) and not (staff or assigned)
    starts, ends = from_iso(visit.starts_at), from_iso(visit.ends_at)
    return {
        "visit": {
            "id": visit_id,
            "day": day_of(starts.isoformat()),
            "start": None if hidden else when(starts.isoformat()),
            "end": None if hidden else when(ends.isoformat()),
            "venue": None if hidden else visit.venue,
            "hide_times": hidden,
            "participant_keys": participant_labels(visit.participants or {}),
            "started": starts.isoformat() <= clock.now().isoformat(),
            "back_href": "/visits/mine" if assigned else ("/decisions" if staff else f"/referrals/{visit.referral_id}"),
            "back_label": "My visits" if assigned else ("Decisions waiting" if staff else "The referral"),
        },
        "report": view_for(principal, report) if report is not None else None,
        "can_write": assigned and status in WRITABLE and visit.status != VisitStatus.CANCELLED,
        "can_decide": staff and status is ReportStatus.SUBMITTED,
    }
