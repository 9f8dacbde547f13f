"""Workflow-test helpers: read executions of the real ASL running under the embedded runtime."""

from __future__ import annotations

import boto3
import pytest

from tests.helpers import wait_for


def execution_arn(runtime, subject_id: str, run: int = 1, workflow: str = "referral_review") -> str:
    machine = runtime.state_machine_arns[workflow]
    return machine.replace(":stateMachine:", ":execution:") + f":{subject_id}-{run}"


def execution_status(runtime, referral_id: str, run: int = 1) -> str:
    return boto3.client("stepfunctions").describe_execution(executionArn=execution_arn(runtime, referral_id, run))[
        "status"
    ]


def wait_for_execution(runtime, referral_id: str, status: str, run: int = 1, timeout: float = 20.0) -> None:
    wait_for(lambda: execution_status(runtime, referral_id, run) == status, timeout, what=f"execution {status}")


def states_entered(runtime, referral_id: str, run: int = 1) -> list[str]:
    events = boto3.client("stepfunctions").get_execution_history(
        executionArn=execution_arn(runtime, referral_id, run), maxResults=1000
    )["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


@pytest.fixture
def referrer(auth):
    return auth("referrer")
