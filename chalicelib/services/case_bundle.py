"""The court bundle of a case: every approved report in date order, each as its own PDF prints it
(the approved version, its stored hash, the confidentiality rule), with the case's cumulative
summary. Three reads whatever the case's size: its visits (one Query), their reports and the
approved versions (a BatchGetItem each per 100)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain.case_summary import ReportedSession, summarise
from chalicelib.domain.local_time import from_iso, to_local
from chalicelib.domain.reports import ReportContent
from chalicelib.domain.visits import VisitStatus
from chalicelib.errors import Conflict
from chalicelib.storage import reports as report_store
from chalicelib.storage import visits as visit_store

if TYPE_CHECKING:
    from chalicelib.storage.reports import Report, ReportVersion
    from chalicelib.storage.visits import Visit

NO_APPROVED_REPORT = (
    "This case has no approved report yet, so there is no court bundle of it: the bundle holds the "
    "approved reports. It can be downloaded once a supervisor approves the report of a visit."
)


@dataclass(frozen=True)
class CaseReports:
    approved: list[tuple[Visit, Report, ReportVersion]]  # in visit order
    cancelled_by: list[str | None]  # who cancelled each cancelled visit


def case_reports(referral_id: str) -> CaseReports:
    """The case's approved reports with their visits and approved versions, oldest visit first, and
    who cancelled each cancelled visit."""
    visits = list(visit_store.visits_of_referral(referral_id))
    reports = report_store.reports_of([v.visit_id for v in visits]) if visits else {}
    pairs = [
        (visit, reports[visit.visit_id])
        for visit in visits
        if visit.visit_id in reports and reports[visit.visit_id].approved_version is not None
    ]
    keys = [(visit.visit_id, int(report.approved_version)) for visit, report in pairs]
    versions = report_store.versions_by_key(keys) if keys else {}
    return CaseReports(
        approved=[(visit, report, versions[key]) for (visit, report), key in zip(pairs, keys, strict=True)],
        cancelled_by=[v.cancelled_by for v in visits if v.status == VisitStatus.CANCELLED],
    )


def _day(visit: Visit) -> str:
    return to_local(from_iso(visit.starts_at)).date().isoformat()


def approved_sessions(referral_id: str) -> tuple[list[ReportedSession], list[str | None]]:
    """The case's approved reports as the summary counts them, and who cancelled each cancelled visit."""
    found = case_reports(referral_id)
    sessions = [
        ReportedSession(_day(visit), report.participants or {}, ReportContent.model_validate(version.content))
        for visit, report, version in found.approved
    ]
    return sessions, found.cancelled_by


def bundle_document(
    principal: Principal, referral_id: str, incidents: Iterable[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """What the court bundle prints, for someone who may read the referral (its referrer, staff),
    or 409 while the case has no approved report. The summary counts the case's incidents
    (`services.incidents.incidents_of_case`, read here unless given)."""
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.domain.referrals import address_is_confidential
    from chalicelib.services.referrals import get_for
    from chalicelib.services.report_views import approved_document

    referral = get_for(principal, referral_id)
    found = case_reports(referral_id)
    if not found.approved:
        raise Conflict(NO_APPROVED_REPORT)
    reports = []
    for visit, report, version in found.approved:
        document, shown, content = approved_document(report, version, visit, referral.submission)
        reports.append(
            {"document": document, "visit": shown, "content": content, "day": _day(visit), "visit_id": visit.visit_id}
        )
    sessions = [ReportedSession(r["day"], r["document"]["participants"], r["content"]) for r in reports]
    # The summary counts every incident; beside each report go its visit's incidents as the reader
    # may read them, outside the report's hashed content (one recorded after approval changes
    # nothing the approval covered).
    case_incidents = _incidents_of(referral_id) if incidents is None else list(incidents)
    readable = _readable_incidents(principal, referral_id) if incidents is None else case_incidents
    for report in reports:
        report["incidents"] = [i for i in readable if i.get("visit_id") == report["visit_id"]]
    children = (referral.submission or {}).get("children") or []
    return {
        "case_reference": human_reference(referral_id),
        "children": [f"{c.get('first_name', '')} {c.get('last_name', '')}".strip() for c in children],
        "generated_at": clock.iso_now(),
        "confidential": address_is_confidential(referral.submission) or any(r["visit"]["hide_times"] for r in reports),
        "reports": reports,
        "summary": summarise(sessions, found.cancelled_by, case_incidents),
    }


def _incidents_of(referral_id: str) -> list[dict]:
    from chalicelib.services.incidents import incidents_of_case

    return incidents_of_case(referral_id)


def _readable_incidents(principal: Principal, referral_id: str) -> list[dict]:
    from chalicelib.services.incidents import incidents_of_case_for

    return incidents_of_case_for(principal, referral_id)
