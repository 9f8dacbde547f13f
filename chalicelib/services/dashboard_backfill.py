"""The one-off job that recomputes every dashboard counter from the items themselves, for data
made before the counters were kept. It reads every item once (DESIGN section 9 allows that for a
one-off job only) and writes absolute values, so a second run writes the same.

Run it while nothing counted happens: a count made during the run may be overwritten by the
value read before it. Each section's recount says what it reads.
"""

from __future__ import annotations

from datetime import date, datetime

from chalicelib.domain import (
    incident_figures,
    monthly_counts,
    referral_figures,
    report_figures,
    visit_figures,
    workforce_figures,
)
from chalicelib.domain.dashboard import COUNTERS
from chalicelib.domain.incidents import IncidentStatus
from chalicelib.domain.monthly_counts import Counts
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.domain.reports import ReportStatus
from chalicelib.domain.visits import VisitStatus
from chalicelib.storage import families as family_store
from chalicelib.storage import incidents as incident_store
from chalicelib.storage import monthly_figures
from chalicelib.storage import referrals as referral_store
from chalicelib.storage import reports as report_store
from chalicelib.storage import visits as visit_store


def backfill(today: date) -> dict:
    """Every counter of every month an item counts in, or a counter was kept in, set to what the
    items say. Returns how many items of each kind were read, and the months written."""
    counts: Counts = {}
    referral_ids: list[str] = []
    approved: list = []  # the approved reports, read once, for the visits' attendance too
    read = {
        "referrals": _count_referrals(counts, referral_ids),
        "reports": _count_reports(counts, approved),
        "incidents": _count_incidents(counts),
    }
    read.update(_count_visits(counts, referral_ids, approved))
    months = sorted({month for month, _ in counts} | set(monthly_figures.months_kept()))
    monthly_figures.set_figures(counts, COUNTERS, months)
    read.update(_recount_workforce())
    return {"read": read, "months": months}


def _recount_workforce() -> dict[str, int]:
    """The workforce tally from every worker's recorded compliance (the directory index), and the
    at-risk marks from every booked visit flagged at risk (a Scan of the visits): what the writes
    that change them keep from then on."""
    from chalicelib.domain.visits import VisitStatus
    from chalicelib.storage import visits as visit_store
    from chalicelib.storage import workers as worker_store

    statuses = [worker.compliance_status for worker in worker_store.directory()]
    at_risk = [
        (workforce_figures.uk_day(datetime.fromisoformat(visit.starts_at)), visit.visit_id)
        for visit in visit_store.visits_at_risk_in(VisitStatus.SCHEDULED.value)
    ]
    monthly_figures.replace_workforce(workforce_figures.tally_of(statuses), at_risk)
    return {"workers": len(statuses), "visits_at_risk": len(at_risk)}


def _count_referrals(counts: Counts, referral_ids: list[str]) -> int:
    """Each referral's submission and decision, and the time from its acceptance to its first
    visit held (read through the status index). Their ids go into `referral_ids`."""
    read = 0
    for referral in referral_store.every_referral(status.value for status in ReferralStatus):
        read += 1
        referral_ids.append(referral.referral_id)
        if referral.first_visit_held_at and referral.decided_at:
            monthly_counts.merge(
                counts,
                referral_figures.first_visit_counts(
                    datetime.fromisoformat(referral.decided_at), datetime.fromisoformat(referral.first_visit_held_at)
                ),
            )
        submitted = datetime.fromisoformat(referral.created_at)
        monthly_counts.merge(counts, referral_figures.submitted_counts(submitted))
        if referral.decision in ("accept", "decline") and referral.decided_at:
            decided = datetime.fromisoformat(referral.decided_at)
            monthly_counts.merge(
                counts, referral_figures.decision_counts(referral.decision == "accept", submitted, decided)
            )
    return read


