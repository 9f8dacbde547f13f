"""Visits at risk: after the daily compliance scan finds a worker newly non-compliant, their
scheduled visits on days they will not be compliant are flagged, and the duty supervisor gets one
email listing every flag not yet sent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.domain import date_words
from chalicelib.domain.local_time import from_iso, iso_utc, local_day_bounds, to_local
from chalicelib.domain.visits import VisitStatus, readable_reason
from chalicelib.observability import count, logger
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.visit_access import ENTITY
from chalicelib.storage import visits as store
from chalicelib.storage.workers import worker_names

# Visits flagged at risk per transaction: each is an update and an audit event (100 items at most).
FLAG_CHUNK = 45


def flag_at_risk(worker: Any, today: date) -> int:
    """Flag each of the worker's scheduled visits from `today` on when they will not be compliant
    on its date. Called by the compliance scan for a worker it finds newly non-compliant; reads
    the worker's visits with one Query. Returns how many were flagged.

    Each flag is marked unsent: `notify_at_risk` lists it in the supervisor's next email.
    """
    from chalicelib.domain.clearances import compliant_on
    from chalicelib.services import workers

    certs, rules = workers.certificates(worker), workers.policy()
    from_at, _ = local_day_bounds(today, today)
    flagged = []
    try:
        for visit in store.visits_of_worker(worker.worker_id, iso_utc(from_at)):
            if visit.status != VisitStatus.SCHEDULED or visit.at_risk:
                continue
            ok, reasons = compliant_on(certs, rules, to_local(from_iso(visit.starts_at)).date())
            if not ok:
                flagged.append((visit, "; ".join(readable_reason(r) for r in reasons)))
    except Exception as exc:  # the scan goes on; the supervisor still sees the worker in HR's digest
        logger().error("visits at risk not read", extra={"worker_id": worker.worker_id, "error": type(exc).__name__})
        return 0
    done = 0
    for start in range(0, len(flagged), FLAG_CHUNK):
        chunk = flagged[start : start + FLAG_CHUNK]
        try:
            with audited_transaction(SYSTEM) as tx:
                for visit, reason in chunk:
                    store.flag_visit_at_risk(
                        tx,
                        visit,
                        reason=reason,
                        since=today,
                        now=clock.iso_now(),
                        while_status=VisitStatus.SCHEDULED.value,
                        worker_id=worker.worker_id,
                    )
                    tx.record(
                        ENTITY, visit.visit_id, "visit.at_risk", {"worker_id": worker.worker_id, "reason": reason}
                    )
        except Exception as exc:  # a visit changed meanwhile: it was rescheduled or reassigned, so re-judged then
            logger().warning(
                "visits not flagged at risk", extra={"worker_id": worker.worker_id, "error": type(exc).__name__}
            )
            continue
        done += len(chunk)
    if done:
        count("VisitsAtRisk", done)
    return done


def notify_at_risk(today: date) -> int:
    """One email to the supervisor listing every at-risk visit not yet reported (one Query of
    the unsent flags); a re-run finds none and sends nothing. Returns how many were listed."""
    from chalicelib.config import settings
    from chalicelib.services import email

    unsent = sorted(store.at_risk_not_yet_sent(), key=lambda v: (v.starts_at, v.visit_id))
    if not unsent:
        return 0
    names = worker_names({v.worker_id for v in unsent})
    rows = [
        {
            "id": v.visit_id,
            "when": date_words.when(v.starts_at),
            "worker": names.get(v.worker_id, "A worker"),
            "reason": v.at_risk_reason or "",
            "week": _week_start(to_local(from_iso(v.starts_at)).date()).isoformat(),
        }
        for v in unsent
    ]
    email.send(settings().duty_supervisor_email, "visits_at_risk", today=date_words.long_day(today), visits=rows)
    for visit in unsent:
        try:
            store.mark_at_risk_sent(visit)
        except Exception as exc:  # listed again in the next email: better twice than never
            logger().warning("at-risk visit not marked as sent", extra={"error": type(exc).__name__})
    return len(rows)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
