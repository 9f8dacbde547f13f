"""The one-off job that recomputes every dashboard counter from the items themselves, for data
made before the counters were kept. It reads every item once (DESIGN section 9 allows that for a
one-off job only) and writes absolute values, so a second run writes the same.

Run it while nothing counted happens: a count made during the run may be overwritten by the
value read before it. Each section's recount says what it reads.
"""

from __future__ import annotations

from datetime import date, datetime

from chalicelib.domain import monthly_counts, referral_figures, visit_figures
from chalicelib.domain.dashboard import COUNTERS
from chalicelib.domain.monthly_counts import Counts
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.domain.reports import ReportStatus
from chalicelib.domain.visits import VisitStatus
from chalicelib.storage import families as family_store
from chalicelib.storage import monthly_figures
from chalicelib.storage import referrals as referral_store
from chalicelib.storage import reports as report_store
from chalicelib.storage import visits as visit_store


def backfill(today: date) -> dict:
    """Every counter of every month an item counts in, or a counter was kept in, set to what the
    items say. Returns how many items of each kind were read, and the months written."""
    counts: Counts = {}
    referral_ids: list[str] = []
    read = {"referrals": _count_referrals(counts, referral_ids)}
    read.update(_count_visits(counts, referral_ids))
    months = sorted({month for month, _ in counts} | set(monthly_figures.months_kept()))
    monthly_figures.set_figures(counts, COUNTERS, months)
    return {"read": read, "months": months}


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


def _count_visits(counts: Counts, referral_ids: list[str]) -> dict[str, int]:
    """Each visit booked and cancelled (one Query of each referral's visits on the by-referral
    index), each approved report's attendance (the by-status index, then its approved versions in
    batches), and each family reminder sent and its answer as it stands (a Scan of the reminders)."""
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
    approved = list(report_store.in_status(ReportStatus.APPROVED.value))
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
    return {"visits": visits, "reports": len(approved), "reminders": reminders}
