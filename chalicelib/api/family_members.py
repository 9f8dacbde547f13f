"""A family member's reminder choice through the API (supervisor, admin): the same input and
rules as the case page's form (`services.families`)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route

routes = Blueprint(__name__)

STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})
MAX_MEMBER_DIGITS = 2  # a referral has at most ten family members


@api_route(
    routes,
    "/v1/referrals/{referral_id}/family-members/{member}/reminders",
    "PUT",
    roles=STAFF,
    body="chalicelib.services.families:ReminderChoice",
    example={"reminders": True, "preferred_channel": "email"},
    summary="Record whether a family member agreed to visit reminders, and by which channel",
    response=outputs.FamilyReminderChoice,
)
def put_reminder_choice(call: Call):
    from pydantic import ValidationError

    from chalicelib.api.referral_forms import check_id
    from chalicelib.domain.validation import field_errors
    from chalicelib.errors import NotFound, ValidationFailed
    from chalicelib.services import families

    referral_id, member = call.params["referral_id"], call.params["member"]
    check_id(referral_id)
    if not (member.isdigit() and len(member) <= MAX_MEMBER_DIGITS):
        raise NotFound("No such family member on this referral.")
    try:
        return families.change_choice(call.principal, referral_id, int(member), call.body)
    except ValidationError as exc:  # the channel cannot reach them (e.g. text without a mobile): as a bad body
        fields = field_errors(exc)
        raise ValidationFailed(f"{len(fields)} field(s) need attention.", fields=fields) from exc
