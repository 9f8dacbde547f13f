"""Workers and their clearances: create, record and renew, compliance views and the assignment guard.

Reads are GetItem, BatchGetItem or Query on a key or an index (never a Scan); every write goes
through `audited_transaction` together with its audit event.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.clearances import (
    Certificate,
    ClearanceKind,
    ClearancePolicy,
    ClearanceStatus,
    clearance_status,
    compliant_on,
    describe_status,
    effective_expiry,
    expiry_month,
    grace_ends_on,
    is_compliant,
    worker_compliance,
)
from chalicelib.domain.workers import ClearanceRecord, NewWorker, kind_details, kind_problems
from chalicelib.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.services.audit import audited_transaction
from chalicelib.storage.workers import (
    WORKER_DIRECTORY,
    Clearance,
    ClearanceHistory,
    Worker,
    WorkerEmail,
    history_key,
    name_key,
)

# Who may read any worker's record; a worker may read only their own.
READERS = frozenset({Role.HR, Role.SUPERVISOR})
WRITERS = frozenset({Role.HR})

KIND_LABELS: dict[ClearanceKind, str] = {
    ClearanceKind.BACKGROUND_CHECK: "background check",
    ClearanceKind.FIRST_AID: "first aid certificate",
    ClearanceKind.DRIVING_LICENCE: "driving licence",
    ClearanceKind.VEHICLE_INSURANCE: "vehicle insurance",
}
STATUS_LABELS: dict[ClearanceStatus, str] = {
    ClearanceStatus.VALID: "Valid",
    ClearanceStatus.EXPIRING: "Expiring",
    ClearanceStatus.RENEWAL_IN_PROGRESS: "Renewal in progress",
    ClearanceStatus.MISSING: "Missing",
    ClearanceStatus.EXPIRED: "Expired",
}
HISTORY_LIMIT = 200
WORKER_ENTITY = "worker"


def policy() -> ClearancePolicy:
    """The stage's clearance policy (required kinds, warning window, grace period) from CLEARANCE_* variables."""
    return ClearancePolicy.from_env(os.environ)


def parse_kind(raw: str) -> ClearanceKind:
    try:
        return ClearanceKind(raw)
    except ValueError:
        known = ", ".join(k.value for k in ClearanceKind)
        raise NotFound(f"There is no clearance kind '{raw}'. Kinds: {known}.") from None


def clearance_input_problems(params: dict, data: dict) -> list[dict]:
    """Checks for `PUT /v1/workers/{worker_id}/clearances/{kind}` before its body is validated:
    an unknown kind is a 404 first, and the kind's own required and unused fields are reported
    together with the body's format errors, in one answer."""
    problems = kind_problems(parse_kind(params["kind"]), data)
    if problems:
        load_worker(params["worker_id"])  # an unknown worker is the thing to say first (404)
    return problems


def kind_label(kind: ClearanceKind | str) -> str:
    return KIND_LABELS[ClearanceKind(kind)]


# -- certificates as the domain sees them -------------------------------------------------------


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def certificates(worker: Worker) -> dict[ClearanceKind, Certificate]:
    """The worker's current certificates (from the copy on the worker item), by kind."""
    certs: dict[ClearanceKind, Certificate] = {}
    for kind, entry in (worker.clearances or {}).items():
        certs[ClearanceKind(kind)] = Certificate(
            ClearanceKind(kind),
            date.fromisoformat(entry["issued_on"]),
            date.fromisoformat(entry["expires_on"]),
            _day(entry.get("renewal_applied_on")),
        )
    return certs


def _summary_entry(cert: Certificate) -> dict[str, str | None]:
    return {
        "issued_on": cert.issued_on.isoformat(),
        "expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
        "renewal_applied_on": cert.renewal_applied_on.isoformat() if cert.renewal_applied_on else None,
    }


