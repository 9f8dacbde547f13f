"""Referral JSON API: intake, the referrer's list and view, answers to questions, withdrawal."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.http import Call, api_route

routes = Blueprint(__name__)

READERS = frozenset({Role.REFERRER, Role.SUPERVISOR, Role.ADMIN})


@api_route(
    routes,
    "/v1/referrals",
    "POST",
    roles=frozenset({Role.REFERRER}),
    body="chalicelib.domain.referrals:ReferralSubmission",
    example="chalicelib.examples:example_referral",
    status=201,
    summary="Submit a referral (honours the Idempotency-Key header)",
    response="chalicelib.api.responses:Referral",
)
def create_referral(call: Call):
    from chalicelib.services import referrals

    return referrals.submit(
        call.principal, call.body, call.headers.get("idempotency-key"), getattr(call.raw, "lambda_context", None)
    )


@api_route(
    routes,
    "/v1/referrals",
    "GET",
    roles=READERS,
    summary="List referrals: a referrer's own; supervisors and admins see all",
    query="chalicelib.api.queries:ReferralsQuery",
    response="chalicelib.api.responses:ReferralList",
)
def list_referrals(call: Call):
    from chalicelib.services import referrals

    return {"referrals": referrals.list_for(call.principal, call.query.status, call.query.limit or 50)}


@api_route(
    routes,
    "/v1/referrals/{referral_id}",
    "GET",
    roles=READERS,
    summary="One referral with its status history",
    response="chalicelib.api.responses:Referral",
)
def get_referral(call: Call):
    from chalicelib.services import referrals

    return referrals.view(referrals.get_for(call.principal, call.params["referral_id"]))


@api_route(
    routes,
    "/v1/referrals/{referral_id}/amendments",
    "POST",
    roles=frozenset({Role.REFERRER}),
    body="chalicelib.domain.referrals:Amendment",
    example={
        "answer": "The father's supervised contact order was made on 3 March; a copy is attached to the case file."
    },
    summary="Answer the supervisor's request for more information",
    response="chalicelib.api.responses:Referral",
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
    response="chalicelib.api.responses:Referral",
)
def withdraw_referral(call: Call):
    from chalicelib.services import referrals

    return referrals.withdraw(call.principal, call.params["referral_id"])


@api_route(
    routes,
    "/v1/referrals/{referral_id}/decision",
    "POST",
    roles=frozenset({Role.SUPERVISOR, Role.ADMIN}),
    body="chalicelib.domain.referrals:ReviewDecision",
    example={
        "decision": "decline",
        "comment": "The family lives outside our area; please refer them to the North team.",
    },
    summary="Decide a referral under review: accept, decline with a reason, or ask the referrer a question",
    response="chalicelib.api.responses:Referral",
)
def decide_referral(call: Call):
    from chalicelib.services import decisions, referrals

    referral_id = call.params["referral_id"]
    decision = call.body
    decisions.decide_in_app("referral", referral_id, call.principal, decision.decision.value, decision.comment)
    return referrals.view(referrals.load(referral_id))
