"""A visit as the API and the pages receive it: local times, the status on the day, the
cancellation, and what a referrer may not see."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.domain.local_time import from_iso, to_local
from chalicelib.domain.visits import CANCELLED_BY_LABELS, CancelledBy, VisitStatus, status_on
from chalicelib.services import outputs

if TYPE_CHECKING:
    from chalicelib.storage.visits import Visit


def view(visit: Visit, *, now: datetime | None = None, redact: bool = False) -> outputs.Visit:
    """A visit as the API returns it. `redact` hides the venue and times (a referrer, when the
    referral's address is confidential)."""
    now = now or clock.now()
    starts, ends = from_iso(visit.starts_at), from_iso(visit.ends_at)
    status = status_on(visit.status, starts, now)
    local_start, local_end = to_local(starts), to_local(ends)
    data: outputs.Visit = {
        "id": visit.visit_id,
        "referral_id": visit.referral_id,
        "worker_id": visit.worker_id,
        "series_id": visit.series_id,
        "status": status.value,
        "status_label": status.label,
        "date": local_start.date().isoformat(),
        "start": local_start.isoformat(timespec="minutes"),
        "end": local_end.isoformat(timespec="minutes"),
        "starts_at": visit.starts_at,
        "ends_at": visit.ends_at,
        "zone": visit.zone,
        "venue": visit.venue,
        "participants": visit.participants or {},
        "outside_plan": bool(visit.outside_plan),
        "at_risk": bool(visit.at_risk),
        "at_risk_reason": visit.at_risk_reason,
        "confidential_address": bool(visit.confidential_address),
        "cancellation": None
        if visit.cancelled_at is None
        else {
            "by": visit.cancelled_by,
            "by_label": CANCELLED_BY_LABELS.get(CancelledBy(visit.cancelled_by), visit.cancelled_by),
            "reason": visit.cancel_reason,
            "at": visit.cancelled_at,
            "recorded_by": visit.cancelled_by_user,
        },
        "report_needed": status is VisitStatus.REPORT_DUE,
        "version": visit.version,
    }
    if redact:
        for key in ("start", "end", "starts_at", "ends_at", "venue"):
            data[key] = None
    return data