def clearance_state(
    kind: ClearanceKind, cert: Certificate | None, rules: ClearancePolicy, today: date
) -> dict[str, Any]:
    """One clearance's status as of `today`, with what a person needs to act on it."""
    status = clearance_status(cert, rules, today)
    state: dict[str, Any] = {
        "kind": kind.value,
        "label": KIND_LABELS[kind],
        "required": kind in rules.required_kinds,
        "status": status.value,
        "issued_on": None,
        "expires_on": None,
        "days_left": None,
        "renewal_applied_on": None,
        "grace_ends_on": None,
        "reason": describe_status(kind, cert, rules, today),
    }
    if cert is not None:
        expiry = effective_expiry(cert, rules)
        state.update(
            issued_on=cert.issued_on.isoformat(),
            expires_on=expiry.isoformat(),
            days_left=(expiry - today).days,
            renewal_applied_on=cert.renewal_applied_on.isoformat() if cert.renewal_applied_on else None,
            grace_ends_on=grace_ends_on(cert, rules).isoformat() if cert.renewal_applied_on else None,
        )
    return state


def compliance_state(worker: Worker, rules: ClearancePolicy, today: date) -> dict[str, Any]:
    """Compliance as of `today`, and what was last recorded (the scan marks changes daily)."""
    result = worker_compliance(certificates(worker), rules, today)
    return {
        "status": result.status.value,
        "compliant": result.compliant,
        "reasons": result.reasons,
        "as_of": today.isoformat(),
        "recorded_status": worker.compliance_status,
        "recorded_as_of": worker.compliance_as_of,
        "non_compliant_since": worker.non_compliant_since,
    }


# -- views --------------------------------------------------------------------------------------


def _worker_fields(worker: Worker) -> dict[str, Any]:
    return {
        "worker_id": worker.worker_id,
        "name": worker.name,
        "email": worker.email,
        "role": worker.role,
        "phone": worker.phone,
        "created_at": worker.created_at,
    }


def summary_view(worker: Worker, rules: ClearancePolicy, today: date) -> dict[str, Any]:
    """A worker in a list: compliance and each clearance's status, without certificate details."""
    certs = certificates(worker)
    return {
        **_worker_fields(worker),
        "compliance": compliance_state(worker, rules, today),
        "clearances": [clearance_state(kind, certs.get(kind), rules, today) for kind in ClearanceKind],
    }


def detail_view(worker: Worker, rules: ClearancePolicy, today: date) -> dict[str, Any]:
    """One worker with every current certificate's details and the history of earlier ones."""
    current = {ClearanceKind(c.kind): c for c in Clearance.query(worker.worker_id, consistent_read=True)}
    history: dict[str, list[dict]] = {}
    for entry in ClearanceHistory.query(
        worker.worker_id, scan_index_forward=False, limit=HISTORY_LIMIT, consistent_read=True
    ):
        history.setdefault(entry.kind, []).append({"action": entry.action, **entry.certificate})
    certs = certificates(worker)
    clearances = []
    for kind in ClearanceKind:
        state = clearance_state(kind, certs.get(kind), rules, today)
        item = current.get(kind)
        if item is not None:
            state.update(
                expiry_source=item.expiry_source,
                details=item.details or {},
                verified_by=item.verified_by,
                verified_on=item.verified_on,
                recorded_by=item.recorded_by,
                recorded_at=item.recorded_at,
            )
        state["history"] = history.get(kind.value, [])
        clearances.append(state)
    return {**_worker_fields(worker), "compliance": compliance_state(worker, rules, today), "clearances": clearances}


# -- reads ---------------------------------------------------------------------------------------


def load_worker(worker_id: str) -> Worker:
    try:
        return Worker.get(worker_id, consistent_read=True)
    except Worker.DoesNotExist:
        raise NotFound(f"No worker with id '{worker_id}'.") from None


def find_worker_by_email(email: str) -> Worker | None:
    """The worker record of a signed-in person (the by-email index), or None."""
    for key in Worker.by_email.query(email.strip().lower(), limit=1):
        try:
            return Worker.get(key.worker_id, consistent_read=True)
        except Worker.DoesNotExist:  # the index lags a deletion by moments
            return None
    return None


def all_workers() -> Iterator[Worker]:
    """Every worker in name order: a Query on the directory index, page by page."""
    return iter(Worker.directory_index.query(WORKER_DIRECTORY, page_size=500))


