"""Injected AWS faults: a service answers as AWS does when it throttles, is unavailable or refuses.

The fault is answered at botocore's `before-send` event, where moto answers every call of the
embedded runtime: what the code sees went through botocore's whole stack, its parsers (a
PynamoDB `PutError` wrapping a `ClientError`, a transaction's cancellation reasons) and its
standard retry mode. So a test sees the retries the service configured, counted in `attempts`.

    faults.inject("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException")
    faults.inject("sesv2", "SendEmail", "MessageRejected", when=lambda body: "x@y" in body, times=1)
    faults.clear()
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# How each protocol names an error: DynamoDB and Step Functions speak JSON 1.0 (`__type` in the
# body), SES v2 speaks REST-JSON (the `x-amzn-ErrorType` header, and a status per error).
STATUS = {
    "TooManyRequestsException": 429,
    "InternalServerError": 500,
    "InternalServerException": 500,
    "ServiceUnavailable": 503,
}


@dataclass
class Fault:
    service: str  # botocore's event name of the service: dynamodb, sfn, sesv2
    operation: str  # GetItem, TransactWriteItems, StartExecution, SendTaskSuccess, SendEmail, ...
    code: str  # an AWS error code, or "ReadTimeout" / "ConnectTimeout": no answer at all
    times: int | None = None  # None: until cleared
    when: Callable[[str], bool] | None = None  # a test on the request body
    cancellation_reasons: list[str] | None = None  # TransactionCanceledException only
    answered: int = 0  # attempts this fault failed
    seen: int = 0  # attempts of its operation (and body) since it was injected, failed or not

    def matches(self, service: str, operation: str, body: str) -> bool:
        """Counts the attempt if it is this fault's; True if the fault answers it."""
        if (service, operation) != (self.service, self.operation):
            return False
        if self.when is not None and not self.when(body):
            return False
        self.seen += 1
        return self.times is None or self.answered < self.times

    def response(self, url: str):
        """AWS's error answer; for NO_ANSWER codes, the exception botocore raises when none comes."""
        from botocore.awsrequest import AWSResponse
        from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
        from moto.core.botocore_stubber import MockRawResponse

        if self.code == "ReadTimeout":
            raise ReadTimeoutError(endpoint_url=url)
        if self.code == "ConnectTimeout":
            raise ConnectTimeoutError(endpoint_url=url)

        body: dict = {"__type": self.code, "message": f"Injected {self.code}"}
        if self.cancellation_reasons is not None:
            body["Message"] = f"Transaction cancelled [{', '.join(self.cancellation_reasons)}]"
            body["CancellationReasons"] = [{"Code": code, "Message": code} for code in self.cancellation_reasons]
        headers = {"x-amzn-ErrorType": self.code, "Content-Type": "application/x-amz-json-1.0"}
        status = STATUS.get(self.code, 400)
        return AWSResponse(url, status, headers, MockRawResponse(json.dumps(body).encode()))


@dataclass
class Faults:
    """The faults in force, and every attempt each (service, operation) got, failed or not."""

    planned: list[Fault] = field(default_factory=list)
    attempts: dict[tuple[str, str], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, service: str, operation: str, code: str, **options) -> Fault:
        fault = Fault(service, operation, code, **options)
        with self.lock:
            self.planned.append(fault)
        return fault

    def clear(self) -> None:
        with self.lock:
            self.planned.clear()

    def count(self, service: str, operation: str) -> int:
        return self.attempts.get((service, operation), 0)

    def answer(self, event_name: str, request):
        _, service, operation = event_name.split(".", 2)
        raw = request.body or b""
        body = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        with self.lock:
            self.attempts[(service, operation)] = self.attempts.get((service, operation), 0) + 1
            failing = [fault for fault in self.planned if fault.matches(service, operation, body)]
            if failing:
                failing[0].answered += 1
                return failing[0].response(request.url)
        return None


def injected_faults(monkeypatch) -> Iterator[Faults]:
    """For a `faults` fixture (after the runtime has started): faults injected into the embedded runtime's AWS, with botocore's backoff shortened so a
    test waits milliseconds, not seconds, between the retries it counts."""
    from botocore.retries import standard
    from moto.core.botocore_stubber import BotocoreStubber

    plan = Faults()
    answer_as_moto = BotocoreStubber.__call__

    def answer(self, event_name, request, **kwargs):  # noqa: ANN001
        if self.enabled:
            injected = plan.answer(event_name, request)
            if injected is not None:
                return injected
        return answer_as_moto(self, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", answer)
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.01)
    yield plan
    plan.clear()
