"""What the referral pages show and how their forms are read: labels, the form's repeated groups,
and one function per page that parses the request, calls the referral service and renders."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.referrals import (
    MAX_CHILDREN,
    MAX_FAMILY_MEMBERS,
    MAX_SESSIONS,
    RISK_FLAGS,
    SESSION_MINUTES,
    Amendment,
    ContactType,
    LegalStatus,
    OptionalComment,
    PlacementType,
    ReferralStatus,
    ReferralSubmission,
    Weekday,
    awaits_decision,
)
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.web.forms import (
    FormError,
    error_summary,
    errors_by_path,
    field_id,
    first_value,
    indexes,
    nest,
    without_indexes,
)
from chalicelib.web.http import check_body_size
from chalicelib.web.pages import form_fields, redirect, render, when

REVIEWERS = frozenset({Role.SUPERVISOR, Role.ADMIN})

# Inputs of the referral form that are not referral fields.
IDEMPOTENCY_FIELD = "idempotency_key"
ACTION_FIELD = "action"
CHECKBOXES = (*(f"risks.{flag}" for flag in RISK_FLAGS), "risks.confidential_address", "consent_confirmed")
MULTI_VALUE = ("contact.preferred_days",)
# The repeated groups: (list field, singular used in the "add_x" / "remove_x:N" actions, limit).
GROUPS = {"child": ("children", MAX_CHILDREN), "family_member": ("family_members", MAX_FAMILY_MEMBERS)}
_SECTIONS = ("referrer", "contact", "legal_basis", "risks")

LIST_LIMIT = 200
SORTS = {"submitted": "created_at", "updated": "updated_at"}
ORDERS = ("desc", "asc")
_REFERRAL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

# -- words shown for stored values --------------------------------------------------------------

STATUS_LABELS = {
    ReferralStatus.SUBMITTED: "Submitted",
    ReferralStatus.UNDER_REVIEW: "Under review",
    ReferralStatus.MORE_INFO_REQUESTED: "More information requested",
    ReferralStatus.ACCEPTED: "Accepted",
    ReferralStatus.DECLINED: "Declined",
    ReferralStatus.WITHDRAWN: "Withdrawn",
    ReferralStatus.LAPSED: "Lapsed",
    ReferralStatus.ACTIVE: "Active",
    ReferralStatus.CLOSED: "Closed",
}
STATUS_COLOURS = {
    ReferralStatus.SUBMITTED: "amber",
    ReferralStatus.UNDER_REVIEW: "amber",
    ReferralStatus.MORE_INFO_REQUESTED: "red",
    ReferralStatus.ACCEPTED: "green",
    ReferralStatus.ACTIVE: "green",
    ReferralStatus.DECLINED: "red",
    ReferralStatus.LAPSED: "red",
    ReferralStatus.WITHDRAWN: "grey",
    ReferralStatus.CLOSED: "grey",
}
LEGAL_STATUS_LABELS = {
    LegalStatus.VOLUNTARY_ACCOMMODATION: "Voluntary accommodation",
    LegalStatus.INTERIM_CARE_ORDER: "Interim care order",
    LegalStatus.CARE_ORDER: "Care order",
    LegalStatus.CHILD_ARRANGEMENTS_ORDER: "Child arrangements order",
    LegalStatus.OTHER: "Other",
}
PLACEMENT_LABELS = {
    PlacementType.FOSTER: "Foster care",
    PlacementType.KINSHIP: "Kinship care",
    PlacementType.RESIDENTIAL: "Residential home",
    PlacementType.LOCAL_AUTHORITY: "Other local-authority placement",
    PlacementType.OTHER: "Other",
}
CONTACT_TYPE_LABELS = {
    ContactType.SUPERVISED: ("Supervised", "a contact worker is present for the whole session"),
    ContactType.SUPPORTED: ("Supported", "a worker is nearby and checks in, but does not watch throughout"),
    ContactType.VIRTUAL: ("Virtual", "a supervised video or phone call"),
    ContactType.HANDOVER: ("Handover", "a worker hands the child over between the adults"),
}
PER_LABELS = {"week": "per week", "month": "per month"}
RISK_LABELS = {
    "domestic_abuse": "Domestic abuse",
    "substance_misuse": "Substance misuse",
    "mental_health": "Mental health",
    "abduction_risk": "Risk of abduction",
    "aggression": "Aggression or violence",
    "other": "Other (describe below)",
}
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
    "contact.type": "Type of contact",
    "contact.frequency": "How often",
    "contact.frequency.sessions": "Number of sessions",
    "contact.frequency.per": "Sessions per week or per month",
    "contact.session_length_minutes": "Length of each session",
    "contact.preferred_days": "Preferred days",
    "contact.preferred_times": "Preferred times",
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
}
ITEM_NAMES = {"children": "Child", "family_members": "Family member"}
DONE_MESSAGES = {
    "submitted": "Your referral has been submitted. A supervisor will review it and you will get an email "
    "when they decide or if they need more information.",
    "answered": "Your answer has been sent. The referral is back with the supervisor for review.",
    "withdrawn": "The referral has been withdrawn. Nobody will act on it.",
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


def _form_page(
    principal: Principal,
    values: dict[str, Any],
    key: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    notice: str | None = None,
    focus: str | None = None,
):
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
            max_children=MAX_CHILDREN,
            max_family_members=MAX_FAMILY_MEMBERS,
            max_sessions=MAX_SESSIONS,
            session_minutes=SESSION_MINUTES,
            legal_statuses=_labels(LegalStatus, LEGAL_STATUS_LABELS),
            placements=_labels(PlacementType, PLACEMENT_LABELS),
            contact_types=_labels(ContactType, CONTACT_TYPE_LABELS),
            pers=PER_LABELS,
            weekdays=[day.value for day in Weekday],
            risk_labels=RISK_LABELS,
            today=clock.today().isoformat(),
        ),
    )


def _idempotency_key(posted: str) -> str:
    """The form's key if it is one we made (a UUID); otherwise a fresh one."""
    try:
        return str(uuid.UUID(posted))
    except ValueError:
        return str(uuid.uuid4())


