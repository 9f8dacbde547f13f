"""Recording a worker's certificate of one kind, or renewing it: the earlier one stays in the history.

The certificate, the worker's copy of its dates, the history entry and the audit event are written
in one transaction, guarded by the worker's version. Then, in the same request, the worker's booked
visits are judged again (`visits_at_risk.judge_visits`): a correction that leaves them
non-compliant on some date flags their visits from that date at once, and the supervisor is told.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain.clearance_records import ClearanceRecord, record_model
from chalicelib.domain.clearances import Certificate, ClearanceKind, effective_expiry, worker_compliance
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.services import figures, outputs
from chalicelib.services.audit import ChangedElsewhere, audited_transaction
from chalicelib.services.workers import (
    WORKER_ENTITY,
    certificates,
    detail_view,
    load_worker,
    mark_compliance,
    policy,
    summary_entry,
)
from chalicelib.storage import workers as store

if TYPE_CHECKING:
    from chalicelib.storage.workers import Clearance, ClearanceHistory


def parse_kind(raw: str) -> ClearanceKind:
    try:
        return ClearanceKind(raw)
    except ValueError:
        known = ", ".join(k.value for k in ClearanceKind)
        raise NotFound(f"There is no clearance kind '{raw}'. Kinds: {known}.") from None


class _WorkerMoved(Conflict):
    """The worker's record moved on (another kind recorded, the daily scan) while this kind's
    certificate stayed as the writer read it."""


def record_clearance(
    worker_id: str,
    kind: ClearanceKind | str,
    record: ClearanceRecord,
    actor: Principal,
    today: date | None = None,
    read_revision: int | None = None,
) -> outputs.RecordedClearance:
    """Record a worker's certificate of one kind, or renew it; the earlier one stays in the history.

    A certificate issued on the same day as the current one updates it (a correction, or the
    date a renewal was applied for); an earlier one is refused, so an old certificate can never
    replace a newer one.

    `read_revision` is the revision of this kind's certificate the writer read (0: none was on
    record). The write holds only if it is still current (a DynamoDB condition), so two HR
    officers renewing from the same page cannot silently overwrite each other: the second gets
    `ChangedElsewhere`. Without it, the write is conditional on what this request read.

    The answer is the worker's record with `visits_flagged_at_risk` and `visits_no_longer_at_risk`:
    how many of their booked visits this write put at risk, and how many it took out of risk.
    """
    today = today or clock.today()
    try:
        view, written = _record(worker_id, kind, record, actor, today, read_revision)
    except _WorkerMoved:
        # Nothing this writer read has changed: work it out again from the worker as it is now, once.
        view, written = _record(worker_id, kind, record, actor, today, read_revision)
    judged = _judge_visits(written, today, actor) if written is not None else None
    return {
        **view,
        "visits_flagged_at_risk": judged.flagged if judged else 0,
        "visits_no_longer_at_risk": judged.cleared if judged else 0,
    }


def _judge_visits(worker: Any, today: date, actor: Principal):
    """Judge the worker's visits again after the write; tell the supervisor of any newly at risk.
    An email that fails is not HR's problem: the flags stay unsent and the daily scan sends them."""
    from chalicelib.observability import logger
    from chalicelib.services import visits_at_risk

    judged = visits_at_risk.judge_visits(worker, today, actor.person)
    if judged.flagged:
        try:
            visits_at_risk.notify_at_risk(today)
        except Exception as exc:
            logger().warning("visits at risk not yet emailed", extra={"error": type(exc).__name__})
    return judged


