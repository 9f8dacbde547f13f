"""Workers, their clearances (current and earlier certificates) and the compliance scan's ledger.

The only module that knows how these items and their indexes are laid out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import PutError as WriteFailed
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta
from chalicelib.storage.cursors import KeyCursor

# The constant partition of the workforce directory index (one per item type listed there).
WORKER_DIRECTORY = "worker"


class WorkersByEmail(GlobalSecondaryIndex):
    """Sign-in mapping: the worker record of a signed-in person."""

    class Meta:
        index_name = "by_email"
        projection = KeysOnlyProjection()

    email = UnicodeAttribute(hash_key=True)


class WorkerDirectory(GlobalSecondaryIndex):
    """Every worker in name order: the HR dashboard and the paginated list read this, never a Scan."""

    class Meta:
        index_name = "directory"
        projection = AllProjection()

    directory = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)


class Worker(Model):
    """A contact worker, with the dates of each current clearance copied in for compliance at a glance.

    `clearances` holds, per kind, only what compliance needs (issued_on, expires_on,
    renewal_applied_on) so a list of workers is one Query; the full certificate lives in
    `Clearance`. Both are written in the same transaction, guarded by `version`.
    """

    class Meta:
        locals().update(meta("workers"))

    worker_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()  # lower case
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    directory = UnicodeAttribute(default=WORKER_DIRECTORY)
    name_key = UnicodeAttribute()  # "<casefolded name>#<worker_id>": name order, unique
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    clearances = JSONAttribute(default=dict)  # kind -> {"issued_on", "expires_on", "renewal_applied_on"}
    # The compliance last recorded (on a clearance write or by the daily scan) and as of when.
    compliance_status = UnicodeAttribute()
    compliance_as_of = UnicodeAttribute()
    non_compliant_since = UnicodeAttribute(null=True)
    version = VersionAttribute()

    by_email = WorkersByEmail()
    directory_index = WorkerDirectory()


def name_key(name: str, worker_id: str) -> str:
    return f"{name.casefold()}#{worker_id}"


# -- reads: each a GetItem, BatchGetItem or Query on a key or an index, never a Scan ---------------

_DIRECTORY_CURSOR = KeyCursor(("worker_id", "name_key"))


def get_worker(worker_id: str) -> Worker | None:
    """The worker, strongly consistent (a clearance recorded a moment ago counts), or None."""
    try:
        return Worker.get(worker_id, consistent_read=True)
    except Worker.DoesNotExist:
        return None


def workers_by_id(worker_ids: Iterable[str]) -> list[Worker]:
    """The workers of these ids that exist (one BatchGetItem per 100), strongly consistent."""
    ids = list(dict.fromkeys(worker_ids))
    return list(Worker.batch_get(ids, consistent_read=True)) if ids else []


def worker_by_email(email: str) -> Worker | None:
    """The worker whose email this is, exactly (both normalised by `domain.identity.normalise_email`),
    through the by-email index."""
    if not email:  # no worker has an empty email, and DynamoDB refuses an empty key
        return None
    for key in Worker.by_email.query(email, limit=1):
        return get_worker(key.worker_id)  # None when the index lags a deletion by moments
    return None


def workers_named(name: str, limit: int = 5) -> list[Worker]:
    """The workers with exactly this name (any case), through the directory index."""
    prefix = f"{name.strip().casefold()}#"
    return list(Worker.directory_index.query(WORKER_DIRECTORY, Worker.name_key.startswith(prefix), limit=limit))


def directory(cursor: str | None = None, page_size: int = 500) -> Iterator[Worker]:
    """Every worker in name order, from just after `cursor` (see `directory_cursor`), read page by page.

    A cursor this service did not write is a BadRequest.
    """
    start = _DIRECTORY_CURSOR.decode(cursor, directory=WORKER_DIRECTORY)
    return iter(Worker.directory_index.query(WORKER_DIRECTORY, last_evaluated_key=start, page_size=page_size))


def directory_cursor(worker: Worker) -> str:
    """The cursor of the directory position just after `worker`."""
    return _DIRECTORY_CURSOR.encode({"worker_id": worker.worker_id, "name_key": worker.name_key})


class WorkerEmail(Model):
    """One item per worker email: the conditional put that keeps emails unique (an index cannot)."""

    class Meta:
        locals().update(meta("worker-emails"))

    email = UnicodeAttribute(hash_key=True)
    worker_id = UnicodeAttribute()


class ClearancesByExpiryMonth(GlobalSecondaryIndex):
    """The daily scan's only way in: the clearances expiring in one month, in date order."""

    class Meta:
        index_name = "by_expiry_month"
        projection = KeysOnlyProjection()

    expires_month = UnicodeAttribute(hash_key=True)  # "YYYY-MM"
    expires_on = UnicodeAttribute(range_key=True)  # "YYYY-MM-DD"


