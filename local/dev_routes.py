"""Routes of the local stage only: outbox, demo tokens, jobs on demand, demo sign-in.

`app.py` knows nothing of them: the local server and the tests add them with `register(app)`.
They live outside `chalicelib/`, so none of it is ever packaged.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import clock, config
from chalicelib.domain.people import MAX_NAME_LENGTH
from chalicelib.web.http import PUBLIC, Call, api_route, json_response
from chalicelib.web.pages import form_fields, page_route, redirect, render, safe_next, sign_in, sign_out

routes = Blueprint(__name__)
# A path only these routes serve: present in `app.routes` once they are registered.
_MARKER = "/dev/outbox"


def register(app) -> None:
    """Add the dev routes and the demo sign-in to `app`; a second call changes nothing.

    Only for the local stage: the other stages sign in through the hosted pages (`/signin`)."""
    if _MARKER in app.routes:
        return
    if config.stage() != config.LOCAL_STAGE:
        raise RuntimeError(f"The dev routes are for the {config.LOCAL_STAGE!r} stage, not {config.stage()!r}")
    app.register_blueprint(routes)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    role: str | None = None
    email: str | None = None
    # The display name of someone new (a demo user or a worker keeps their own); without one, the
    # token has no name claim, as a Cognito user without the attribute, and their email is shown.
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)] | None = None


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A job reads months around "today": keep it to dates the calendar arithmetic can reach.
    today: Annotated[date, Field(ge=date(2000, 1, 1), le=date(2200, 12, 31))] | None = None


@routes.route("/dev/outbox", methods=["GET"])
def outbox():
    from local.runtime import current_outbox

    box = current_outbox()
    return json_response({"folder": str(box.folder), "messages": box.messages()})


@api_route(routes, "/dev/token", "POST", roles=PUBLIC, body=TokenRequest, summary="A token for a demo user")
def token(call: Call):
    from local.tokens import resolve_user, token_for

    user = resolve_user(call.body.role, call.body.email, call.body.name)
    return {"token": token_for(user), "email": user.email, "name": user.name or None, "roles": list(user.roles)}


@api_route(routes, "/dev/jobs/{name}", "POST", roles=PUBLIC, body=JobRequest, summary="Run a scheduled job now")
def run_job(call: Call):
    from chalicelib import jobs

    today = call.body.today or clock.today()
    return {"job": call.params["name"], "today": today.isoformat(), "result": jobs.run(call.params["name"], today)}


class SnsNotification(BaseModel):
    """An SNS notification as SNS posts it to a subscriber: the SES event is `Message`, as JSON text."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    message_id: Annotated[str, Field(min_length=1, max_length=100, alias="MessageId")]
    message: Annotated[str, Field(alias="Message")]
    topic_arn: Annotated[str, Field(alias="TopicArn")] = "arn:aws:sns:eu-west-2:000000000000:email-events"


@api_route(
    routes,
    "/dev/email-events",
    "POST",
    roles=PUBLIC,
    body=SnsNotification,
    summary="Deliver an SES bounce or complaint as the email events topic would",
)
def email_event(call: Call):
    # The deployed function itself, with the Lambda event SNS would invoke it with.
    from app import email_events

    body = call.body
    record = {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{body.topic_arn}:local",
        "Sns": {
            "Type": "Notification",
            "MessageId": body.message_id,
            "TopicArn": body.topic_arn,
            "Subject": None,
            "Message": body.message,
            "Timestamp": clock.iso_now(),
            "MessageAttributes": {},
        },
    }
    return email_events({"Records": [record]}, None)


@page_route(routes, "/signin", ["GET", "POST"])
def signin(request, principal):
    from chalicelib.auth import verify_token
    from local.tokens import accounts, find_account, token_for

    if request.method == "GET":
        from chalicelib.api.queries import SignInPageQuery, page_query

        target = page_query(request, SignInPageQuery).next or "/"
        return render("signin.html", principal=principal, accounts=accounts(), next=target)
    fields = form_fields(request)
    user = find_account((fields.get("email") or [""])[0])
    target = (fields.get("next") or ["/"])[0]
    if user is None:
        return render(
            "signin.html", 422, principal, accounts=accounts(), next=target, error="Choose one of the accounts listed."
        )
    session = sign_in(verify_token(token_for(user)))
    return redirect(quote(safe_next(target), safe="/?=&"), headers={"Set-Cookie": session})


@page_route(routes, "/signout", ["GET", "POST"])
def signout(request, principal):
    """As the deployed stages' (`chalicelib.api.signin`): GET shows the button, POST signs out."""
    if request.method == "GET":
        return render("signout.html", principal=principal)
    return redirect("/", headers={"Set-Cookie": sign_out(request)})
