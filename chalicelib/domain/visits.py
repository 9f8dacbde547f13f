"""Visit statuses ("report due" is derived from the clock, never stored), who cancelled, the repeat
rhythms, and a compliance reason in people's words.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from chalicelib.domain.date_words import long_day

# ---------------------------------------------------------------------------------------------
# Statuses


class VisitStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"
    REPORT_DUE = "REPORT_DUE"  # never stored: a SCHEDULED visit whose start has passed
    REPORTED = "REPORTED"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    VisitStatus.SCHEDULED: "Scheduled",
    VisitStatus.CANCELLED: "Cancelled",
    VisitStatus.REPORT_DUE: "Report due",
    VisitStatus.REPORTED: "Reported",
}


def status_on(stored: VisitStatus | str, starts_at: datetime, now: datetime) -> VisitStatus:
    """The status as people see it at `now`: a scheduled visit is REPORT_DUE from its start on.

    Derived when read, so no job has to move visits along; a visit starting exactly at `now` is
    already due its report (it is under way).
    """
    stored = VisitStatus(stored)
    if stored is VisitStatus.SCHEDULED and starts_at <= now:
        return VisitStatus.REPORT_DUE
    return stored


class CancelledBy(StrEnum):
    PARENT = "parent"
    CARER = "carer"
    CHILD = "child"
    SERVICE = "service"
    OTHER = "other"


CANCELLED_BY_LABELS = {
    CancelledBy.PARENT: "Parent",
    CancelledBy.CARER: "Carer",
    CancelledBy.CHILD: "Child",
    CancelledBy.SERVICE: "The service",
    CancelledBy.OTHER: "Someone else",
}


class Repeat(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


REPEAT_LABELS = {Repeat.WEEKLY: "Every week", Repeat.FORTNIGHTLY: "Every 2 weeks", Repeat.MONTHLY: "Every month"}

_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_KIND_WORDS = {
    "background_check": "background check",
    "first_aid": "first aid certificate",
    "driving_licence": "driving licence",
    "vehicle_insurance": "vehicle insurance",
}


def readable_reason(reason: str) -> str:
    """A compliance reason in people's words: kinds by name, dates as "14 May 2019"."""
    for code, words in _KIND_WORDS.items():
        reason = reason.replace(code, words)
    text = _ISO_DAY.sub(lambda m: long_day(date.fromisoformat(m.group(1))), reason)
    return text[:1].upper() + text[1:]