class Clearance(Model):
    """A worker's current certificate of one kind; earlier ones are in `ClearanceHistory`."""

    class Meta:
        locals().update(meta("clearances"))

    worker_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(range_key=True)
    issued_on = UnicodeAttribute()
    # The expiry the rules use: the certificate's own, or issue + the policy's validity.
    expires_on = UnicodeAttribute()
    expires_month = UnicodeAttribute()
    expiry_source = UnicodeAttribute()  # "certificate" | "policy"
    renewal_applied_on = UnicodeAttribute(null=True)
    details = JSONAttribute(default=dict)  # the kind's own fields: check type, provider, numbers, notes
    verified_by = UnicodeAttribute()
    verified_on = UnicodeAttribute()
    recorded_by = UnicodeAttribute()
    recorded_at = UnicodeAttribute()
    # Written only with its worker, whose version guards both. `revision` (the worker's version
    # that wrote it) is what a client states it read: a renewal of an older copy is refused.
    revision = NumberAttribute(null=True)

    by_expiry_month = ClearancesByExpiryMonth()


class ClearanceHistory(Model):
    """Append-only: every certificate ever recorded for a worker, so a renewal keeps the earlier ones."""

    class Meta:
        locals().update(meta("clearance-history"))

    worker_id = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)  # "<kind>#<worker version>": per kind, in write order
    kind = UnicodeAttribute()
    action = UnicodeAttribute()  # "recorded" | "renewed" | "updated"
    certificate = JSONAttribute()  # the certificate as recorded, with its dates and details


def history_key(kind: str, worker_version: int) -> str:
    return f"{kind}#{worker_version:010d}"


def current_clearances(worker_id: str) -> list[Clearance]:
    """The worker's current certificate of each kind recorded."""
    return list(Clearance.query(worker_id, consistent_read=True))


def clearance_is_at(revision: int):
    """The condition that the stored certificate is still the one at `revision` (0: none recorded,
    or one recorded before revisions were kept)."""
    if revision == 0:
        return Clearance.revision.does_not_exist()
    return Clearance.revision == revision


def get_clearance(worker_id: str, kind: str) -> Clearance | None:
    try:
        return Clearance.get(worker_id, kind, consistent_read=True)
    except Clearance.DoesNotExist:
        return None


def clearance_history(worker_id: str, limit: int) -> list[ClearanceHistory]:
    """The worker's recorded certificates, newest first, at most `limit`."""
    return list(ClearanceHistory.query(worker_id, scan_index_forward=False, limit=limit, consistent_read=True))


def clearances_expiring_in(month: str, first: date, last: date) -> Iterator[Clearance]:
    """The clearances expiring in `month` ("YYYY-MM") from `first` to `last`: keys and expiry only."""
    return iter(
        Clearance.by_expiry_month.query(month, Clearance.expires_on.between(first.isoformat(), last.isoformat()))
    )


class LedgerByDay(GlobalSecondaryIndex):
    """What one day's scan did: the source of that day's HR digest."""

    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)


# Ledger entry types and reminder states.
REMINDER = "reminder"
STATUS_CHANGE = "status_change"
SCAN_STATE = "scan_state"
SENDING = "sending"
SENT = "sent"


