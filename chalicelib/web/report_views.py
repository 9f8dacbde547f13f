"""How the report page looks: the words for stored values, the error summary's labels, and the
page's renderer. `api.report_pages` reads requests and calls services; this module only renders."""

from __future__ import annotations

from typing import Any

from chalicelib.auth import Principal
from chalicelib.domain.reports import (
    ATTENDANCE_LABELS,
    DETAILS_MAX,
    OBSERVATIONS_MAX,
    SECTION_MAX,
    SUPERVISION_LABELS,
    ReportStatus,
)
from chalicelib.domain.visits import CANCELLED_BY_LABELS
from chalicelib.web.forms import error_summary, field_id, without_indexes
from chalicelib.web.pages import render

FIELD_LABELS = {
    "attendance": "Attendance",
    "attendance.participant": "Participant",
    "attendance.attendance": "Attendance",
    "attendance.minutes_late": "Minutes late",
    "attendance.cancelled_by": "Cancelled by",
    "brought_by": "Who brought the child",
    "actual_start": "Actual start",
    "actual_end": "Actual end",
    "supervision_level": "Level of supervision",
    "observations": "Observations",
    "child_presentation": "How the child presented",
    "interaction_quality": "Quality of the interaction",
    "interventions": "Interventions by staff",
    "positive_moments": "Positive moments",
    "concerns": "Concerns",
    "safeguarding_concern": "Safeguarding concern",
    "safeguarding_details": "Details of the safeguarding concern",
    "critical_incident": "Critical incident",
    "critical_incident_details": "Details of the critical incident",
    "ended_early": "Visit ended early",
    "ended_early_reason": "Why the visit ended early",
    "recommendations": "Recommendations",
    "decide.decision": "Decision",
    "decide.comment": "Changes needed",
}
DONE_MESSAGES = {
    "saved": "Your draft is saved. Submit it when it is complete.",
    "submitted": "Your report has been submitted. A supervisor will read it; you will get an email if they ask for changes.",
    "decided": "Your decision has been recorded. The emailed links for this report no longer work.",
}
LIMITS = {"observations": OBSERVATIONS_MAX, "section": SECTION_MAX, "details": DETAILS_MAX}


def field_label(path: str) -> str:
    plain = without_indexes(path)
    return FIELD_LABELS.get(plain) or plain.replace("_", " ").capitalize()


def report_page(
    principal: Principal,
    *,
    visit: dict[str, Any],
    report: dict[str, Any] | None,
    can_write: bool,
    can_decide: bool,
    decision_labels: dict[str, str],
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
    notice: str | None = None,
    alert: str | None = None,
    http_status: int = 200,
):
    """`report` is the report as the service views it for this person (None before the first save)."""
    errors = errors or {}
    status = ReportStatus((report or {}).get("status") or ReportStatus.DRAFT.value)
    participants = (report or {}).get("participants") or visit["participant_keys"]
    draft = values if values is not None else ((report or {}).get("draft") or {})
    if values is None and report is None and can_write:  # a new report starts from the family's answers
        from chalicelib.services.families import attendance_to_confirm

        draft = {"attendance": attendance_to_confirm(visit["id"])}
    shown_attendance = {entry.get("participant"): entry for entry in draft.get("attendance") or []}
    from chalicelib.services.incidents import shown_beside_visit

    return render(
        "report_page.html",
        http_status,
        principal,
        incidents=shown_beside_visit(principal, visit["id"]),
        visit=visit,
        report=report,
        report_status=status,
        status_label=status.label,
        participants=participants,
        draft=draft,
        attendance=shown_attendance,
        can_write=can_write,
        can_decide=can_decide,
        decision_labels=decision_labels,
        errors=errors,
        summary=error_summary(errors, field_label),
        typed=typed or {},
        notice=notice,
        alert=alert,
        field_id=field_id,
        focus=None,
        attendance_labels={k.value: v for k, v in ATTENDANCE_LABELS.items()},
        cancelled_by_labels={k.value: v for k, v in CANCELLED_BY_LABELS.items()},
        supervision_labels={k.value: v for k, v in SUPERVISION_LABELS.items()},
        limits=LIMITS,
    )
