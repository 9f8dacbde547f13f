"""The service's idea of now; one seam so tests and local jobs can run "as of" a date."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def iso_now() -> str:
    return now().isoformat(timespec="seconds")
