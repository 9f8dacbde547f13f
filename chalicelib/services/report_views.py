"""A visit's report as each person may see it: the API's view, the report page, and what the PDF
of the approved version shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain.people import person_label
from chalicelib.domain.reports import WRITABLE, ReportContent, ReportStatus, participant_labels
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.services import outputs, visit_access
from chalicelib.services.audit import history_views
from chalicelib.services.report_access import NOT_YOURS, READERS, concerns, is_author, may_write, readable, visit_for
from chalicelib.storage import reports as store

if TYPE_CHECKING:
    from chalicelib.storage.reports import Report, ReportVersion
    from chalicelib.storage.visits import Visit

WITHHELD_TIMES = {"actual_start": None, "actual_end": None}


def view_for(principal: Principal, report: Report) -> outputs.Report:
    """The report as this person may see it: the referrer sees only the approved version, without
    the actual times when the address is confidential (as the page and the PDF leave them out)."""
    full = principal.has_any(READERS) or is_author(principal, report)
    versions = store.versions_of(report.visit_id)
    hide_times = False
    if not full:
        versions = [v for v in versions if v.version == report.approved_version]
        hide_times = bool(versions) and bool(visit_access.load(report.visit_id).confidential_address)
    data: outputs.Report = {
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
            "by_name": report.approved_by_name,
            "by_role": report.approved_by_role,
            "at": report.approved_at,
        },
        "versions": [
            {
                "version": v.version,
                "submitted_at": v.submitted_at,
                "submitted_by": v.submitted_by,
                "content": {**v.content, **WITHHELD_TIMES} if hide_times else v.content,
            }
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
                "history": history_views(report.history),
            }
        )
    return data


def pdf_document(principal: Principal, visit_id: str) -> tuple[dict[str, Any], dict[str, Any], ReportContent]:
    """What the PDF of the approved version shows (409 until there is one)."""
    from chalicelib.services.referrals import load as load_referral

    report = readable(principal, visit_id)
    if report.approved_version is None:
        raise Conflict("This report has not been approved yet, so there is no PDF of it.")
    version = store.get_version(visit_id, int(report.approved_version))
    visit = visit_access.load(visit_id)
    return approved_document(report, version, visit, load_referral(report.referral_id).submission)


def approved_document(
    report: Report, version: ReportVersion, visit: Visit, submission: dict | None
) -> tuple[dict[str, Any], dict[str, Any], ReportContent]:
    """The approved `version` of `report` as its PDF (and a court bundle) prints it. When the
    referral's address is confidential, the venue and every time of arrival or departure are left out."""
    from chalicelib.domain.date_words import long_day, when
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.domain.referrals import address_is_confidential

    children = (submission or {}).get("children") or []
    chosen = [children[i] for i in (visit.participants or {}).get("children") or [] if i < len(children)]
    confidential = bool(visit.confidential_address) or address_is_confidential(submission)
    starts, ends = when(visit.starts_at), when(visit.ends_at)
    document = {
        "reference": visit.visit_id[:8],
        "case_reference": human_reference(report.referral_id),
        "version": version.version,
        "sha256": report.approved_hash,
        "approved_by": person_label(report.approved_by, report.approved_by_name, report.approved_by_role),
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
    from chalicelib.domain.local_time import from_iso
    from chalicelib.domain.visits import VisitStatus

    visit = visit_for(principal, visit_id)
    report = store.get_report(visit_id)
    staff = principal.has_any(READERS)
    assigned = may_write(principal, visit, report)
    if report is not None and not assigned:
        report = readable(principal, visit_id)
    elif report is None and not (assigned or staff):
        if not concerns(principal, visit):  # whether there is a report is not theirs to know
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
