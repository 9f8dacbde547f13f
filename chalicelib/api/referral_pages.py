"""The referrer's pages: the referral form, the list, one referral with its history, and the answer
and withdrawal forms on it. Roles are checked here; `web.referral_views` does the rest (loaded on
first use, so this module stays cheap to import)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import page_route

routes = Blueprint(__name__)

REFERRER = frozenset({Role.REFERRER})
READERS = frozenset({Role.REFERRER, Role.SUPERVISOR, Role.ADMIN})


@page_route(routes, "/referrals/new", ["GET", "POST"], roles=REFERRER)
def new_referral(request, principal):
    from chalicelib.web import referral_views

    return referral_views.new_referral(request, principal)


@page_route(routes, "/referrals", ["GET"], roles=READERS)
def referral_list(request, principal):
    from chalicelib.web import referral_views

    return referral_views.referral_list(request, principal)


@page_route(routes, "/referrals/{referral_id}", ["GET"], roles=READERS)
def referral_detail(request, principal, referral_id: str):
    from chalicelib.web import referral_views

    return referral_views.referral_detail(request, principal, referral_id)


@page_route(routes, "/referrals/{referral_id}/answer", ["POST"], roles=REFERRER)
def answer_question(request, principal, referral_id: str):
    from chalicelib.web import referral_views

    return referral_views.answer_question(request, principal, referral_id)


@page_route(routes, "/referrals/{referral_id}/withdraw", ["POST"], roles=REFERRER)
def withdraw_referral(request, principal, referral_id: str):
    from chalicelib.web import referral_views

    return referral_views.withdraw_referral(request, principal, referral_id)
