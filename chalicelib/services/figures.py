"""The dashboard's counters, added to the transaction of the event they count: no call of their
own, and no figure that can drift from what happened (the `domain` modules `*_figures` say what each counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib import clock
from chalicelib.domain import (
    incident_figures,
    monthly_counts,
    referral_figures,
    report_figures,
    visit_figures,
    workforce_figures,
)
from chalicelib.domain.monthly_counts import Counts, merge
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


# -- visits (`domain.visit_figures`): each in the UK month of the visit's start -----------------


def count_booked(tx: Any, starts_at: list[str]) -> None:
    """Visits booked in one transaction (one, or each of a series), by their starts (ISO, aware)."""
    counts: Counts = {}
    for start in starts_at:
        merge(counts, visit_figures.booked_counts(datetime.fromisoformat(start)))
    monthly_figures.add_counts(tx, counts)


def count_moved(tx: Any, old_start: str, new_start: str) -> None:
    """A visit moved from `old_start` to `new_start`: nothing unless its UK month changed."""
    monthly_figures.add_counts(
        tx, visit_figures.moved_counts(datetime.fromisoformat(old_start), datetime.fromisoformat(new_start))
    )


def count_cancelled(tx: Any, cancellations: list[tuple[str, str, str]]) -> None:
    """Visits cancelled in one transaction: (starts_at, cancelled_at, cancelled_by) of each, ISO
    times as the visits keep them, merged so no counter is written twice."""
    counts: Counts = {}
    for starts_at, cancelled_at, cancelled_by in cancellations:
        merge(
            counts,
            visit_figures.cancelled_counts(
                datetime.fromisoformat(starts_at), datetime.fromisoformat(cancelled_at), cancelled_by
            ),
        )
    monthly_figures.add_counts(tx, counts)


def count_approved(tx: Any, starts_at: str, attendance: list[tuple[str, str]], first_visit_after: str | None) -> None:
    """A report approved: the visit held and its no-shows; `first_visit_after` (the referral's
    acceptance, ISO) when this visit is its referral's first held."""
    start = datetime.fromisoformat(starts_at)
    counts = visit_figures.approved_counts(start, attendance)
    if first_visit_after:
        merge(counts, referral_figures.first_visit_counts(datetime.fromisoformat(first_visit_after), start))
    monthly_figures.add_counts(tx, counts)


def count_reminder_sent(tx: Any, starts_at: str, *, sent: bool = True) -> None:
    """A reminder claimed for the visit starting at `starts_at`; `sent=False`: its send failed, taken back."""
    counts = visit_figures.reminder_sent_counts(datetime.fromisoformat(starts_at))
    monthly_figures.add_counts(tx, counts if sent else monthly_counts.undone(counts))


def count_answer(tx: Any, starts_at: str, previous: str | None, previous_late: bool, answer: str, late: bool) -> None:
    """A family member's answer to a reminder replacing `previous`: confirmed and late cancellations adjusted."""
    monthly_figures.add_counts(
        tx,
        visit_figures.answer_changed_counts(datetime.fromisoformat(starts_at), previous, previous_late, answer, late),
    )
