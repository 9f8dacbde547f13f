"""Server-rendered pages: page routes, HTML responses and the signed-in user from a cookie."""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from chalice import Blueprint, Response

from chalicelib.auth import Principal, Role, verify_token
from chalicelib.config import settings
from chalicelib.errors import AppError, Forbidden, Unauthorized
from chalicelib.observability import logger
from chalicelib.templating import render_template
from chalicelib.web.http import ACCEPTED_CONTENT_TYPES, request_principal

SESSION_COOKIE = "fcs_session"

# The path the service is served under: "/api" at API Gateway's own URL (its stage), "" on a
# custom domain and locally. Pages and redirects are written root-relative ("/referrals"); the
# page being answered puts this in front of each, so they work wherever they are served.
_base_path: contextvars.ContextVar[str] = contextvars.ContextVar("base_path", default="")
ROOT_RELATIVE = re.compile(r"""(\s(?:href|src|action|formaction)=["'])/(?!/)""")


def base_path(request) -> str:
    """The stage prefix of this request's URL, if it has one (API Gateway's own URL)."""
    context = request.context or {}
    stage, path = context.get("stage") or "", context.get("path") or ""
    return f"/{stage}" if stage and (path == f"/{stage}" or path.startswith(f"/{stage}/")) else ""


def url(path: str) -> str:
    """A root-relative path as the browser must ask for it here; anything else as it came."""
    return _base_path.get() + path if path.startswith("/") and not path.startswith("//") else path


def rebase(html: str) -> str:
    """Every root-relative link, source and form action of a page, under the base path."""
    base = _base_path.get()
    return ROOT_RELATIVE.sub(lambda m: m.group(1) + base + "/", html) if base else html


def html_response(body: str, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        body=rebase(body),
        status_code=status,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            # Pages show children's data: never cache them anywhere, never leak the URL onward.
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            **(headers or {}),
        },
    )


def render(name: str, status: int = 200, principal: Principal | None = None, **context: Any) -> Response:
    return html_response(render_template(name, user=principal, **context), status)


def redirect(location: str, headers: dict | None = None) -> Response:
    return Response(body="", status_code=303, headers={"Location": url(location), **(headers or {})})


def session_principal(request) -> Principal | None:
    """The signed-in user: the session cookie (pages) or a bearer token (scripts)."""
    cookie = SimpleCookie(request.headers.get("cookie") or "")
    if SESSION_COOKIE in cookie:
        try:
            return verify_token(cookie[SESSION_COOKIE].value)
        except Unauthorized:
            return None
    try:
        return request_principal(request)
    except Unauthorized:
        return None


def session_cookie(token: str, max_age: int = 12 * 3600) -> str:
    secure = "" if settings().is_local else "; Secure"
    return f"{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"


def form_fields(request) -> dict[str, list[str]]:
    raw = (request.raw_body or b"").decode("utf-8", errors="replace")
    return parse_qs(raw, keep_blank_values=True)


def page_route(bp: Blueprint, path: str, methods: list[str], *, roles: frozenset[Role] | None = None) -> Callable:
    """Register `fn(request, principal, **params) -> Response` as an HTML page.

    With `roles`, a visitor who is not signed in is sent to the sign-in page and comes back;
    a signed-in user without the role sees a 403 page.
    """

    def decorate(fn: Callable[..., Response]) -> Callable:
        @functools.wraps(fn)
        def view(**params: str) -> Response:
            request = bp.current_request
            token = _base_path.set(base_path(request))
            try:
                return _answer(request, **params)
            finally:
                _base_path.reset(token)

        def _answer(request, **params: str) -> Response:  # noqa: ANN001
            principal = session_principal(request)
            try:
                if request.method == "POST":
                    _check_same_origin(request)
                if roles:
                    if principal is None:
                        target = request.context.get("path", path) if request.context else path
                        target = target.removeprefix(_base_path.get()) or "/"
                        return redirect(f"/signin?next={quote(safe_next(target))}")
                    if not principal.has_any(roles):
                        raise Forbidden("Your account does not have access to this page.")
                return fn(request, principal, **params)
            except AppError as error:
                return render("error.html", error.status, principal, error=error)
            except Exception:
                logger().exception("unhandled page error", extra={"route": path})
                return render(
                    "error.html", 500, principal, error=AppError("Something went wrong on our side. Please try again.")
                )

        bp.route(path, methods=methods, content_types=ACCEPTED_CONTENT_TYPES)(view)
        return view

    return decorate


def _check_same_origin(request) -> None:
    """Forms are posted from this service's own pages. Browsers name the page a POST came from
    in `Origin`; one from another site is refused (the session cookie's SameSite=Lax is the
    first guard, this the second)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return
    allowed = {request.headers.get("host", ""), urlsplit(settings().public_base_url).netloc}
    if urlsplit(origin).netloc not in allowed:
        raise Forbidden("This form was sent from another website, so it was not accepted.")


def safe_next(target: str) -> str:
    # Only same-site relative paths: never an open redirect.
    return target if target.startswith("/") and not target.startswith("//") else "/"
