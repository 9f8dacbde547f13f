"""Which workers could take a visit: whether each will be compliant on its date, and whether each is
free at its time. What the supervisor's worker picker shows; the guards still decide on the write."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.domain import date_words
from chalicelib.domain.local_time import from_iso, local_day_bounds, to_local
from chalicelib.domain.visit_slots import MAX_MINUTES, overlaps
from chalicelib.domain.visits import VisitStatus, readable_reason
from chalicelib.services.visit_access import load
from chalicelib.storage import visits as store
from chalicelib.storage import workers as worker_store


def for_visit(visit_id: str) -> list[dict[str, Any]]:
    """Every worker by name, each with `compliant` (and `reasons` when not) on the visit's day and
    `free` (and `busy_with`, the clashing visit's time, when not) at its time. The visit's own worker
    is marked `current`. Reads: the directory, and one Query per UTC month of the visit's day."""
    from chalicelib.domain.clearances import compliant_on
    from chalicelib.services import workers

    visit = load(visit_id)
    starts, ends = from_iso(visit.starts_at), from_iso(visit.ends_at)
    day = to_local(starts).date()
    low, high = local_day_bounds(day, day)
    # A visit that started on the day before (the longest a visit lasts) may still run into this one.
    others = store.visits_starting_between(low - timedelta(minutes=MAX_MINUTES), high)
    busy: dict[str, str] = {}
    for other in others:
        if other.visit_id == visit.visit_id or other.status == VisitStatus.CANCELLED:
            continue
        other_starts, other_ends = from_iso(other.starts_at), from_iso(other.ends_at)
        if overlaps(starts, ends, other_starts, other_ends):
            busy.setdefault(
                other.worker_id, f"{date_words.clock(other_starts)}–{date_words.clock(other_ends)} on that day"
            )
    rules = workers.policy()
    options = []
    for worker in worker_store.directory():
        ok, reasons = compliant_on(workers.certificates(worker), rules, day)
        options.append(
            {
                "worker_id": worker.worker_id,
                "name": worker.name,
                "current": worker.worker_id == visit.worker_id,
                "compliant": ok,
                "reasons": [readable_reason(r) for r in reasons],
                "free": worker.worker_id not in busy,
                "busy_with": busy.get(worker.worker_id),
            }
        )
    return options
