"""The one place HTTP meets the service: authenticate, authorise, parse, call, shape the reply.

`api_route` declares a `/v1` JSON route: its roles, its body model and its OpenAPI entry.
Every error type maps to its status here, with the body of DESIGN.md section 6.
"""

from __future__ import annotations

import functools
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from chalice import Blueprint, Response

from chalicelib import clock
from chalicelib.auth import Principal, Role, bearer_token, require, verify_token
from chalicelib.config import settings
from chalicelib.errors import (
    AppError,
    BadRequest,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    error_code,
)
from chalicelib.observability import logger

PUBLIC: frozenset[Role] = frozenset()
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Chalice answers unlisted content types itself with its own body; listing the common ones
# lets our handler answer 415 in the standard error shape instead.
ACCEPTED_CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
    "text/html",
    "text/csv",
    "application/xml",
    "text/xml",
    "application/octet-stream",
]


# API Gateway's binaryMediaTypes. It decodes a base64 answer only when the first type of the
# request's Accept is one of these, and a browser's first is text/html (curl's is */*, some clients
# send none): so every type, as AWS advises where clients' Accept cannot be chosen. An answer the app
# does not mark base64 (every text one: `app.api.binary_types` decides) passes through as it is.
API_BINARY_MEDIA_TYPES = ["*/*"]


def resolve(reference: Any) -> Any:
    """A "module:attribute" string is imported on first use, so route modules load cheaply
    (pydantic models are the heaviest import on a cold start); anything else is itself."""
    if isinstance(reference, str):
        module, _, attribute = reference.partition(":")
        return getattr(import_module(module), attribute)
    return reference


@dataclass(frozen=True)
class RouteSpec:
    """What OpenAPI says about a route; filled by `api_route`."""

    path: str
    method: str
    roles: frozenset[Role]
    summary: str
    body: Any = None  # a pydantic model, or "module:Model"
    example_source: Any = None  # a dict, a function returning one, or "module:function"
    status: int = 200
    query: Any = None  # a QueryModel, or "module:Model"
    produces: str = "application/json"
    response: type | None = None  # the success body's type, from `chalicelib.services.outputs` (JSON routes)

    @property
    def body_model(self) -> Any:
        return resolve(self.body) if self.body is not None else None

    @property
    def query_model(self) -> Any:
        return resolve(self.query) if self.query is not None else None

    @property
    def query_params(self) -> tuple[tuple[str, str], ...]:
        """`(name, description)` of each query parameter, for OpenAPI."""
        from chalicelib.web.query import described

        return described(self.query_model) if self.query is not None else ()

    @property
    def example(self) -> dict | None:
        source = resolve(self.example_source)
        return source() if callable(source) else source


ROUTES: list[RouteSpec] = []


@dataclass
class Call:
    """One authorised request as a route function sees it. `query` is the route's query model
    (None for a route that declares none: such a route reads no query)."""

    principal: Principal | None
    body: Any
    params: dict[str, str]
    query: Any
    headers: Any
    raw: Any = field(repr=False, default=None)


def json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        body=json.dumps(payload, default=str),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error_response(error: AppError) -> Response:
    return json_response(error.body(), error.status, error_headers(error))


def error_headers(error: AppError) -> dict:
    """`Retry-After` on a 503, so clients (and browsers' users) know when to try again."""
    retry_after = getattr(error, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after is not None else {}


def unexpected_error(exc: Exception, route: str) -> AppError:
    """An exception no service turned into an `AppError`: AWS throttling or unavailable (503), an
    AWS answer we cannot use (502), or a fault of ours (500). Logged with its type, never its text:
    an AWS message may quote the item it refused."""
    from chalicelib.errors import dependency_error

    error = dependency_error(exc)
    if error is not None:
        logger().warning(
            "dependency failed",
            extra={"route": route, "status": error.status, "error": type(exc).__name__, "code": error_code(exc)},
        )
        return error
    logger().exception("unhandled error", extra={"route": route})
    return AppError("Something went wrong on our side. Please try again.")


def parse_json_body(request, model, validator: Callable | str | None = None, params: dict | None = None) -> Any:
    """Content type, size, JSON syntax, then the model: each failure with its own status.

    `validator(params, data, context)` reads the body instead of `model` where the path decides
    how (e.g. one model per clearance kind): it may reject a path parameter first (e.g. 404).
    """
    from pydantic import ValidationError

    from chalicelib.domain.validation import field_errors

    raw = request.raw_body or b""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType(f"Send the body as 'application/json' (got '{content_type or 'no content type'}').")
    check_body_size(request)
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}.") from exc
    except RecursionError as exc:
        raise BadRequest("The body is nested too deeply to be a form of this service.") from exc
    if not isinstance(data, dict):
        raise ValidationFailed(
            "The body must be a JSON object.", fields=[{"path": "", "message": "Expected a JSON object"}]
        )
    context = {"today": clock.today()}
    try:
        if validator is not None:
            return resolve(validator)(params or {}, data, context)
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        fields = field_errors(exc)
        raise ValidationFailed(f"{len(fields)} field(s) need attention.", fields=fields) from exc


