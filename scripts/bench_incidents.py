"""Bench rows of incidents: AWS calls to record one, and the state transitions of incident_review's
paths (decided at once; reminded, then decided; escalated and reported overdue)."""

from __future__ import annotations

import tempfile
from pathlib import Path


def _states(runtime, incident_id: str) -> list[str]:
    import boto3

    arn = runtime.state_machine_arns["incident_review"].replace(":stateMachine:", ":execution:") + f":{incident_id}-1"
    events = boto3.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def incident_figures(counter) -> list[dict]:
    """`counter` is a `scripts.aws_call_counter.CallCounter`, installed; returns rows as bench.py prints them."""
    import boto3
    from chalice.test import Client

    from app import app
    from chalicelib.workflows.registry import Timings
    from local.runtime import EmbeddedAws
    from local.tokens import resolve_user, token_for
    from tests.helpers import ADMIN, SUPERVISOR, decide_by_link, wait_for, wait_for_email
    from tests.incident_helpers import incident_body, record_incident, visit_at

    patient = Timings(reminder_seconds=600, decision_timeout_seconds=1200)
    # Working time compressed to seconds, as the workflow tests run it: one reminder, then escalation.
    fast = Timings(reminder_seconds=1, decision_timeout_seconds=30, max_reminders=1, escalation_timeout_seconds=1)
    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp()), patient).start()
    paths: dict[str, list[str]] = {}
    try:
        with Client(app, stage_name="local") as client:

            def auth(role: str, email: str | None = None) -> dict:
                user = resolve_user(role, email)
                return {"Authorization": f"Bearer {token_for(user)}", "Content-Type": "application/json"}

            def finished(incident_id: str) -> None:
                arn = runtime.state_machine_arns["incident_review"].replace(":stateMachine:", ":execution:")
                sfn = boto3.client("stepfunctions")
                wait_for(
                    lambda: sfn.describe_execution(executionArn=f"{arn}:{incident_id}-1")["status"] != "RUNNING", 30
                )

            visit_id = visit_at(client, auth)
            response, calls = counter.measure(record_incident, client, auth, visit_id)
            assert response.status_code == 201, response.body
            first = response.json_body["incident_id"]
            decide_by_link(client, wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision"), "continue")
            finished(first)
            paths["decided at once"] = _states(runtime, first)

            runtime.reset(fast)
            visit_id = visit_at(client, auth)
            reminded = record_incident(client, auth, visit_id, incident_body(visit_id, critical=False))
            reminded_id = reminded.json_body["incident_id"]
            decide_by_link(client, wait_for_email(runtime.outbox, SUPERVISOR, "Reminder: an incident"), "continue")
            finished(reminded_id)
            paths["reminded then decided"] = _states(runtime, reminded_id)

            visit_id = visit_at(client, auth)
            escalated = record_incident(client, auth, visit_id, incident_body(visit_id, critical=False))
            escalated_id = escalated.json_body["incident_id"]
            wait_for_email(runtime.outbox, ADMIN, "was not decided")
            finished(escalated_id)
            paths["escalated and overdue"] = _states(runtime, escalated_id)
    finally:
        runtime.stop()
    rows = [
        {
            "figure": "AWS API calls to record an incident",
            "value": len(calls),
            "limit": "<= 7",
            "how": "botocore before-call hook, POST /v1/visits/{id}/incidents: " + ", ".join(calls),
        }
    ]
    for name, states in paths.items():
        rows.append(
            {
                "figure": f"state transitions, incident_review {name} path",
                "value": len(states),
                "limit": "",
                "how": "states entered in the execution history: " + " > ".join(states),
            }
        )
    return rows
