"""Server-rendered pages: page routes, HTML responses and the signed-in user from a cookie."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from chalice import Blueprint, Response

from chalicelib.auth import Principal, Role, bearer_token
from chalicelib.config import settings
from chalicelib.errors import AppError, Forbidden, Unauthorized
from chalicelib.templating import render_template
from chalicelib.web.http import (
    ACCEPTED_CONTENT_TYPES,
    WRITES,
    check_body_size,
    check_path_params,
    error_headers,
    request_principal,
    unexpected_error,
)

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


@contextlib.contextmanager
def serving_under(prefix: str) -> Iterator[None]:
    """Render pages with their links under `prefix` (a `base_path`) meanwhile, as `page_route` does."""
    token = _base_path.set(prefix)
    try:
        yield
    finally:
        _base_path.reset(token)


def url(path: str) -> str:
    """A root-relative path as the browser must ask for it here; anything else as it came."""
    return _base_path.get() + path if path.startswith("/") and not path.startswith("//") else path


def rebase(html: str) -> str:
    """Every root-relative link, source and form action of a page, under the base path."""
    base = _base_path.get()
    return ROOT_RELATIVE.sub(lambda m: m.group(1) + base + "/", html) if base else html


def content_security_policy() -> str:
    """What a page may load and do: its stylesheet and scripts from this service (`/assets/`) and
    nothing written in the page, so injected markup runs no script; no frame may show it; forms
    post only here, and to the user pool's hosted pages, where signing out goes on (a browser
    checks `form-action` on each redirect after a form is sent too)."""
    form_targets = ["'self'"]
    hosted = urlsplit(settings().cognito_domain)
    if hosted.scheme and hosted.netloc:
        form_targets.append(f"{hosted.scheme}://{hosted.netloc}")
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self'",  # the report page's autosave posts to the page's own address
            f"form-action {' '.join(form_targets)}",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def html_response(body: str, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        body=rebase(body),
        status_code=status,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            # Pages show children's data: never cache them anywhere, never leak the URL onward.
            "Cache-Control": "no-store",
            "Content-Security-Policy": content_security_policy(),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            **(headers or {}),
        },
    )


def render(name: str, status: int = 200, principal: Principal | None = None, **context: Any) -> Response:
    return html_response(render_template(name, user=principal, **context), status)


def error_page(error: AppError, principal: Principal | None) -> Response:
    response = render("error.html", error.status, principal, error=error)
    response.headers.update(error_headers(error))
    return response


def redirect(location: str, headers: dict | None = None) -> Response:
    return Response(body="", status_code=303, headers={"Location": url(location), **(headers or {})})


MAX_COOKIE_HEADER = 8192  # bytes: more than any cookie of ours needs


def request_cookies(request) -> dict[str, str]:
    """The request's cookies by name, read leniently: never raises.

    Browsers send every cookie of the parent domain, whatever its name (`AMCV_1@AdobeOrg=1`);
    `http.cookies.SimpleCookie` refuses such names, so a stranger's cookie would break every
    page. A pair without "=" is ignored; the first of two cookies with one name wins (the
    browser sends the most specific path first).
    """
    cookies: dict[str, str] = {}
    header = (request.headers.get("cookie") or "")[:MAX_COOKIE_HEADER]
    for pair in header.split(";"):
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            continue
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies.setdefault(name, value)
    return cookies


def session_principal(request) -> Principal | None:
    """The signed-in user: the session cookie (pages) or a bearer token (scripts)."""
    from chalicelib.services.sessions import principal_of

    session = request_cookies(request).get(SESSION_COOKIE)
    if session:
        return principal_of(session)
    try:
        return request_principal(request)
    except Unauthorized:
        return None


def session_cookie(session_id: str, max_age: int = 12 * 3600) -> str:
    secure = "" if settings().is_local else "; Secure"
    return f"{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"


def sign_in(principal: Principal) -> str:
    """A new server-side session for `principal`: the Set-Cookie value that carries its id."""
    from chalicelib.services.sessions import open_session

    return session_cookie(open_session(principal))


def sign_out(request) -> str:
    """End the request's session everywhere: the Set-Cookie value that clears the cookie."""
    from chalicelib.services.sessions import close_session

    close_session(request_cookies(request).get(SESSION_COOKIE))
    return session_cookie("", max_age=0)


def form_fields(request) -> dict[str, list[str]]:
    raw = (request.raw_body or b"").decode("utf-8", errors="replace")
    return parse_qs(raw, keep_blank_values=True)


