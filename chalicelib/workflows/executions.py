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

    # Fail fast on the request path: a stranded start is retried by the recovery sweep.
    return boto3.client(
        "stepfunctions", region_name=settings().region, config=Config(retries={"max_attempts": 2, "mode": "standard"})
    )


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


def resume(task_token: str, output: dict) -> bool:
    """Send a callback's result. False when the wait was already over (stale token) or Step
    Functions did not answer: the change that called this is already saved, and the waiting
    step's own timeout brings the workflow back to read it."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        sfn_client().send_task_success(taskToken=task_token, output=json.dumps(output))
        return True
    except ClientError as exc:
        code = _error_code(exc)
        if code in STALE_TOKEN_ERRORS:
            logger().info("callback already closed", extra={"error": code})
        else:
            logger().warning("callback not delivered", extra={"error": code})
        return False
    except BotoCoreError as exc:
        logger().warning("callback not delivered", extra={"error": type(exc).__name__})
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
