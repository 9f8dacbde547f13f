"""Workers: adding one, reading one or a page of them with their compliance, and the assignment guard.

Reads go through `storage.workers` (a GetItem or a Query, never a Scan); every write goes through
`audited_transaction` together with its audit event.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

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
    grace_ends_on,
    is_compliant,
    worker_compliance,
)
from chalicelib.domain.labels import KIND_LABELS
from chalicelib.domain.people import Person
from chalicelib.domain.workers import NewWorker
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.services import figures, outputs
from chalicelib.services.audit import as_person, audited_transaction
from chalicelib.storage import workers as store

if TYPE_CHECKING:
    from chalicelib.storage.workers import Worker

# Who may read any worker's record; a worker may read only their own.
READERS = frozenset({Role.HR, Role.SUPERVISOR})
HISTORY_LIMIT = 200
WORKER_ENTITY = "worker"


def policy() -> ClearancePolicy:
    """The stage's clearance policy (required kinds, warning window, grace period) from CLEARANCE_* variables."""
    return ClearancePolicy.from_env(os.environ)


# -- certificates as the domain sees them -------------------------------------------------------


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def certificates(worker: Worker) -> dict[ClearanceKind, Certificate]:
    """The worker's current certificates (from the copy on the worker item), by kind."""
    return {
        ClearanceKind(kind): Certificate(
            ClearanceKind(kind),
            date.fromisoformat(entry["issued_on"]),
            date.fromisoformat(entry["expires_on"]),
            _day(entry.get("renewal_applied_on")),
        )
        for kind, entry in (worker.clearances or {}).items()
    }


def summary_entry(cert: Certificate) -> dict[str, str | None]:
    """What the worker item keeps of a certificate: only what compliance needs."""
    return {
        "issued_on": cert.issued_on.isoformat(),
        "expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
        "renewal_applied_on": cert.renewal_applied_on.isoformat() if cert.renewal_applied_on else None,
    }


def mark_compliance(worker: Worker, status: ClearanceStatus, today: date) -> None:
    """Set the recorded compliance; `non_compliant_since` keeps the first day of a non-compliant run."""
    worker.compliance_status = status.value
    worker.compliance_as_of = today.isoformat()
    if is_compliant(status):
        worker.non_compliant_since = None
    elif worker.non_compliant_since is None:
        worker.non_compliant_since = today.isoformat()


# -- views --------------------------------------------------------------------------------------


