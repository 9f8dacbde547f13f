"""Referral JSON API: intake, the referrer's list and view, answers to questions, withdrawal, and the
supervisor's decision (its API route and the referral page's form)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.decisions import decision_routes
from chalicelib.auth import Role
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route

routes = Blueprint(__name__)

READERS = frozenset({Role.REFERRER, Role.SUPERVISOR, Role.ADMIN})


@api_route(
    routes,
    "/v1/referrals",
    "POST",
    roles=frozenset({Role.REFERRER}),
    body="chalicelib.domain.referral_form:ReferralSubmission",
    example="chalicelib.examples:example_referral",
    status=201,
    summary="Submit a referral (honours the Idempotency-Key header)",
    response=outputs.Referral,
)
def create_referral(call: Call):
    from chalicelib.services import referrals

    return referrals.submit(call.principal, call.body, call.headers.get("idempotency-key"))


@api_route(
    routes,
    "/v1/referrals",
    "GET",
    roles=READERS,
    summary="List referrals: a referrer's own; supervisors and admins see all",
    query="chalicelib.api.queries:ReferralsQuery",
    response=outputs.ReferralList,
)
def list_referrals(call: Call):
    from chalicelib.services import referrals

    return referrals.referral_list(call.principal, call.query.status, call.query.limit or 50)


@api_route(
    routes,
    "/v1/referrals/{referral_id}",
    "GET",
    roles=READERS,
    summary="One referral with its status history",
    response=outputs.Referral,
)
def get_referral(call: Call):
    from chalicelib.services import referrals

    return referrals.view(referrals.get_for(call.principal, call.params["referral_id"]))


@api_route(
    routes,
    "/v1/referrals/{referral_id}/amendments",
    "POST",
    roles=frozenset({Role.REFERRER}),
    body="chalicelib.domain.referral_decisions:Amendment",
    example={
        "answer": "The father's supervised contact order was made on 3 March; a copy is attached to the case file."
    },
    summary="Answer the supervisor's request for more information",
    response=outputs.Referral,
)
def amend_referral(call: Call):
    from chalicelib.services import referrals

    return referrals.amend(call.principal, call.params["referral_id"], call.body)


@api_route(
    routes,
    "/v1/referrals/{referral_id}/withdraw",
    "POST",
    roles=frozenset({Role.REFERRER}),
    summary="Withdraw a referral before it is decided",
    response=outputs.Referral,
)
def withdraw_referral(call: Call):
    from chalicelib.services import referrals

    return referrals.withdraw(call.principal, call.params["referral_id"])


def _view(principal, referral_id: str) -> outputs.Referral:
    from chalicelib.services import referrals

    return referrals.view(referrals.load(referral_id))


def _redisplay(principal, referral_id: str, **shown):
    from chalicelib.api.referral_pages import detail

    return detail(principal, referral_id, **shown)


def _check_id(referral_id: str) -> None:
    from chalicelib.api.referral_forms import check_id

    check_id(referral_id)


decision_routes(
    routes,
    "referral",
    api="/v1/referrals/{referral_id}/decision",
    page="/referrals/{referral_id}/decision",
    body="chalicelib.domain.referral_decisions:ReviewDecision",
    example={
        "decision": "decline",
        "comment": "The family lives outside our area; please refer them to the North team.",
    },
    summary="Decide a referral under review: accept, decline with a reason, or ask the referrer a question",
    response=outputs.Referral,
    answer=_view,
    redisplay=_redisplay,
    check_id=_check_id,
)
