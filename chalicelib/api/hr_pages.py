"""HR's clearance pages: the dashboard of every worker, and the forms to add a worker and record a
clearance. Roles are checked here; `web.hr_views` does the rest (loaded on first use)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Principal, Role
from chalicelib.web.pages import page_route

routes = Blueprint(__name__)

HR = frozenset({Role.HR})


@page_route(routes, "/hr/clearances", ["GET"], roles=HR)
def dashboard(request, principal: Principal):
    from chalicelib.web import hr_views

    return hr_views.dashboard(request, principal)


@page_route(routes, "/hr/clearances.csv", ["GET"], roles=HR)
def dashboard_csv(request, principal: Principal):
    from chalicelib.web import hr_views

    return hr_views.dashboard_csv(request, principal)


@page_route(routes, "/hr/clearances/{worker_id}/{kind}", ["GET", "POST"], roles=HR)
def clearance_form(request, principal: Principal, worker_id: str, kind: str):
    from chalicelib.web import hr_views

    return hr_views.clearance_form(request, principal, worker_id, kind)


@page_route(routes, "/hr/workers/new", ["GET", "POST"], roles=HR)
def new_worker(request, principal: Principal):
    from chalicelib.web import hr_views

    return hr_views.new_worker(request, principal)
