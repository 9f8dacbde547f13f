"""The admin's page to sign a person out everywhere: every session of theirs ends at once (a lost
laptop, someone who has left). Their next request from any browser goes to the sign-in page."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import form_fields, page_route, render

routes = Blueprint(__name__)

ADMIN = frozenset({Role.ADMIN})


@page_route(routes, "/admin/sessions", ["GET", "POST"], roles=ADMIN)
def sign_out_everywhere(request, principal):
    from pydantic import ValidationError

    from chalicelib.api.admin_forms import SignOutEverywhere
    from chalicelib.services import sessions
    from chalicelib.web.forms import errors_by_path, field_id, first_value

    def page(status: int = 200, **shown):
        return render("admin_sessions.html", status, principal, field_id=field_id, focus=None, **shown)

    if request.method == "GET":
        return page(values={}, errors={})
    typed = {"email": first_value(form_fields(request), "email")}
    try:
        form = SignOutEverywhere.model_validate(typed)
    except ValidationError as exc:
        return page(422, values=typed, errors=errors_by_path(exc))
    ended = sessions.end_all_for(form.email, principal)
    return page(values={}, errors={}, ended={"email": form.email, "count": ended})
