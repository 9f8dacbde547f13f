"""Families: staff record a family member's reminder choice on the case page (`_case_family.html`),
and the page behind the link in a reminder (`/family/{link}`: GET and HEAD show and change
nothing; POST records the answer)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import form_fields, page_route, redirect

routes = Blueprint(__name__)

STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})
MAX_MEMBER_DIGITS = 2  # a referral has at most ten family members


@page_route(routes, "/referrals/{referral_id}/family/{member}", ["POST"], roles=STAFF)
def change_reminder_choice(request, principal, referral_id: str, member: str):
    from pydantic import ValidationError

    from chalicelib.api.referral_forms import check_id
    from chalicelib.api.referral_pages import detail
    from chalicelib.errors import Conflict, NotFound
    from chalicelib.services import families
    from chalicelib.web.forms import errors_by_path, first_value

    check_id(referral_id)
    if not (member.isdigit() and len(member) <= MAX_MEMBER_DIGITS):
        raise NotFound("No such family member on this referral.")
    index = int(member)
    fields = form_fields(request)
    typed = {name: first_value(fields, f"family.{index}.{name}") for name in ("reminders", "preferred_channel")}
    prefix = f"family.{index}."
    try:
        answered = {"yes": True, "no": False}.get(typed["reminders"] or "", typed["reminders"])
        choice = families.ReminderChoice.model_validate({**typed, "reminders": answered})
        families.change_choice(principal, referral_id, index, choice)
    except ValidationError as exc:
        errors = {prefix + path: message for path, message in errors_by_path(exc).items()}
        if not typed["reminders"]:
            errors[prefix + "reminders"] = "Answer yes or no: have they agreed to visit reminders?"
        return detail(principal, referral_id, http_status=422, errors=errors, typed={"family": {index: typed}})
    except Conflict as exc:
        return detail(principal, referral_id, http_status=409, alert=exc.message, typed={"family": {index: typed}})
    return redirect(f"/referrals/{referral_id}?done=family_reminders#family-reminders")


# Any link id gets the "we cannot find this visit" page: only its hash is ever looked up. No sign-in
# is read or needed: the link is the family member's only door.
@page_route(routes, "/family/{link_id}", ["GET", "HEAD", "POST"], check_ids=False)
def family_link(request, principal, link_id: str):
    from chalicelib.services import family_links
    from chalicelib.web.forms import field_id, first_value
    from chalicelib.web.pages import render

    if request.method == "POST":
        fields = form_fields(request)
        page = family_links.answer(
            link_id, first_value(fields, "answer") or None, first_value(fields, "reason").strip() or None
        )
    else:
        page = family_links.open_link(link_id, record_view=request.method == "GET")
    response = render(
        "family.html",
        page.status_code,
        None,
        page=page,
        answers=family_links.ANSWER_LABELS,
        errors=page.errors,
        field_id=field_id,
        focus=None,
    )
    if request.method == "HEAD":
        response.body = ""  # the headers a GET would have, nothing recorded and no page
    return response