class ComplianceLedger(Model):
    """The compliance scan's memory: reminders claimed/sent, status changes seen, and its progress.

    A reminder's key names the certificate (worker, kind, expiry) and the offset, and is
    claimed with a conditional put before the email goes out: that is what makes each reminder
    go once, however often the scan runs.
    """

    class Meta:
        locals().update(meta("compliance-ledger"))

    entry_key = UnicodeAttribute(hash_key=True)
    entry_type = UnicodeAttribute()
    day = UnicodeAttribute(null=True)  # the scan day that wrote it (absent on the scan state: not in by_day)
    worker_id = UnicodeAttribute(null=True)
    worker_name = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    expires_on = UnicodeAttribute(null=True)
    offset_days = NumberAttribute(null=True)
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)
    reasons = JSONAttribute(null=True)
    state = UnicodeAttribute(null=True)  # reminders: "sending" while claimed, then "sent"
    claim_id = UnicodeAttribute(null=True)
    claimed_at = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute(null=True)
    digested = BooleanAttribute(default=False)
    last_completed_on = UnicodeAttribute(null=True)  # scan state only
    unfinished_since = UnicodeAttribute(null=True)  # scan state: first day of a run that did not complete
    expires_at = TTLAttribute(null=True)

    by_day = LedgerByDay()


def reminder_key(worker_id: str, kind: str, expires_on: date, offset_days: int) -> str:
    return f"reminder#{worker_id}#{kind}#{expires_on.isoformat()}#{offset_days}"


def status_change_key(worker_id: str, day: date, to_status: str) -> str:
    return f"status#{worker_id}#{day.isoformat()}#{to_status}"


SCAN_STATE_KEY = "state#compliance-scan"


def ledger_for_day(day: date, *, undigested: bool = False) -> Iterator[ComplianceLedger]:
    """What the scan of `day` wrote; with `undigested`, only what no HR digest has reported yet."""
    condition = ComplianceLedger.digested == False if undigested else None  # noqa: E712
    return iter(ComplianceLedger.by_day.query(day.isoformat(), filter_condition=condition))


def scan_state() -> ComplianceLedger | None:
    """The scan's progress (last day completed, first day left unfinished), or None before any run."""
    try:
        return ComplianceLedger.get(SCAN_STATE_KEY, consistent_read=True)
    except ComplianceLedger.DoesNotExist:
        return None


def worker_names(worker_ids: Iterable[str]) -> dict[str, str]:
    """Each worker's name by id, for the workers that exist (one BatchGetItem per 100)."""
    ids = sorted(set(worker_ids))
    return {w.worker_id: w.name for w in Worker.batch_get(ids)} if ids else {}


def new_worker(worker_id: str, *, name: str, **attributes) -> Worker:
    """A worker not yet written (see `add_worker`), with the key the directory index orders by."""
    return Worker(worker_id, name=name, name_key=name_key(name, worker_id), **attributes)


def add_worker(tx: Writes, worker: Worker) -> None:
    """Write a new worker and claim their email: a second worker with this email fails the transaction
    (the email item is the uniqueness guard an index cannot be)."""
    tx.save(WorkerEmail(worker.email, worker_id=worker.worker_id), condition=WorkerEmail.email.does_not_exist())
    tx.save(worker, condition=Worker.worker_id.does_not_exist())


def new_clearance(worker_id: str, kind: str, *, expires_on: str, **attributes) -> Clearance:
    """A worker's current certificate of one kind, not yet written (see `save_clearance`), filed
    under its expiry month for the daily scan."""
    return Clearance(worker_id, kind, expires_on=expires_on, expires_month=expires_on[:7], **attributes)


def new_history_entry(worker_id: str, kind: str, revision: int, *, action: str, certificate: dict) -> ClearanceHistory:
    """The history entry of a certificate recorded at the worker's version `revision`."""
    return ClearanceHistory(worker_id, history_key(kind, revision), kind=kind, action=action, certificate=certificate)


def save_clearance(
    tx: Writes, worker: Worker, clearance: Clearance, history: ClearanceHistory, *, based_on: int
) -> None:
    """The worker (conditional on the version read: one writer per worker at a time), the certificate
    (only if the stored one is still at revision `based_on`) and its history entry."""
    tx.save(worker)
    tx.save(clearance, condition=clearance_is_at(based_on))
    tx.save(history, condition=ClearanceHistory.entry_key.does_not_exist())


# -- the compliance scan's ledger --------------------------------------------------------------


