"""The daily compliance scan: expiry reminders to workers, workers marked when their compliance changes,
the booked visits of each worker it reads flagged where the worker will not be compliant on their
date (whether or not their status changed today), and one digest to HR of what changed.

It reads only the clearances whose expiry falls in the days it answers for (a Query per month on
the expiry-month index), the workers they belong to (BatchGetItem) and its own ledger: never a Scan,
so its cost follows the clearances in the window, not the size of the workforce.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain import workforce_figures
from chalicelib.domain.clearances import (
    Certificate,
    ClearanceKind,
    ClearancePolicy,
    ClearanceStatus,
    effective_expiry,
    is_compliant,
    months_between,
    reminder_due_between,
    worker_compliance,
)
from chalicelib.domain.date_words import long_day
from chalicelib.domain.labels import kind_label, status_label
from chalicelib.errors import Conflict
from chalicelib.observability import count, logger
from chalicelib.services import figures, visits_at_risk, workers
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.storage import monthly_figures
from chalicelib.storage import workers as store
from chalicelib.storage.workers import WriteFailed

EXPIRING_SOON_DAYS = workforce_figures.EXPIRING_SOON_DAYS

if TYPE_CHECKING:
    from chalicelib.storage.workers import ComplianceLedger, Worker

# A run after missed days still sends the latest reminder each certificate is owed, up to this far back.
MAX_CATCH_UP_DAYS = 14
# A Lambda runs for at most 15 minutes: a claim older than that belongs to a run that died
# between claiming a reminder and recording it sent, so a later run may take it over.
CLAIM_STALE_AFTER = timedelta(minutes=15)
LEDGER_RETENTION = timedelta(days=400)
MARK_ATTEMPTS = 3


@dataclass(frozen=True)
class ScanWindow:
    """The days one run answers for and the expiry dates it must read to answer for them."""

    today: date
    status_from: date  # first day whose status changes this run records (the day after the last complete run)
    reminders_from: date  # first day whose reminders this run may still send
    read_from: date  # earliest expiry read
    read_to: date  # latest expiry read

    @property
    def months(self) -> list[str]:
        return months_between(self.read_from, self.read_to)


def scan_window(
    today: date, last_completed: date | None, rules: ClearancePolicy, unfinished_since: date | None = None
) -> ScanWindow:
    """What a run on `today` must read, given the last day a run completed (and the first day of any
    run since that did not complete).

    On a day D a clearance changes status when D is its expiry - warning_days (VALID -> EXPIRING),
    expiry + 1 (-> EXPIRED) or expiry + grace + 1 (a renewal's grace period ends), and a
    reminder falls due when D is expiry - offset. So the expiries to read run from the first
    unanswered day - grace - 1 to today + the longest of the warning window and the reminders.
    Months before `read_from`'s month are closed: nothing in them can change any more.
    """
    candidates = [d for d in (last_completed and last_completed + timedelta(days=1), unfinished_since) if d]
    status_from = min([today, *candidates])
    reminders_from = max(status_from, today - timedelta(days=MAX_CATCH_UP_DAYS))
    # The dashboard's clearances expiring within 60 days come from these same reads.
    ahead = max(rules.warning_days, max(rules.reminder_days, default=0), max(EXPIRING_SOON_DAYS))
    return ScanWindow(
        today=today,
        status_from=status_from,
        reminders_from=reminders_from,
        read_from=status_from - timedelta(days=rules.renewal_grace_days + 1),
        read_to=today + timedelta(days=ahead),
    )


@dataclass
class ScanSummary:
    today: date
    window: ScanWindow
    clearances_read: int = 0
    workers_read: int = 0
    reminders_sent: int = 0
    reminders_already_sent: int = 0
    reminders_failed: int = 0
    status_changes: int = 0
    became_non_compliant: int = 0
    marking_failed: int = 0
    visits_at_risk: int = 0
    digest_sent: bool = False
    digest_entries: int = 0
    digest_failed: bool = False
    stale_index_entries: int = 0
    workforce_saved: bool = False
    expiries: list[date] = field(default_factory=list)  # of the current certificates read
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.reminders_failed or self.marking_failed or self.digest_failed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.today.isoformat(),
            "answers_from": self.window.status_from.isoformat(),
            "expiry_read_from": self.window.read_from.isoformat(),
            "expiry_read_to": self.window.read_to.isoformat(),
            "months_read": self.window.months,
            "clearances_read": self.clearances_read,
            "workers_read": self.workers_read,
            "reminders": {
                "sent": self.reminders_sent,
                "already_sent": self.reminders_already_sent,
                "failed": self.reminders_failed,
            },
            "status_changes": self.status_changes,
            "became_non_compliant": self.became_non_compliant,
            "marking_failed": self.marking_failed,
            "visits_at_risk": self.visits_at_risk,
            "stale_index_entries": self.stale_index_entries,
            "workforce_saved": self.workforce_saved,
            "digest": {"sent": self.digest_sent, "entries": self.digest_entries, "failed": self.digest_failed},
            "complete": self.complete,
            "errors": self.errors,
        }


def run(today: date) -> dict[str, Any]:
    """Run the scan as of `today`; safe to repeat: nothing is sent or marked twice.

    A run that fails part-way (an email refused, a write throttled) leaves its ledger saying
    what it did; the next run, the same day or later, does only what is missing. The scan's
    progress moves on only when a run completes, so the next run also answers for the days a
    failed run did not finish.
    """
    rules = workers.policy()
    last_completed, unfinished_since = _progress()
    window = scan_window(today, last_completed, rules, unfinished_since)
    summary = ScanSummary(today, window)
    log = logger()
    log.info("compliance scan started", extra={"as_of": today.isoformat(), "months": window.months})

    hits = _clearances_in_window(window)
    summary.clearances_read = sum(len(kinds) for kinds in hits.values())
    found = sorted(store.workers_by_id(hits), key=lambda w: (w.name.casefold(), w.worker_id))
    summary.workers_read = len(found)

    for worker in found:
        worker = _check_compliance(worker, rules, today, summary)
        # However the worker came to be non-compliant (a status changed today, an HR correction
        # whose own flagging failed): every visit they cannot take is flagged, none twice.
        summary.visits_at_risk += visits_at_risk.judge_visits(worker, today).flagged
        certs = workers.certificates(worker)
        for kind, expires_on in sorted(hits[worker.worker_id].items()):
            cert = certs.get(kind)
            # The index is eventually consistent: an entry from before a renewal is stale.
            if cert is None or effective_expiry(cert, rules) != expires_on:
                summary.stale_index_entries += 1
                continue
            summary.expiries.append(expires_on)
            offset = reminder_due_between(cert, rules, window.reminders_from, today)
            if offset is not None:
                _remind(worker, cert, offset, rules, today, summary)

    _send_digest(window, summary)
    _notify_visits_at_risk(today, summary)
    _save_workforce(today, summary)
    if summary.complete:
        _record_completed(today)
    else:
        _record_unfinished(today)
        log.error("compliance scan incomplete", extra={"as_of": today.isoformat(), "errors": len(summary.errors)})
        count("ComplianceScanIncomplete")
    count("ClearanceRemindersSent", summary.reminders_sent)
    result = summary.as_dict()
    log.info(
        "compliance scan finished",
        extra={k: v for k, v in result.items() if k not in ("errors", "months_read")},
    )
    return result


# -- reading -------------------------------------------------------------------------------------


def _progress() -> tuple[date | None, date | None]:
    """The last day a run completed, and the first day of a run since then that did not."""
    state = store.scan_state()
    if state is None:
        return None, None
    as_day = lambda value: date.fromisoformat(value) if value else None  # noqa: E731
    return as_day(state.last_completed_on), as_day(state.unfinished_since)


def _clearances_in_window(window: ScanWindow) -> dict[str, dict[ClearanceKind, date]]:
    """worker_id -> {kind: expiry} for every clearance expiring from read_from to read_to."""
    hits: dict[str, dict[ClearanceKind, date]] = defaultdict(dict)
    for month in window.months:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        for item in store.clearances_expiring_in(month, max(first, window.read_from), min(last, window.read_to)):
            hits[item.worker_id][ClearanceKind(item.kind)] = date.fromisoformat(item.expires_on)
    return hits


# -- marking compliance changes ------------------------------------------------------------------


def _check_compliance(worker: Worker, rules: ClearancePolicy, today: date, summary: ScanSummary) -> Worker:
    """Record the worker's compliance as of today if it differs from what is recorded.

    Returns the worker as last read: after a conflicting write, the fresh record.
    """
    for _attempt in range(MARK_ATTEMPTS):
        result = worker_compliance(workers.certificates(worker), rules, today)
        previous = worker.compliance_status
        if result.status.value == previous:
            return worker
        # Only a change seen today is news: a later run that finds the same change does not repeat it.
        workers.mark_compliance(worker, result.status, today)
        try:
            with audited_transaction(SYSTEM) as tx:
                # Conditional on the worker's version: HR may be recording a renewal right now.
                store.save_compliance_change(
                    tx,
                    worker,
                    day=today,
                    from_status=previous,
                    to_status=result.status.value,
                    reasons=result.reasons,
                    keep_until=clock.now() + LEDGER_RETENTION,
                )
                figures.count_compliance_change(tx, previous, result.status.value)
                tx.record(
                    workers.WORKER_ENTITY,
                    worker.worker_id,
                    "compliance_changed",
                    {
                        "from": previous,
                        "to": result.status.value,
                        "as_of": today.isoformat(),
                        "reasons": result.reasons,
                    },
                )
        except Conflict:
            worker = workers.load_worker(worker.worker_id)  # someone wrote first: judge the fresh record
            continue
        except Exception as exc:  # throttling, a network fault: the next run finds the difference again
            _failed(summary, "marking", worker.worker_id, exc)
            summary.marking_failed += 1
            return worker
        summary.status_changes += 1
        if is_compliant(ClearanceStatus(previous)) and not result.compliant:
            summary.became_non_compliant += 1
        return worker
    summary.marking_failed += 1
    summary.errors.append(f"marking {worker.worker_id}: changed by others {MARK_ATTEMPTS} times")
    return worker


# -- reminders -----------------------------------------------------------------------------------


def _remind(
    worker: Worker, cert: Certificate, offset: int, rules: ClearancePolicy, today: date, summary: ScanSummary
) -> None:
    """Claim the reminder in the ledger, send it, record it sent: at most once per certificate and offset."""
    expiry = effective_expiry(cert, rules)
    now = clock.now()
    claim_id = uuid.uuid4().hex
    try:
        entry = store.claim_reminder(
            worker,
            kind=cert.kind.value,
            expires_on=expiry,
            offset_days=offset,
            day=today,
            claim_id=claim_id,
            claimed_at=_stamp(now),
            stale_before=_stamp(now - CLAIM_STALE_AFTER),
            keep_until=now + LEDGER_RETENTION,
        )
    except WriteFailed as exc:
        _failed(summary, "claiming reminder", worker.worker_id, exc)
        summary.reminders_failed += 1
        return
    if entry is None:
        summary.reminders_already_sent += 1  # sent before, or being sent by a run still alive
        return

    days_left = (expiry - today).days
    try:
        from chalicelib.services import email

        email.send(
            worker.email,
            "clearance_reminder",
            worker_name=worker.name,
            kind_label=kind_label(cert.kind),
            required=cert.kind in rules.required_kinds,
            expires_on=long_day(expiry),
            days_left=days_left,
            grace_days=rules.renewal_grace_days,
            hr_email=settings().hr_email,
        )
    except Exception as exc:
        _failed(summary, "sending reminder", worker.worker_id, exc)
        summary.reminders_failed += 1
        _release(entry, claim_id)
        return

    try:
        with audited_transaction(SYSTEM) as tx:
            store.mark_reminder_sent(tx, entry, claim_id, _stamp(clock.now()))
            tx.record(
                workers.WORKER_ENTITY,
                worker.worker_id,
                "clearance_reminder_sent",
                {"kind": cert.kind.value, "expires_on": expiry.isoformat(), "days_before_expiry": offset},
            )
    except Exception as exc:
        # The email went; only the record of it failed. A run after CLAIM_STALE_AFTER could send it
        # again, so say so loudly rather than count it as a failure that a re-run would fix.
        logger().error(
            "reminder sent but not recorded",
            extra={"worker_id": worker.worker_id, "kind": cert.kind.value, "error": type(exc).__name__},
        )
    summary.reminders_sent += 1


def _release(entry: ComplianceLedger, claim_id: str) -> None:
    """Give up a claim whose email failed, so that a re-run sends it."""
    try:
        store.release_reminder(entry, claim_id)
    except Exception as exc:  # the claim goes stale instead, and a run after CLAIM_STALE_AFTER retries it
        logger().warning("reminder claim not released", extra={"error": type(exc).__name__})


# -- the HR digest -------------------------------------------------------------------------------


def _send_digest(window: ScanWindow, summary: ScanSummary) -> None:
    """One email to HR listing every change not yet reported (this run's, and any a failed run left)."""
    entries = []
    day = max(window.status_from, window.today - timedelta(days=MAX_CATCH_UP_DAYS))
    while day <= window.today:
        for entry in store.ledger_for_day(day, undigested=True):
            if store.is_status_change(entry) or store.is_sent_reminder(entry):
                entries.append(entry)
        day += timedelta(days=1)
    summary.digest_entries = len(entries)
    if not entries:
        return
    context = digest_context(entries, window.today)
    try:
        from chalicelib.services import email

        email.send(settings().hr_email, "clearance_digest", **context)
    except Exception as exc:
        _failed(summary, "sending digest", "hr", exc)
        summary.digest_failed = True
        return
    summary.digest_sent = True
    for entry in entries:
        try:
            store.mark_digested(entry)
        except Exception as exc:  # reported again in the next digest: better twice than never
            logger().warning("digest entry not marked", extra={"error": type(exc).__name__})


def _notify_visits_at_risk(today: date, summary: ScanSummary) -> None:
    """One email to the supervisor listing the visits flagged at risk and not yet reported."""
    try:
        visits_at_risk.notify_at_risk(today)
    except Exception as exc:  # the flags stay unsent: the next run lists them
        _failed(summary, "sending visits at risk", "supervisor", exc)
        summary.digest_failed = True


def digest_context(entries: list[ComplianceLedger], today: date) -> dict[str, Any]:
    """What the digest says: who is no longer compliant, other status changes, reminders sent."""
    non_compliant, other_changes, reminders = [], [], []
    for entry in sorted(entries, key=lambda e: ((e.worker_name or "").casefold(), e.entry_key)):
        if store.is_status_change(entry):
            change = {
                "worker_id": entry.worker_id,
                "name": entry.worker_name,
                "from": status_label(entry.from_status),
                "to": status_label(entry.to_status),
                "reasons": entry.reasons or [],
                "day": entry.day,
            }
            compliant = is_compliant(ClearanceStatus(entry.to_status))
            (other_changes if compliant else non_compliant).append(change)
        else:
            reminders.append(
                {
                    "worker_id": entry.worker_id,
                    "name": entry.worker_name,
                    "kind_label": kind_label(entry.kind),
                    "expires_on": long_day(entry.expires_on),
                    "days_left": int(entry.offset_days),
                }
            )
    return {
        "today": long_day(today),
        "non_compliant": non_compliant,
        "other_changes": other_changes,
        "reminders": reminders,
    }


# -- the dashboard's workforce figures -------------------------------------------------------------


def _save_workforce(today: date, summary: ScanSummary) -> None:
    """Leave today's workforce figures for the dashboard (one snapshot item, read with one GetItem).

    What this run already knows (the expiries it read, which reach 60 days ahead) and two small
    reads that do not grow with the workforce: the tally of workers by recorded compliance (kept
    by every write that changes a worker's compliance, this run's included, so after the marking
    above it says who is compliant today without reading every worker) and the marks of the visits
    at risk from today on. Saved after every run, complete or not: the figures are true of what is
    recorded, and a run that failed part-way is retried by the next one anyway.
    """
    try:
        values = workforce_figures.snapshot_values(
            monthly_figures.workforce_tally(),
            workforce_figures.expiring_within(summary.expiries, today),
            monthly_figures.visits_at_risk_from(today.isoformat()),
        )
        monthly_figures.save_snapshot(clock.iso_now(), values)
    except Exception as exc:  # the dashboard shows the last snapshot, and the next run saves a new one
        _failed(summary, "saving workforce figures", "dashboard", exc)
        return
    summary.workforce_saved = True


def _record_unfinished(today: date) -> None:
    """Remember the first unfinished day, so later runs answer for it (even before any run completed)."""
    try:
        store.record_scan_unfinished(today)
    except Exception as exc:  # the summary already says the run is incomplete; the alarm is on that
        logger().warning("scan progress not recorded", extra={"error": type(exc).__name__})


def _record_completed(today: date) -> None:
    try:
        # Never move progress backwards (a run "as of" an earlier day, e.g. from /dev/jobs).
        store.record_scan_completed(today)
    except WriteFailed as exc:
        # Harmless: the next run answers for these days again and finds nothing left to do.
        logger().warning("scan progress not recorded", extra={"error": type(exc).__name__})


# -- helpers -------------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _failed(summary: ScanSummary, what: str, worker_id: str, exc: Exception) -> None:
    summary.errors.append(f"{what} {worker_id}: {type(exc).__name__}")
    # The error's type only: a message may quote an address or a name.
    logger().warning(
        "compliance scan step failed", extra={"step": what, "worker_id": worker_id, "error": type(exc).__name__}
    )
