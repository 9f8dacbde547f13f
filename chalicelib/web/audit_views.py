"""How the admin's audit log page looks: each event in words (who did what, to which item, when,
what changed), the filters and the link to the next page. It renders what `api.audit` read."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from chalicelib.auth import Principal
from chalicelib.domain import reports, visits
from chalicelib.domain.clearances import ClearanceKind
from chalicelib.domain.labels import REFERRAL_STATUS_LABELS, STATUS_LABELS, kind_label
from chalicelib.domain.people import trail_label
from chalicelib.web.pages import render

# The kinds of item the log can be filtered by, as people call them.
KINDS = {
    "referral": "Referral",
    "visit": "Visit",
    "report": "Visit report",
    "worker": "Worker",
    "referral_draft": "Referral draft",
    "user": "Person",
}
# Kinds whose ids people read in full (an email), not as the first characters of a long key.
WHOLE_IDS = {"user"}
# Where each kind of item that is not reviewed can be opened; each reviewed kind names its own page.
OTHER_LINKS = {"visit": "/visits/{id}/report"}


def item_links() -> dict[str, str]:
    from chalicelib.services.subjects import pages

    return {**OTHER_LINKS, **pages()}


# What an action says, after the actor's name ("Sam Okafor submitted the referral").
ACTION_WORDS = {
    "referral.submitted": "submitted the referral",
    "referral.review_started": "started the review",
    "referral.decided": "decided the referral",
    "referral.amended": "answered the supervisor's question",
    "referral.withdrawn": "withdrew the referral",
    "referral.lapsed": "closed the referral as lapsed",
    "referral.activated": "made the referral active",
    "referral.referrer_notified": "told the referrer of the decision",
    "referral.awaiting_answer": "started waiting for the referrer's answer",
    "referral.review_overdue": "reported the review as overdue",
    "referral_draft.saved": "saved a referral draft",
    "referral_draft.deleted": "deleted a referral draft",
    "referral_draft.submitted": "submitted a referral draft as a referral",
    "report.draft_started": "started the report",
    "report.draft_saved": "saved the report's draft",
    "report.submitted": "submitted the report",
    "report.decided": "decided the report",
    "report.referrer_notified": "told the referrer the report is ready",
    "report.awaiting_revision": "started waiting for the report's changes",
    "report.revision_overdue": "reported the report's changes as overdue",
    "report.urgent_alerted": "sent the urgent alerts",
    "report.review_overdue": "reported the report's review as overdue",
    "visit.scheduled": "booked the visit",
    "visit.rescheduled": "moved the visit",
    "visit.reassigned": "gave the visit to another worker",
    "visit.cancelled": "cancelled the visit",
    "visit.at_risk": "flagged the visit as at risk",
    "visit.reported": "recorded the visit's approved report",
    "workflow.failed": "recorded that the review's workflow failed",
    "approval_link.issued": "emailed an approval link",
    "approval_link.retired": "ended an approval link",
    "approval_link.viewed": "opened an approval link",
    "approval_link.refused": "was refused an approval link sent to someone else",
    "created": "added the worker",
    "clearance_recorded": "recorded a clearance",
    "clearance_renewed": "recorded a renewed clearance",
    "clearance_renewal_applied": "recorded a renewal application",
    "clearance_updated": "updated a clearance",
}
# How the names in an event's changes read.
CHANGE_NAMES = {
    "from": "From",
    "to": "To",
    "status": "Status",
    "reason": "Reason",
    "decision": "Decision",
    "comment": "Comment",
    "kind": "Clearance",
    "issued_on": "Issued on",
    "expires_on": "Expires on",
    "renewal_applied_on": "Renewal applied for on",
    "verified_on": "Original seen on",
    "error": "Error",
    "execution": "Workflow run",
    "version": "Version",
    "report_version": "Report version",
    "sections": "Sections written",
    "name": "Name",
    "email": "Email",
    "role": "Job role",
    "worker_id": "Worker",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "venue": "Venue",
    "children": "Children",
    "referral": "Referral",
    "approver": "Link sent to",
    "signed_in_as": "Signed in as",
    "shown": "Page shown",
}
_STATUS_WORDS: dict[str, str] = {
    **{str(s): label for s, label in visits.STATUS_LABELS.items()},
    **{str(s): label for s, label in reports.STATUS_LABELS.items()},
    **{str(s): label for s, label in STATUS_LABELS.items()},
    **{str(s): label for s, label in REFERRAL_STATUS_LABELS.items()},
}
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def action_words(entity: str, action: str) -> str:
    """`referral.submitted` -> `submitted the referral`; an action not named yet in plain words."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    generic = action.split(".", 1)[1] if action.startswith(f"{entity}.") else action
    if f"{entity}.{generic}" in ACTION_WORDS:
        return ACTION_WORDS[f"{entity}.{generic}"]
    return re.sub(r"[._]+", " ", generic).strip()


def value_words(name: str, value: Any) -> str:
    """A changed value as people read it: statuses by their label, dates and times in our format."""
    from chalicelib.domain.date_words import long_day, when

    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value_words(name, item) for item in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{name_words(k)}: {value_words(k, v)}" for k, v in value.items()) or "none"
    text = str(value)
    if text in _STATUS_WORDS:
        return _STATUS_WORDS[text]
    if name == "kind" and text in {k.value for k in ClearanceKind}:
        return kind_label(text)
    if _MOMENT.fullmatch(text[:16]) and len(text) > 10:
        return when(text)
    if _DAY.fullmatch(text):
        return long_day(text)
    if re.fullmatch(r"[a-z]+(_[a-z]+)+|[A-Z]+(_[A-Z]+)+", text):
        return text.replace("_", " ").lower()
    return text


def name_words(name: str) -> str:
    return CHANGE_NAMES.get(name, name.replace("_", " ").capitalize())


def event_words(event: dict[str, Any]) -> dict[str, Any]:
    """One event as the page shows it."""
    entity, item_id = event["entity"], event["id"]
    link = item_links().get(entity)
    changes = event.get("changes") or {}
    # A referral goes by the reference people see on its page and in emails.
    reference = _reference(item_id) if entity == "referral" else None
    shown = reference or (item_id[:8] if len(item_id) > 12 and entity not in WHOLE_IDS else item_id)
    return {
        **event,
        "who": trail_label(event["actor"], event.get("actor_name")),
        "what": action_words(entity, event["action"]),
        "item": f"{KINDS.get(entity, entity.capitalize())} {shown}",
        "item_link": link.format(id=item_id) if link else None,
        "filter_link": "/audit?" + urlencode({"kind": entity, "id": reference or item_id}),
        "changes_words": [(name_words(k), value_words(k, v)) for k, v in changes.items()],
    }


def _reference(referral_id: str) -> str | None:
    from chalicelib.domain.referral_reference import human_reference

    try:
        return human_reference(referral_id)
    except ValueError:  # not an id this service made
        return None


def audit_page(
    principal: Principal,
    events: list[dict[str, Any]],
    *,
    kind: str,
    item_id: str,
    day: str,
    next_cursor: str | None,
    error: str | None = None,
    status: int = 200,
):
    filters = {"kind": kind, "id": item_id} if kind and item_id else {"day": day}
    next_link = "/audit?" + urlencode({**filters, "cursor": next_cursor}) if next_cursor else None
    return render(
        "audit.html",
        status,
        principal,
        events=[event_words(e) for e in events],
        kinds=KINDS,
        kind=kind,
        item_id=item_id,
        day=day,
        by_item=bool(kind and item_id),
        next_link=next_link,
        error=error,
    )
