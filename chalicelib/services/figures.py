"""The dashboard's counters, added to the transaction of the event they count: no call of their
own, and no figure that can drift from what happened (the `domain` modules `*_figures` say what each counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib import clock
from chalicelib.domain import incident_figures, referral_figures, report_figures, workforce_figures
from chalicelib.storage import monthly_figures


def count_submitted(tx: Any, submitted_at: str) -> None:
    """A referral submitted at `submitted_at` (ISO, aware): received, in its UK month."""
    monthly_figures.add_counts(tx, referral_figures.submitted_counts(datetime.fromisoformat(submitted_at)))


def count_decided(tx: Any, accepted: bool, submitted_at: str | None) -> None:
    """A referral accepted or declined now, submitted at `submitted_at` (ISO, aware; None if unknown).
    Now to the second, as the referral's `decided_at` keeps it, so the backfill counts it alike."""
    submitted = datetime.fromisoformat(submitted_at) if submitted_at else None
    decided = datetime.fromisoformat(clock.iso_now())
    monthly_figures.add_counts(tx, referral_figures.decision_counts(accepted, submitted, decided))


def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def count_report_submitted(tx: Any, visit_starts_at: str, submitted_at: str) -> None:
    """A report submitted for the first time at `submitted_at` for the visit starting at
    `visit_starts_at` (both ISO, aware): submitted, and whether within 2 working days of the visit."""
    counts = report_figures.submission_counts(
        datetime.fromisoformat(visit_starts_at), datetime.fromisoformat(submitted_at)
    )
    monthly_figures.add_counts(tx, counts)


def count_report_decided(tx: Any, approved: bool, visit_starts_at: str | None, decided_at: str) -> None:
    """A submitted report approved (and whether within 5 working days of the visit at
    `visit_starts_at`, None if unknown) or sent back for changes, at `decided_at` (ISO, aware), as the
    report keeps it (its `approved_at`, or its history entry), so the backfill counts it alike."""
    counts = report_figures.decision_counts(approved, _moment(visit_starts_at), datetime.fromisoformat(decided_at))
    monthly_figures.add_counts(tx, counts)


def count_incident_recorded(tx: Any, recorded_at: str) -> None:
    """An incident recorded at `recorded_at` (ISO, aware), in its UK month."""
    monthly_figures.add_counts(tx, incident_figures.recorded_counts(datetime.fromisoformat(recorded_at)))


def count_incident_told(tx: Any, recorded_at: str, told_at: str) -> None:
    """The referrer told at `told_at` of an incident recorded at `recorded_at` (both ISO, aware)."""
    counts = incident_figures.told_counts(datetime.fromisoformat(recorded_at), datetime.fromisoformat(told_at))
    monthly_figures.add_counts(tx, counts)


def count_incident_decided(tx: Any, recorded_at: str | None, decided_at: str) -> None:
    """An incident recorded at `recorded_at` (ISO, aware; None if unknown) decided at `decided_at`,
    as the incident keeps it (`decided_at`)."""
    counts = incident_figures.decided_counts(_moment(recorded_at), datetime.fromisoformat(decided_at))
    monthly_figures.add_counts(tx, counts)


# -- the workforce: today's values the compliance scan reads, kept by the same writes -------------


def count_worker_added(tx: Any, status: str) -> None:
    """A worker added with recorded compliance `status`: the workforce tally."""
    monthly_figures.add_to_tally(tx, workforce_figures.worker_added_counts(status))


def count_compliance_change(tx: Any, from_status: str | None, to_status: str) -> None:
    """A worker's recorded compliance changed from `from_status` to `to_status`: the workforce tally."""
    counts = workforce_figures.compliance_change_counts(from_status, to_status)
    if counts:
        monthly_figures.add_to_tally(tx, counts)


def count_visit_at_risk(tx: Any, visit_id: str, starts_at: str, at_risk: bool) -> None:
    """A visit starting at `starts_at` (UTC ISO) flagged at risk (`at_risk`) or no longer at risk:
    its mark under its UK day. A move passes the start the visit had when it was flagged."""
    day = workforce_figures.uk_day(datetime.fromisoformat(starts_at))
    if at_risk:
        monthly_figures.mark_at_risk(tx, day, visit_id)
    else:
        monthly_figures.unmark_at_risk(tx, day, visit_id)
