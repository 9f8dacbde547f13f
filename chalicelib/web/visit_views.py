"""What the visit pages show and how their form is read: the supervisor's week, the worker's
"My visits", scheduling a series from a referral, and the visits panel of a referral's page."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain.visits import (
    MAX_SERIES,
    REPEAT_LABELS,
    Repeat,
    VisitStatus,
    long_day,
    short_moment,
)
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.web.forms import error_summary, field_id, first_value
from chalicelib.web.pages import form_fields, redirect, render

_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
STATUS_COLOURS = {
    VisitStatus.SCHEDULED.value: "green",
    VisitStatus.REPORT_DUE.value: "amber",
    VisitStatus.CANCELLED.value: "grey",
    VisitStatus.REPORTED.value: "green",
}
FIELD_LABELS = {
    "first_start": "First visit",
    "length_minutes": "Length in minutes",
    "repeat": "How often",
    "until": "Last date",
    "sessions": "Number of visits",
    "worker_id": "Contact worker",
    "venue": "Venue",
    "participants": "Who takes part",
    "more_starts": "First visit",
}
CONTACT_TYPES = {"supervised": "Supervised", "supported": "Supported", "virtual": "Virtual", "handover": "Handover"}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_TIME = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\b")


def _display(visit: dict[str, Any]) -> dict[str, Any]:
    """A visit with the words and dates a page shows (never a status code)."""
    shown = dict(visit)
    status = VisitStatus(visit["status"])
    shown["status_label"] = status.label
    shown["status_colour"] = STATUS_COLOURS[status.value]
    shown["day_label"] = long_day(date.fromisoformat(visit["date"]))
    if visit["start"]:
        start, end = datetime.fromisoformat(visit["start"]), datetime.fromisoformat(visit["end"])
        shown["when_label"] = short_moment(start)
        shown["time_label"] = f"{start:%H:%M}–{end:%H:%M}"
    else:
        shown["when_label"] = shown["day_label"]
        shown["time_label"] = "Time not shown"
    shown["who_label"] = ", ".join(visit["participants"].get("labels") or [])
    return shown


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- the supervisor's week -----------------------------------------------------------------------


def week_page(request, principal: Principal):
    from chalicelib.services import visit_reads

    query = request.query_params or {}
    raw = query.get("start") or ""
    try:
        chosen = date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        chosen = clock.today()
    if not date(2000, 1, 1) <= chosen <= date(2200, 12, 31):  # a week the calendar arithmetic can reach
        chosen = clock.today()
    monday = _monday(chosen)
    data = visit_reads.week(principal, monday)
    for row in data["rows"]:
        row["days"] = {day: [_display(v) for v in cell] for day, cell in row["days"].items()}
    notice = None
    if query.get("done") == "scheduled" and (query.get("count") or "").isdigit():
        notice = f"{query['count']} visits booked. They are shown in the weeks they fall in."
    return render(
        "visits_week.html",
        principal=principal,
        week=data,
        title=f"Week of {long_day(monday)}",
        days=[{"date": d, "label": f"{d:%a} {d.day} {d:%b}", "iso": d.isoformat()} for d in data["days"]],
        previous=(monday - timedelta(days=7)).isoformat(),
        next=(monday + timedelta(days=7)).isoformat(),
        this_week=_monday(clock.today()).isoformat(),
        notice=notice,
    )


# -- the worker's visits ---------------------------------------------------------------------------


def my_visits_page(request, principal: Principal):
    from chalicelib.services import visit_reads, visits

    if visits.worker_id_of(principal) is None:
        return render("visits_mine.html", principal=principal, linked=False, upcoming=[], reports_due=[])
    data = visit_reads.mine(principal)
    return render(
        "visits_mine.html",
        principal=principal,
        linked=True,
        upcoming=[_display(v) for v in data["upcoming"]],
        reports_due=[_display(v) for v in data["reports_due"]],
        days_ahead=data["days_ahead"],
    )


def my_calendar(request, principal: Principal):
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


# -- a referral's visits ---------------------------------------------------------------------------


def referral_panel(principal: Principal, referral) -> dict[str, Any]:
    """The visits panel of a referral's page (one Query on the by-referral index)."""
    from chalicelib.services import visit_reads

    panel = visit_reads.for_referral(principal, referral)
    panel["visits"] = [_display(v) for v in panel["visits"]]
    return panel