def _check_size(request) -> None:
    check_body_size(request, " Shorten the longest notes.")


def _parse_referral_form(fields: dict[str, list[str]]) -> dict[str, Any]:
    data = {name: values for name, values in fields.items() if name not in (IDEMPOTENCY_FIELD, ACTION_FIELD)}
    try:
        values = nest(data, checkboxes=CHECKBOXES, multi=MULTI_VALUE)
    except FormError as exc:
        raise BadRequest(f"{exc} Reload the form and try again.") from exc
    # The page reads these as objects and lists of objects; a value in their place was not sent by it.
    sections_ok = all(isinstance(values.setdefault(name, {}), dict) for name in _SECTIONS)
    groups_ok = all(
        isinstance(items := values.setdefault(group, []), list) and all(isinstance(item, dict) for item in items)
        for group, _ in GROUPS.values()
    )
    if not (sections_ok and groups_ok and isinstance(values["contact"].setdefault("frequency", {}), dict)):
        raise BadRequest("The form was not sent the way this page sends it. Reload the form and try again.")
    return values


def _apply_action(values: dict[str, Any], action: str) -> str | None:
    """Add or remove a child or family member; returns the id of the input to focus, if any."""
    verb, _, argument = action.partition("_")
    kind, _, index = argument.partition(":")
    if verb not in ("add", "remove") or kind not in GROUPS or (verb == "add") == bool(index):
        raise BadRequest("That button is not part of this form. Reload the form and try again.")
    group, limit = GROUPS[kind]
    items = values[group]
    if verb == "add":
        if len(items) < limit:
            items.append({})
        first = "first_name" if group == "children" else "name"
        return field_id(f"{group}[{len(items) - 1}].{first}")
    if not index.isdigit():
        raise BadRequest("That button is not part of this form. Reload the form and try again.")
    if len(items) > 1 and int(index) < len(items):
        del items[int(index)]
    return None


def _after_conflict(exc: Conflict, key: str) -> tuple[str, str]:
    """The key to carry on with, and what to tell the person."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyValidationError

    if isinstance(exc.__cause__, IdempotencyValidationError):
        # This form was submitted before and then changed (the Back button): the first
        # referral stands; a fresh key lets the person submit the changed one deliberately.
        return str(uuid.uuid4()), (
            "This form was already submitted once, before these changes, so nothing new was saved. "
            "Check My referrals first: pressing Submit again now makes a second, separate referral."
        )
    return key, exc.message


# -- the list -----------------------------------------------------------------------------------


# -- one referral -------------------------------------------------------------------------------


class WithdrawalForm(BaseModel):
    """The withdrawal form: the referrer confirms; the reason is optional and kept in the history."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    confirmed: bool = Field(default=False, validate_default=True)
    reason: OptionalComment = None

    @field_validator("confirmed")
    @classmethod
    def _must_confirm(cls, value: bool) -> bool:
        if not value:
            raise ValueError("Tick the box to confirm that you want to withdraw this referral")
        return value


def _check_id(referral_id: str) -> None:
    # Ids this service makes; anything else is not one, and is not worth a read.
    if not _REFERRAL_ID.fullmatch(referral_id):
        raise NotFound("No referral with that id.")


def _readable(principal: Principal, referral_id: str):
    from chalicelib.services import referrals

    _check_id(referral_id)
    return referrals.get_for(principal, referral_id)


