"""The dashboard's counters, added to the transaction of the event they count: no call of their
own, and no figure that can drift from what happened (the `domain` modules `*_figures` say what each counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib import clock
from chalicelib.domain import referral_figures, workforce_figures
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
