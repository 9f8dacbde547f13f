"""A case's timeline: the JSON route and the page of its later events (the case page shows the first
page of it). Staff see every event; the referrer who made the referral sees what they may."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route
from chalicelib.web.pages import page_route

routes = Blueprint(__name__)

READERS = frozenset({Role.REFERRER, Role.SUPERVISOR, Role.ADMIN})


@api_route(
    routes,
    "/v1/referrals/{referral_id}/timeline",
    "GET",
    roles=READERS,
    summary="Everything that happened to the case, oldest first (the referrer who made it: what they may see)",
    query="chalicelib.api.queries:TimelineQuery",
    response=outputs.Timeline,
)
def get_timeline(call: Call):
    from chalicelib.services import case_timeline

    return case_timeline.timeline(
        call.principal,
        call.params["referral_id"],
        cursor=call.query.cursor,
        limit=call.query.limit,
    )


@page_route(routes, "/referrals/{referral_id}/timeline", ["GET"], roles=READERS)
def timeline_page(request, principal, referral_id: str):
    from chalicelib.api.queries import TimelinePageQuery, page_query
    from chalicelib.api.referral_forms import check_id
    from chalicelib.services import case_timeline
    from chalicelib.web.timeline_views import timeline_page as render_page

    check_id(referral_id)
    cursor = page_query(request, TimelinePageQuery).cursor
    return render_page(principal, case_timeline.timeline(principal, referral_id, cursor=cursor), later=bool(cursor))
