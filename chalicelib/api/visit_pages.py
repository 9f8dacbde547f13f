"""The visit pages: the supervisor's week, the worker's "My visits", and scheduling a series from a
referral. Roles are checked here; `web.visit_views` does the rest (loaded on first use)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import page_route

routes = Blueprint(__name__)

SUPERVISOR = frozenset({Role.SUPERVISOR})
WORKER = frozenset({Role.WORKER})


@page_route(routes, "/visits/week", ["GET"], roles=SUPERVISOR)
def week(request, principal):
    from chalicelib.web import visit_views

    return visit_views.week_page(request, principal)


@page_route(routes, "/visits/mine", ["GET"], roles=WORKER)
def my_visits(request, principal):
    from chalicelib.web import visit_views

    return visit_views.my_visits_page(request, principal)


@page_route(routes, "/visits/mine.ics", ["GET"], roles=WORKER)
def my_calendar(request, principal):
    from chalicelib.web import visit_views

    return visit_views.my_calendar(request, principal)


@page_route(routes, "/referrals/{referral_id}/visits/new", ["GET", "POST"], roles=SUPERVISOR)
def schedule_series(request, principal, referral_id: str):
    from chalicelib.web import visit_views

    return visit_views.series_form(request, principal, referral_id)
