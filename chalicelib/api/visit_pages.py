"""The visit pages: the supervisor's week, the worker's "My visits" and calendar file, scheduling a
series from a referral, and recording a visit of a referral that already happened. Each handler reads the request, calls a service and hands the
result to `web.visit_views` to render. Heavy modules load on first use."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import form_fields, page_route, redirect

routes = Blueprint(__name__)

SUPERVISOR = frozenset({Role.SUPERVISOR})
WORKER = frozenset({Role.WORKER})
_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_TIME = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\b")
SERIES_FIELDS = ("first_start", "length_minutes", "repeat", "until", "sessions", "worker_id", "venue")
PAST_FIELDS = ("start", "end", "worker_id", "venue")


@page_route(routes, "/visits/week", ["GET"], roles=SUPERVISOR)
def week(request, principal):
    from chalicelib import clock
    from chalicelib.api.queries import WeekPageQuery, page_query
    from chalicelib.services import visit_reads
    from chalicelib.web.visit_action_views import done_notice
    from chalicelib.web.visit_views import monday_of, plural, week_page

    # A day that is not one, or out of the calendar's reach, shows this week.
    query = page_query(request, WeekPageQuery)
    monday = monday_of(query.start or clock.today())
    notice = done_notice(query.done)
    if query.done == "scheduled" and query.count is not None:
        notice = f"{plural(query.count, 'visit')} booked. They are shown in the weeks they fall in."
    return week_page(principal, visit_reads.week(principal, monday), monday, clock.today(), notice)


@page_route(routes, "/visits/mine", ["GET"], roles=WORKER)
def my_visits(request, principal):
    from chalicelib.services import visit_access, visit_reads
    from chalicelib.web.visit_views import my_visits_page

    linked = visit_access.worker_id_of(principal) is not None
    return my_visits_page(principal, visit_reads.mine(principal) if linked else None)


@page_route(routes, "/visits/mine.ics", ["GET"], roles=WORKER)
def my_calendar(request, principal):
    """The signed-in worker's visits as an iCalendar file (the same as `GET /v1/visits.ics`)."""
    from chalice import Response

    from chalicelib.services import visit_reads

    return Response(
        body=visit_reads.calendar_for(principal, None).decode("utf-8"),
        status_code=200,
        headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": 'attachment; filename="my-visits.ics"',
            "Cache-Control": "no-store",
        },
    )


@page_route(routes, "/referrals/{referral_id}/visits/new", ["GET", "POST"], roles=SUPERVISOR)
def schedule_series(request, principal, referral_id: str):
    """GET: the form, prefilled from the contact plan. POST: book the series, or re-show what was typed
    with each error beside its field (a clash lists every date that fails)."""
    from urllib.parse import urlencode

    from pydantic import ValidationError

    from chalicelib import clock
    from chalicelib.domain.local_time import to_local
    from chalicelib.domain.visit_requests import NewSeries
    from chalicelib.errors import Conflict, NotFound, ValidationFailed
    from chalicelib.services import visit_booking
    from chalicelib.services.visit_guards import load_referral
    from chalicelib.web.forms import errors_by_path, first_value
    from chalicelib.web.http import check_body_size
    from chalicelib.web.visit_views import monday_of

    if not _ID.fullmatch(referral_id):
        raise NotFound("No referral with that id.")
    referral = load_referral(referral_id, None)
    if request.method == "GET":
        now = to_local(clock.now())
        return _series_page(principal, referral, plan_values(visit_booking.contact_plan(referral), now))
    check_body_size(request)
    fields = form_fields(request)
    values = {name: first_value(fields, name).strip() for name in SERIES_FIELDS}
    data = {name: value for name, value in values.items() if value != ""}
    try:
        series = NewSeries.model_validate(data)
    except ValidationError as exc:
        return _series_page(principal, referral, values, status=422, errors=errors_by_path(exc))
    try:
        booked = visit_booking.book_series(principal, referral.referral_id, series)
    except ValidationFailed as exc:
        errors = {f["path"]: f["message"] for f in exc.fields} or {"first_start": exc.message}
        return _series_page(principal, referral, values, status=422, errors=errors)
    except Conflict as exc:
        problems = [f["message"] for f in exc.fields]
        return _series_page(principal, referral, values, status=409, alert=exc.message, problems=problems)
    first = date.fromisoformat(booked["visits"][0]["date"])
    query = urlencode({"start": monday_of(first).isoformat(), "done": "scheduled", "count": booked["count"]})
    return redirect(f"/visits/week?{query}")


