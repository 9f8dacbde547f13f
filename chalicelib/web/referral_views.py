"""How the referral pages look: the words shown for stored values, the error summary's labels,
and one renderer per page. The handlers in `api.referral_pages` read requests and call services;
this module only renders what they hand it."""

from __future__ import annotations

from typing import Any

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.date_words import when
from chalicelib.domain.labels import (
    CONTACT_TYPE_LABELS,
    LEGAL_STATUS_LABELS,
    PER_LABELS,
    PLACEMENT_LABELS,
    RISK_LABELS,
    STATUS_COLOURS,
)
from chalicelib.domain.labels import REFERRAL_STATUS_LABELS as STATUS_LABELS
from chalicelib.domain.referral_form import (
    DRAFT_DAYS,
    MAX_CHILDREN,
    MAX_FAMILY_MEMBERS,
    MAX_SESSIONS,
    SESSION_MINUTES,
    ContactType,
    LegalStatus,
    PlacementType,
    Weekday,
)
from chalicelib.domain.referrals import ReferralStatus, awaits_decision
from chalicelib.web.case_status_views import CASE_STATUS_MESSAGES
from chalicelib.web.forms import error_summary, field_id, flatten, indexes, without_indexes
from chalicelib.web.pages import render

REVIEWERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
LIST_LIMIT = 200
SORTS = {"submitted": "created_at", "updated": "updated_at"}
ORDERS = ("desc", "asc")

# -- words shown for stored values --------------------------------------------------------------

# How the error summary names each input (paths without their indexes).
FIELD_LABELS = {
    "referrer.name": "Your name",
    "referrer.email": "Your work email",
    "referrer.phone": "Your work phone",
    "referrer.organisation": "Organisation",
    "referrer.team": "Team",
    "children": "Children",
    "children.first_name": "First name",
    "children.last_name": "Last name",
    "children.date_of_birth": "Date of birth",
    "children.legal_status": "Legal status",
    "children.placement_type": "Placement",
    "children.needs_notes": "Needs, disability or communication",
    "children.interpreter_language": "Interpreter language",
    "family_members": "Family members",
    "family_members.name": "Full name",
    "family_members.relationship": "Relationship",
    "family_members.phone": "Phone",
    "family_members.email": "Email",
    "family_members.interpreter_language": "Interpreter language",
    "family_members.safety_notes": "Safety notes",
    "family_members.reminders": "Visit reminders",
    "family_members.preferred_channel": "How reminders reach them",
    "contact.type": "Type of contact",
    "contact.frequency": "How often",
    "contact.frequency.sessions": "Number of sessions",
    "contact.frequency.per": "Sessions per week or per month",
    "contact.session_length_minutes": "Length of each session",
    "contact.preferred_days": "Preferred days",
    "contact.preferred_times": "Preferred times",
    "contact.brought_by": "Who brings the child",
    "contact.collected_by": "Who collects the child",
    "contact.start_date": "Start date",
    "contact.end_date": "End date",
    "legal_basis.court_order": "Court order",
    "legal_basis.reference": "Court order reference",
    "legal_basis.court": "Court that made the order",
    "legal_basis.date_made": "Date the order was made",
    **{f"risks.{flag}": f"Risk: {label}" for flag, label in RISK_LABELS.items()},
    "risks.details": "Details of the risks",
    "risks.confidential_address": "Confidential address",
    "risks.carer_address": "Carer's address",
    "consent_confirmed": "Consent",
    "funding_reference": "Funding reference",
    "answer": "Your answer",
    "withdraw.reason": "Reason",
    "withdraw.confirmed": "Confirmation",
    "decide.decision": "Decision",
    "decide.comment": "Reason or question",
    "review.attendance": "Attendance so far",
    "review.concerns": "Concerns",
    "review.continues_as_planned": "Does contact continue as planned?",
    "review.plan_changes": "Changes to the plan",
}
ITEM_NAMES = {"children": "Child", "family_members": "Family member"}
DONE_MESSAGES = {
    "submitted": "Your referral has been submitted. A supervisor will review it and you will get an email "
    "when they decide or if they need more information.",
    "answered": "Your answer has been sent. The referral is back with the supervisor for review.",
    "withdrawn": "The referral has been withdrawn. Nobody will act on it.",
    "decided": "Your decision has been recorded. The referrer is told automatically, and the emailed links "
    "for this referral no longer work.",
    "reviewed": "The case review has been recorded. The next review is due in the period the service sets, "
    "and the supervisors are reminded before then.",
    **CASE_STATUS_MESSAGES,
    "family_reminders": "The family member's reminder choice has been recorded.",
}


def _labels(enum: type, known: dict) -> dict[str, Any]:
    """Every member of `enum` with its label (a new member shows its value until it has one)."""
    return {member.value: known.get(member, member.value.replace("_", " ").capitalize()) for member in enum}


def field_label(path: str) -> str:
    """The input at `path` as the error summary names it: `children[1].last_name` -> `Child 2: Last name`."""
    plain = without_indexes(path)
    label = FIELD_LABELS.get(plain) or plain.replace(".", " ").replace("_", " ").capitalize() or "The form"
    group, numbers = plain.split(".")[0], indexes(path)
    if group in ITEM_NAMES and numbers:
        item = f"{ITEM_NAMES[group]} {numbers[0] + 1}"
        return item if plain == group else f"{item}: {label}"
    return label


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "grey")


