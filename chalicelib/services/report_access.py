"""Who may write or read a visit's report: its author, staff who review, and the referrer (the
approved version of their own referral's reports only). Whether there is a report, and in what
state, is told only to those whom the visit concerns.

The one rule of authorship (`may_write`): the author is the worker who first saved the report,
and keeps it; before anything is saved, the worker assigned to the visit writes it, so a
reassignment before then moves the report with the visit. Only a supervisor hands a saved draft
to another worker (`report_handover`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.auth import Principal, Role
from chalicelib.domain.reports import ReportStatus
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.services import visit_access
from chalicelib.storage import reports as store

if TYPE_CHECKING:
    from chalicelib.storage.reports import Report

READERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
ONLY_ASSIGNED = "Only the worker assigned to this visit may write its report."
NOT_YOURS = "Only the visit's worker, a supervisor, an admin or the referrer may read this report."


def load(visit_id: str) -> Report:
    report = store.get_report(visit_id)
    if report is None:
        raise NotFound("No report has been written for this visit yet.")
    return report


def is_author(principal: Principal, report: Report) -> bool:
    """Whether this person is the report's author. Emails are compared exactly: each was
    normalised once, when its owner signed in (`domain.identity.normalise_email`)."""
    return Role.WORKER in principal.roles and principal.email == report.worker_email


def may_write(principal: Principal, visit, report: Report | None) -> bool:
    """The one rule of who writes a visit's report: its author once a draft is saved, before
    that the worker assigned to the visit."""
    if report is not None:
        return is_author(principal, report)
    return Role.WORKER in principal.roles and visit_access.worker_id_of(principal) == visit.worker_id


def someone_elses_draft(report: Report) -> Conflict:
    """What the worker now assigned to a visit is told when another worker's draft is on it."""
    return Conflict(
        f"{report.worker_name} started this visit's report and keeps it, so nothing of yours was saved and "
        "their draft is unchanged. If you are to finish it instead, ask a supervisor to hand the draft over to you."
    )


def writable_visit(principal: Principal, visit_id: str) -> tuple[Any, Report | None]:
    """The visit and its report (None before the first save), if this person may write the report
    (`may_write`) and the visit still needs one. The worker now assigned to a visit whose draft
    another worker saved is told so (409); anyone else gets the same 403, even for a visit that
    does not exist."""
    from chalicelib.domain.visits import VisitStatus

    try:
        visit = visit_access.load(visit_id)
    except NotFound:  # the same answer as for someone else's visit
        raise Forbidden(ONLY_ASSIGNED) from None
    report = store.get_report(visit_id)
    if not may_write(principal, visit, report):
        if report is not None and Role.WORKER in principal.roles and concerns(principal, visit):
            raise someone_elses_draft(report)
        raise Forbidden(ONLY_ASSIGNED)
    if visit.status == VisitStatus.CANCELLED:
        raise Conflict("This visit was cancelled, so it needs no report.")
    return visit, report


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
    if Role.WORKER in principal.roles and concerns(principal, visit_for(principal, visit_id)):
        raise someone_elses_draft(report)  # the visit is now theirs; the draft is not
    raise Forbidden(NOT_YOURS)


def _visit_concerning(principal: Principal, visit_id: str):
    """The visit, if it is this worker's or of this referrer's referral (or they are staff);
    Forbidden otherwise, and the same for a visit that does not exist."""
    visit = visit_for(principal, visit_id)
    if principal.has_any(READERS) or concerns(principal, visit):
        return visit
    raise Forbidden(NOT_YOURS)


def visit_for(principal: Principal, visit_id: str):
    """The visit; for anyone but staff, an unknown visit is the same 403 as someone else's."""
    try:
        return visit_access.load(visit_id)
    except NotFound:
        if principal.has_any(READERS):
            raise
        raise Forbidden(NOT_YOURS) from None


def concerns(principal: Principal, visit) -> bool:
    if Role.REFERRER in principal.roles and visit.referrer_id == principal.user_id:
        return True
    return Role.WORKER in principal.roles and visit_access.worker_id_of(principal) == visit.worker_id
