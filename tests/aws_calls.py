"""AWS calls per Lambda function: what each deployed function's code calls, recorded from the tests.

Every botocore call a test makes is recorded with the Lambda function whose code made it: the
API handler for a request through the Chalice app, a `@app.lambda_function` for a state machine
Task or a direct invoke, a scheduled function for a job (`jobs.run`, as the schedule and
`POST /dev/jobs/{name}` run it). Calls made outside any function (fixtures, the runtime's own
set-up, moto's interpreter) are not recorded. Each call is named as its IAM action on a
symbolic resource (`dynamodb:Query` on `index:referrals/by_status`), the same form as the
permissions map in `deploy/permissions.py`, which the packaged policy files are generated from.

With `--aws-calls` (as `make test` runs) the run fails unless, for every function, the calls
recorded and the permissions granted are the same set: a call not granted would fail in AWS,
a permission never used is more than the code needs.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pytest

from tests.worker_output import handed_over, merge_names, sorted_names

WORKER_KEY = "aws_calls_recorded"
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("lambda_function", default=None)

# function name -> {"action resource", ...} recorded in this process
_recorded: dict[str, set[str]] = {}
# (thread id, the list it fills) of each `calls_made` block open now
_watching: list[tuple[int, list[str]]] = []


# -- naming a call ---------------------------------------------------------------------------------


def _short(name: str) -> str:
    """A deployed name without its `<app>-<stage>-` prefix: the name the code gives it."""
    import re

    from chalicelib import config

    # Any stage's prefix: names are fixed when the models are imported, and a test may switch the
    # stage afterwards (the hosted sign-in tests run as a deployed stage).
    return re.sub(rf"^{re.escape(config.APP_NAME)}-[a-z0-9]+-", "", name)


def _arn_name(arn: str) -> str:
    return _short(arn.split(":")[6]) if arn.count(":") >= 6 else _short(arn)


def _dynamodb_resources(operation: str, params: dict) -> list[str]:
    def one(table: str, index: str | None = None) -> str:
        return f"index:{_short(table)}/{index}" if index else f"table:{_short(table)}"

    if "TableName" in params:
        return [one(params["TableName"], params.get("IndexName"))]
    if "TransactItems" in params:
        return [one(body["TableName"]) for item in params["TransactItems"] for body in item.values()]
    if "RequestItems" in params:
        return [one(table) for table in params["RequestItems"]]
    return ["*"]


def resources(service: str, operation: str, params: dict) -> list[str]:
    """The symbolic resources one call acts on."""
    if service == "dynamodb":
        return _dynamodb_resources(operation, params)
    if service == "states":
        if "stateMachineArn" in params:
            return [f"stateMachine:{_arn_name(params['stateMachineArn'])}"]
        if "executionArn" in params:
            return [f"execution:{_arn_name(params['executionArn'])}"]
        return ["*"]  # task-token actions name no resource
    if service == "ses":
        from email.utils import parseaddr

        # SES authorises a send on the identity and on the configuration set it names.
        sender = parseaddr(params.get("FromEmailAddress", ""))[1]
        named = ["identity:sender"] if sender else ["*"]
        return named + (["configuration-set:sender"] if params.get("ConfigurationSetName") else [])
    if service == "lambda":
        return [f"function:{_arn_name(params.get('FunctionName', '*'))}"]
    if service == "sns" and "PhoneNumber" in params:
        return ["phone-number"]  # a text sent straight to a number
    return ["*"]


# A transaction is authorised item by item, as the single-item action of each part.
TRANSACTION_PARTS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def actions(service: str, operation: str, params: dict) -> list[tuple[str, str]]:
    """(IAM action, symbolic resource) pairs one call needs."""
    if service == "dynamodb" and operation in ("TransactWriteItems", "TransactGetItems"):
        return [
            (f"dynamodb:{TRANSACTION_PARTS[part]}", f"table:{_short(body['TableName'])}")
            for item in params.get("TransactItems", [])
            for part, body in item.items()
        ]
    return [(f"{service}:{operation}", resource) for resource in resources(service, operation, params)]


def _record(function: str, service: str, operation: str, params: dict) -> None:
    seen = _recorded.setdefault(function, set())
    for action, resource in actions(service, operation, params):
        seen.add(f"{action} {resource}")


def _as(function_of: callable):
    """Wrap a callable so the calls inside it are recorded for the function it is part of."""

    def wrap(original):
        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            name = function_of(*args, **kwargs)
            if name is None:
                return original(*args, **kwargs)
            token = _current.set(name)
            try:
                return original(*args, **kwargs)
            finally:
                _current.reset(token)

        wrapper.aws_calls = True  # type: ignore[attr-defined]
        return wrapper

    return wrap


def _scheduled_function(handler) -> str | None:  # noqa: ANN001
    return getattr(handler.func, "__name__", None)


def _job_function(name: str, *args, **kwargs) -> str | None:
    """A job runs in the scheduled function of the same name (`compliance-scan` -> `compliance_scan`)."""
    return name.replace("-", "_")


def install() -> None:
    from botocore.client import BaseClient
    from chalice import app as chalice_app

    from chalicelib import jobs

    if getattr(BaseClient._make_api_call, "aws_calls", False):
        return
    real_call = BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # noqa: ANN001
        function = _current.get()
        if function is not None:
            _record(function, self.meta.service_model.signing_name, operation_name, api_params)
        for thread, calls in list(_watching):
            if thread == threading.get_ident():
                calls.append(f"{self.meta.service_model.signing_name}:{operation_name}")
        return real_call(self, operation_name, api_params)

    recording.aws_calls = True  # type: ignore[attr-defined]
    BaseClient._make_api_call = recording
    chalice_app.Chalice.__call__ = _as(lambda self, *a, **k: "api_handler")(chalice_app.Chalice.__call__)
    chalice_app.LambdaFunction.__call__ = _as(lambda self, *a, **k: self.name)(chalice_app.LambdaFunction.__call__)
    chalice_app.EventSourceHandler.__call__ = _as(lambda self, *a, **k: _scheduled_function(self))(
        chalice_app.EventSourceHandler.__call__
    )
    jobs.run = _as(_job_function)(jobs.run)


@contextmanager
def calls_made() -> Iterator[list[str]]:
    """The AWS API calls this thread makes inside the block, in order, as `service:Operation`
    (`dynamodb:TransactWriteItems`, `states:StartExecution`); each try botocore retries is not one
    more. Calls of other threads (the workflow's executions) are not counted."""
    watch = (threading.get_ident(), [])
    _watching.append(watch)
    try:
        yield watch[1]
    finally:
        _watching.remove(watch)


# -- judging ----------------------------------------------------------------------------------------


def compare(granted: dict[str, Iterable[str]], recorded: dict[str, Iterable[str]]) -> list[str]:
    """Lines naming every call recorded but not granted and every grant never used; empty when equal."""
    problems = []
    for function in sorted(set(granted) | set(recorded)):
        have, used = set(granted.get(function, ())), set(recorded.get(function, ()))
        problems += [f"{function}: calls {call} but its policy does not allow it" for call in sorted(used - have)]
        problems += [f"{function}: allowed {call} but no test's code called it" for call in sorted(have - used)]
    return problems


# -- pytest hooks -----------------------------------------------------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--aws-calls",
        action="store_true",
        help="fail the run unless each function's policy allows exactly the AWS calls its code made (make test sets it)",
    )
    parser.addoption("--aws-calls-out", default="", help="write the calls recorded per function to this JSON file")


def pytest_configure(config):
    _recorded.clear()
    install()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    merge_names(_recorded, handed_over(node, WORKER_KEY))


def _granted() -> dict[str, set[str]]:
    from deploy.permissions import granted_calls

    return granted_calls()


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if hasattr(config, "workerinput"):
        config.workeroutput[WORKER_KEY] = sorted_names(_recorded)
        return
    if config.getoption("aws_calls_out"):
        import json
        from pathlib import Path

        recorded = {function: sorted(calls) for function, calls in sorted(_recorded.items())}
        Path(config.getoption("aws_calls_out")).write_text(json.dumps(recorded, indent=2) + "\n", encoding="utf-8")
    if config.getoption("aws_calls") and compare(_granted(), _recorded) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput") or not config.getoption("aws_calls"):
        return
    terminalreporter.section("AWS calls per function against its IAM policy")
    for function, calls in sorted(_recorded.items()):
        terminalreporter.line(f"{function}: {len(calls)} distinct calls recorded")
    problems = compare(_granted(), _recorded)
    for line in problems:
        terminalreporter.line(line, red=True)
    if problems:
        terminalreporter.line(
            "FAILED: each policy must allow exactly the calls its function makes", red=True, bold=True
        )
