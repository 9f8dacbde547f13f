"""HR's clearance pages: the dashboard of every worker, and the forms to add a worker and record a
clearance. Each handler reads the request, calls the services and picks the page `web.hr_views`
renders; services, models and templates load on first use."""

from __future__ import annotations

from urllib.parse import urlencode

from chalice import Blueprint

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.web.pages import form_fields, page_route, redirect

routes = Blueprint(__name__)

HR = frozenset({Role.HR})


@page_route(routes, "/hr/clearances", ["GET"], roles=HR)
def dashboard(request, principal: Principal):
    from chalicelib.services import compliance
    from chalicelib.web import hr_views

    query, status, sort = _filter(request)
    return hr_views.dashboard_page(
        principal,
        compliance.dashboard_rows(status, sort),
        status=status,
        unknown_status=bool(query.status) and status is None,
        sort=sort,
        saved=query.saved,
        added=query.added,
        kind=query.kind,
        visits=(query.flagged, query.cleared),
    )


@page_route(routes, "/hr/clearances.csv", ["GET"], roles=HR)
def dashboard_csv(request, principal: Principal):
    """The register as CSV for a signed-in browser (the API's /v1/compliance.csv wants a bearer token):
    what the page shows, with the same status filter and order."""
    from chalicelib.services import compliance
    from chalicelib.web.csv_export import csv_response

    _, status, sort = _filter(request)
    today = clock.today()
    return csv_response(compliance.register_rows(None, today, status=status, sort=sort), today, for_people=True)


def _filter(request):  # noqa: ANN202 - (ClearancesPageQuery, ClearanceStatus | None, str)
    """The query string, and the register's status filter and sort as the page reads them."""
    from chalicelib.api.queries import ClearancesPageQuery, page_query
    from chalicelib.domain.clearances import ClearanceStatus
    from chalicelib.web import hr_views

    query = page_query(request, ClearancesPageQuery)
    raw_status = (query.status or "").upper()
    status = ClearanceStatus(raw_status) if raw_status in ClearanceStatus.__members__ else None
    sort = query.sort if query.sort in hr_views.SORTS else "expiry"
    return query, status, sort


@page_route(routes, "/hr/clearances/{worker_id}/{kind}", ["GET", "POST"], roles=HR)
def clearance_form(request, principal: Principal, worker_id: str, kind: str):
    from pydantic import ValidationError

    from chalicelib.domain.clearance_records import FORM_FIELDS, record_model
    from chalicelib.errors import Conflict, ValidationFailed
    from chalicelib.services import clearances, workers
    from chalicelib.services.audit import ChangedElsewhere
    from chalicelib.web.forms import FormError, errors_by_path, first_value, nest
    from chalicelib.web.hr_views import clearance_page

    model = record_model(clearances.parse_kind(kind))
    worker = workers.load_worker(worker_id)

    def page(values: dict[str, str] | None, errors: dict[str, str] | None = None, status: int = 200):
        view = workers.detail_view(worker, workers.policy(), clock.today())
        return clearance_page(principal, view, model, workers.policy(), values, errors, status)

    if request.method == "GET":
        return page(None)
    fields = form_fields(request)
    values = {name: first_value(fields, name) for name in FORM_FIELDS}
    try:
        data = nest({name: fields[name] for name in FORM_FIELDS if name in fields})
        record = model.model_validate(data, context={"today": clock.today()})
    except FormError as exc:
        return page(values, {"issued_on": str(exc)}, 400)
    except ValidationError as exc:  # every problem at once: the format's and this kind's
        return page(values, errors_by_path(exc), 422)
    try:
        read = _read_revision(first_value(fields, "revision"))
        saved = clearances.record_clearance(worker_id, model.kind, record, principal, read_revision=read)
    except ValidationFailed as exc:
        return page(values, {f["path"]: f["message"] for f in exc.fields} or {"issued_on": exc.message}, 422)
    except ChangedElsewhere as exc:
        # What they typed stays in the form; the record above it (and the hidden revision) is now current.
        worker = workers.load_worker(worker_id)
        view = workers.detail_view(worker, workers.policy(), clock.today())
        return clearance_page(principal, view, model, workers.policy(), values, {}, 409, alert=exc.message)
    except Conflict as exc:
        return page(values, {"issued_on": exc.message}, 409)
    return redirect(
        "/hr/clearances?"
        + urlencode(
            {
                "saved": worker_id,
                "kind": model.kind.value,
                "flagged": saved["visits_flagged_at_risk"],
                "cleared": saved["visits_no_longer_at_risk"],
            }
        )
        + f"#worker-{worker_id}"
    )


def _read_revision(posted: str) -> int | None:
    """The certificate's revision the form was rendered with (none from a page older than the field)."""
    import re

    from chalicelib.errors import BadRequest

    if not posted:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", posted):
        raise BadRequest("The form's record version is not one of ours. Reload the page and try again.")
    return int(posted)


@page_route(routes, "/hr/workers/new", ["GET", "POST"], roles=HR)
def new_worker(request, principal: Principal):
    from pydantic import ValidationError

    from chalicelib.domain.workers import NewWorker
    from chalicelib.errors import Conflict
    from chalicelib.services import workers
    from chalicelib.web.forms import FormError, errors_by_path, first_value, nest
    from chalicelib.web.hr_views import worker_page

    if request.method == "GET":
        return worker_page(principal, {})
    fields = form_fields(request)
    values = {name: first_value(fields, name) for name in NewWorker.model_fields}
    try:
        data = nest({name: fields[name] for name in NewWorker.model_fields if name in fields})
        worker = NewWorker.model_validate(data)
    except FormError as exc:
        return worker_page(principal, values, {"name": str(exc)}, 400)
    except ValidationError as exc:
        return worker_page(principal, values, errors_by_path(exc), 422)
    try:
        created = workers.create_worker(worker, principal.person)
    except Conflict as exc:
        errors = {f["path"]: f["message"] for f in exc.fields} or {"email": exc.message}
        return worker_page(principal, values, errors, 409)
    return redirect("/hr/clearances?" + urlencode({"added": created["worker_id"]}) + f"#worker-{created['worker_id']}")
