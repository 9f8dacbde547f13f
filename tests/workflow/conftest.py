"""Workflow-test helpers: read executions of the real ASL running under the embedded runtime."""

from __future__ import annotations

import boto3
import pytest

from tests.helpers import wait_for


def execution_arn(runtime, subject_id: str, run: int = 1, workflow: str = "referral_review") -> str:
    machine = runtime.state_machine_arns[workflow]
    return machine.replace(":stateMachine:", ":execution:") + f":{subject_id}-{run}"


def execution_status(runtime, subject_id: str, run: int = 1, workflow: str = "referral_review") -> str:
    arn = execution_arn(runtime, subject_id, run, workflow)
    return boto3.client("stepfunctions").describe_execution(executionArn=arn)["status"]


def wait_for_execution(
    runtime, subject_id: str, status: str, run: int = 1, timeout: float = 20.0, workflow: str = "referral_review"
) -> None:
    wait_for(
        lambda: execution_status(runtime, subject_id, run, workflow) == status,
        timeout,
        what=f"{workflow} execution {status}",
    )


def states_entered(runtime, subject_id: str, run: int = 1, workflow: str = "referral_review") -> list[str]:
    arn = execution_arn(runtime, subject_id, run, workflow)
    events = boto3.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


@pytest.fixture
def referrer(auth):
    return auth("referrer")


@pytest.fixture
def no_start_grace(monkeypatch):
    """The recovery sweep takes on an execution that has only just started."""
    from datetime import timedelta

    from chalicelib.services import recovery

    monkeypatch.setattr(recovery, "START_GRACE", timedelta(0))
