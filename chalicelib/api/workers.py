"""The workers and compliance API: workers, their clearances, compliance counts and the CSV export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib import clock
from chalicelib.auth import Role
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route

if TYPE_CHECKING:
    from chalicelib.domain.clearance_records import ClearanceRecord

routes = Blueprint(__name__)

HR = frozenset({Role.HR})
READERS = frozenset({Role.HR, Role.SUPERVISOR})
# A worker passes this gate but then sees only their own record (checked by the service).
WORKER_READERS = frozenset({Role.HR, Role.SUPERVISOR, Role.WORKER})


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
    response=outputs.Worker,
)
def create_worker(call: Call):
    from chalicelib.services import workers

    return workers.create_worker(call.body, call.principal.person)


@api_route(
    routes,
    "/v1/workers",
    "GET",
    roles=READERS,
    summary="Workers in name order with their compliance today, optionally only some compliance statuses",
    query="chalicelib.api.queries:WorkersQuery",
    response=outputs.WorkerList,
)
def list_workers(call: Call):
    from chalicelib.services import workers

    return workers.list_workers(
        compliance=call.query.statuses(),
        limit=call.query.limit or 50,
        cursor=call.query.cursor,
    )


@api_route(
    routes,
    "/v1/workers/{worker_id}",
    "GET",
    roles=WORKER_READERS,
    summary="One worker with every clearance, its status and its history (a worker may read their own)",
    response=outputs.Worker,
)
def get_worker(call: Call):
    from chalicelib.services import workers

    return workers.get_worker_for(call.principal, call.params["worker_id"])


@api_route(
    routes,
    "/v1/workers/{worker_id}/clearances/{kind}",
    "PUT",
    roles=HR,
    summary="Record or renew a clearance: background_check, first_aid, driving_licence or vehicle_insurance. "
    "Send the clearance's revision you read (its ETag) in If-Match: if it changed since, nothing is saved (409)",
    body="chalicelib.domain.clearance_records:AnyClearanceRecord",
    example="chalicelib.examples:example_clearance",
    body_validator="chalicelib.api.workers:clearance_body",
    response=outputs.RecordedClearance,
)
def record_clearance(call: Call):
    from chalicelib.services import clearances
    from chalicelib.web.http import json_response
    from chalicelib.web.preconditions import etag, stated_revision

    read = stated_revision(call.headers)
    kind = call.params["kind"]
    worker = clearances.record_clearance(call.params["worker_id"], kind, call.body, call.principal, read_revision=read)
    revision = next(c["revision"] for c in worker["clearances"] if c["kind"] == kind)
    return json_response(worker, headers={"ETag": etag(revision)})


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
    query="chalicelib.api.queries:ComplianceQuery",
    response=outputs.ComplianceReport,
)
def compliance(call: Call):
    from chalicelib.services import compliance, workers

    days = call.query.days or workers.policy().warning_days
    return compliance.compliance_report(days)


@api_route(
    routes,
    "/v1/compliance.csv",
    "GET",
    roles=HR,
    summary="The clearance register as CSV: one row per worker and clearance kind",
    query="chalicelib.api.queries:ComplianceCsvQuery",
    produces="text/csv",
)
def compliance_csv(call: Call):
    from chalicelib.services import compliance
    from chalicelib.web.csv_export import csv_response

    today = clock.today()
    return csv_response(compliance.register_rows(call.query.days, today), today)
