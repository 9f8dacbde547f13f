"""The periodic case review (the API route and the case page's form) and the case's court bundle
(the API route and the case page's download link)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route
from chalicelib.web.pages import form_fields, page_route, redirect

routes = Blueprint(__name__)

SUPERVISOR = frozenset({Role.SUPERVISOR})
READERS = frozenset({Role.REFERRER, Role.SUPERVISOR, Role.ADMIN})
REVIEW_FIELDS = ("attendance", "concerns", "continues_as_planned", "plan_changes")


@api_route(
    routes,
    "/v1/referrals/{referral_id}/reviews",
    "POST",
    roles=SUPERVISOR,
    body="chalicelib.domain.case_reviews:CaseReviewInput",
    example="chalicelib.domain.case_reviews:example_case_review",
    status=201,
    summary="Record the periodic review of an active case: attendance so far, concerns, whether contact "
    "continues as planned and, when it does not, the changes to the plan. The next review is due a period on",
    response=outputs.CaseReview,
)
def record_case_review(call: Call):
    from chalicelib.services import case_reviews

    return case_reviews.record(call.principal, call.params["referral_id"], call.body)


@api_route(
    routes,
    "/v1/referrals/{referral_id}/bundle.pdf",
    "GET",
    roles=READERS,
    produces="application/pdf",
    summary="The court bundle: every approved report of the case in date order, with a cover, an index, "
    "each report's hash, page numbers across the bundle and the case's cumulative summary (409 before a "
    "report is approved)",
)
def case_bundle_pdf(call: Call):
    from chalicelib.web import bundle_pdf

    return bundle_pdf.download(call.principal, call.params["referral_id"])


@page_route(routes, "/referrals/{referral_id}/bundle.pdf", ["GET"], roles=READERS)
def case_bundle_download(request, principal, referral_id: str):
    """The bundle link on the case page, for the signed-in session (the API route takes a bearer token)."""
    from chalicelib.api.referral_forms import check_id
    from chalicelib.web import bundle_pdf

    check_id(referral_id)
    return bundle_pdf.download(principal, referral_id)


@page_route(routes, "/referrals/{referral_id}/reviews", ["POST"], roles=SUPERVISOR)
def record_case_review_page(request, principal, referral_id: str):
    from pydantic import ValidationError

    from chalicelib.api.referral_forms import check_id
    from chalicelib.api.referral_pages import detail
    from chalicelib.domain.case_reviews import CaseReviewInput
    from chalicelib.errors import Conflict
    from chalicelib.services import case_reviews
    from chalicelib.web.forms import errors_by_path, first_value

    check_id(referral_id)
    fields = form_fields(request)
    typed = {name: first_value(fields, f"review.{name}") for name in REVIEW_FIELDS}
    answer = {"yes": True, "no": False}.get(typed["continues_as_planned"] or "")
    try:
        review = CaseReviewInput.model_validate({**typed, "continues_as_planned": answer})
    except ValidationError as exc:
        errors = {f"review.{path}": message for path, message in errors_by_path(exc).items()}
        if answer is None:
            errors["review.continues_as_planned"] = "Answer yes or no: does contact continue as planned?"
        return detail(principal, referral_id, http_status=422, errors=errors, typed={"review": typed})
    try:
        case_reviews.record(principal, referral_id, review)
    except Conflict as exc:
        return detail(principal, referral_id, http_status=409, alert=exc.message, typed={"review": typed})
    return redirect(f"/referrals/{referral_id}?done=reviewed#case-reviews")