# -- scheduling a series from a referral -----------------------------------------------------------


def _referral(referral_id: str):
    from chalicelib.services import visits

    if not _ID.fullmatch(referral_id):
        raise NotFound("No referral with that id.")
    return visits.load_referral(referral_id, None)


def _plan_values(plan: dict[str, Any], today: date) -> dict[str, str]:
    """The form prefilled from the contact plan: the first preferred day on or after its start (and
    not in the past), at the first time its preferred times mention, its length, rhythm and end."""
    start = max(date.fromisoformat(plan["start_date"]), today) if plan.get("start_date") else today
    preferred = [WEEKDAYS.index(d) for d in plan.get("preferred_days") or [] if d in WEEKDAYS]
    if preferred:
        start = min(start + timedelta(days=(wd - start.weekday()) % 7) for wd in preferred)
    found = _TIME.search(plan.get("preferred_times") or "")
    time = f"{int(found.group(1)):02d}:{found.group(2)}" if found else "10:00"
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


def _series_page(principal, referral, values, *, status=200, errors=None, alert=None, problems=None):
    from chalicelib.services import visits, workers
    from chalicelib.services.referrals import view as referral_view

    errors = errors or {}
    plan = visits.contact_plan(referral)
    summary = referral_view(referral, full=False)
    frequency = plan.get("frequency") or {}
    return render(
        "visits_series_form.html",
        status,
        principal,
        referral=summary,
        plan={
            "type": CONTACT_TYPES.get(plan.get("type", ""), plan.get("type", "")),
            "how_often": f"{frequency.get('sessions', '?')} per {frequency.get('per', '?')}",
            "length": plan.get("session_length_minutes"),
            "days": ", ".join(d.capitalize() for d in plan.get("preferred_days") or []) or "None given",
            "times": plan.get("preferred_times") or "None given",
            "start": long_day(date.fromisoformat(plan["start_date"])) if plan.get("start_date") else "Not given",
            "end": long_day(date.fromisoformat(plan["end_date"])) if plan.get("end_date") else "Not given",
        },
        values=values,
        errors=errors,
        summary=error_summary(errors, lambda p: FIELD_LABELS.get(p, p.replace("_", " ").capitalize() or "The form")),
        alert=alert,
        problems=problems or [],
        field_id=field_id,
        repeats={r.value: REPEAT_LABELS[r] for r in Repeat},
        workers={w["worker_id"]: w["name"] for w in workers.worker_options()},
        max_series=MAX_SERIES,
    )


def series_form(request, principal: Principal, referral_id: str):
    """GET: the form, prefilled from the contact plan. POST: book the series, or re-show what was typed
    with each error beside its field (a clash lists every date that fails)."""
    from pydantic import ValidationError

    from chalicelib.domain.visits import NewSeries
    from chalicelib.services import visits
    from chalicelib.web.forms import errors_by_path

    referral = _referral(referral_id)
    if request.method == "GET":
        return _series_page(principal, referral, _plan_values(visits.contact_plan(referral), clock.today()))
    from chalicelib.web.http import check_body_size

    check_body_size(request)
    fields = form_fields(request)
    values = {
        name: first_value(fields, name).strip() for name in FIELD_LABELS if name not in ("participants", "more_starts")
    }
    data = {name: value for name, value in values.items() if value != ""}
    try:
        series = NewSeries.model_validate(data)
    except ValidationError as exc:
        return _series_page(principal, referral, values, status=422, errors=errors_by_path(exc))
    try:
        booked = visits.book_series(principal, referral.referral_id, series)
    except ValidationFailed as exc:
        errors = {f["path"]: f["message"] for f in exc.fields} or {"first_start": exc.message}
        return _series_page(principal, referral, values, status=422, errors=errors)
    except Conflict as exc:
        problems = [f["message"] for f in exc.fields]
        return _series_page(
            principal, referral, values, status=409, alert=exc.message if not problems else None, problems=problems
        )
    first = date.fromisoformat(booked["visits"][0]["date"])
    query = urlencode({"start": _monday(first).isoformat(), "done": "scheduled", "count": booked["count"]})
    return redirect(f"/visits/week?{query}")
