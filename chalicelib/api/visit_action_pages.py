"""The pages of one visit: the visit itself (with its worker's briefing), moving, reassigning and
cancelling it, and the supervisor's list of visits at risk. Each action is a page of its own, reached
from the visit's page, the week view and the at-risk list, and goes back where it came from.
Each handler reads the request, calls a service and hands the result to `web.visit_action_views`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import form_fields, page_route, redirect

routes = Blueprint(__name__)

SUPERVISOR = frozenset({Role.SUPERVISOR})
VISIT_READERS = frozenset({Role.SUPERVISOR, Role.WORKER})
# Where an action may send the supervisor back to: the visits pages, never another site.
RETURN_PREFIXES = ("/visits/week", "/visits/at-risk", "/visits/")


@page_route(routes, "/visits/at-risk", ["GET"], roles=SUPERVISOR)
def at_risk_list(request, principal):
    from chalicelib.api.queries import VisitActionPageQuery, page_query
    from chalicelib.services import visit_reads
    from chalicelib.web.visit_action_views import at_risk_page

    query = page_query(request, VisitActionPageQuery)
    return at_risk_page(principal, visit_reads.at_risk(principal), query.done)


@page_route(routes, "/visits/{visit_id}", ["GET"], roles=VISIT_READERS)
def visit_page(request, principal, visit_id: str):
    from chalicelib.api.queries import VisitActionPageQuery, page_query
    from chalicelib.services import visit_briefing
    from chalicelib.web.visit_action_views import visit_page as render_visit

    query = page_query(request, VisitActionPageQuery)
    return render_visit(principal, visit_briefing.visit_page(principal, visit_id), query.done)


@page_route(routes, "/visits/{visit_id}/move", ["GET", "POST"], roles=SUPERVISOR)
def move(request, principal, visit_id: str):
    """A new start (the visit keeps its length) and, if it changes, a new venue."""
    from chalicelib.domain.visit_requests import VisitChange

    def values_of(visit: dict[str, Any]) -> dict[str, str]:
        return {"start": visit["start"], "venue": visit["venue"] or ""}

    def change(values: dict[str, str]) -> VisitChange:
        _require(values, "start", "Give the new date and start time")
        return VisitChange.model_validate({name: value for name, value in values.items() if value})

    return _action(request, principal, visit_id, "move", ("start", "venue"), values_of, change)


@page_route(routes, "/visits/{visit_id}/reassign", ["GET", "POST"], roles=SUPERVISOR)
def reassign(request, principal, visit_id: str):
    """The worker picker: who is compliant on the visit's date and who is free at its time."""
    from chalicelib.domain.visit_requests import VisitChange

    def change(values: dict[str, str]) -> VisitChange:
        _require(values, "worker_id", "Choose who takes the visit")
        return VisitChange.model_validate({"worker_id": values["worker_id"]})

    return _action(request, principal, visit_id, "reassign", ("worker_id",), lambda v: {"worker_id": ""}, change)


@page_route(routes, "/visits/{visit_id}/cancel", ["GET", "POST"], roles=SUPERVISOR)
def cancel(request, principal, visit_id: str):
    """Who cancelled (parent, carer, child, the service, someone else) and why."""
    from chalicelib.domain.visit_requests import Cancellation

    def cancellation(values: dict[str, str]) -> Cancellation:
        return Cancellation.model_validate({name: value for name, value in values.items() if value})

    return _action(
        request,
        principal,
        visit_id,
        "cancel",
        ("cancelled_by", "reason"),
        lambda v: {"cancelled_by": "", "reason": ""},
        cancellation,
    )


def _action(
    request,
    principal,
    visit_id: str,
    action: str,
    names: tuple[str, ...],
    values_of: Callable[[dict[str, Any]], dict[str, str]],
    parse: Callable[[dict[str, str]], Any],
):
    """GET: the action's form, prefilled. POST: do it and go back, or re-show what was typed with the
    service's answer (a field's error beside it; a refusal, such as a clash or a visit whose report is
    submitted, above the form with its own status)."""
    from pydantic import ValidationError

    from chalicelib.api.queries import VisitActionPageQuery, page_query
    from chalicelib.errors import AppError
    from chalicelib.services import visit_changes, visit_reads
    from chalicelib.web.forms import errors_by_path, first_value
    from chalicelib.web.visit_action_views import DONE, action_page

    visit = visit_reads.get_for(principal, visit_id)
    if request.method == "GET":
        back = _return_to(page_query(request, VisitActionPageQuery).next, visit_id)
        return action_page(principal, action, visit, values_of(visit), back)
    fields = form_fields(request)
    back = _return_to(first_value(fields, "next"), visit_id)
    values = {name: first_value(fields, name).strip() for name in names}
    try:
        request_body = parse(values)
        if action == "cancel":
            visit_changes.cancel(principal, visit_id, request_body)
        else:
            visit_changes.change(principal, visit_id, request_body)
    except ValidationError as exc:
        return action_page(principal, action, visit, values, back, status=422, errors=errors_by_path(exc))
    except AppError as exc:
        if exc.status >= 500:
            raise
        errors = {f["path"]: f["message"] for f in exc.fields if f.get("path") in names}
        alert = None if errors and exc.status == 422 else exc.message
        return action_page(principal, action, visit, values, back, status=exc.status, errors=errors, alert=alert)
    separator = "&" if "?" in back else "?"
    return redirect(f"{back}{separator}done={DONE[action]}#visit-{visit_id}")


def _require(values: dict[str, str], name: str, message: str) -> None:
    """A page's own required input (the API's change takes any one of several)."""
    from chalicelib.errors import ValidationFailed

    if not values[name]:
        raise ValidationFailed(message + ".", fields=[{"path": name, "message": message}])


def _return_to(target: str | None, visit_id: str) -> str:
    """The visits page the action was opened from, or the visit's own page."""
    from chalicelib.web.pages import safe_next

    target = safe_next(target or "")
    if target.startswith(RETURN_PREFIXES) and "#" not in target and "done=" not in target:
        return target
    return f"/visits/{visit_id}"