def _answer_words() -> dict[str, Any]:
    """The words for stored values that the form and the answers (`_referral_answers.html`) read."""
    return {
        "legal_statuses": _labels(LegalStatus, LEGAL_STATUS_LABELS),
        "placements": _labels(PlacementType, PLACEMENT_LABELS),
        "contact_types": _labels(ContactType, CONTACT_TYPE_LABELS),
        "pers": PER_LABELS,
        "risk_labels": RISK_LABELS,
    }


def _common(**context: Any) -> dict[str, Any]:
    return {
        "status_label": status_label,
        "status_colour": status_colour,
        "when": when,
        "field_id": field_id,
        **context,
    }


# -- the referral form --------------------------------------------------------------------------


def blank_referral(principal: Principal) -> dict[str, Any]:
    """A new form: the referrer is the signed-in person; one child and one family member."""
    name = principal.name if principal.name and principal.name != principal.email else ""
    return {
        "referrer": {"name": name, "email": principal.email},
        "children": [{}],
        "family_members": [{}],
        "contact": {"frequency": {}, "preferred_days": []},
        "legal_basis": {},
        "risks": {},
    }


def form_page(
    principal: Principal,
    values: dict[str, Any],
    key: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    notice: str | None = None,
    focus: str | None = None,
    draft: dict[str, Any] | None = None,
):
    """`draft`: the saved draft this form continues (as `services.referral_drafts.view` gives it)."""
    errors = errors or {}
    return render(
        "referral_form.html",
        status,
        principal,
        **_common(
            values=values,
            errors=errors,
            summary=error_summary(errors, field_label),
            idempotency_key=key,
            notice=notice,
            focus=focus,
            draft=draft,
            draft_days=DRAFT_DAYS,
            form_action=_form_action(draft),
            max_children=MAX_CHILDREN,
            max_family_members=MAX_FAMILY_MEMBERS,
            max_sessions=MAX_SESSIONS,
            session_minutes=SESSION_MINUTES,
            weekdays=[day.value for day in Weekday],
            today=clock.today().isoformat(),
            **_answer_words(),
        ),
    )


def check_page(
    principal: Principal,
    answers: dict[str, Any],
    values: dict[str, Any],
    key: str,
    *,
    draft: dict[str, Any] | None = None,
):
    """The "check your answers" page: `answers` (the form's submission, validated, as JSON)
    section by section, each with a "Change" button, and "Send referral". The form's `values` as typed ride
    along as hidden inputs, so Change shows the form again and Send submits it, both unchanged."""
    return render(
        "referral_check.html",
        200,
        principal,
        **_common(
            s=answers,
            hidden=flatten(values),
            idempotency_key=key,
            draft=draft,
            form_action=_form_action(draft),
            **_answer_words(),
        ),
    )


def _form_action(draft: dict[str, Any] | None) -> str:
    """Where the form posts: the draft it continues, or a new form."""
    return f"/referrals/drafts/{draft['id']}" if draft else "/referrals/new"


# -- the list -----------------------------------------------------------------------------------


def list_page(
    principal: Principal,
    rows: list[dict],
    *,
    status: str | None,
    sort: str,
    order: str,
    search: str = "",
    drafts: list[dict] | None = None,
):
    return render(
        "referral_list.html",
        200,
        principal,
        **_common(
            rows=rows,
            drafts=drafts or [],
            chosen_status=status,
            search=search,
            sort=sort,
            order=order,
            statuses=[s.value for s in ReferralStatus],
            is_reviewer=principal.has_any(REVIEWERS),
            is_referrer=Role.REFERRER in principal.roles,
            truncated=len(rows) >= LIST_LIMIT,
            limit=LIST_LIMIT,
        ),
    )


# -- one referral -------------------------------------------------------------------------------


def detail_page(
    principal: Principal,
    data: dict[str, Any],
    *,
    owner_id: str,
    decision_labels: dict[str, str],
    http_status: int = 200,
    notice: str | None = None,
    alert: str | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
    visits_panel: dict[str, Any] | None = None,
    case_reviews: dict[str, Any] | None = None,
    case_timeline: dict[str, Any] | None = None,
    case_status: dict[str, Any] | None = None,
    case_family: dict[str, Any] | None = None,
):
    """`data` is the referral as the service views it; `owner_id` the referrer who made it;
    `visits_panel` its visits as `web.visit_views.referral_panel` shows them; `case_timeline` its
    timeline as `web.timeline_views.panel` shows it."""
    referral_status = data["status"]
    is_owner = owner_id == principal.user_id and Role.REFERRER in principal.roles
    is_reviewer = principal.has_any(REVIEWERS)
    entered = [h["at"] for h in data["history"] if h["to"] == referral_status]
    open_question = next((q for q in reversed(data["questions"]) if not q["answer"]), None)
    errors = errors or {}
    return render(
        "referral_detail.html",
        http_status,
        principal,
        **_common(
            r=data,
            s=data["submission"],
            notice=notice,
            alert=alert,
            errors=errors,
            summary=error_summary(errors, field_label),
            typed=typed or {},
            is_reviewer=is_reviewer,
            can_decide=is_reviewer and referral_status == ReferralStatus.UNDER_REVIEW,
            decision_labels=decision_labels,
            waiting_since=entered[-1] if entered else None,
            can_answer=is_owner and referral_status == ReferralStatus.MORE_INFO_REQUESTED,
            can_withdraw=is_owner and awaits_decision(referral_status),
            open_question=open_question,
            visits_panel=visits_panel,
            case_reviews=case_reviews,
            case_timeline=case_timeline,
            case_status=case_status,
            case_family=case_family,
            **_answer_words(),
        ),
    )
