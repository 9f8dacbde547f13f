"""What a path no route matches answers: the JSON API's standard error body under `/v1/`, the
service's own 404 page (with its header and a way home) everywhere else."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import SimpleNamespace

API_PREFIX = "/v1/"


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