@page_route(routes, "/referrals/{referral_id}/visits/past", ["GET", "POST"], roles=SUPERVISOR)
def record_past_visit(request, principal, referral_id: str):
    """GET: the form for a visit that already happened. POST: record it as having taken place then,
    and show the visit's page (its worker can write the report), or re-show what was typed with each
    error beside its field."""
    from pydantic import ValidationError

    from chalicelib.domain.visit_requests import PastVisit
    from chalicelib.errors import Conflict, NotFound, ValidationFailed
    from chalicelib.services import visit_booking
    from chalicelib.services.visit_guards import load_referral
    from chalicelib.web.forms import errors_by_path, first_value
    from chalicelib.web.http import check_body_size

    if not _ID.fullmatch(referral_id):
        raise NotFound("No referral with that id.")
    referral = load_referral(referral_id, None)
    if request.method == "GET":
        return _past_page(principal, referral, dict.fromkeys(PAST_FIELDS, ""))
    check_body_size(request)
    fields = form_fields(request)
    values = {name: first_value(fields, name).strip() for name in PAST_FIELDS}
    data = {name: value for name, value in values.items() if value != ""}
    try:
        past = PastVisit.model_validate({**data, "referral_id": referral.referral_id})
    except ValidationError as exc:
        return _past_page(principal, referral, values, status=422, errors=errors_by_path(exc))
    try:
        recorded = visit_booking.record_past(principal, past)
    except ValidationFailed as exc:
        errors = {f["path"]: f["message"] for f in exc.fields} or {"start": exc.message}
        return _past_page(principal, referral, values, status=422, errors=errors)
    except Conflict as exc:
        problems = [f["message"] for f in exc.fields]
        return _past_page(principal, referral, values, status=409, alert=exc.message, problems=problems)
    return redirect(f"/visits/{recorded['id']}?done=recorded")


def plan_values(plan: dict[str, Any], now: datetime) -> dict[str, str]:
    """The form prefilled from the contact plan: the first preferred day on or after its start (and
    still to come at `now`, UK wall-clock time), at the first time its preferred times mention, its
    length, rhythm and end."""
    from chalicelib.domain.visits import Repeat

    found = _TIME.search(plan.get("preferred_times") or "")
    hour, minute = (int(found.group(1)), int(found.group(2))) if found else (10, 0)
    time = f"{hour:02d}:{minute:02d}"
    earliest = now.date() if (hour, minute) > (now.hour, now.minute) else now.date() + timedelta(days=1)
    start = max(date.fromisoformat(plan["start_date"]), earliest) if plan.get("start_date") else earliest
    preferred = [WEEKDAYS.index(d) for d in plan.get("preferred_days") or [] if d in WEEKDAYS]
    if preferred:
        start = min(start + timedelta(days=(wd - start.weekday()) % 7) for wd in preferred)
    frequency = plan.get("frequency") or {}
    repeat = Repeat.MONTHLY if frequency.get("per") == "month" else Repeat.WEEKLY
    return {
        "first_start": f"{start.isoformat()}T{time}",
        "length_minutes": str(plan.get("session_length_minutes") or 60),
        "repeat": repeat.value,
        "until": plan.get("end_date") or "",
        "sessions": "",
        "worker_id": "",
        "venue": "",
    }


def _past_page(principal, referral, values, **shown):
    from chalicelib.services import workers
    from chalicelib.services.referrals import summary as referral_summary
    from chalicelib.web.visit_views import past_visit_page

    return past_visit_page(
        principal,
        referral_summary(referral),
        values,
        {w["worker_id"]: w["name"] for w in workers.worker_options()},
        **shown,
    )


def _series_page(principal, referral, values, **shown):
    from chalicelib.services import visit_booking, workers
    from chalicelib.services.referrals import summary as referral_summary
    from chalicelib.web.visit_views import series_page

    return series_page(
        principal,
        referral_summary(referral),
        visit_booking.contact_plan(referral),
        values,
        {w["worker_id"]: w["name"] for w in workers.worker_options()},
        **shown,
    )
