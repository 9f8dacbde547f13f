"""A case's timeline in words: each audit event as one sentence naming who acted, and the rule of
what the referrer may see of it. Pure: the service reads the events and the facts the rule needs.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from chalicelib.domain.people import SYSTEM

SERVICE_LABEL = "The service"  # who did what the service did by itself (a timeout, a sweep, a step)

# What an action says after the name of who acted; `{item}` is the item ("the visit on 14 May 2026,
# 10:00"), `{approver}` the approval link's approver.
ACTION_WORDS: dict[str, str] = {
    "referral.submitted": "submitted the referral",
    "referral.review_started": "started the review of the referral",
    "referral.amended": "answered the supervisor's question",
    "referral.withdrawn": "withdrew the referral",
    "referral.lapsed": "closed the referral as lapsed: the information asked for did not come",
    "referral.activated": "made the case active: its first visit is booked",
    "referral.referrer_notified": "told the referrer of the decision",
    "referral.awaiting_answer": "started waiting for the referrer's answer",
    "referral.review_overdue": "reported the referral's review as overdue",
    "referral.suspended": "suspended the case",
    "referral.resumed": "resumed the case",
    "referral.closed": "closed the case",
    "referral.end_requested": "asked to end the case",
    "referral.end_request_declined": "declined the request to end the case",
    "visit.scheduled": "booked {item}",
    "visit.recorded_past": "recorded {item}, which had already happened",
    "visit.rescheduled": "moved {item}",
    "visit.reassigned": "gave {item} to another worker",
    "visit.cancelled": "cancelled {item}",
    "visit.at_risk": "flagged {item} as at risk",
    "visit.at_risk_cleared": "cleared the at-risk flag of {item}",
    "visit.reported": "recorded {item} as reported",
    "report.draft_started": "started writing {item}",
    "report.draft_saved": "saved a draft of {item}",
    "report.submitted": "submitted {item}",
    "report.handed_over": "handed {item} to another worker",
    "report.urgent_alerted": "sent the urgent alerts about {item}",
    "report.referrer_notified": "told the referrer {item} is ready",
    "report.awaiting_revision": "started waiting for the changes to {item}",
    "report.revision_overdue": "reported the changes to {item} as overdue",
    "report.review_overdue": "reported the review of {item} as overdue",
    "incident.recorded": "recorded {item}",
    "incident.critical_alerted": "alerted the duty supervisor to {item}, recorded as critical",
    "incident.referrer_told": "told the referrer {item} was recorded",
    "incident.referrer_notified": "told the referrer the decision on {item}",
    "incident.review_overdue": "reported the review of {item} as overdue",
    "case_review.recorded": "recorded {item}",
    "case_review.reminder_sent": "reminded the supervisors that the case review is due",
    "case_review.reminder_failed": "could not send the reminder that the case review is due",
    "case_review.schedule_closed": "stopped scheduling case reviews: the case has ended",
    "approval_link.issued": "emailed {approver} a link to decide {item}",
    "approval_link.retired": "ended an approval link of {item}",
    "approval_link.viewed": "opened the approval link of {item}",
    "approval_link.refused": "tried to open the approval link of {item} sent to {approver}, and was refused",
    "workflow.failed": "recorded that the review of {item} failed",
    "workflow.restarted": "restarted the review of {item}",
    "workflow.gave_up": "stopped retrying the review of {item}",
    "family_member.reminders_changed": "recorded a family member's answer about visit reminders",
    "family_reminder.sent": "sent a family member a reminder of {item}",
    "family_reminder.failed": "could not deliver a family member's reminder of {item}",
    "family_link.viewed": "opened their reminder of {item}",
    "family_link.answered": "answered their reminder of {item}",
    "family_link.retired": "ended a family member's reminder link of {item}",
}
# A decision says what was decided: the status it led to (an incident's: the decision itself).
DECISION_WORDS: dict[tuple[str, str], str] = {
    ("referral.decided", "ACCEPTED"): "accepted the referral",
    ("referral.decided", "DECLINED"): "declined the referral",
    ("referral.decided", "MORE_INFO_REQUESTED"): "asked the referrer for more information",
    ("report.decided", "APPROVED"): "approved {item}",
    ("report.decided", "CHANGES_REQUESTED"): "asked for changes to {item}",
    ("incident.decided", "continue"): "decided contact continues as planned after {item}",
    ("incident.decided", "change_conditions"): "changed the conditions of contact after {item}",
    ("incident.decided", "suspend"): "suspended the case after {item}",
    ("family_link.answered", "coming"): "confirmed they will come to {item}",
    ("family_link.answered", "cannot_come"): "said they cannot come to {item}",
}
# How an item is named when an action has no words of its own.
NOUNS = {
    "referral": "the referral",
    "visit": "a visit",
    "report": "a visit's report",
    "incident": "an incident",
    "case_review": "a case review",
}

# What the referrer may see: these actions only, with only these details. Nothing else reaches them:
# not drafts, reviews in progress, requests for changes (the supervisor's comments to the worker),
# urgent alerts (safeguarding details), approval links, at-risk flags or the workflow's steps; a
# report only once approved. An action added later stays hidden from them until it is listed here.
REFERRER_SEES: dict[str, tuple[str, ...]] = {
    "referral.submitted": (),
    "referral.decided": ("from", "to", "reason"),  # the reason or question was sent to them
    "referral.amended": ("from", "to"),
    "referral.withdrawn": ("from", "to", "reason"),
    "referral.lapsed": ("from", "to"),
    "referral.activated": ("from", "to"),
    "visit.scheduled": ("starts_at", "ends_at"),
    "visit.recorded_past": ("starts_at", "ends_at"),
    "visit.rescheduled": ("starts_at", "ends_at"),
    "visit.reassigned": (),
    "visit.cancelled": ("by",),
    "report.decided": ("to",),  # approvals only: see `referrer_view`
    # The case's status: each was emailed to the referrer with its reason.
    "referral.suspended": ("from", "to", "reason"),
    "referral.resumed": ("from", "to", "reason"),
    "referral.closed": ("from", "to", "reason"),
    "referral.end_requested": ("reason",),  # their own words
    "referral.end_request_declined": ("decline_reason",),
    # An incident: that one was recorded and what was decided, as their emails said; never what
    # happened, who was there or who recorded it.
    "incident.referrer_told": (),
    "incident.referrer_notified": ("decision",),
}
# Details that place the protected party: never shown to the referrer when the address is confidential.
WHEREABOUTS = frozenset({"starts_at", "ends_at", "venue"})


def who(actor: str, actor_name: str | None = None) -> str:
    """Who acted, as the timeline names them: their name ("Sam Patel"), their email where no name
    was recorded, and `SERVICE_LABEL` for what the service did itself."""
    if actor == SYSTEM:
        return SERVICE_LABEL
    return (actor_name or "").strip() or actor


def action_words(event: Mapping[str, Any], item: str) -> str:
    """What the event's actor did, after their name: "booked the visit on 14 May 2026, 10:00". An
    action no table names still says what it was and to which item: "recorded 'payment made' on the
    referral"."""
    entity, action = event["entity"], event["action"]
    changes = event.get("changes") or {}
    outcome = changes.get("to", changes.get("decision"))
    words = DECISION_WORDS.get((action, str(outcome))) or ACTION_WORDS.get(action)
    if words is None:
        plain = re.sub(r"[._]+", " ", action.removeprefix(f"{entity}.")).strip()
        return f"recorded '{plain}' on {item}"
    approver = changes.get("approver")
    return words.format(item=item, approver=approver if isinstance(approver, str) and approver else "its approver")


def sentence(event: Mapping[str, Any], item: str) -> str:
    """The event as one sentence: "Sam Patel booked the visit on 14 May 2026, 10:00"."""
    return f"{who(event['actor'], event.get('actor_name'))} {action_words(event, item)}"


def referrer_view(
    event: Mapping[str, Any], *, confidential: bool, approved_reports: Collection[str]
) -> dict[str, Any] | None:
    """The event as the referrer may see it, or None when they may not see it at all.

    Only the actions in `REFERRER_SEES`, each with only its listed details; a report's decision only
    when it approved the report and the report is still approved (`approved_reports`: the visit ids
    of the case's approved reports); the visit's times and venue never when the referral's address
    is `confidential`."""
    action = event["action"]
    if action not in REFERRER_SEES:
        return None
    changes = event.get("changes") or {}
    if event["entity"] == "report" and (changes.get("to") != "APPROVED" or event["id"] not in approved_reports):
        return None
    shown = {
        name: value
        for name, value in changes.items()
        if name in REFERRER_SEES[action] and not (confidential and name in WHEREABOUTS)
    }
    return {**event, "changes": shown}
