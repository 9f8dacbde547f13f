"""Visits JSON API: book one visit or a series, record a visit that already happened, change, cancel,
list, read one, and the iCalendar export."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.auth import Role
from chalicelib.errors import BadRequest
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route

routes = Blueprint(__name__)

SUPERVISOR = frozenset({Role.SUPERVISOR})
READERS = frozenset({Role.SUPERVISOR, Role.WORKER, Role.REFERRER})
CANCELLERS = frozenset({Role.SUPERVISOR, Role.WORKER})
CALENDAR_READERS = frozenset({Role.SUPERVISOR, Role.WORKER})


def _bad_query(name: str, message: str) -> BadRequest:
    return BadRequest(
        f"The query parameter '{name}' is not valid: {message}.", fields=[{"path": name, "message": message}]
    )


def visit_filter(call: Call):
    from chalicelib.domain.visits import VisitStatus
    from chalicelib.services.visit_reads import VisitFilter

    query = call.query
    if query.first and query.last and query.last < query.first:
        raise _bad_query("to", "Must be on or after 'from'")
    return VisitFilter(
        worker_id=query.worker,
        referral_id=query.referral,
        first=query.first,
        last=query.last,
        status=VisitStatus(query.status) if query.status else None,
        at_risk=None if query.at_risk is None else query.at_risk == "true",
        limit=query.limit or 200,
    )


@api_route(
    routes,
    "/v1/visits",
    "POST",
    roles=SUPERVISOR,
    body="chalicelib.domain.visit_requests:NewVisit",
    example="chalicelib.domain.visit_requests:example_visit",
    status=201,
    summary="Book one visit from now on (local Europe/London times); 409 if the worker will not be compliant or "
    "is booked; a start that has passed is a 422 (record it with POST /v1/visits/past)",
    response=outputs.Visit,
)
def book_visit(call: Call):
    from chalicelib.services import visit_booking

    return visit_booking.book(call.principal, call.body)


@api_route(
    routes,
    "/v1/visits/past",
    "POST",
    roles=SUPERVISOR,
    body="chalicelib.domain.visit_requests:PastVisit",
    example="chalicelib.domain.visit_requests:example_past_visit",
    status=201,
    summary="Record a visit that already happened (within the last year), as having taken place at that time, "
    "so its report can be written; the booking guards apply (409), and a start still to come is a 422",
    response=outputs.Visit,
)
def record_past_visit(call: Call):
    from chalicelib.services import visit_booking

    return visit_booking.record_past(call.principal, call.body)


@api_route(
    routes,
    "/v1/referrals/{referral_id}/visits",
    "POST",
    roles=SUPERVISOR,
    body="chalicelib.domain.visit_requests:NewSeries",
    example="chalicelib.domain.visit_requests:example_series",
    status=201,
    summary="Book a series from the contact plan (weekly, fortnightly or monthly; until a date or N sessions, "
    "at most 40): all or nothing, 409 listing every date that fails",
    response=outputs.VisitSeries,
)
def book_series(call: Call):
    from chalicelib.services import visit_booking

    return visit_booking.book_series(call.principal, call.params["referral_id"], call.body)


@api_route(
    routes,
    "/v1/visits",
    "GET",
    roles=READERS,
    summary="Visits in time order: a supervisor sees all, a worker their own, a referrer those of their referrals",
    query="chalicelib.api.queries:VisitsQuery",
    response=outputs.VisitList,
)
def list_visits(call: Call):
    from chalicelib.services import visit_reads

    return visit_reads.visit_list(call.principal, visit_filter(call))


@api_route(
    routes,
    "/v1/visits.ics",
    "GET",
    roles=CALENDAR_READERS,
    summary="A worker's own visits as an iCalendar file (a supervisor: one worker's, or the coming weeks')",
    query="chalicelib.api.queries:CalendarQuery",
    produces="text/calendar",
)
def visits_calendar(call: Call):
    from chalicelib.services import visit_reads

    worker = call.query.worker
    if worker is not None and not call.principal.has_any(SUPERVISOR):
        worker = None  # a worker's calendar is always their own
    body = visit_reads.calendar_for(call.principal, worker).decode("utf-8")
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": 'attachment; filename="visits.ics"',
            "Cache-Control": "no-store",
        },
    )


@api_route(
    routes,
    "/v1/visits/{visit_id}",
    "GET",
    roles=READERS,
    summary="One visit (a referrer sees no venue or times when the referral's address is confidential)",
    response=outputs.Visit,
)
def get_visit(call: Call):
    from chalicelib.services import visit_reads

    return visit_reads.get_for(call.principal, call.params["visit_id"])


@api_route(
    routes,
    "/v1/visits/{visit_id}",
    "PATCH",
    roles=SUPERVISOR,
    body="chalicelib.domain.visit_requests:VisitChange",
    example="chalicelib.domain.visit_requests:example_change",
    summary="Reschedule or reassign a visit; the guards run again, and a visit that passes them is not at risk",
    response=outputs.Visit,
)
def change_visit(call: Call):
    from chalicelib.services import visit_changes

    return visit_changes.change(call.principal, call.params["visit_id"], call.body)


@api_route(
    routes,
    "/v1/visits/{visit_id}/cancel",
    "POST",
    roles=CANCELLERS,
    body="chalicelib.domain.visit_requests:Cancellation",
    example="chalicelib.domain.visit_requests:example_cancellation",
    summary="Cancel a visit: who cancelled (parent, carer, child, service or other) and why; no report is then due",
    response=outputs.Visit,
)
def cancel_visit(call: Call):
    from chalicelib.services import visit_changes

    return visit_changes.cancel(call.principal, call.params["visit_id"], call.body)
