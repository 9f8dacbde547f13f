"""Error types of the whole service; each maps to one HTTP status in `web.http`."""

from __future__ import annotations


class AppError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, fields: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []

    def body(self) -> dict:
        error: dict = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


class BadRequest(AppError):
    status, code = 400, "bad_request"


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(AppError):
    status, code = 415, "unsupported_media_type"


class ValidationFailed(AppError):
    status, code = 422, "validation_failed"


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"


class BadGateway(AppError):
    """A service we depend on (DynamoDB, Step Functions, SES) answered with something we cannot use."""

    status, code = 502, "bad_gateway"


class ServiceUnavailable(AppError):
    """A service we depend on is throttling us or out of reach: nothing was changed, try again
    after `retry_after` seconds (the `Retry-After` header)."""

    status, code = 503, "service_unavailable"

    def __init__(self, message: str, *, retry_after: int, fields: list[dict] | None = None) -> None:
        super().__init__(message, fields=fields)
        self.retry_after = retry_after


# AWS error codes that mean "too many requests now": botocore's standard retry mode already
# retried them, so what reaches us has outlasted those retries.
THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "ThrottlingError",  # a cancellation reason of a DynamoDB transaction
    }
)
# Codes of a dependency that is briefly out of service or busy with the same item.
UNAVAILABLE_CODES = frozenset(
    {
        "InternalServerError",
        "InternalFailure",
        "InternalError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "TransactionInProgressException",
        "TransactionConflict",  # a cancellation reason: another transaction held an item
    }
)
UNAVAILABLE_MESSAGE = "A service we depend on is not available right now. Please try again in a minute."
THROTTLED_RETRY_AFTER = 5  # seconds: the throttling of one table or API passes quickly
UNAVAILABLE_RETRY_AFTER = 30  # seconds: an outage or a lost connection takes longer


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore `ClientError` or of a PynamoDB error wrapping one."""
    code = getattr(exc, "cause_response_code", None)
    if code is None:
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code")
    return code


def _cancellation_codes(exc: BaseException) -> list[str]:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return [reason.code for reason in reasons if reason is not None and reason.code not in (None, "None")]


def dependency_error(exc: BaseException) -> AppError | None:
    """What the client is told when an AWS call failed: 503 (with seconds to wait) when AWS is
    throttling or unavailable, 502 when it answered wrongly; None when `exc` is no AWS error.

    The one place AWS failures become HTTP: API routes, pages and the workflow steps ask it.
    """
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    # Storage's own errors (`ItemBusy`), or a library's, may wrap the AWS error.
    depth = 0
    while not isinstance(exc, BotoCoreError | ClientError | PynamoDBException) and exc.__cause__ and depth < 5:
        exc, depth = exc.__cause__, depth + 1
    cause = exc.cause if isinstance(exc, PynamoDBException) else exc  # PynamoDB wraps botocore's error
    if isinstance(cause, BotoCoreError):  # no answer at all: connection refused, timed out
        return ServiceUnavailable(UNAVAILABLE_MESSAGE, retry_after=UNAVAILABLE_RETRY_AFTER)
    if not isinstance(cause, ClientError):
        return None  # not an answer of AWS (PynamoDB's own DoesNotExist, or a fault of ours)
    codes = {error_code(cause), *_cancellation_codes(exc)}
    if codes & THROTTLING_CODES:
        return ServiceUnavailable(
            "The service is busy right now, so this request could not be completed. Please try again in a few seconds.",
            retry_after=THROTTLED_RETRY_AFTER,
        )
    status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    if codes & UNAVAILABLE_CODES or status >= 500:
        return ServiceUnavailable(UNAVAILABLE_MESSAGE, retry_after=UNAVAILABLE_RETRY_AFTER)
    return BadGateway("A service we depend on gave an answer we could not use. Please try again later.")
