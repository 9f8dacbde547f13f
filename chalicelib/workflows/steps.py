"""Entry of the workflow Lambda functions: route a Task's payload to its step."""

from __future__ import annotations

from typing import Any

# Throttling and brief outages: raised as TransientError so the ASL's Retry takes them.
TRANSIENT_CODES = {
    "TooManyRequestsException",  # SES v2 sending rate
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
}


class TransientError(Exception):
    """A failure worth retrying; named in every Task's Retry."""


class UnknownStep(Exception):
    pass


def _is_transient(exc: Exception) -> bool:
    code = getattr(exc, "cause_response_code", None)
    if code is None:
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code")
    return code in TRANSIENT_CODES


def run(steps: dict, event: dict) -> Any:
    from chalicelib.observability import logger

    step = steps.get(event.get("step"))
    if step is None:
        raise UnknownStep(f"No step called {event.get('step')!r}")
    logger().set_correlation_id(event.get("execution"))
    logger().info("workflow step", extra={"step": event.get("step"), "execution": event.get("execution")})
    try:
        return step(event)
    except Exception as exc:
        if _is_transient(exc):
            raise TransientError(type(exc).__name__) from exc
        raise
