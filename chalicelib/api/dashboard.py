"""The service dashboard for admins and supervisors: the figures as JSON and CSV, and the page
with a small SVG chart and a table of each figure."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.auth import Principal, Role
from chalicelib.errors import ValidationFailed
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route
from chalicelib.web.pages import page_route, render

routes = Blueprint(__name__)

READERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@api_route(
    routes,
    "/v1/dashboard",
    "GET",
    roles=READERS,
    summary="The service's figures per UK month and for the range (default the last 12 months), with each target",
    query="chalicelib.api.queries:DashboardQuery",
    response=outputs.Dashboard,
)
def dashboard(call: Call):
    from chalicelib.services import dashboard

    return dashboard.figures(call.query.first, call.query.last)


@api_route(
    routes,
    "/v1/dashboard.csv",
    "GET",
    roles=READERS,
    summary="The service's figures as CSV: one row per figure and month, then the range (month 'all')",
    query="chalicelib.api.queries:DashboardQuery",
    produces="text/csv",
)
def dashboard_csv(call: Call):
    from chalicelib.services import dashboard

    view = dashboard.figures(call.query.first, call.query.last)
    return csv_response(dashboard.csv_rows(view), dashboard.CSV_COLUMNS, view)


def csv_response(rows: list[dict], columns: tuple[str, ...], view: dict) -> Response:
    from chalicelib.web.csv_export import rows_csv

    name = f"dashboard-{view['first_month']}-to-{view['last_month']}.csv"
    return Response(
        body=rows_csv(rows, columns),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@page_route(routes, "/dashboard.csv", ["GET"], roles=READERS)
def dashboard_page_csv(request, principal: Principal):
    """The figures as CSV for a signed-in browser (the API's /v1/dashboard.csv wants a bearer token)."""
    from chalicelib.api.queries import DashboardQuery, page_query
    from chalicelib.services import dashboard

    query = page_query(request, DashboardQuery)
    view = dashboard.figures(query.first, query.last)
    return csv_response(dashboard.csv_rows(view), dashboard.CSV_COLUMNS, view)


@page_route(routes, "/dashboard", ["GET"], roles=READERS)
def dashboard_page(request, principal: Principal):
    from chalicelib.api.queries import DashboardQuery, page_query
    from chalicelib.services import dashboard
    from chalicelib.web import dashboard_views

    query = page_query(request, DashboardQuery)
    values = {"from": query.first or "", "to": query.last or ""}
    try:
        view = dashboard.figures(query.first, query.last)
    except ValidationFailed as error:
        # The range typed stays in the form, each problem beside its field; the default range shows.
        return render(
            "dashboard.html",
            principal=principal,
            view=dashboard_views.page(dashboard.figures(None, None)),
            values=values,
            errors={field["path"]: field["message"] for field in error.fields},
            status=422,
        )
    return render("dashboard.html", principal=principal, view=dashboard_views.page(view), values=values, errors={})
