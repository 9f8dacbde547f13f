"""Which visit is asked for and who is asking: loading a visit, the signed-in worker's own record,
and what a referrer may not see of a visit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.auth import Principal, Role
from chalicelib.errors import Forbidden, NotFound
from chalicelib.storage import visits as store

if TYPE_CHECKING:
    from chalicelib.storage.visits import Visit

ENTITY = "visit"  # a visit's name in the audit log
SCHEDULERS = frozenset({Role.SUPERVISOR})
SEE_ALL = frozenset({Role.SUPERVISOR})


def load(visit_id: str) -> Visit:
    visit = store.visit(visit_id)
    if visit is None:
        raise NotFound("No visit with that id.")
    return visit


def worker_id_of(principal: Principal) -> str | None:
    """The worker record of a signed-in worker, mapped by their email (the by-email index)."""
    from chalicelib.services.workers import find_worker_by_email

    worker = find_worker_by_email(principal.email) if principal.email else None
    return worker.worker_id if worker else None


def own_worker_id(principal: Principal) -> str:
    """The signed-in worker's worker id, or Forbidden when their email matches no worker record."""
    worker_id = worker_id_of(principal)
    if worker_id is None:
        raise Forbidden("Your sign-in is not linked to a worker record. Ask HR to check your email address.")
    return worker_id


def redacted_for(principal: Principal, visit: Visit) -> bool:
    """A referrer sees no venue or times of a visit when the referral's address is confidential."""
    return bool(visit.confidential_address) and not principal.has_any(frozenset({Role.SUPERVISOR, Role.WORKER}))
