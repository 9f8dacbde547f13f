"""Telling people a visit was booked, moved, reassigned or cancelled, once the change is committed.

The worker gets each change with the visit as an `.ics` attachment (the same event, UID and a higher
SEQUENCE, so their calendar updates it); a reassignment tells the old worker too, with a
cancellation. The referrer gets the date and the worker's first name, and the times and venue only
where the address is not confidential. A series is one email per person, not one per visit.

Each email is sent after the transaction: a failed send is logged and never undoes the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.config import settings
from chalicelib.domain import date_words
from chalicelib.domain.referral_reference import human_reference
from chalicelib.domain.visits import CANCELLED_BY_LABELS, CancelledBy
from chalicelib.observability import logger
from chalicelib.services import email
from chalicelib.services.visit_calendar import CANCEL, REQUEST, calendar
from chalicelib.storage import referrals as referral_store
from chalicelib.storage.workers import workers_by_id

if TYPE_CHECKING:
    from chalicelib.storage.referrals import Referral
    from chalicelib.storage.visits import Visit
    from chalicelib.storage.workers import Worker

BOOKED, CHANGED, ASSIGNED, UNASSIGNED, CANCELLED = "booked", "changed", "assigned", "unassigned", "cancelled"
PUBLISH = "PUBLISH"  # several visits at once: a scheduling REQUEST carries one event only


def booked(referral: Referral, visits: Sequence[Visit]) -> None:
    """One visit or a whole series was booked (all with one worker)."""
    workers = _workers(visits[0].worker_id)
    _tell_worker(workers.get(visits[0].worker_id), BOOKED, referral, visits)
    _tell_referrer(referral, BOOKED, visits, workers.get(visits[0].worker_id))


def changed(visit: Visit, record: dict[str, Any], referral: Referral | None = None) -> None:
    """A visit was moved and/or reassigned (`record` is its audit event's details)."""
    moved = "starts_at" in record or "venue" in record
    reassigned = "worker_id" in record
    if not (moved or reassigned):
        return  # only its at-risk flag cleared: nothing anyone's plans depend on
    referral = referral or referral_store.referral(visit.referral_id)
    old = record["worker_id"]["from"] if reassigned else None
    workers = _workers(visit.worker_id, *([old] if old else []))
    if reassigned:
        _tell_worker(workers.get(old), UNASSIGNED, referral, [visit], method=CANCEL)
        _tell_worker(workers.get(visit.worker_id), ASSIGNED, referral, [visit], previous=record)
    else:
        _tell_worker(workers.get(visit.worker_id), CHANGED, referral, [visit], previous=record)
    if _referrer_sees_a_change(visit, record):
        _tell_referrer(referral, CHANGED, [visit], workers.get(visit.worker_id), previous=record)


def cancelled(visit: Visit) -> None:
    referral = referral_store.referral(visit.referral_id)
    worker = _workers(visit.worker_id).get(visit.worker_id)
    _tell_worker(worker, CANCELLED, referral, [visit], method=CANCEL)
    _tell_referrer(referral, CANCELLED, [visit], worker)


def cancelled_for_case(referral: Referral, visits: Sequence[Visit]) -> None:
    """A case's visits were cancelled with its suspension or closure: one email per worker, listing
    that worker's visits (the referrer hears of them in the case's own email)."""
    by_worker: dict[str, list[Visit]] = {}
    for visit in visits:
        by_worker.setdefault(visit.worker_id, []).append(visit)
    if not by_worker:
        return
    workers = _workers(*by_worker)
    for worker_id, theirs in by_worker.items():
        _tell_worker(workers.get(worker_id), CANCELLED, referral, theirs, method=CANCEL)


# -- what each person is sent ----------------------------------------------------------------------------


def _workers(*worker_ids: str) -> dict[str, Worker]:
    return {w.worker_id: w for w in workers_by_id(worker_ids)}


def _referrer_sees_a_change(visit: Visit, record: dict[str, Any]) -> bool:
    """Whether the change shows in what the referrer is told: with a confidential address, only a
    new day or a new worker does (a new time or venue is withheld from them)."""
    if "worker_id" in record or not visit.confidential_address:
        return True
    starts = record.get("starts_at")
    return bool(starts) and date_words.day_of(starts["from"]) != date_words.day_of(starts["to"])


def _case(referral: Referral | None, visit: Visit) -> dict[str, str]:
    """The case as emails name it: its reference and the children's first names, never an id."""
    children = [c.get("first_name", "") for c in ((referral.submission or {}) if referral else {}).get("children", [])]
    return {"reference": human_reference(visit.referral_id), "children": ", ".join(n for n in children if n)}


def _described(visit: Visit, *, redact: bool) -> dict[str, Any]:
    return {
        "day": date_words.day_of(visit.starts_at),
        "when": None if redact else date_words.span(visit.starts_at, visit.ends_at),
        "venue": None if redact else visit.venue,
    }


def _previous(visit: Visit, record: dict[str, Any] | None, *, redact: bool) -> dict[str, Any] | None:
    starts, ends = (record or {}).get("starts_at"), (record or {}).get("ends_at")
    if not starts:
        return None
    return {
        "day": date_words.day_of(starts["from"]),
        "when": None if redact else date_words.span(starts["from"], ends["from"]),
    }


def _cancellation(visit: Visit) -> dict[str, str] | None:
    if not visit.cancelled_by:
        return None
    return {
        "by": CANCELLED_BY_LABELS.get(CancelledBy(visit.cancelled_by), visit.cancelled_by).lower(),
        "reason": visit.cancel_reason or "",
    }


def _tell_worker(
    worker: Worker | None,
    kind: str,
    referral: Referral | None,
    visits: Sequence[Visit],
    *,
    method: str = REQUEST,
    previous: dict[str, Any] | None = None,
) -> None:
    if worker is None:
        return
    case = _case(referral, visits[0])
    if len(visits) > 1:
        method = PUBLISH
    ics = calendar(
        [(v, f"Contact visit ({case['reference']})", False) for v in visits],
        method=method,
        organizer=settings().reply_to,
    )
    _send(
        worker.email,
        "visit_worker",
        visits[0],
        kind=kind,
        worker_name=worker.name,
        visits=[_described(v, redact=False) for v in visits],
        previous=_previous(visits[0], previous, redact=False),
        cancellation=_cancellation(visits[0]),
        link=f"{settings().public_base_url}/visits/mine",
        attachments=(email.Attachment("visit.ics", f"text/calendar; method={method}", ics),),
        **case,
    )


def _tell_referrer(
    referral: Referral | None,
    kind: str,
    visits: Sequence[Visit],
    worker: Worker | None,
    *,
    previous: dict[str, Any] | None = None,
) -> None:
    if referral is None:
        return
    redact = bool(visits[0].confidential_address)
    _send(
        referral.referrer_email,
        "visit_referrer",
        visits[0],
        kind=kind,
        confidential=redact,
        worker_first_name=(worker.name.split() or [""])[0] if worker else "",
        reassigned=bool(previous and "worker_id" in previous),
        visits=[_described(v, redact=redact) for v in visits],
        previous=_previous(visits[0], previous, redact=redact),
        cancellation=_cancellation(visits[0]),
        link=f"{settings().public_base_url}/referrals/{referral.referral_id}#visits",
        invites_reply=True,
        **_case(referral, visits[0]),
    )


def _send(to: str, template: str, visit: Visit, **context: Any) -> None:
    try:
        email.send(to, template, **context)
    except Exception as exc:  # the change stands even if its email cannot go
        # The error's class only: SES's messages quote the refused addresses.
        logger().error(
            "visit email not sent",
            extra={
                "visit_id": visit.visit_id,
                "template": template,
                "kind": context["kind"],
                "error": type(exc).__name__,
            },
        )
