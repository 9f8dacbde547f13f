"""Starting workflows and answering their callbacks: the only code that talks to Step Functions."""

from __future__ import annotations

import json
from functools import lru_cache

from chalicelib.config import settings
from chalicelib.observability import logger

# A callback token that was already answered or timed out. AWS says TaskTimedOut or
# TaskDoesNotExist; moto says InvalidToken. All mean "this wait is over".
STALE_TOKEN_ERRORS = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


class WorkflowUnavailable(Exception):
    """Step Functions did not accept the call now; the caller keeps the work and retries later."""


@lru_cache(maxsize=1)
def sfn_client():
    import boto3
    from botocore.config import Config

    # Fail fast on the request path: a stranded start is retried by the recovery sweep, and an
    # undelivered callback is kept and delivered by it (`storage.callbacks`).
    config = Config(retries={"total_max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=5)
    return boto3.client("stepfunctions", region_name=settings().region, config=config)


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return response.get("Error", {}).get("Code", "")


def start(state_machine_arn: str, name: str, payload: dict) -> str:
    """Start an execution named after its entity; a repeated start of the same one is harmless."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = sfn_client()
    try:
        response = client.start_execution(stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload))
        return response["executionArn"]
    except ClientError as exc:
        if _error_code(exc) == "ExecutionAlreadyExists":
            return execution_arn(state_machine_arn, name)
        logger().warning("workflow start failed", extra={"error": _error_code(exc), "execution": name})
        raise WorkflowUnavailable(_error_code(exc)) from exc
    except BotoCoreError as exc:
        logger().warning("workflow start failed", extra={"error": type(exc).__name__, "execution": name})
        raise WorkflowUnavailable(type(exc).__name__) from exc


def execution_arn(state_machine_arn: str, name: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"


DELIVERED, WAIT_OVER, UNAVAILABLE, REFUSED = "delivered", "wait over", "unavailable", "refused"


def send_callback(task_token: str, output: dict) -> str:
    """Send a callback's result once: DELIVERED; WAIT_OVER (the token was already answered or
    timed out); UNAVAILABLE (Step Functions did not take it now: throttled, out of reach; worth
    sending again); REFUSED (any other answer: sending it again would be refused again)."""
    from botocore.exceptions import ClientError

    from chalicelib.errors import ServiceUnavailable, dependency_error

    try:
        sfn_client().send_task_success(taskToken=task_token, output=json.dumps(output))
        return DELIVERED
    except Exception as exc:
        code = _error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        if code in STALE_TOKEN_ERRORS:
            logger().info("callback already closed", extra={"error": code})
            return WAIT_OVER
        error = dependency_error(exc)
        if error is None:
            raise
        logger().warning("callback not delivered", extra={"error": code})
        return UNAVAILABLE if isinstance(error, ServiceUnavailable) else REFUSED


def resume(task_token: str, output: dict) -> bool:
    """Resume a wait with a callback's result. True when the wait has it or will have it: a
    callback Step Functions did not take now is kept, and the recovery sweep delivers it
    (`services.recovery`). False when the wait was already over (or the callback could not even
    be kept): the change that called this is saved, and the caller acts on it itself."""
    outcome = send_callback(task_token, output)
    if outcome == UNAVAILABLE:
        return _keep_for_later(task_token, output)
    return outcome == DELIVERED


def _keep_for_later(task_token: str, output: dict) -> bool:
    from chalicelib.errors import dependency_error
    from chalicelib.storage import callbacks

    try:
        callbacks.keep(task_token, output)
        return True
    except Exception as exc:
        if dependency_error(exc) is None:
            raise
        # DynamoDB failed too: the waiting step's own timeout (or heartbeat) brings the workflow
        # back to read the saved change.
        logger().warning("callback not kept", extra={"error": type(exc).__name__})
        return False


def status(state_machine_arn: str, name: str) -> str | None:
    """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED; None when no such execution exists."""
    from botocore.exceptions import ClientError

    try:
        return sfn_client().describe_execution(executionArn=execution_arn(state_machine_arn, name))["status"]
    except ClientError as exc:
        if _error_code(exc) == "ExecutionDoesNotExist":
            return None
        raise


# The most ListExecutions returns in one page.
LIST_PAGE = 1000


def running_names(state_machine_arn: str) -> set[str]:
    """The names of the state machine's running executions: one ListExecutions per thousand,
    where asking after each execution would be a DescribeExecution each. Step Functions lists
    eventually consistently: a name missing here may have just started, so a caller that finds
    one missing asks `status` before acting on it."""
    client = sfn_client()
    names: set[str] = set()
    request = {"stateMachineArn": state_machine_arn, "statusFilter": "RUNNING", "maxResults": LIST_PAGE}
    while True:
        page = client.list_executions(**request)
        names.update(execution["name"] for execution in page["executions"])
        if not page.get("nextToken"):
            return names
        request["nextToken"] = page["nextToken"]
