"""The decisions queue (every item waiting for a supervisor's decision, as JSON and as a page), and
the routes that decide one item in the app: one factory, called once per reviewed subject."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route
from chalicelib.web.pages import form_fields, page_route, redirect, render

routes = Blueprint(__name__)

DECIDERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@api_route(
    routes,
    "/v1/decisions",
    "GET",
    roles=DECIDERS,
    summary="Items waiting for a decision (referrals, reports): overdue first, then oldest first",
    response=outputs.DecisionQueue,
)
def list_decisions(call: Call):
    from chalicelib.services import decisions

    return decisions.decision_queue(call.principal)


@page_route(routes, "/decisions", ["GET"], roles=DECIDERS)
def decisions_page(request, principal):
    from chalicelib.services import decisions
    from chalicelib.web.decision_views import waited

    return render("decisions.html", 200, principal, rows=decisions.waiting(principal), waited=waited)


def decision_routes(
    bp: Blueprint,
    kind: str,
    *,
    api: str,
    page: str,
    body: str,
    example: dict,
    summary: str,
    response: type,
    answer: Callable[[Any, str], dict],
    redisplay: Callable[..., Any],
    check_id: Callable[[str], None],
) -> None:
    """Register the two doors of an in-app decision on a `kind` item, both ending in the same
    conditional write as an emailed link (`services.decisions.decide_in_app`):

    - `POST <api>` (JSON, `body` its decision model): answers `answer(principal, id)`;
    - `POST <page>` (the item page's form, fields `decide.decision` and `decide.comment`): back to
      the subject's page with `?done=decided`, or `redisplay(principal, id, **shown)` with the
      errors (422) or the conflict (409).
    Each path has one parameter, the item's id.
    """

    def decide_by_api(call: Call):
        from chalicelib.services import decisions

        (subject_id,) = call.params.values()
        decision = call.body
        decisions.decide_in_app(kind, subject_id, call.principal, decision.decision.value, decision.comment)
        return answer(call.principal, subject_id)

    def decide_on_page(request, principal, **params):
        from chalicelib.errors import Conflict, ValidationFailed
        from chalicelib.services import decisions
        from chalicelib.services.subjects import subject
        from chalicelib.web.forms import first_value

        (subject_id,) = params.values()
        check_id(subject_id)
        fields = form_fields(request)
        typed = {"decision": first_value(fields, "decide.decision"), "comment": first_value(fields, "decide.comment")}
        try:
            decisions.decide_in_app(
                kind, subject_id, principal, typed["decision"] or None, typed["comment"].strip() or None
            )
        except ValidationFailed as exc:
            errors = {f"decide.{error['path']}": error["message"] for error in exc.fields}
            return redisplay(principal, subject_id, errors=errors, typed={"decide": typed}, http_status=422)
        except Conflict as exc:
            return redisplay(principal, subject_id, alert=exc.message, http_status=409)
        return redirect(subject(kind).page.format(id=subject_id) + "?done=decided")

    decide_by_api.__name__ = f"decide_{kind}"
    decide_on_page.__name__ = f"decide_{kind}_on_page"
    roles = DECIDERS
    api_route(bp, api, "POST", roles=roles, body=body, example=example, summary=summary, response=response)(
        decide_by_api
    )
    page_route(bp, page, ["POST"], roles=roles)(decide_on_page)
