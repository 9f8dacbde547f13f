"""The workers and compliance API: workers, their clearances, compliance counts and the CSV export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib import clock
from chalicelib.auth import Role
from chalicelib.domain.clearances import ClearanceStatus
from chalicelib.errors import BadRequest
from chalicelib.web.csv_export import csv_response
from chalicelib.web.http import Call, api_route

if TYPE_CHECKING:
    from chalicelib.domain.clearance_records import ClearanceRecord

routes = Blueprint(__name__)

HR = frozenset({Role.HR})
READERS = frozenset({Role.HR, Role.SUPERVISOR})
# A worker passes this gate but then sees only their own record (checked by the service).
WORKER_READERS = frozenset({Role.HR, Role.SUPERVISOR, Role.WORKER})
MAX_DAYS = 366


# -- query parameters ---------------------------------------------------------------------------


def _bad_query(name: str, message: str) -> BadRequest:
    return BadRequest(
        f"The query parameter '{name}' is not valid: {message}.", fields=[{"path": name, "message": message}]
    )


def _whole(call: Call, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise _bad_query(name, f"Must be a whole number from {low} to {high}")
    return int(raw)


def _compliance_filter(call: Call) -> frozenset[ClearanceStatus]:
    raw = call.query.get("compliance") or ""
    wanted = set()
    for part in (p.strip().upper() for p in raw.split(",") if p.strip()):
        if part not in ClearanceStatus.__members__:
            raise _bad_query("compliance", f"Must be one or more of {', '.join(ClearanceStatus.__members__)}")
        wanted.add(ClearanceStatus(part))
    return frozenset(wanted)


# -- workers ------------------------------------------------------------------------------------


@api_route(
    routes,
    "/v1/workers",
    "POST",
    roles=HR,
    summary="Add a contact worker (their clearances are then recorded one by one)",
    body="chalicelib.domain.workers:NewWorker",
    example="chalicelib.examples:example_worker",
    status=201,
)
def create_worker(call: Call):
    from chalicelib.services import workers

    return workers.create_worker(call.body, call.principal.email)


@api_route(
    routes,
    "/v1/workers",
    "GET",
    roles=READERS,
    summary="Workers in name order with their compliance today, optionally only some compliance statuses",
    query=(
        ("compliance", "comma-separated: VALID, EXPIRING, RENEWAL_IN_PROGRESS, MISSING, EXPIRED"),
        ("limit", "1-200, default 50"),
        ("cursor", "next_cursor of the previous page"),
    ),
)
def list_workers(call: Call):
    from chalicelib.services import workers

    return workers.list_workers(
        compliance=_compliance_filter(call),
        limit=_whole(call, "limit", 50, 1, 200),
        cursor=call.query.get("cursor"),
    )


@api_route(
    routes,
    "/v1/workers/{worker_id}",
    "GET",
    roles=WORKER_READERS,
    summary="One worker with every clearance, its status and its history (a worker may read their own)",
)
def get_worker(call: Call):
    from chalicelib.services import workers

    return workers.get_worker_for(call.principal, call.params["worker_id"])


@api_route(
    routes,
    "/v1/workers/{worker_id}/clearances/{kind}",
    "PUT",
    roles=HR,
    summary="Record or renew a clearance: background_check, first_aid, driving_licence or vehicle_insurance",
    body="chalicelib.domain.clearance_records:AnyClearanceRecord",
    example="chalicelib.examples:example_clearance",
    body_validator="chalicelib.api.workers:clearance_body",
)
def record_clearance(call: Call):
    from chalicelib.services import clearances

    return clearances.record_clearance(call.params["worker_id"], call.params["kind"], call.body, call.principal)


def clearance_body(params: dict[str, str], data: dict, context: dict) -> ClearanceRecord:
    """The body of a clearance PUT, read with the model of its kind: an unknown kind is a 404 first;
    then, if the body has problems, an unknown worker is a 404 before them; else every problem at once."""
    from pydantic import ValidationError

    from chalicelib.domain.clearance_records import record_model
    from chalicelib.services import clearances, workers

    model = record_model(clearances.parse_kind(params["kind"]))
    try:
        return model.model_validate(data, context=context)
    except ValidationError:
        workers.load_worker(params["worker_id"])
        raise


# -- compliance across the workforce ------------------------------------------------------------


@api_route(
    routes,
    "/v1/compliance",
    "GET",
    roles=HR,
    summary="Workers by compliance status, counts per clearance kind, and who expires in the next N days",
    query=(("days", f"1-{MAX_DAYS}, default the warning window"),),
)
def compliance(call: Call):
    from chalicelib.services import compliance, workers

    days = _whole(call, "days", workers.policy().warning_days, 1, MAX_DAYS)
    return compliance.compliance_report(days)


@api_route(
    routes,
    "/v1/compliance.csv",
    "GET",
    roles=HR,
    summary="The clearance register as CSV: one row per worker and clearance kind",
    query=(("days", f"1-{MAX_DAYS}: only clearances expiring in the next N days"),),
    produces="text/csv",
)
def compliance_csv(call: Call):
    from chalicelib.services import compliance

    today = clock.today()
    return csv_response(compliance.register_rows(_whole(call, "days", None, 1, MAX_DAYS), today), today)
