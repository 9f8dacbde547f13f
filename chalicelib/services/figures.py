"""The dashboard's counters, added to the transaction of the event they count: no call of their
own, and no figure that can drift from what happened (the `domain` modules `*_figures` say what each counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib import clock
from chalicelib.domain import referral_figures
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
