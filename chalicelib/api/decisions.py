"""The decisions queue: every item waiting for a supervisor's decision, as JSON and as a page."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.http import Call, api_route
from chalicelib.web.pages import page_route, render

routes = Blueprint(__name__)

DECIDERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@api_route(
    routes,
    "/v1/decisions",
    "GET",
    roles=DECIDERS,
    summary="Items waiting for a decision (referrals, reports): overdue first, then oldest first",
    response="chalicelib.api.responses:DecisionQueue",
)
def list_decisions(call: Call):
    from chalicelib.services import decisions

    return {"decisions": decisions.waiting(call.principal)}


@page_route(routes, "/decisions", ["GET"], roles=DECIDERS)
def decisions_page(request, principal):
    from chalicelib.services import decisions
    from chalicelib.web.decision_views import waited

    return render("decisions.html", 200, principal, rows=decisions.waiting(principal), waited=waited)
