"""Reading the referral pages' posted forms: the referral form with its repeated groups and
buttons, the withdrawal form and the supervisor's decision form."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.domain.referral_form import (
    MAX_CHILDREN,
    MAX_FAMILY_MEMBERS,
    RISK_FLAGS,
    OptionalComment,
    ReferralSubmission,
)
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.web.forms import FormError, field_id, nest

# Inputs of the referral form that are not referral fields.
IDEMPOTENCY_FIELD = "idempotency_key"
ACTION_FIELD = "action"
CHECKBOXES = (*(f"risks.{flag}" for flag in RISK_FLAGS), "risks.confidential_address", "consent_confirmed")
MULTI_VALUE = ("contact.preferred_days",)
# The repeated groups: (list field, singular used in the "add_x" / "remove_x:N" actions, limit).
GROUPS = {"child": ("children", MAX_CHILDREN), "family_member": ("family_members", MAX_FAMILY_MEMBERS)}
_SECTIONS = ("referrer", "contact", "legal_basis", "risks")
SAVE_DRAFT = "save_draft"
SUBMIT = "submit"  # send the referral (the check page's "Send referral"; also what a form without a button does)
CONTINUE = "continue"  # the form's main button: every error at once, or the answers to check
CHANGE = "change"  # the check page's "Change": the form again, as typed
# Every input the referral form has (list indexes left out): all a draft may hold.
FORM_INPUTS = frozenset(
    {
        *(f"referrer.{name}" for name in ("name", "email", "phone", "organisation", "team")),
        *(
            f"children.{name}"
            for name in (
                "first_name",
                "last_name",
                "date_of_birth",
                "legal_status",
                "placement_type",
                "needs_notes",
                "interpreter_language",
            )
        ),
        *(
            f"family_members.{name}"
            for name in ("name", "relationship", "phone", "email", "interpreter_language", "safety_notes")
        ),
        *(
            f"contact.{name}"
            for name in (
                "type",
                "frequency.sessions",
                "frequency.per",
                "session_length_minutes",
                "preferred_days",
                "preferred_times",
                "brought_by",
                "collected_by",
                "start_date",
                "end_date",
            )
        ),
        *(f"legal_basis.{name}" for name in ("court_order", "reference", "court", "date_made")),
        *(f"risks.{name}" for name in (*RISK_FLAGS, "details", "confidential_address", "carer_address")),
        "consent_confirmed",
        "funding_reference",
    }
)
_DRAFT_ID = re.compile(r"[0-9a-f]{32}")
_REFERRAL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_INDEX = re.compile(r"[0-9]{1,3}")  # ASCII: `str.isdigit` also takes `²`, which `int` refuses


def check_id(referral_id: str) -> None:
    # Ids this service makes; anything else is not one, and is not worth a read.
    if not _REFERRAL_ID.fullmatch(referral_id):
        raise NotFound("No referral with that id.")


def check_draft_id(draft_id: str) -> None:
    if not _DRAFT_ID.fullmatch(draft_id):
        raise NotFound("No draft with that id.")


def _input_paths(value: Any, path: str = ""):
    """The form inputs `value` (as `parse_referral_form` gives it) holds, without list indexes."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _input_paths(inner, f"{path}.{name}" if path else name)
    elif isinstance(value, list) and path not in MULTI_VALUE:
        for item in value:
            yield from _input_paths(item, path)
    else:
        yield path


def check_draft(values: dict[str, Any]) -> None:
    """A draft is kept as typed, unvalidated: only what the form has, and no more items than it shows."""
    if not set(_input_paths(values)) <= FORM_INPUTS:
        raise BadRequest("The form has an input this page does not have. Reload the form and try again.")
    for group, limit in GROUPS.values():
        if len(values[group]) > limit:
            raise BadRequest(
                f"A referral can include up to {limit} {group.replace('_', ' ')}. Reload the form and try again."
            )


def idempotency_key(posted: str) -> str:
    """The form's key if it is one we made (a UUID); otherwise a fresh one."""
    try:
        return str(uuid.UUID(posted))
    except ValueError:
        return str(uuid.uuid4())


def parse_referral_form(fields: dict[str, list[str]]) -> dict[str, Any]:
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


def validated(values: dict[str, Any]) -> tuple[ReferralSubmission | None, dict[str, str]]:
    """The form's values (as `parse_referral_form` gives them) as a submission as of today; or
    None and every error, by the path of its input."""
    from chalicelib import clock
    from chalicelib.web.forms import errors_by_path

    try:
        return ReferralSubmission.model_validate(values, context={"today": clock.today()}), {}
    except ValidationError as exc:
        return None, errors_by_path(exc)


def apply_action(values: dict[str, Any], action: str) -> str | None:
    """Add or remove a child or family member; returns the id of the input to focus, if any."""
    verb, _, argument = action.partition("_")
    if action == SAVE_DRAFT:
        return None
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
    if not _INDEX.fullmatch(index):
        raise BadRequest("That button is not part of this form. Reload the form and try again.")
    if len(items) > 1 and int(index) < len(items):
        del items[int(index)]
    return None


def after_conflict(exc: Conflict, key: str) -> tuple[str, str]:
    """The key to carry on with, and what to tell the person."""
    from chalicelib.services.referrals import KeyReused

    if isinstance(exc, KeyReused):
        # This form was submitted before and then changed (the Back button): the first
        # referral stands; a fresh key lets the person submit the changed one deliberately.
        return str(uuid.uuid4()), (
            "This form was already submitted once, before these changes, so nothing new was saved. "
            "Check My referrals first: sending it again now makes a second, separate referral."
        )
    return key, exc.message


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


def check_answers(principal, values: dict, key: str, action: str, draft: dict | None = None):
    """The form's "Continue" and the check page's "Change", on a new form or on a draft (`draft`, as
    `services.referral_drafts.view` gives it). Continue shows the form again with every error
    (422), or the answers to check before sending; Change shows the form again as typed. Neither
    creates a referral: only the check page's "Send referral" (the form's submit) does."""
    from chalicelib.web.referral_views import check_page, form_page

    if action == CHANGE:
        return form_page(principal, values, key, draft=draft)
    submission, errors = validated(values)
    if submission is None:
        return form_page(principal, values, key, errors=errors, status=422, draft=draft)
    return check_page(principal, submission.model_dump(mode="json"), values, key, draft=draft)
