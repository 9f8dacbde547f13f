"""What a path no route matches answers: the JSON API's standard error body under `/v1/`, the
service's own 404 page (with its header and a way home) everywhere else.

In AWS the catch-all route below answers: API Gateway matches every route the app declares before
a greedy `{proxy+}`, so it only gets the paths nothing else takes. Its gateway responses cannot
do this themselves: one gateway response has one fixed Content-Type header and only simple
variable substitution, so it can neither choose between a page and JSON nor show who is signed
in. The local server sends the same answer for paths no route matches (`local.server`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import SimpleNamespace

from chalice import Blueprint, Response

API_PREFIX = "/v1/"
CATCH_ALL = "/{proxy+}"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

routes = Blueprint(__name__)


def _accepted_content_types() -> list[str]:
    from chalicelib.web.http import ACCEPTED_CONTENT_TYPES

    return ACCEPTED_CONTENT_TYPES


@routes.route(CATCH_ALL, methods=METHODS, content_types=_accepted_content_types())
def unknown_address() -> Response:
    return page_not_found(routes.current_request)


def page_not_found(request) -> Response:
    """The answer to `request` for a path nothing serves (also an asset name nothing is kept as)."""
    from chalicelib.web.pages import base_path, serving_under

    prefix = base_path(request)
    path = ((request.context or {}).get("path") or "/").removeprefix(prefix) or "/"
    with serving_under(prefix):
        status, headers, body = unknown_path(path, dict(request.headers or {}))
    return Response(body=body.decode("utf-8"), status_code=status, headers=headers)


def unknown_path(path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
    """`(status, headers, body)` for `path`, which no route matches; `headers` are the request's."""
    from chalicelib.web.http import unknown_path_body

    if path == "/v1" or path.startswith(API_PREFIX):
        body = json.dumps(unknown_path_body(path)).encode()
        return 404, {"Content-Type": "application/json"}, body
    from chalicelib.errors import NotFound
    from chalicelib.web.pages import render, session_principal

    request = SimpleNamespace(headers={k.lower(): v for k, v in headers.items()})
    principal = session_principal(request)
    error = NotFound("There is no page at this address. It may have been mistyped, or the page has moved.")
    response = render("error.html", 404, principal, error=error, title="Page not found")
    return 404, {**response.headers, "Cache-Control": "no-store"}, response.body.encode()