def clearance_state(
    kind: ClearanceKind, cert: Certificate | None, rules: ClearancePolicy, today: date
) -> outputs.ClearanceState:
    """One clearance's status as of `today`, with what a person needs to act on it."""
    state: outputs.ClearanceState = {
        "kind": kind.value,
        "label": KIND_LABELS[kind],
        "required": kind in rules.required_kinds,
        "status": clearance_status(cert, rules, today).value,
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


def compliance_state(worker: Worker, rules: ClearancePolicy, today: date) -> outputs.Compliance:
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


def _worker_fields(worker: Worker) -> dict[str, Any]:
    return {
        "worker_id": worker.worker_id,
        "name": worker.name,
        "email": worker.email,
        "role": worker.role,
        "phone": worker.phone,
        "created_at": worker.created_at,
    }


def summary_view(worker: Worker, rules: ClearancePolicy, today: date) -> outputs.WorkerSummary:
    """A worker in a list: compliance and each clearance's status, without certificate details."""
    certs = certificates(worker)
    return {
        **_worker_fields(worker),
        "compliance": compliance_state(worker, rules, today),
        "clearances": [clearance_state(kind, certs.get(kind), rules, today) for kind in ClearanceKind],
    }


def detail_view(worker: Worker, rules: ClearancePolicy, today: date) -> outputs.Worker:
    """One worker with every current certificate's details and the history of earlier ones."""
    current = {ClearanceKind(c.kind): c for c in store.current_clearances(worker.worker_id)}
    history: dict[str, list[dict]] = {}
    for entry in store.clearance_history(worker.worker_id, HISTORY_LIMIT):
        history.setdefault(entry.kind, []).append({"action": entry.action, **entry.certificate})
    certs = certificates(worker)
    clearances: list[outputs.ClearanceDetail] = []
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
        # What a writer sends back (If-Match, or the form's hidden field) to say what it read.
        state["revision"] = int(item.revision or 0) if item is not None else 0
        state["history"] = history.get(kind.value, [])
        clearances.append(state)
    return {**_worker_fields(worker), "compliance": compliance_state(worker, rules, today), "clearances": clearances}


# -- reads ---------------------------------------------------------------------------------------


def load_worker(worker_id: str) -> Worker:
    """The worker, strongly consistent; NotFound for an unknown id."""
    worker = store.get_worker(worker_id)
    if worker is None:
        raise NotFound(f"No worker with id '{worker_id}'.")
    return worker


def find_worker_by_email(email: str) -> Worker | None:
    """The worker record of a signed-in person, or None."""
    return store.worker_by_email(email)


def get_worker_for(principal: Principal, worker_id: str, today: date | None = None) -> outputs.Worker:
    """HR, supervisors and admins read any worker; a worker reads only their own record."""
    today = today or clock.today()
    if principal.has_any(READERS):
        return detail_view(load_worker(worker_id), policy(), today)
    worker = store.get_worker(worker_id)
    # The same answer for "not yours" and "no such worker": ids are not for probing.
    if worker is None or worker.email != principal.email:
        raise Forbidden("A worker may read only their own record.")
    return detail_view(worker, policy(), today)


def list_workers(
    *,
    compliance: frozenset[ClearanceStatus] = frozenset(),
    limit: int = 50,
    cursor: str | None = None,
    today: date | None = None,
) -> outputs.WorkerList:
    """One page of workers in name order, optionally only those whose compliance today is in `compliance`.

    Compliance is judged as of today (not the last recorded status), so the filter runs on the
    page as it is read; the cursor is the position after the last worker returned.
    """
    today = today or clock.today()
    rules = policy()
    # Filtering drops some of each page, so read a little more than asked.
    page_size = limit + 1 if not compliance else min(max(4 * limit, 50), 500)
    found: list[tuple[Worker, outputs.WorkerSummary]] = []
    for worker in store.directory(cursor, page_size):
        view = summary_view(worker, rules, today)
        if compliance and ClearanceStatus(view["compliance"]["status"]) not in compliance:
            continue
        found.append((worker, view))
        if len(found) > limit:  # one more than the page: proof that a next page exists
            break
    page = found[:limit]
    next_cursor = store.directory_cursor(page[-1][0]) if len(found) > limit else None
    return {"workers": [view for _, view in page], "next_cursor": next_cursor, "as_of": today.isoformat()}


# -- writes --------------------------------------------------------------------------------------


def create_worker(new: NewWorker, actor: str | Person, today: date | None = None) -> outputs.Worker:
    """Add a worker; their email must be new. They start MISSING every required clearance."""
    today = today or clock.today()
    rules = policy()
    worker_id = uuid.uuid4().hex
    status = worker_compliance({}, rules, today).status
    worker = store.new_worker(
        worker_id,
        email=new.email,
        name=new.name,
        role=new.role,
        phone=new.phone,
        created_at=clock.iso_now(),
        created_by=as_person(actor).email,
        clearances={},
        compliance_status=status.value,
        compliance_as_of=today.isoformat(),
        non_compliant_since=None if is_compliant(status) else today.isoformat(),
    )
    try:
        with audited_transaction(actor) as tx:
            store.add_worker(tx, worker)  # a second worker with this email fails here
            figures.count_worker_added(tx, status.value)
            tx.record(WORKER_ENTITY, worker_id, "created", {"name": new.name, "email": new.email, "role": new.role})
    except Conflict as exc:
        raise Conflict(
            f"A worker with the email {new.email} already exists.",
            fields=[{"path": "email", "message": "A worker with this email already exists"}],
        ) from exc
    return detail_view(worker, rules, today)


# -- the assignment guard ------------------------------------------------------------------------


def worker_compliant_on(worker_id: str, day: date) -> tuple[bool, list[str]]:
    """Whether the worker may be assigned a visit on `day` and, if not, why not (one reason per kind).

    Raises NotFound for an unknown worker. One strongly consistent GetItem, so a clearance
    recorded a moment ago counts.
    """
    return compliant_on(certificates(load_worker(worker_id)), policy(), day)


def worker_options() -> list[dict[str, str]]:
    """Every worker by name, for a form's choice of worker (the directory index, never a Scan)."""
    return [{"worker_id": w.worker_id, "name": w.name} for w in store.directory()]
