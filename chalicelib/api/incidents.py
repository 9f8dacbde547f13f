"""Incidents at visits: record one (JSON and the visit page's form), read one (JSON and its page),
and decide it in the app (one `decision_routes` call)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.decisions import decision_routes
from chalicelib.auth import Role
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route
from chalicelib.web.pages import form_fields, page_route, redirect, render

routes = Blueprint(__name__)

RECORDERS = frozenset({Role.WORKER, Role.SUPERVISOR})
READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.WORKER, Role.REFERRER})
STAFF_PAGES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.WORKER})
FORM_FIELDS = ("what_happened", "occurred_at", "present", "ended_early_reason", "told_others", "immediate_actions")
FORM_TICKS = ("ended_early", "told_police", "told_duty_social_worker", "critical")


@api_route(
    routes,
    "/v1/visits/{visit_id}/incidents",
    "POST",
    roles=RECORDERS,
    body="chalicelib.domain.incidents:IncidentReport",
    example="chalicelib.domain.incidents:example_incident",
    status=201,
    summary="Record an incident at a visit (its worker or a supervisor; from the visit's start to 24 hours after "
    "its end); starts its review. The same Idempotency-Key again answers the first incident and records nothing",
    response=outputs.Incident,
)
def record_incident(call: Call):
    from chalicelib.services import incidents

    key = call.headers.get("idempotency-key") if call.headers else None
    return incidents.record(call.principal, call.params["visit_id"], call.body, key)


@api_route(
    routes,
    "/v1/incidents/{incident_id}",
    "GET",
    roles=READERS,
    summary="One incident with its decision: staff and the visit's worker read it whole; the referrer only once "
    "decided, and only the visit's day and the decision",
    response=outputs.Incident,
)
def get_incident(call: Call):
    from chalicelib.services import incidents

    return incidents.readable(call.principal, call.params["incident_id"])


def _answer(principal, incident_id: str) -> dict:
    from chalicelib.services import incidents

    return incidents.readable(principal, incident_id)


def _check_id(incident_id: str) -> None:
    from chalicelib.services import incidents

    incidents.load(incident_id)


decision_routes(
    routes,
    "incident",
    api="/v1/incidents/{incident_id}/decision",
    page="/incidents/{incident_id}/decision",
    body="chalicelib.domain.incidents:IncidentDecision",
    example={"decision": "change_conditions", "comment": "Handovers move inside the centre, with staged arrivals."},
    summary="Decide an incident in the app: continue, change the conditions (say what changes) or suspend the case "
    "(say why)",
    response=outputs.Incident,
    answer=_answer,
    redisplay=lambda principal, incident_id, **shown: incident_page(principal, incident_id, **shown),
    check_id=_check_id,
)


# -- pages ---------------------------------------------------------------------------------------


def incident_page(principal, incident_id: str, *, errors=None, typed=None, alert=None, notice=None, http_status=200):
    from chalicelib.services import incidents
    from chalicelib.services.incident_review import SUBJECT

    incident = incidents.readable(principal, incident_id)
    can_decide = principal.has_any(frozenset({Role.SUPERVISOR})) and incident["status"] == "REPORTED"
    return render(
        "incident_page.html",
        http_status,
        principal,
        i=incident,
        can_decide=can_decide,
        decision_labels=SUBJECT.decision_labels,
        errors=errors or {},
        typed=(typed or {}).get("decide", {}),
        alert=alert,
        notice=notice,
    )


@page_route(routes, "/incidents/{incident_id}", ["GET"], roles=STAFF_PAGES)
def show_incident(request, principal, incident_id: str):
    done = (request.query_params or {}).get("done")
    notice = {"decided": "The decision was recorded.", "recorded": "The incident was recorded."}.get(done or "")
    return incident_page(principal, incident_id, notice=notice)


@page_route(routes, "/visits/{visit_id}/incidents", ["POST"], roles=RECORDERS)
def record_incident_on_page(request, principal, visit_id: str):
    from pydantic import ValidationError

    from chalicelib.domain.incidents import IncidentReport
    from chalicelib.domain.validation import field_errors
    from chalicelib.errors import Conflict, ValidationFailed
    from chalicelib.services import incidents
    from chalicelib.web.forms import first_value

    fields = form_fields(request)
    typed = {name: first_value(fields, name) for name in (*FORM_FIELDS, "idempotency_key")}
    typed |= {name: first_value(fields, name) == "yes" for name in FORM_TICKS}
    try:
        report = IncidentReport.model_validate({name: typed[name] for name in (*FORM_FIELDS, *FORM_TICKS)})
        recorded = incidents.record(principal, visit_id, report, typed["idempotency_key"] or None)
    except ValidationError as exc:
        return _form_again(principal, visit_id, typed, {e["path"]: e["message"] for e in field_errors(exc)}, 422)
    except ValidationFailed as exc:
        return _form_again(principal, visit_id, typed, {e["path"]: e["message"] for e in exc.fields}, 422)
    except Conflict as exc:
        return _form_again(principal, visit_id, typed, {}, 409, alert=exc.message)
    return redirect(f"/incidents/{recorded['incident_id']}?done=recorded")


def _form_again(principal, visit_id: str, typed: dict, errors: dict, status: int, alert: str | None = None):
    from chalicelib.services import visit_access

    visit = visit_access.load(visit_id)
    return render(
        "incident_form.html",
        status,
        principal,
        v={"id": visit.visit_id, "start_local": None},
        visit_day=visit.starts_at,
        incident_form=True,
        incident_values=typed,
        incident_errors=errors,
        incidents=[],
        alert=alert,
    )
