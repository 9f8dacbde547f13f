"""The audit log, for admins."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.http import Call, api_route

routes = Blueprint(__name__)


@api_route(
    routes,
    "/v1/audit",
    "GET",
    roles=frozenset({Role.ADMIN}),
    summary="Audit events: one entity's history (entity + id) or one day's events (day)",
    query="chalicelib.api.queries:AuditQuery",
)
def list_audit(call: Call):
    from chalicelib.services import audit

    return audit.list_events(
        entity=call.query.entity,
        entity_id=call.query.id,
        day=call.query.day.isoformat() if call.query.day else None,
        limit=call.query.limit or 50,
        cursor=call.query.cursor,
    )