def page_route(
    bp: Blueprint, path: str, methods: list[str], *, roles: frozenset[Role] | None = None, check_ids: bool = True
) -> Callable:
    """Register `fn(request, principal, **params) -> Response` as an HTML page.

    With `roles`, a visitor who is not signed in is sent to the sign-in page and comes back;
    a signed-in user without the role sees a 403 page. A path parameter that is not an id of
    ours is a 404 page before the page runs (`check_ids=False`: the page answers every value
    itself, without a key lookup).

    A page read by GET also answers HEAD, as GET without the body: API Gateway routes only the
    methods a route declares, so HEAD is declared here, once for every page (a page that lists
    HEAD itself tells the two apart).
    """
    head_as_get = "GET" in methods and "HEAD" not in methods

    def decorate(fn: Callable[..., Response]) -> Callable:
        @functools.wraps(fn)
        def view(**params: str) -> Response:
            request = bp.current_request
            token = _base_path.set(base_path(request))
            try:
                if head_as_get and request.method == "HEAD":
                    request.method = "GET"  # the page runs as for GET; only its headers are sent
                    answer = _answer(request, **params)
                    empty = b"" if isinstance(answer.body, bytes) else ""  # a PDF's stays binary
                    return Response(body=empty, status_code=answer.status_code, headers=answer.headers)
                return _answer(request, **params)
            finally:
                _base_path.reset(token)

        def _answer(request, **params: str) -> Response:  # noqa: ANN001
            principal = None
            try:
                principal = session_principal(request)  # a read of the sessions table: inside the guard
                if request.method in WRITES:
                    check_body_size(request, " Shorten the longest text and send the form again.")
                    _check_same_origin(request)
                if roles:
                    if principal is None:
                        target = request.context.get("path", path) if request.context else path
                        target = target.removeprefix(_base_path.get()) or "/"
                        return redirect(f"/signin?next={quote(safe_next(target))}")
                    if not principal.has_any(roles):
                        raise Forbidden("Your account does not have access to this page.")
                if check_ids:
                    check_path_params(params)
                return fn(request, principal, **params)
            except AppError as error:
                return error_page(error, principal)
            except Exception as exc:  # AWS throttling or unavailable (503), a bad answer (502), or ours
                return error_page(unexpected_error(exc, path), principal)

        declared = [*methods, "HEAD"] if head_as_get else methods
        bp.route(path, methods=declared, content_types=ACCEPTED_CONTENT_TYPES)(view)
        return view

    return decorate


def _check_same_origin(request) -> None:
    """Forms are posted from this service's own pages; a POST a browser sends for another site
    is refused (the session cookie's SameSite=Lax is the first guard, this the second).

    A browser names where a POST comes from in `Origin`, but sends `Origin: null` from our pages
    (their Referrer-Policy is no-referrer), so without an Origin the proof is
    `Sec-Fetch-Site: same-origin` (every current browser sends it) or a Referer of this site.
    A call that carries only a bearer token needs no proof: no browser attaches one by itself.
    """
    sent_from = (request.headers.get("sec-fetch-site") or "").strip().lower()
    if sent_from and sent_from != "same-origin":
        raise Forbidden(CROSS_SITE)
    origin = request.headers.get("origin")
    if origin and origin != "null":
        if _netloc(origin) not in _our_hosts(request):
            raise Forbidden(CROSS_SITE)
        return
    if sent_from == "same-origin" or _bearer_only(request):
        return
    referer = request.headers.get("referer")
    if referer and _netloc(referer) in _our_hosts(request):
        return
    raise Forbidden(CROSS_SITE)


CROSS_SITE = "This form was sent from another website, so it was not accepted."


def _our_hosts(request) -> set[str]:
    return {request.headers.get("host", ""), urlsplit(settings().public_base_url).netloc} - {""}


def _bearer_only(request) -> bool:
    return bearer_token(request.headers) is not None and SESSION_COOKIE not in request_cookies(request)


def _netloc(url: str) -> str | None:
    """The host (and port) `url` names, or None if it is not a URL (`http://[::1` raises)."""
    try:
        return urlsplit(url).netloc
    except ValueError:
        return None


def safe_next(target: str) -> str:
    """Only same-site relative paths: never an open redirect (browsers read `/\\` as `//`), and
    no control characters (quote it before it stands in a Location header)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ch < " " or ch == "\x7f" for ch in target):
        return "/"
    return target
