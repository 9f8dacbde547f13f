"""Sign-in through the Cognito user pool's hosted pages (the authorization-code flow), for the
deployed stages. The ID token it returns is verified like every bearer token and becomes the
same session cookie the pages read."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

from chalicelib.auth import Principal, verify_token
from chalicelib.config import settings
from chalicelib.errors import BadRequest, Unauthorized
from chalicelib.observability import logger

TOKEN_TIMEOUT_SECONDS = 10


def callback_url() -> str:
    return f"{settings().public_base_url}/signin/callback"


def _domain() -> str:
    domain = settings().cognito_domain
    if not domain:
        raise Unauthorized("Sign-in is not configured for this stage.")
    return domain


def new_state() -> str:
    """A one-time value tying the callback to the browser that started the sign-in."""
    return secrets.token_urlsafe(24)


def authorize_url(state: str) -> str:
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": settings().jwt_audience,
            "redirect_uri": callback_url(),
            "scope": "openid email profile",
            "state": state,
        }
    )
    return f"{_domain()}/oauth2/authorize?{query}"


def logout_url() -> str:
    query = urllib.parse.urlencode(
        {"client_id": settings().jwt_audience, "logout_uri": f"{settings().public_base_url}/"}
    )
    return f"{_domain()}/logout?{query}"


def exchange_code(code: str, state: str, expected_state: str | None) -> tuple[str, Principal]:
    """Trade the callback's code for the user's ID token; returns the token and who it names."""
    if not expected_state or not secrets.compare_digest(state.encode(), expected_state.encode()):
        raise BadRequest("This sign-in link is not the one your browser started. Please sign in again.")
    if not code or len(code) > 2048:
        raise BadRequest("The sign-in page did not send a usable code. Please sign in again.")
    body = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "client_id": settings().jwt_audience,
            "code": code,
            "redirect_uri": callback_url(),
        }
    ).encode()
    request = urllib.request.Request(
        f"{_domain()}/oauth2/token", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TOKEN_TIMEOUT_SECONDS) as response:  # noqa: S310 - fixed https domain
            tokens = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        logger().warning("sign-in code refused", extra={"status": exc.code})
        raise Unauthorized("The sign-in could not be completed (the code was refused). Please sign in again.") from exc
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        logger().warning("sign-in service unavailable", extra={"error": type(exc).__name__})
        raise Unauthorized("The sign-in service did not answer. Please try again in a minute.") from exc
    id_token = tokens.get("id_token") if isinstance(tokens, dict) else None
    if not isinstance(id_token, str):
        raise Unauthorized("The sign-in service answered without an identity. Please sign in again.")
    return id_token, verify_token(id_token)