def _detail_page(
    principal: Principal,
    referral,
    *,
    status: int = 200,
    notice: str | None = None,
    alert: str | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
):
    from chalicelib.services import referrals
    from chalicelib.web import visit_views

    data = referrals.view(referral)
    is_owner = referral.referrer_id == principal.user_id and Role.REFERRER in principal.roles
    open_question = next((q for q in reversed(data["questions"]) if not q["answer"]), None)
    errors = errors or {}
    return render(
        "referral_detail.html",
        status,
        principal,
        **_common(
            r=data,
            s=data["submission"],
            notice=notice,
            alert=alert,
            errors=errors,
            summary=error_summary(errors, field_label),
            typed=typed or {},
            is_reviewer=principal.has_any(REVIEWERS),
            can_answer=is_owner and referral.status == ReferralStatus.MORE_INFO_REQUESTED,
            can_withdraw=is_owner and awaits_decision(referral.status),
            open_question=open_question,
            legal_statuses=_labels(LegalStatus, LEGAL_STATUS_LABELS),
            placements=_labels(PlacementType, PLACEMENT_LABELS),
            contact_types=_labels(ContactType, CONTACT_TYPE_LABELS),
            pers=PER_LABELS,
            risk_labels=RISK_LABELS,
            visits_panel=visit_views.referral_panel(principal, referral),
        ),
    )


# -- the pages ----------------------------------------------------------------------------------


def new_referral(request, principal):
    from chalicelib.services import referrals

    if request.method == "GET":
        return _form_page(principal, blank_referral(principal), str(uuid.uuid4()))
    _check_size(request)
    fields = form_fields(request)
    key = _idempotency_key(first_value(fields, IDEMPOTENCY_FIELD))
    action = first_value(fields, ACTION_FIELD) or "submit"
    values = _parse_referral_form(fields)
    if action != "submit":
        focus = _apply_action(values, action)
        return _form_page(principal, values, key, focus=focus)
    try:
        submission = ReferralSubmission.model_validate(values, context={"today": clock.today()})
    except ValidationError as exc:
        return _form_page(principal, values, key, errors=errors_by_path(exc), status=422)
    try:
        created = referrals.submit(principal, submission, key, getattr(request, "lambda_context", None))
    except Conflict as exc:
        key, notice = _after_conflict(exc, key)
        return _form_page(principal, values, key, notice=notice, status=409)
    return redirect(f"/referrals/{created['id']}?done=submitted")


def referral_list(request, principal):
    from chalicelib.services import referrals

    query = request.query_params or {}
    status = query.get("status") or None
    sort = query.get("sort") or "submitted"
    order = query.get("order") or "desc"
    if status is not None and status not in ReferralStatus.__members__:
        raise BadRequest(f"There is no status '{status}'. Choose one from the list.")
    if sort not in SORTS or order not in ORDERS:
        raise BadRequest("Sort by 'submitted' or 'updated', in 'desc' or 'asc' order.")
    rows = referrals.list_for(principal, status, LIST_LIMIT)
    rows.sort(key=lambda row: row[SORTS[sort]] or "", reverse=order == "desc")
    return render(
        "referral_list.html",
        200,
        principal,
        **_common(
            rows=rows,
            chosen_status=status,
            sort=sort,
            order=order,
            statuses=[s.value for s in ReferralStatus],
            is_reviewer=principal.has_any(REVIEWERS),
            is_referrer=Role.REFERRER in principal.roles,
            truncated=len(rows) >= LIST_LIMIT,
            limit=LIST_LIMIT,
        ),
    )


def referral_detail(request, principal, referral_id: str):
    referral = _readable(principal, referral_id)
    done = (request.query_params or {}).get("done")
    return _detail_page(principal, referral, notice=DONE_MESSAGES.get(done or ""))


def answer_question(request, principal, referral_id: str):
    from chalicelib.services import referrals

    _check_size(request)
    _check_id(referral_id)
    answer = first_value(form_fields(request), "answer")
    try:
        amendment = Amendment.model_validate({"answer": answer})
    except ValidationError as exc:
        # The referral is read only to show the form again; the service checks ownership itself.
        referral = referrals.load_own(principal, referral_id)
        return _detail_page(principal, referral, status=422, errors=errors_by_path(exc), typed={"answer": answer})
    try:
        referrals.amend(principal, referral_id, amendment)
    except Conflict as exc:
        return _detail_page(principal, referrals.load(referral_id), status=409, alert=exc.message)
    return redirect(f"/referrals/{referral_id}?done=answered")


def withdraw_referral(request, principal, referral_id: str):
    from chalicelib.services import referrals

    _check_size(request)
    _check_id(referral_id)
    fields = form_fields(request)
    typed = {
        "confirmed": first_value(fields, "withdraw.confirmed") == "yes",
        "reason": first_value(fields, "withdraw.reason"),
    }
    try:
        form = WithdrawalForm.model_validate(typed)
    except ValidationError as exc:
        errors = {f"withdraw.{path}": message for path, message in errors_by_path(exc).items()}
        referral = referrals.load_own(principal, referral_id)
        return _detail_page(principal, referral, status=422, errors=errors, typed={"withdraw": typed})
    try:
        referrals.withdraw(principal, referral_id, form.reason)
    except Conflict as exc:
        return _detail_page(principal, referrals.load(referral_id), status=409, alert=exc.message)
    return redirect(f"/referrals/{referral_id}?done=withdrawn")