def standard_error_body(event: Any, get_response: Callable) -> Response:
    """HTTP middleware: errors Chalice answers itself (405 wrong method, 415 unlisted content
    type) get the same body as ours, so a client parses one error shape."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = "".join(f"_{c.lower()}" if c.isupper() else c for c in str(body["Code"])).lstrip("_")
        response.body = {"error": {"code": code.removesuffix("_error") or "error", "message": body["Message"]}}
    return response


def no_accept_takes_anything(event: Any, get_response: Callable) -> Response:
    """HTTP middleware: a request without an `Accept` header accepts any media type (RFC 9110
    section 12.5.1), as curl without one does. Chalice would refuse a binary answer (the report's
    PDF) to it with a 400; API Gateway, given `API_BINARY_MEDIA_TYPES`, delivers it."""
    from chalice.app import CaseInsensitiveMapping

    if event.headers.get("accept") is None:
        event.headers = CaseInsensitiveMapping({**dict(event.headers), "accept": "*/*"})
    return get_response(event)


def unknown_path_body(path: str) -> dict:
    """What a path no route matches answers (404): in API Gateway through its gateway responses
    (the path is `$context.path` there), and from the local server."""
    return {"error": {"code": "not_found", "message": f"No such page or resource: {path}"}}


def check_body_size(request, advice: str = "") -> None:
    """Bodies over the limit (256 KiB) are refused before anything reads them: a 413."""
    size, limit = len(request.raw_body or b""), settings().max_body_bytes
    if size > limit:
        raise PayloadTooLarge(f"The body is {size} bytes; the limit is {limit}.{advice}")


# Every id, key and name this service puts in a path (uuid hex, approval link ids, clearance kinds).
PATH_SEGMENT = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def check_path_params(params: dict[str, str]) -> None:
    """A path parameter that is not one of ours is a 404 before any read: a longer one would be
    over DynamoDB's key size (a ValidationException), and none is worth a call."""
    for name, value in params.items():
        if not PATH_SEGMENT.fullmatch(value or ""):
            raise NotFound(f"There is no {name.removesuffix('_id').replace('_', ' ')} with that id.")


def _parse_query(spec: RouteSpec, request) -> Any:
    if spec.query is None:
        return None
    from chalicelib.web.query import parse_query

    return parse_query(spec.query_model, dict(request.query_params or {}))


def request_principal(request) -> Principal | None:
    token = bearer_token(request.headers)
    return verify_token(token) if token else None


def _bind_correlation_id(request) -> str:
    """One id per request on every log line, and in the reply so support can find them."""
    context = request.context or {}
    given = (request.headers.get("x-correlation-id") or "")[:100]
    correlation = given or context.get("requestId") or uuid.uuid4().hex
    logger().set_correlation_id(correlation)
    return correlation


def api_route(
    bp: Blueprint,
    path: str,
    method: str,
    *,
    roles: frozenset[Role],
    summary: str,
    body: Any = None,
    example: Any = None,
    status: int = 200,
    query: Any = None,
    produces: str = "application/json",
    body_validator: Callable | str | None = None,
    response: type | None = None,
) -> Callable:
    """Register `fn(call) -> dict | list | Response` as a JSON route with its OpenAPI entry.

    `body` is the model OpenAPI describes and the body is read with; `body_validator` ("module:function",
    see `parse_json_body`) reads it instead where the path decides the model. `query` (a
    `web.query.QueryModel`, or "module:Model") parses the query string: a 400 before the route runs.
    `response` (a type of `chalicelib.services.outputs`, never a string: declaring one loads no pydantic)
    is what OpenAPI says a success answers: the return type of the service function the route answers
    with, which the tests check, and the shape they hold real answers to.
    """
    spec = RouteSpec(path, method, roles, summary, body, example, status, query, produces, response)
    ROUTES.append(spec)

    def decorate(fn: Callable[[Call], Any]) -> Callable:
        @functools.wraps(fn)
        def view(**params: str) -> Response:
            request = bp.current_request
            started = time.perf_counter()
            correlation = _bind_correlation_id(request)
            try:
                if request.method in WRITES:
                    check_body_size(request)  # every body, read by a model or not
                principal = request_principal(request) if roles else None
                if roles:
                    require(principal, roles)
                check_path_params(params)
                payload = (
                    parse_json_body(request, spec.body_model, body_validator, params) if body is not None else None
                )
                arguments = _parse_query(spec, request)
                call = Call(principal, payload, params, arguments, request.headers, request)
                result = fn(call)
                response = result if isinstance(result, Response) else json_response(result, status)
            except AppError as error:
                response = error_response(error)
            except Exception as exc:  # not a fault of the input: AWS's, or ours; the same shape
                response = error_response(unexpected_error(exc, f"{method} {path}"))
            response.headers["X-Correlation-Id"] = correlation
            # Answers carry children's data: no browser or proxy keeps a copy (CSV and iCalendar too).
            response.headers.setdefault("Cache-Control", "no-store")
            logger().info(
                "request",
                extra={
                    "route": f"{method} {path}",
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response

        bp.route(path, methods=[method], content_types=ACCEPTED_CONTENT_TYPES)(view)
        return view

    return decorate
