"""Sign-in and sign-out of the deployed stages, through the user pool's hosted pages.

`app.py` registers this blueprint when the stage is not `local` (whose demo sign-in is in
`local/dev_routes.py`, never packaged).
"""

from __future__ import annotations

from urllib.parse import quote

from chalice import Blueprint

from chalicelib.config import settings
from chalicelib.web.pages import page_route, redirect, render, request_cookies, safe_next, sign_in, sign_out, url

routes = Blueprint(__name__)

STATE_COOKIE = "fcs_signin"
STATE_MAX_AGE = 600  # seconds a person has to finish signing in


def _state_cookie(value: str, max_age: int) -> str:
    """The cookie holding the sign-in's state, sent back only to `/signin` and its callback as the
    browser addresses them: under the stage prefix at API Gateway's own URL, at the root on a
    custom domain (the page being answered knows its base path)."""
    secure = "" if settings().is_local else "; Secure"
    return f"{STATE_COOKIE}={value}; Path={url('/signin')}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"


@page_route(routes, "/signin", ["GET"])
def signin(request, principal):
    from chalicelib.api.queries import SignInPageQuery, page_query
    from chalicelib.services import hosted_signin

    state = hosted_signin.new_state()
    target = safe_next(page_query(request, SignInPageQuery).next or "/")
    # The state and where to go afterwards travel in a short-lived cookie, never in the URL.
    return redirect(
        hosted_signin.authorize_url(state),
        headers={"Set-Cookie": _state_cookie(f"{state}|{quote(target, safe='/')}", STATE_MAX_AGE)},
    )


@page_route(routes, "/signin/callback", ["GET"])
def signin_callback(request, principal):
    from urllib.parse import unquote

    from chalicelib.api.queries import SignInCallbackQuery, page_query
    from chalicelib.services import hosted_signin

    query = page_query(request, SignInCallbackQuery)
    expected, _, target = request_cookies(request).get(STATE_COOKIE, "").partition("|")
    _, principal = hosted_signin.exchange_code(query.code or "", query.state or "", expected or None)
    return redirect(
        quote(safe_next(unquote(target) or "/"), safe="/?=&"),
        headers={"Set-Cookie": [sign_in(principal), _state_cookie("", 0)]},
    )


@page_route(routes, "/signout", ["GET", "POST"])
def signout(request, principal):
    """POST (the header's button) ends the session, then the user pool's; GET only shows that
    button, so a link prefetcher or an email scanner that opens the address signs nobody out."""
    from chalicelib.services import hosted_signin

    if request.method == "GET":
        return render("signout.html", principal=principal)
    return redirect(hosted_signin.logout_url(), headers={"Set-Cookie": sign_out(request)})