def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _count_reports(counts: Counts, approved: list) -> int:
    """Each report's first submission, requests for changes and approval, from the report item
    alone (its status history keeps every change, when): read through the status index, in every
    status a submitted report can be in (a draft never submitted counts nothing and is not read).
    The approved ones go into `approved`."""
    read = 0
    submitted = (ReportStatus.SUBMITTED, ReportStatus.CHANGES_REQUESTED, ReportStatus.APPROVED)
    for status in submitted:
        for report in report_store.in_status(status.value):
            read += 1
            monthly_counts.merge(counts, _report_counts(report))
            if status is ReportStatus.APPROVED:
                approved.append(report)
    return read


def _report_counts(report) -> Counts:
    """One report's counts: its first submission as it kept it (a report submitted before that was
    kept: its history's first submission, against the visit's start now), every request for
    changes its history holds, and its approval."""
    counts: Counts = {}
    history = list(report.history or [])
    first = report.first_submitted_at or next(
        (entry.at for entry in history if entry.to_status == ReportStatus.SUBMITTED.value), None
    )
    if first:
        visit = report.first_submitted_visit_starts_at or report.visit_starts_at
        monthly_counts.merge(counts, report_figures.submission_counts(datetime.fromisoformat(visit), _moment(first)))
    for entry in history:
        if entry.to_status == ReportStatus.CHANGES_REQUESTED.value:
            monthly_counts.merge(counts, report_figures.changes_requested_counts(datetime.fromisoformat(entry.at)))
    if report.status == ReportStatus.APPROVED.value and report.approved_at:
        approved = report_figures.approval_counts(_moment(report.visit_starts_at), _moment(report.approved_at))
        monthly_counts.merge(counts, approved)
    return counts


def _count_incidents(counts: Counts) -> int:
    """Each incident's recording, the referrer's telling (when it was kept) and the decision (read
    through the status index)."""
    read = 0
    for status in IncidentStatus:
        for incident in incident_store.in_status(status.value):
            read += 1
            recorded = datetime.fromisoformat(incident.recorded_at)
            monthly_counts.merge(counts, incident_figures.recorded_counts(recorded))
            if incident.told_at:
                monthly_counts.merge(counts, incident_figures.told_counts(recorded, _moment(incident.told_at)))
            if incident.status == IncidentStatus.DECIDED.value and incident.decided_at:
                monthly_counts.merge(counts, incident_figures.decided_counts(recorded, _moment(incident.decided_at)))
    return read


def _count_visits(counts: Counts, referral_ids: list[str], approved: list) -> dict[str, int]:
    """Each visit booked and cancelled (one Query of each referral's visits on the by-referral
    index), each approved report's attendance (its approved version, read in batches), and each
    family reminder sent and its answer as it stands (a Scan of the reminders)."""
    visits = 0
    for referral_id in referral_ids:
        for visit in visit_store.visits_of_referral(referral_id):
            visits += 1
            starts = datetime.fromisoformat(visit.starts_at)
            monthly_counts.merge(counts, visit_figures.booked_counts(starts))
            if visit.status == VisitStatus.CANCELLED and visit.cancelled_at:
                cancelled = datetime.fromisoformat(visit.cancelled_at)
                monthly_counts.merge(
                    counts, visit_figures.cancelled_counts(starts, cancelled, visit.cancelled_by or "")
                )
    versions = report_store.versions_by_key([(r.visit_id, int(r.approved_version or r.version)) for r in approved])
    for report in approved:
        version = versions.get((report.visit_id, int(report.approved_version or report.version)))
        attendance = [
            (str(e.get("participant", "")), str(e.get("attendance", "")))
            for e in ((version.content if version else {}) or {}).get("attendance") or []
        ]
        starts = datetime.fromisoformat(report.visit_starts_at)
        monthly_counts.merge(counts, visit_figures.approved_counts(starts, attendance))
    reminders = 0
    for reminder in family_store.every_reminder():
        reminders += 1
        starts = datetime.fromisoformat(family_store.reminder_starts_at(reminder))
        if reminder.claimed_at and reminder.state != family_store.FAILED:
            monthly_counts.merge(counts, visit_figures.reminder_sent_counts(starts))
        monthly_counts.merge(
            counts, visit_figures.standing_answer_counts(starts, reminder.answer, bool(reminder.answer_late))
        )
    return {"visits": visits, "reminders": reminders}
