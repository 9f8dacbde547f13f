"""The audit log, for admins: the JSON API and the page."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.errors import BadRequest
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route
from chalicelib.web.pages import page_route

routes = Blueprint(__name__)
PAGE = 50  # events a page of the audit log shows


@api_route(
    routes,
    "/v1/audit",
    "GET",
    roles=frozenset({Role.ADMIN}),
    summary="Audit events: one entity's history (entity + id) or one day's events (day)",
    query="chalicelib.api.queries:AuditQuery",
    response=outputs.AuditPage,
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


@page_route(routes, "/audit", ["GET"], roles=frozenset({Role.ADMIN}))
def audit_log_page(request, principal):
    """The audit log for an admin: one item's history, or one day's events, a page at a time."""
    from chalicelib.api.queries import AuditPageQuery, page_query
    from chalicelib.errors import NotFound
    from chalicelib.services import audit, audit_items
    from chalicelib.web.audit_views import KINDS, audit_page

    query = page_query(request, AuditPageQuery)
    kind = query.kind or ""
    item_id = query.id or ""
    day = query.day or audit.uk_today().isoformat()
    error = None
    if item_id and kind not in KINDS:
        error = "Choose the kind of item as well as its reference."
    elif kind and not item_id:
        error = "Give the item's reference as well as its kind."
    if error:
        return audit_page(principal, [], kind=kind, item_id=item_id, day=day, next_cursor=None, error=error, status=400)
    try:
        # What a person has (a reference, an email, a name, a page's address) names the item.
        entity_id = audit_items.resolve(kind, item_id) if kind else None
    except (BadRequest, NotFound) as exc:
        return audit_page(
            principal, [], kind=kind, item_id=item_id, day=day, next_cursor=None, error=exc.message, status=exc.status
        )
    try:
        if kind == "referral":  # a referral's history is its case's: its visits, reports, incidents and reviews too
            from chalicelib.services import case_history

            found = case_history.case_events(entity_id, cursor=query.cursor, limit=PAGE)
        else:
            found = audit.list_events(
                entity=kind or None,
                entity_id=entity_id,
                day=None if kind else day,
                limit=PAGE,
                cursor=query.cursor,
            )
    except BadRequest:
        return audit_page(
            principal,
            [],
            kind=kind,
            item_id=item_id,
            day=audit.uk_today().isoformat(),
            next_cursor=None,
            error="Give the day as a date, like 14 May 2026.",
            status=400,
        )
    return audit_page(
        principal,
        found["events"],
        kind=kind,
        item_id=item_id,
        day=day,
        next_cursor=found["next_cursor"],
    )
