"""The audit log, for admins."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.errors import BadRequest
from chalicelib.web.http import Call, api_route

routes = Blueprint(__name__)


def page_size(call: Call, default: int = 50, maximum: int = 200) -> int:
    raw = call.query.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadRequest(f"'limit' must be a whole number from 1 to {maximum}.")
    return int(raw)


@api_route(
    routes,
    "/v1/audit",
    "GET",
    roles=frozenset({Role.ADMIN}),
    summary="Audit events: one entity's history (entity + id) or one day's events (day)",
    query=(
        ("entity", "entity type, e.g. referral"),
        ("id", "entity id"),
        ("day", "YYYY-MM-DD, default today"),
        ("limit", "1-200"),
        ("cursor", "next_cursor of the previous page"),
    ),
)
def list_audit(call: Call):
    from chalicelib.services import audit

    return audit.list_events(
        entity=call.query.get("entity"),
        entity_id=call.query.get("id"),
        day=call.query.get("day"),
        limit=page_size(call),
        cursor=call.query.get("cursor"),
    )
