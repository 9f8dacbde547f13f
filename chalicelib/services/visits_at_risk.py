"""Visits at risk: a worker's scheduled visits on days they will not be compliant are flagged, and
the duty supervisor gets one email listing every flag not yet sent.

`judge_visits` runs after every clearance write (so HR's correction flags the visits at once) and,
in the daily scan, for every worker whose clearances it reads (so a visit is flagged however its
worker came to be non-compliant). A visit already flagged is neither flagged nor emailed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.domain import date_words
from chalicelib.domain.local_time import from_iso, iso_utc, local_day_bounds, to_local
from chalicelib.domain.people import Person
from chalicelib.domain.visits import VisitStatus, readable_reason
from chalicelib.observability import count, logger
from chalicelib.services import figures
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.visit_access import ENTITY
from chalicelib.storage import visits as store
from chalicelib.storage.workers import worker_names

# Visits judged per transaction: each is an update and an audit event (100 items at most).
FLAG_CHUNK = 45


@dataclass(frozen=True)
class Judged:
    """How many of a worker's visits one judgement flagged at risk, and how many it cleared."""

    flagged: int = 0
    cleared: int = 0


def judge_visits(worker: Any, today: date, actor: str | Person = SYSTEM) -> Judged:
    """Flag each of the worker's scheduled visits from `today` on whose date they will not be
    compliant, and clear the flag of each on whose date they now will be (a renewal, a corrected
    date). Reads the worker's visits with one Query; each flag is marked unsent, for
    `notify_at_risk` to list once. A visit that changed meanwhile is left to its change (which
    runs the guards again) and to the next judgement."""
    from chalicelib.domain.clearances import compliant_on
    from chalicelib.services import workers

    certs, rules = workers.certificates(worker), workers.policy()
    from_at, _ = local_day_bounds(today, today)
    changes = []
    try:
        for visit in store.visits_of_worker(worker.worker_id, iso_utc(from_at)):
            if visit.status != VisitStatus.SCHEDULED:
                continue
            ok, reasons = compliant_on(certs, rules, to_local(from_iso(visit.starts_at)).date())
            if not ok and not visit.at_risk:
                changes.append((visit, "; ".join(readable_reason(r) for r in reasons)))
            elif ok and visit.at_risk:
                changes.append((visit, None))
    except Exception as exc:  # the caller goes on; the next scan judges the worker again
        logger().error("visits at risk not read", extra={"worker_id": worker.worker_id, "error": type(exc).__name__})
        return Judged()
    flagged = cleared = 0
    for start in range(0, len(changes), FLAG_CHUNK):
        chunk = changes[start : start + FLAG_CHUNK]
        try:
            with audited_transaction(actor) as tx:
                for visit, reason in chunk:
                    _judge(tx, visit, reason, worker.worker_id, today)
        except Exception as exc:  # a visit changed meanwhile: it was rescheduled or reassigned, so re-judged then
            logger().warning(
                "visits at risk not judged", extra={"worker_id": worker.worker_id, "error": type(exc).__name__}
            )
            continue
        flagged += sum(1 for _, reason in chunk if reason is not None)
        cleared += sum(1 for _, reason in chunk if reason is None)
    if flagged:
        count("VisitsAtRisk", flagged)
    return Judged(flagged, cleared)


def _judge(tx: Any, visit: Any, reason: str | None, worker_id: str, today: date) -> None:
    """Add one visit's flag (with `reason`) or, with no reason, its cleared flag to `tx`, with the audit event."""
    scheduled = VisitStatus.SCHEDULED.value
    figures.count_visit_at_risk(tx, visit.visit_id, visit.starts_at, reason is not None)
    if reason is None:
        store.clear_visit_at_risk(tx, visit, now=clock.iso_now(), while_status=scheduled, worker_id=worker_id)
        tx.record(ENTITY, visit.visit_id, "visit.at_risk_cleared", {"worker_id": worker_id}, case_id=visit.referral_id)
        return
    store.flag_visit_at_risk(
        tx, visit, reason=reason, since=today, now=clock.iso_now(), while_status=scheduled, worker_id=worker_id
    )
    tx.record(
        ENTITY, visit.visit_id, "visit.at_risk", {"worker_id": worker_id, "reason": reason}, case_id=visit.referral_id
    )


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
