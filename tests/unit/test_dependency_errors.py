"""`errors.dependency_error`: the one mapping of AWS failures to what a client is told."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from chalicelib.errors import BadGateway, ServiceUnavailable, dependency_error


def _client_error(code: str, status: int = 400, operation: str = "GetItem", **extra) -> ClientError:
    response = {"Error": {"Code": code, "Message": "..."}, "ResponseMetadata": {"HTTPStatusCode": status}, **extra}
    return ClientError(response, operation)


@pytest.mark.parametrize(
    "code",
    [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "Throttling",
        "TooManyRequestsException",
    ],
)
def test_throttling_is_a_503_with_a_short_retry_after(code):
    error = dependency_error(_client_error(code))
    assert isinstance(error, ServiceUnavailable) and error.status == 503 and error.retry_after == 5


@pytest.mark.parametrize(
    "exc",
    [
        _client_error("InternalServerError", 500),
        _client_error("SomethingNew", 503),
        EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-2.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://states.eu-west-2.amazonaws.com"),
    ],
)
def test_an_unavailable_or_silent_service_is_a_503_with_a_longer_retry_after(exc):
    error = dependency_error(exc)
    assert isinstance(error, ServiceUnavailable) and error.retry_after == 30


@pytest.mark.parametrize("code", ["MessageRejected", "ValidationException", "AccessDeniedException"])
def test_an_answer_we_cannot_use_is_a_502(code):
    error = dependency_error(_client_error(code))
    assert isinstance(error, BadGateway) and error.status == 502 and not hasattr(error, "retry_after")


def test_pynamodb_errors_are_read_through_to_the_aws_code():
    from pynamodb.exceptions import GetError, PutError

    assert dependency_error(PutError("x", _client_error("ProvisionedThroughputExceededException"))).status == 503
    assert dependency_error(GetError("x", _client_error("ValidationException"))).status == 502


@pytest.mark.parametrize(
    ("reasons", "retry_after"), [(["None", "TransactionConflict"], 30), (["ThrottlingError", "None"], 5)]
)
def test_a_transaction_cancelled_by_aws_not_by_our_condition_is_a_503(reasons, retry_after):
    from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

    cause = VerboseClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
            "CancellationReasons": [{"Code": code} for code in reasons],
        },
        "TransactWriteItems",
        cancellation_reasons=[None if code == "None" else CancellationReason(code=code) for code in reasons],
    )
    error = dependency_error(TransactWriteError("cancelled", cause))
    assert isinstance(error, ServiceUnavailable) and error.retry_after == retry_after


def test_an_aws_error_wrapped_in_one_of_ours_is_found_through_its_cause():
    from chalicelib.storage.base import ItemBusy

    try:
        try:
            raise _client_error("ProvisionedThroughputExceededException", operation="TransactWriteItems")
        except ClientError as inner:
            raise ItemBusy() from inner
    except ItemBusy as wrapped:
        assert dependency_error(wrapped).status == 503


def test_errors_that_are_not_aws_answers_are_left_alone():
    from pynamodb.exceptions import DoesNotExist

    assert dependency_error(DoesNotExist()) is None
    assert dependency_error(ValueError("ours")) is None
