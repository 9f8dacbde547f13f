"""How the visit pages look: the words and dates a page shows for a visit, and one renderer per
page (the supervisor's week, the worker's "My visits", scheduling a series from a referral, recording
a visit that already happened, and the visits panel of a referral's page). `api.visit_pages` reads requests and calls services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.auth import Principal
from chalicelib.domain.date_words import clock, long_day, short_day, when
from chalicelib.domain.visit_series import MAX_SERIES
from chalicelib.domain.visits import REPEAT_LABELS, Repeat, VisitStatus
from chalicelib.web.forms import error_summary, field_id
from chalicelib.web.pages import render

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
    "start": "When it started",
    "end": "When it ended",
}
CONTACT_TYPES = {"supervised": "Supervised", "supported": "Supported", "virtual": "Virtual", "handover": "Handover"}


def display(visit: dict[str, Any]) -> dict[str, Any]:
    """A visit with the words and dates a page shows (never a status code)."""
    shown = dict(visit)
    status = VisitStatus(visit["status"])
    shown["status_label"] = status.label
    shown["status_colour"] = STATUS_COLOURS[status.value]
    shown["day_label"] = long_day(visit["date"])
    if visit["start"]:
        start, end = datetime.fromisoformat(visit["start"]), datetime.fromisoformat(visit["end"])
        shown["when_label"] = when(start)
        shown["time_label"] = f"{clock(start)}–{clock(end)}"
    else:
        shown["when_label"] = shown["day_label"]
        shown["time_label"] = "Time not shown"
    shown["who_label"] = ", ".join(visit["participants"].get("labels") or [])
    return shown


def plural(count: int, noun: str) -> str:
    """`1 visit`, `2 visits`: a count with its noun as people write it."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- the pages --------------------------------------------------------------------------------------


def week_page(principal: Principal, data: dict[str, Any], monday: date, today: date, notice: str | None):
    for row in data["rows"]:
        row["days"] = {day: [display(v) for v in cell] for day, cell in row["days"].items()}
    return render(
        "visits_week.html",
        principal=principal,
        week=data,
        title=f"Week of {long_day(monday)}",
        # Columns run Monday to Sunday; each day reads like every other date (no weekday names).
        days=[{"date": d, "label": short_day(d), "iso": d.isoformat()} for d in data["days"]],
        previous=(monday - timedelta(days=7)).isoformat(),
        next=(monday + timedelta(days=7)).isoformat(),
        this_week=monday_of(today).isoformat(),
        notice=notice,
    )


def my_visits_page(principal: Principal, data: dict[str, Any] | None):
    """`data` is None when the signed-in person has no worker record."""
    if data is None:
        return render("visits_mine.html", principal=principal, linked=False, upcoming=[], reports_due=[])
    return render(
        "visits_mine.html",
        principal=principal,
        linked=True,
        upcoming=[display(v) for v in data["upcoming"]],
        reports_due=[display(v) for v in data["reports_due"]],
        days_ahead=data["days_ahead"],
    )


def referral_panel(panel: dict[str, Any]) -> dict[str, Any]:
    """The visits panel of a referral's page, with the words each visit shows."""
    return {**panel, "visits": [display(v) for v in panel["visits"]]}


def _field_label(path: str) -> str:
    """How the booking forms' error summary names a field."""
    return FIELD_LABELS.get(path, path.replace("_", " ").capitalize() or "The form")


def series_page(
    principal: Principal,
    referral: dict[str, Any],
    plan: dict[str, Any],
    values: dict[str, str],
    workers: dict[str, str],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    alert: str | None = None,
    problems: list[str] | None = None,
):
    errors = errors or {}
    frequency = plan.get("frequency") or {}
    return render(
        "visits_series_form.html",
        status,
        principal,
        referral=referral,
        plan={
            "type": CONTACT_TYPES.get(plan.get("type", ""), plan.get("type", "")),
            "how_often": f"{frequency.get('sessions', '?')} per {frequency.get('per', '?')}",
            "length": plan.get("session_length_minutes"),
            "days": ", ".join(d.capitalize() for d in plan.get("preferred_days") or []) or "None given",
            "times": plan.get("preferred_times") or "None given",
            "start": long_day(plan.get("start_date")) or "Not given",
            "end": long_day(plan.get("end_date")) or "Not given",
        },
        values=values,
        errors=errors,
        summary=error_summary(errors, _field_label),
        alert=alert,
        problems=problems or [],
        field_id=field_id,
        repeats={r.value: REPEAT_LABELS[r] for r in Repeat},
        workers=workers,
        max_series=MAX_SERIES,
    )


def past_visit_page(
    principal: Principal,
    referral: dict[str, Any],
    values: dict[str, str],
    workers: dict[str, str],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    alert: str | None = None,
    problems: list[str] | None = None,
):
    """The form that records a visit of `referral` that already happened."""
    errors = errors or {}
    return render(
        "visits_past_form.html",
        status,
        principal,
        referral=referral,
        values=values,
        errors=errors,
        summary=error_summary(errors, _field_label),
        alert=alert,
        problems=problems or [],
        field_id=field_id,
        workers=workers,
    )
