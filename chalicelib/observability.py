"""Structured logging, metrics and tracing (Powertools). Log lines carry ids and outcomes, never
personal data; traces carry timings and route templates, never a request's or a response's body."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib import config
from chalicelib.config import APP_NAME

if TYPE_CHECKING:  # imported lazily: Powertools' Logger, metrics and tracer cost cold-start time
    from aws_lambda_powertools import Logger, Tracer


class _CurrentStdout:
    """Writes to whatever `sys.stdout` is at the time: the logger is made once and may outlive
    the stream it first saw (a test's output capture replaces it)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@lru_cache(maxsize=1)
def logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=APP_NAME, stream=_CurrentStdout())


NAMESPACE = "FamilyContact"


def count(name: str, value: int = 1) -> None:
    """Emit one EMF count metric now, on its own line (Powertools' `single_metric`): no shared
    metric set to flush, and no handler decorator needed. Silent when POWERTOOLS_METRICS_DISABLED."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():
        return
    with single_metric(
        name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE, default_dimensions={"service": APP_NAME}
    ):
        pass


@lru_cache(maxsize=1)
def tracer() -> Tracer:
    """Powertools' Tracer, made on the first traced invocation: it loads the X-Ray SDK and patches
    botocore and PynamoDB so each AWS call is a subsegment."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=APP_NAME)


def active_tracer() -> Tracer | None:
    """The tracer where tracing is on (`config.tracing_enabled`), else None, and nothing is loaded."""
    return tracer() if config.tracing_enabled() else None


def traced(event: Any, get_response: Callable) -> Any:
    """Chalice middleware for every handler (routes, workflow steps, schedules): each invocation
    is one X-Ray subsegment `## <handler>` through Powertools' `capture_lambda_handler`, annotated
    with the cold start and the service, and a route with its method and path template. Responses
    and errors are not copied into the trace: they may hold personal data."""
    active = active_tracer()
    if active is None:
        return get_response(event)
    from chalice.app import Request

    is_request = isinstance(event, Request)
    context = event.lambda_context if is_request else getattr(event, "context", None)

    def handler(_event: Any, _context: Any) -> Any:
        if is_request:
            route = event.context or {}
            active.put_annotation("Route", f"{route.get('httpMethod', event.method)} {route.get('resourcePath', '')}")
        return get_response(event)

    handler.__name__ = handler_name(context)
    return active.capture_lambda_handler(handler, capture_response=False, capture_error=False)(event, context)


def handler_name(context: Any) -> str:
    """The Chalice name of the function running (`api_handler`, `referral_workflow`, ...): Lambda's
    function name without the `<app>-<stage>-` prefix Chalice gives it."""
    name = getattr(context, "function_name", None) or "api_handler"
    return name.removeprefix(config.function_name(""))
