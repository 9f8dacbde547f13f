"""How one visit's pages look: the visit with its briefing, the move, reassign and cancel forms, and
the supervisor's at-risk list. `api.visit_action_pages` reads requests and calls services."""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.auth import Principal, Role
from chalicelib.domain.date_words import long_day
from chalicelib.domain.visits import CANCELLED_BY_LABELS, VisitStatus
from chalicelib.web.forms import error_summary, field_id
from chalicelib.web.pages import render
from chalicelib.web.visit_views import display

# The `done` word each action leaves in the address it returns to, and what that page then says.
DONE = {"move": "moved", "reassign": "reassigned", "cancel": "cancelled"}
DONE_NOTICES = {
    "moved": "The visit was moved.",
    "reassigned": "The visit was reassigned.",
    "cancelled": "The visit was cancelled.",
    "recorded": "The visit that already happened was recorded. Its worker can now write the report.",
}
ACTIONS = {
    "move": {"title": "Move the visit", "button": "Move the visit", "template": "visit_move.html"},
    "reassign": {"title": "Reassign the visit", "button": "Reassign the visit", "template": "visit_reassign.html"},
    "cancel": {"title": "Cancel the visit", "button": "Cancel the visit", "template": "visit_cancel.html"},
}
FIELD_LABELS = {
    "start": "New start",
    "end": "New start",
    "venue": "Venue",
    "worker_id": "Contact worker",
    "cancelled_by": "Who cancelled",
    "reason": "Why",
}


def done_notice(done: str | None) -> str | None:
    """What a visits page says after an action sent the supervisor back to it."""
    return DONE_NOTICES.get(done or "")


def visit_page(principal: Principal, page: dict[str, Any], done: str | None):
    from chalicelib.services.families import visit_panel
    from chalicelib.services.incidents import shown_beside_visit

    visit = display(page["visit"])
    return render(
        "visit_page.html",
        principal=principal,
        incidents=shown_beside_visit(principal, visit["id"]),
        family_answers=visit_panel(visit["id"]),
        incident_form=visit["status"] != VisitStatus.CANCELLED,
        incident_values={"idempotency_key": uuid.uuid4().hex},
        v=visit,
        page=page,
        briefing=page["briefing"],
        notice=done_notice(done),
        can_change=principal.has_any(frozenset({Role.SUPERVISOR})) and visit["status"] == VisitStatus.SCHEDULED,
        is_assigned_worker=not principal.has_any(frozenset({Role.SUPERVISOR})),
    )


def at_risk_page(principal: Principal, data: dict[str, Any], done: str | None):
    return render(
        "visits_at_risk.html",
        principal=principal,
        visits=[display(v) for v in data["visits"]],
        until=long_day(data["until"]),
        notice=done_notice(done),
    )


def action_page(
    principal: Principal,
    action: str,
    visit: dict[str, Any],
    values: dict[str, str],
    back: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    alert: str | None = None,
):
    """One action's form (move, reassign or cancel), with what was typed and the answer it got."""
    errors = errors or {}
    context: dict[str, Any] = {}
    if action == "reassign":
        from chalicelib.services import worker_availability

        context["workers"] = _worker_choices(worker_availability.for_visit(visit["id"]), visit)
    if action == "cancel":
        context["cancelled_by"] = {by.value: label for by, label in CANCELLED_BY_LABELS.items()}
    return render(
        ACTIONS[action]["template"],
        status,
        principal,
        action=ACTIONS[action],
        v=display(visit),
        values=values,
        back=back,
        errors=errors,
        summary=error_summary(errors, lambda p: FIELD_LABELS.get(p, "The form")),
        alert=alert,
        field_id=field_id,
        **context,
    )


def _worker_choices(options: list[dict[str, Any]], visit: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The picker's choices, those who can take the visit first: each worker's name, and under it
    whether they are compliant on the visit's day and free at its time, in words."""
    day = long_day(visit["date"])
    ranked = sorted(options, key=lambda o: (o["current"], not (o["compliant"] and o["free"]), o["name"].casefold()))
    choices = {}
    for option in ranked:
        facts = [
            f"Compliant on {day}" if option["compliant"] else f"Not compliant on {day}: {'; '.join(option['reasons'])}"
        ]
        facts.append("free at that time" if option["free"] else f"busy: another visit {option['busy_with']}")
        name = option["name"] + (" (assigned now)" if option["current"] else "")
        choices[option["worker_id"]] = (name, ", ".join(facts))
    return choices