def _record(
    worker_id: str,
    kind: ClearanceKind | str,
    record: ClearanceRecord,
    actor: Principal,
    today: date,
    read_revision: int | None,
) -> tuple[outputs.Worker, Any]:
    """The worker's record after the write, and the worker as written (None when nothing was)."""
    kind = parse_kind(kind) if isinstance(kind, str) else kind
    worker = load_worker(worker_id)  # an unknown worker is a 404 whatever the body says
    if not isinstance(record, record_model(kind)):
        raise ValidationFailed(f"This is not a {kind.value}: record it with the {kind.value} form.")
    rules = policy()
    previous = certificates(worker).get(kind)
    on_record = store.get_clearance(worker_id, kind.value)
    stored = int(on_record.revision or 0) if on_record is not None else 0
    based_on = stored if read_revision is None else read_revision
    cert = Certificate(kind, record.issued_on, record.expires_on, record.renewal_applied_on)
    expiry = effective_expiry(cert, rules)
    cert = Certificate(kind, record.issued_on, expiry, record.renewal_applied_on)
    details = record.details()
    if previous == cert and _unchanged(on_record, record, details):
        # A repeated PUT (a retry, a double click) records nothing new: no history entry, no event,
        # and no conflict: nothing anyone wrote is lost.
        return detail_view(worker, rules, today), None
    if based_on != stored:
        raise _changed_elsewhere(on_record, kind)
    if previous is not None and record.issued_on < previous.issued_on:
        raise ValidationFailed(
            "This certificate is older than the one on record.",
            fields=[
                {
                    "path": "issued_on",
                    "message": f"Must not be before the current certificate's issue date "
                    f"({previous.issued_on.isoformat()}): record the newest certificate",
                }
            ],
        )
    action = _action(previous, cert)

    certs = {**certificates(worker), kind: cert}
    compliance = worker_compliance(certs, rules, today)
    worker.clearances = {k.value: summary_entry(c) for k, c in certs.items()}
    recorded_before = worker.compliance_status
    mark_compliance(worker, compliance.status, today)

    now = clock.iso_now()
    verified_on = (record.verified_on or today).isoformat()
    clearance = store.new_clearance(
        worker_id,
        kind.value,
        issued_on=cert.issued_on.isoformat(),
        expires_on=expiry.isoformat(),
        expiry_source="certificate" if record.expires_on else "policy",
        renewal_applied_on=cert.renewal_applied_on.isoformat() if cert.renewal_applied_on else None,
        details=details,
        verified_by=actor.email,
        verified_on=verified_on,
        recorded_by=actor.email,
        recorded_at=now,
    )
    snapshot = {
        **summary_entry(cert),
        "expiry_source": clearance.expiry_source,
        "details": details,
        "verified_by": actor.email,
        "verified_on": verified_on,
        "recorded_by": actor.email,
        "recorded_at": now,
    }
    # The worker's next version orders a kind's entries exactly and is unique (the write is
    # conditional on the version), where two writes in one second would tie on the time.
    clearance.revision = (worker.version or 0) + 1
    history = store.new_history_entry(worker_id, kind.value, clearance.revision, action=action, certificate=snapshot)
    try:
        _write(
            worker,
            clearance,
            history,
            actor,
            kind,
            previous,
            snapshot,
            action,
            (recorded_before, compliance.status.value),
            based_on,
        )
    except Conflict:
        now_on_record = store.get_clearance(worker_id, kind.value)
        if (int(now_on_record.revision or 0) if now_on_record is not None else 0) != based_on:
            raise _changed_elsewhere(now_on_record, kind) from None
        raise _WorkerMoved("This worker's record changed meanwhile. Reload and try again.") from None
    return detail_view(worker, rules, today), worker


def _write(
    worker: Any,
    clearance: Clearance,
    history: ClearanceHistory,
    actor: Principal,
    kind: ClearanceKind,
    previous: Certificate | None,
    snapshot: dict,
    action: str,
    compliance_change: tuple[str | None, str],
    based_on: int,
) -> None:
    """The worker, the certificate, its history entry, the workforce tally when the worker's
    compliance changes, and the audit event: one transaction."""
    worker_id = worker.worker_id
    recorded_before, compliance = compliance_change
    with audited_transaction(actor.person, "This worker's record changed meanwhile. Reload and try again.") as tx:
        store.save_clearance(tx, worker, clearance, history, based_on=based_on)
        figures.count_compliance_change(tx, recorded_before, compliance)
        tx.record(
            WORKER_ENTITY,
            worker_id,
            f"clearance_{action}",
            {
                "kind": kind.value,
                "before": summary_entry(previous) if previous else None,
                "after": snapshot,
                "compliance": compliance,
            },
        )


def _changed_elsewhere(current: Clearance | None, kind: ClearanceKind) -> ChangedElsewhere:
    from chalicelib.domain.date_words import when
    from chalicelib.domain.labels import kind_label

    by = f" by {current.recorded_by} ({when(current.recorded_at)})" if current is not None else ""
    return ChangedElsewhere(
        f"This {kind_label(kind)} was changed{by} after you opened it, so your changes were not saved. "
        "Check the record as it is now; what you entered is kept, so save again to replace it."
    )


def _unchanged(current: Clearance | None, record: ClearanceRecord, details: dict[str, str]) -> bool:
    if current is None:
        return False
    return (
        (current.details or {}) == details
        and current.expiry_source == ("certificate" if record.expires_on else "policy")
        and (record.verified_on is None or current.verified_on == record.verified_on.isoformat())
    )


def _action(previous: Certificate | None, cert: Certificate) -> str:
    if previous is None:
        return "recorded"
    if cert.issued_on > previous.issued_on:
        return "renewed"
    if cert.renewal_applied_on and cert.renewal_applied_on != previous.renewal_applied_on:
        return "renewal_applied"
    return "updated"
