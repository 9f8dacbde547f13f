"""The case's status after acceptance: suspend, resume and close it (supervisor, admin), the
referrer's request to end it and the supervisor's answer, and the closing letter. Each as a JSON
route and as a form on the case page (`_case_status.html`), which shows again what was typed
when it answers an error."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route
from chalicelib.web.pages import page_route

routes = Blueprint(__name__)

STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})
REFERRER = frozenset({Role.REFERRER})
LETTER_READERS = frozenset({Role.REFERRER, Role.SUPERVISOR, Role.ADMIN})


@api_route(
    routes,
    "/v1/referrals/{referral_id}/suspend",
    "POST",
    roles=STAFF,
    body="chalicelib.domain.case_status:Suspension",
    example="chalicelib.domain.case_status:example_suspension",
    summary="Suspend an accepted or active case: its upcoming visits are cancelled, the workers and the referrer told",
    response=outputs.CaseStatus,
)
def suspend_case(call: Call):
    from chalicelib.services import case_status

    return case_status.suspend_case(call.principal, call.params["referral_id"], call.body)


@api_route(
    routes,
    "/v1/referrals/{referral_id}/resume",
    "POST",
    roles=STAFF,
    body="chalicelib.domain.case_status:Resumption",
    example={"reason": "The police inquiry has ended with no further action."},
    summary="Resume a suspended case (nothing is rebooked: book the visits again)",
    response=outputs.CaseStatus,
)
def resume_case(call: Call):
    from chalicelib.services import case_status

    return case_status.resume_case(call.principal, call.params["referral_id"], call.body)


@api_route(
    routes,
    "/v1/referrals/{referral_id}/close",
    "POST",
    roles=STAFF,
    body="chalicelib.domain.case_status:Closure",
    example="chalicelib.domain.case_status:example_closure",
    summary="Close a case with its reason and summary: upcoming visits cancelled, the closing letter sent",
    response=outputs.CaseStatus,
)
def close_case(call: Call):
    from chalicelib.services import case_status

    return case_status.close_case(call.principal, call.params["referral_id"], call.body)


@api_route(
    routes,
    "/v1/referrals/{referral_id}/end-request",
    "POST",
    roles=REFERRER,
    body="chalicelib.domain.case_status:EndRequest",
    example={"reason": "The court made a final order for unsupervised contact on 2 March."},
    summary="The referrer asks to end an active or suspended case; it waits in the decisions queue",
    response=outputs.CaseStatus,
)
def request_end(call: Call):
    from chalicelib.services import case_status

    return case_status.request_end(call.principal, call.params["referral_id"], call.body)


@api_route(
    routes,
    "/v1/referrals/{referral_id}/end-request/decision",
    "POST",
    roles=STAFF,
    body="chalicelib.domain.case_status:EndRequestDecision",
    example={"decision": "decline", "decline_reason": "The order still requires supervised contact until June."},
    summary="Decide the referrer's request to end a case: close it (the close fields) or decline with a reason",
    response=outputs.CaseStatus,
)
def decide_end_request(call: Call):
    from chalicelib.services import case_status

    return case_status.decide_end_request(call.principal, call.params["referral_id"], call.body)


@api_route(
    routes,
    "/v1/referrals/{referral_id}/closing-letter.pdf",
    "GET",
    roles=LETTER_READERS,
    produces="application/pdf",
    summary="The closed case's closing letter as a PDF (409 while the case is not closed)",
)
def closing_letter(call: Call):
    return _letter(call.principal, call.params["referral_id"])


@page_route(routes, "/referrals/{referral_id}/closing-letter.pdf", ["GET"], roles=LETTER_READERS)
def closing_letter_download(request, principal, referral_id: str):
    """The letter's link on the case page, for the signed-in session."""
    return _letter(principal, referral_id)


def _letter(principal, referral_id: str):
    from chalice import Response

    from chalicelib.services import closing_letter as letter

    body, filename = letter.letter_of(principal, referral_id)
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# -- the forms on the case page -------------------------------------------------------------------

# form -> (the model its fields fill, the service, the notice after it)
FORMS = {
    "suspend": ("Suspension", "suspend_case", "suspended"),
    "resume": ("Resumption", "resume_case", "resumed"),
    "close": ("Closure", "close_case", "closed"),
    "end": ("EndRequest", "request_end", "end_requested"),
    "end_decision": ("EndRequestDecision", "decide_end_request", "end_request_decided"),
}
FIELDS = {
    "suspend": ("reason", "resume_on"),
    "resume": ("reason",),
    "close": ("reason", "other_reason", "summary"),
    "end": ("reason",),
    "end_decision": ("decision", "reason", "other_reason", "summary", "decline_reason"),
}


def _form(request, principal, referral_id: str, form: str):
    from pydantic import ValidationError

    import chalicelib.domain.case_status as models
    from chalicelib.api.referral_forms import check_id
    from chalicelib.api.referral_pages import detail
    from chalicelib.errors import Conflict
    from chalicelib.services import case_status
    from chalicelib.web.forms import errors_by_path, first_value
    from chalicelib.web.http import check_body_size
    from chalicelib.web.pages import form_fields, redirect

    check_body_size(request)
    check_id(referral_id)
    fields = form_fields(request)
    typed = {name: first_value(fields, f"{form}.{name}") for name in FIELDS[form]}
    model, service, done = FORMS[form]
    try:
        # A choice left blank is a missing field ("Field required"), not an unknown choice.
        parsed = getattr(models, model).model_validate({k: v for k, v in typed.items() if v != ""})
    except ValidationError as exc:
        errors = {f"{form}.{path}": message for path, message in errors_by_path(exc).items()}
        return detail(principal, referral_id, http_status=422, errors=errors, typed={form: typed})
    try:
        getattr(case_status, service)(principal, referral_id, parsed)
    except Conflict as exc:
        return detail(principal, referral_id, http_status=409, alert=exc.message, typed={form: typed})
    return redirect(f"/referrals/{referral_id}?done={done}#case-status")


@page_route(routes, "/referrals/{referral_id}/suspend", ["POST"], roles=STAFF)
def suspend_on_page(request, principal, referral_id: str):
    return _form(request, principal, referral_id, "suspend")


@page_route(routes, "/referrals/{referral_id}/resume", ["POST"], roles=STAFF)
def resume_on_page(request, principal, referral_id: str):
    return _form(request, principal, referral_id, "resume")


@page_route(routes, "/referrals/{referral_id}/close", ["POST"], roles=STAFF)
def close_on_page(request, principal, referral_id: str):
    return _form(request, principal, referral_id, "close")


@page_route(routes, "/referrals/{referral_id}/end-request", ["POST"], roles=REFERRER)
def end_request_on_page(request, principal, referral_id: str):
    return _form(request, principal, referral_id, "end")


@page_route(routes, "/referrals/{referral_id}/end-request/decision", ["POST"], roles=STAFF)
def decide_end_request_on_page(request, principal, referral_id: str):
    return _form(request, principal, referral_id, "end_decision")