def save_compliance_change(
    tx: Writes,
    worker: Worker,
    *,
    day: date,
    from_status: str,
    to_status: str,
    reasons: list,
    keep_until: datetime,
) -> None:
    """The worker (conditional on the version read) and the ledger's note of its change of compliance
    seen on `day`: once per change and day, for that day's HR digest."""
    entry = ComplianceLedger(
        status_change_key(worker.worker_id, day, f"{from_status}>{to_status}"),
        entry_type=STATUS_CHANGE,
        day=day.isoformat(),
        worker_id=worker.worker_id,
        worker_name=worker.name,
        from_status=from_status,
        to_status=to_status,
        reasons=reasons,
        digested=False,
        expires_at=keep_until,
    )
    tx.save(worker)
    tx.save(entry, condition=ComplianceLedger.entry_key.does_not_exist())


def claim_reminder(
    worker: Worker,
    *,
    kind: str,
    expires_on: date,
    offset_days: int,
    day: date,
    claim_id: str,
    claimed_at: str,
    stale_before: str,
    keep_until: datetime,
) -> ComplianceLedger | None:
    """Claim the reminder of this certificate and offset (one conditional PutItem): the claimed entry,
    or None when it was sent before or is being sent by a claim made after `stale_before`.

    Any other failure raises `WriteFailed`.
    """
    entry = ComplianceLedger(
        reminder_key(worker.worker_id, kind, expires_on, offset_days),
        entry_type=REMINDER,
        day=day.isoformat(),
        worker_id=worker.worker_id,
        worker_name=worker.name,
        kind=kind,
        expires_on=expires_on.isoformat(),
        offset_days=offset_days,
        state=SENDING,
        claim_id=claim_id,
        claimed_at=claimed_at,
        digested=False,
        expires_at=keep_until,
    )
    unclaimed = ComplianceLedger.entry_key.does_not_exist() | (
        (ComplianceLedger.state == SENDING) & (ComplianceLedger.claimed_at < stale_before)
    )
    try:
        entry.save(condition=unclaimed)
    except WriteFailed as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return entry


def mark_reminder_sent(tx: Writes, entry: ComplianceLedger, claim_id: str, sent_at: str) -> None:
    """Record the claimed reminder sent, only if the claim is still this one."""
    tx.update(
        entry,
        actions=[ComplianceLedger.state.set(SENT), ComplianceLedger.sent_at.set(sent_at)],
        condition=ComplianceLedger.claim_id == claim_id,
    )


def release_reminder(entry: ComplianceLedger, claim_id: str) -> None:
    """Give up the claim (one conditional DeleteItem), only if it is still this one."""
    entry.delete(condition=ComplianceLedger.claim_id == claim_id)


def is_status_change(entry: ComplianceLedger) -> bool:
    return entry.entry_type == STATUS_CHANGE


def is_sent_reminder(entry: ComplianceLedger) -> bool:
    return entry.entry_type == REMINDER and entry.state == SENT


def mark_digested(entry: ComplianceLedger) -> None:
    """The entry has been in an HR digest (one UpdateItem)."""
    entry.update(actions=[ComplianceLedger.digested.set(True)])


def record_scan_unfinished(day: date) -> None:
    """Remember `day` as the first unfinished one, unless an earlier one is remembered (one UpdateItem)."""
    ComplianceLedger(SCAN_STATE_KEY).update(
        actions=[
            ComplianceLedger.entry_type.set(SCAN_STATE),
            ComplianceLedger.unfinished_since.set(ComplianceLedger.unfinished_since | day.isoformat()),
        ]
    )


def record_scan_completed(day: date) -> bool:
    """Record `day` as the last completed one, never moving progress backwards (one conditional
    PutItem). False when a later day is already recorded; other failures raise `WriteFailed`."""
    state = ComplianceLedger(SCAN_STATE_KEY, entry_type=SCAN_STATE, last_completed_on=day.isoformat())
    try:
        state.save(
            condition=ComplianceLedger.entry_key.does_not_exist()
            | ComplianceLedger.last_completed_on.does_not_exist()
            | (ComplianceLedger.last_completed_on < day.isoformat())
        )
    except WriteFailed as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
