"""Nothing lost: a review that could not start, or that a restart stranded, starts again later."""

from __future__ import annotations

from tests.dates import example_referral
from tests.helpers import approval_path, emails_to, post_form, submit_referral, wait_for, wait_for_email
from tests.workflow.conftest import wait_for_execution

SUPERVISOR = "supervisor@familycontact.example"


def _throttle_step_functions(**_kwargs):
    """Answer StartExecution as a throttled Step Functions does: the SDK raises its ClientError."""
    error = {
        "Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    from botocore.awsrequest import AWSResponse

    return AWSResponse("https://states.eu-west-2.amazonaws.com/", 400, {}, None), error


def test_referral_is_kept_when_step_functions_is_throttled_and_the_sweep_starts_it_later(
    client, auth, runtime, no_start_grace
):
    from chalicelib.workflows.executions import sfn_client

    events = sfn_client().meta.events
    events.register("before-call.sfn.StartExecution", _throttle_step_functions)
    try:
        # WHEN a referral is submitted while Step Functions refuses to start executions
        response = submit_referral(client, auth("referrer"), example_referral())
    finally:
        events.unregister("before-call.sfn.StartExecution", _throttle_step_functions)
    # THEN the referrer still gets their referral, saved and waiting to start
    assert response.status_code == 201
    referral_id = response.json_body["id"]
    assert response.json_body["status"] == "SUBMITTED"
    assert emails_to(runtime.outbox, SUPERVISOR) == []

    # WHEN Step Functions answers again and the recovery sweep runs
    swept = client.http.post("/dev/jobs/recover-workflows", headers={"Content-Type": "application/json"}, body="{}")
    # THEN the review starts: the supervisor is asked and the referral moves on
    assert swept.json_body["result"]["restarted"] == 1
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    wait_for_execution(runtime, referral_id, "RUNNING")


def test_an_incident_recorded_while_step_functions_is_throttled_is_reviewed_once_the_sweep_starts_it(
    client, auth, runtime, no_start_grace
):
    from chalicelib.workflows.executions import sfn_client
    from tests.incident_helpers import recorded_incident, visit_at

    visit_id = visit_at(client, auth)
    events = sfn_client().meta.events
    events.register("before-call.sfn.StartExecution", _throttle_step_functions)
    try:
        # WHEN an incident is recorded while Step Functions refuses to start executions
        incident_id = recorded_incident(client, auth, visit_id)
    finally:
        events.unregister("before-call.sfn.StartExecution", _throttle_step_functions)
    # THEN it is kept, waiting for its review to start
    seen = client.http.get(f"/v1/incidents/{incident_id}", headers=auth("supervisor")).json_body
    assert seen["status"] == "REPORTED"
    assert emails_to(runtime.outbox, SUPERVISOR) == []

    # WHEN the recovery sweep runs
    swept = client.http.post("/dev/jobs/recover-workflows", headers={"Content-Type": "application/json"}, body="{}")
    # THEN the review starts and the supervisor is asked
    assert swept.json_body["result"]["restarted"] == 1
    wait_for_email(runtime.outbox, SUPERVISOR, "An incident needs your decision")
    wait_for_execution(runtime, incident_id, "RUNNING", workflow="incident_review")


def test_sweep_leaves_a_running_review_alone(client, auth, runtime, no_start_grace):
    submit_referral(client, auth("referrer"), example_referral())
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    swept = client.http.post("/dev/jobs/recover-workflows", headers={"Content-Type": "application/json"}, body="{}")
    assert swept.json_body["result"] == {
        "checked": 1,
        "running": 1,
        "starting": 0,
        "restarted": 0,
        "deferred": 0,
        "gave_up": 0,
        "callbacks_delivered": 0,
        "callbacks_closed": 0,
        "callbacks_deferred": 0,
        "pass_complete": True,
        "owed_cancellations": {"cases": 0, "visits": 0, "failed": 0},
    }
    assert len(emails_to(runtime.outbox, SUPERVISOR)) == 1


def test_local_restart_keeps_data_and_sends_a_fresh_link_for_a_waiting_review(own_runtime, tmp_path, timings):
    """The local contract: data survives a restart; waiting executions do not, the sweep restarts them."""
    from chalice.test import Client

    from app import app
    from local import snapshot
    from local.runtime import EmbeddedAws
    from local.tokens import resolve_user, token_for

    data_dir = tmp_path / "data"
    first = EmbeddedAws(app, data_dir, timings=timings).start()
    try:
        with Client(app, stage_name="local") as client:
            headers = {
                "Authorization": f"Bearer {token_for(resolve_user('referrer', None))}",
                "Content-Type": "application/json",
            }
            referral_id = submit_referral(client, headers, example_referral()).json_body["id"]
            old_link = approval_path(wait_for_email(first.outbox, SUPERVISOR, "needs your decision"))
            snapshot.save(data_dir / "snapshot.json")
    finally:
        first.stop()

    # WHEN the runtime starts again from the snapshot and runs the start-up sweep
    second = EmbeddedAws(app, data_dir, timings=timings).start()
    try:
        assert snapshot.restore(data_dir / "snapshot.json") > 0
        from chalicelib.services.recovery import restart_stranded_workflows

        assert restart_stranded_workflows()["restarted"] == 1
        with Client(app, stage_name="local") as client:
            # THEN the referral is still there, the old link is retired and a fresh one works
            fresh = wait_for(
                lambda: [m for m in emails_to(second.outbox, SUPERVISOR) if approval_path(m) != old_link],
                what="a fresh link",
            )[0]
            assert client.http.get(old_link).status_code == 410
            decided = post_form(client, approval_path(fresh), {"decision": "accept", "confirmed": "yes"})
            assert b"Decision recorded" in decided.body
            wait_for_execution(second, referral_id, "SUCCEEDED")
            supervisor = {"Authorization": f"Bearer {token_for(resolve_user('supervisor', None))}"}
            assert client.http.get(f"/v1/referrals/{referral_id}", headers=supervisor).json_body["status"] == "ACCEPTED"
    finally:
        second.stop()