def get_worker_for(principal: Principal, worker_id: str, today: date | None = None) -> dict[str, Any]:
    """HR, supervisors and admins read any worker; a worker reads only their own record."""
    today = today or clock.today()
    if principal.has_any(READERS):
        return detail_view(load_worker(worker_id), policy(), today)
    try:
        worker = Worker.get(worker_id, consistent_read=True)
    except Worker.DoesNotExist:
        worker = None
    # The same answer for "not yours" and "no such worker": ids are not for probing.
    if worker is None or worker.email != principal.email.strip().lower():
        raise Forbidden("A worker may read only their own record.")
    return detail_view(worker, policy(), today)


def list_workers(
    *,
    compliance: frozenset[ClearanceStatus] = frozenset(),
    limit: int = 50,
    cursor: str | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """One page of workers in name order, optionally only those whose compliance today is in `compliance`.

    Compliance is judged as of today (not the last recorded status), so the filter runs on the
    page as it is read; the cursor is the position after the last worker returned.
    """
    today = today or clock.today()
    rules = policy()
    start = _decode_cursor(cursor)
    # Filtering drops some of each page, so read a little more than asked.
    page_size = limit + 1 if not compliance else min(max(4 * limit, 50), 500)
    found: list[tuple[Worker, dict]] = []
    for worker in Worker.directory_index.query(WORKER_DIRECTORY, last_evaluated_key=start, page_size=page_size):
        view = summary_view(worker, rules, today)
        if compliance and ClearanceStatus(view["compliance"]["status"]) not in compliance:
            continue
        found.append((worker, view))
        if len(found) > limit:  # one more than the page: proof that a next page exists
            break
    page = found[:limit]
    next_cursor = _encode_cursor(page[-1][0]) if len(found) > limit else None
    return {"workers": [view for _, view in page], "next_cursor": next_cursor, "as_of": today.isoformat()}


def _encode_cursor(worker: Worker) -> str:
    position = {"worker_id": worker.worker_id, "name_key": worker.name_key}
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def _decode_cursor(cursor: str | None) -> dict | None:
    if not cursor:
        return None
    problem = BadRequest(
        "The 'cursor' is not one this service issued.",
        fields=[{"path": "cursor", "message": "Use next_cursor from the previous page"}],
    )
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise problem from None
    if (
        not isinstance(position, dict)
        or set(position) != {"worker_id", "name_key"}
        or not all(isinstance(v, str) and v for v in position.values())
    ):
        raise problem
    return {
        "worker_id": {"S": position["worker_id"]},
        "directory": {"S": WORKER_DIRECTORY},
        "name_key": {"S": position["name_key"]},
    }


# -- writes --------------------------------------------------------------------------------------


def create_worker(new: NewWorker, actor: str, today: date | None = None) -> dict[str, Any]:
    """Add a worker; their email must be new. They start MISSING every required clearance."""
    today = today or clock.today()
    rules = policy()
    worker_id = uuid.uuid4().hex
    status = worker_compliance({}, rules, today).status
    worker = Worker(
        worker_id,
        email=new.email,
        name=new.name,
        role=new.role,
        phone=new.phone,
        name_key=name_key(new.name, worker_id),
        created_at=clock.iso_now(),
        created_by=actor,
        clearances={},
        compliance_status=status.value,
        compliance_as_of=today.isoformat(),
        non_compliant_since=None if is_compliant(status) else today.isoformat(),
    )
    try:
        with audited_transaction(actor) as tx:
            # The email item is the uniqueness guard: a second worker with this email fails here.
            tx.save(WorkerEmail(new.email, worker_id=worker_id), condition=WorkerEmail.email.does_not_exist())
            tx.save(worker, condition=Worker.worker_id.does_not_exist())
            tx.record(WORKER_ENTITY, worker_id, "created", {"name": new.name, "email": new.email, "role": new.role})
    except Conflict as exc:
        raise Conflict(
            f"A worker with the email {new.email} already exists.",
            fields=[{"path": "email", "message": "A worker with this email already exists"}],
        ) from exc
    return detail_view(worker, rules, today)


def record_clearance(
    worker_id: str,
    kind: ClearanceKind | str,
    record: ClearanceRecord,
    actor: Principal,
    today: date | None = None,
) -> dict[str, Any]:
    """Record a worker's certificate of one kind, or renew it; the earlier one stays in the history.

    A certificate issued on the same day as the current one updates it (a correction, or the
    date a renewal was applied for); an earlier one is refused, so an old certificate can never
    replace a newer one.
    """
    today = today or clock.today()
    kind = parse_kind(kind) if isinstance(kind, str) else kind
    worker = load_worker(worker_id)  # an unknown worker is a 404 whatever the body says
    problems = kind_problems(kind, record)
    if problems:
        raise ValidationFailed(f"{len(problems)} field(s) need attention for a {kind.value}.", fields=problems)
    rules = policy()
    previous = certificates(worker).get(kind)
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
    cert = Certificate(kind, record.issued_on, record.expires_on, record.renewal_applied_on)
    expiry = effective_expiry(cert, rules)
    cert = Certificate(kind, record.issued_on, expiry, record.renewal_applied_on)
    details = kind_details(kind, record)
    if previous == cert and _unchanged(worker_id, kind, record, details):
        # A repeated PUT (a retry, a double click) records nothing new: no history entry, no event.
        return detail_view(worker, rules, today)
    action = _action(previous, cert)

    certs = {**certificates(worker), kind: cert}
    compliance = worker_compliance(certs, rules, today)
    worker.clearances = {k.value: _summary_entry(c) for k, c in certs.items()}
    mark_compliance(worker, compliance.status, today)

    now = clock.iso_now()
    verified_on = (record.verified_on or today).isoformat()
    clearance = Clearance(
        worker_id,
        kind.value,
        issued_on=cert.issued_on.isoformat(),
        expires_on=expiry.isoformat(),
        expires_month=expiry_month(expiry),
        expiry_source="certificate" if record.expires_on else "policy",
        renewal_applied_on=cert.renewal_applied_on.isoformat() if cert.renewal_applied_on else None,
        details=details,
        verified_by=actor.email,
        verified_on=verified_on,
        recorded_by=actor.email,
        recorded_at=now,
    )
    snapshot = {
        **_summary_entry(cert),
        "expiry_source": clearance.expiry_source,
        "details": details,
        "verified_by": actor.email,
        "verified_on": verified_on,
        "recorded_by": actor.email,
        "recorded_at": now,
    }
    history = ClearanceHistory(
        worker_id,
        # The worker's next version orders a kind's entries exactly and is unique (the write is
        # conditional on the version), where two writes in one second would tie on the time.
        history_key(kind, (worker.version or 0) + 1),
        kind=kind.value,
        action=action,
        certificate=snapshot,
    )
    with audited_transaction(actor.email, "This worker's record changed meanwhile. Reload and try again.") as tx:
        tx.save(worker)  # conditional on the version read above: one writer per worker at a time
        tx.save(clearance)
        tx.save(history, condition=ClearanceHistory.entry_key.does_not_exist())
        tx.record(
            WORKER_ENTITY,
            worker_id,
            f"clearance_{action}",
            {
                "kind": kind.value,
                "before": _summary_entry(previous) if previous else None,
                "after": snapshot,
                "compliance": compliance.status.value,
            },
        )
    return detail_view(worker, rules, today)


def _unchanged(worker_id: str, kind: ClearanceKind, record: ClearanceRecord, details: dict[str, str]) -> bool:
    try:
        current = Clearance.get(worker_id, kind.value, consistent_read=True)
    except Clearance.DoesNotExist:
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


def mark_compliance(worker: Worker, status: ClearanceStatus, today: date) -> None:
    """Set the recorded compliance; `non_compliant_since` keeps the first day of a non-compliant run."""
    worker.compliance_status = status.value
    worker.compliance_as_of = today.isoformat()
    if is_compliant(status):
        worker.non_compliant_since = None
    elif worker.non_compliant_since is None:
        worker.non_compliant_since = today.isoformat()


# -- the assignment guard ------------------------------------------------------------------------


def worker_compliant_on(worker_id: str, day: date) -> tuple[bool, list[str]]:
    """Whether the worker may be assigned a visit on `day` and, if not, why not (one reason per kind).

    Raises NotFound for an unknown worker. One strongly consistent GetItem, so a clearance
    recorded a moment ago counts.
    """
    return compliant_on(certificates(load_worker(worker_id)), policy(), day)


# -- compliance across the workforce -------------------------------------------------------------


def compliance_report(days: int, today: date | None = None) -> dict[str, Any]:
    """Counts of workers by compliance status, per-kind counts, and every clearance expiring within `days`."""
    today = today or clock.today()
    rules = policy()
    horizon = today + timedelta(days=days)
    counts = {status.value: 0 for status in ClearanceStatus}
    per_kind = {kind.value: {status.value: 0 for status in ClearanceStatus} for kind in ClearanceKind}
    expiring = []
    total = 0
    for worker in all_workers():
        total += 1
        certs = certificates(worker)
        counts[worker_compliance(certs, rules, today).status.value] += 1
        for kind in ClearanceKind:
            cert = certs.get(kind)
            if cert is None and kind not in rules.required_kinds:
                continue  # an optional clearance nobody recorded is not a gap
            per_kind[kind.value][clearance_status(cert, rules, today).value] += 1
            if cert is not None and today <= effective_expiry(cert, rules) <= horizon:
                expiring.append(
                    {
                        "worker_id": worker.worker_id,
                        "name": worker.name,
                        "email": worker.email,
                        **clearance_state(kind, cert, rules, today),
                    }
                )
    expiring.sort(key=lambda e: (e["expires_on"], e["name"].casefold(), e["kind"]))
    return {
        "as_of": today.isoformat(),
        "days": days,
        "policy": {
            "required_kinds": [k.value for k in rules.required_kinds],
            "warning_days": rules.warning_days,
            "renewal_grace_days": rules.renewal_grace_days,
            "default_validity_years": rules.default_validity_years,
        },
        "workers": total,
        "compliant": sum(n for s, n in counts.items() if is_compliant(ClearanceStatus(s))),
        "counts": counts,
        "clearances": per_kind,
        "expiring": expiring,
    }


def register_rows(days: int | None = None, today: date | None = None) -> list[dict[str, Any]]:
    """The clearance register: one row per worker and kind (required kinds always, others once recorded).

    With `days`, only the clearances expiring from today to today + days.
    """
    today = today or clock.today()
    rules = policy()
    horizon = today + timedelta(days=days) if days is not None else None
    rows = []
    for worker in all_workers():
        certs = certificates(worker)
        compliance = worker_compliance(certs, rules, today).status.value
        for kind in ClearanceKind:
            cert = certs.get(kind)
            if cert is None and kind not in rules.required_kinds:
                continue
            state = clearance_state(kind, cert, rules, today)
            if horizon is not None and not (cert is not None and today <= effective_expiry(cert, rules) <= horizon):
                continue
            rows.append(
                {
                    "worker_id": worker.worker_id,
                    "name": worker.name,
                    "email": worker.email,
                    "compliance": compliance,
                    **state,
                }
            )
    return rows


def dashboard_rows(
    status: ClearanceStatus | None = None, sort: str = "expiry", today: date | None = None
) -> dict[str, Any]:
    """Every worker with a status per clearance kind, for the HR dashboard.

    `sort="expiry"` puts first whoever needs HR soonest: a missing required clearance, then the
    earliest expiry (already expired ones are earliest of all); `sort="name"` keeps name order.
    """
    today = today or clock.today()
    rules = policy()
    rows = []
    counts = {s.value: 0 for s in ClearanceStatus}
    for worker in all_workers():
        view = summary_view(worker, rules, today)
        counts[view["compliance"]["status"]] += 1
        if status is not None and view["compliance"]["status"] != status.value:
            continue
        view["soonest"] = _soonest(view["clearances"])
        rows.append(view)
    if sort == "expiry":
        rows.sort(key=lambda r: (r["soonest"], r["name"].casefold()))
    return {"rows": rows, "counts": counts, "total": sum(counts.values()), "as_of": today.isoformat()}


def _soonest(clearances: list[dict]) -> str:
    # "0000-00-00" sorts before every date: a missing required clearance needs HR first.
    dates = [c["expires_on"] for c in clearances if c["expires_on"]]
    if any(c["required"] and c["status"] == ClearanceStatus.MISSING.value for c in clearances):
        return "0000-00-00"
    return min(dates, default="9999-12-31")


def worker_options() -> list[dict[str, str]]:
    """(id, name, email) of every worker, for a form's worker picker."""
    return [{"worker_id": w.worker_id, "name": w.name, "email": w.email} for w in all_workers()]
