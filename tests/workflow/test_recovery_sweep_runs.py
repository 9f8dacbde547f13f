"""The recovery sweep over more open reviews than one run has time for: it stops before its
function's time runs out, keeps where it stopped, and the next run goes on from there, so a pass
handles each review once. The time left is injected (a function's remaining time that runs out
after so many items), never waited for."""

from __future__ import annotations

import pytest

from tests.helpers import SUPERVISOR, emails_to, wait_for
from tests.sweep_helpers import seed_open_referrals, waiting_executions
from tests.workflow.conftest import execution_status

pytestmark = pytest.mark.usefixtures("no_start_grace")

PLENTY_MS = 600_000


def time_for(items: int):
    """A Lambda context's `get_remaining_time_in_millis` with time for `items` items: plenty while
    they are handled, then less than the sweep's margin."""
    from chalicelib.services.recovery import TIME_MARGIN_MS

    asked = {"times": 0}

    def remaining_ms() -> int:
        asked["times"] += 1
        return PLENTY_MS if asked["times"] <= items else TIME_MARGIN_MS - 1

    return remaining_ms


@pytest.fixture
def handled(monkeypatch):
    """The id of every review the sweep handles, in order (the sweep itself unchanged)."""
    from chalicelib.services import recovery

    seen: list[str] = []
    recover = recovery._recover

    def recording(workflow, item_kind, item, *args):
        seen.append(item_kind.describe(item).subject_id)
        return recover(workflow, item_kind, item, *args)

    monkeypatch.setattr(recovery, "_recover", recording)
    return seen


def run_sweep(remaining_ms=None) -> dict:
    from chalicelib import clock, jobs

    return jobs.run("recover-workflows", clock.today(), remaining_ms)


def kept_position() -> dict | None:
    from chalicelib.services.recovery import JOB
    from chalicelib.storage.job_positions import position_of

    return position_of(JOB)


def test_a_pass_longer_than_one_run_goes_on_from_its_position_and_handles_each_review_once(runtime, handled):
    # GIVEN more open reviews than a DynamoDB page holds, each with its execution waiting
    ids = seed_open_referrals(700)
    with waiting_executions(runtime, ids):
        # WHEN each run has time for 300 of them
        runs = [run_sweep(time_for(300)) for _ in range(3)]
        # THEN the first two stop for time, keeping their place, and the third finishes the pass
        assert [run["pass_complete"] for run in runs] == [False, False, True]
        assert [run["checked"] for run in runs] == [300, 300, 100]
        assert sum(run["running"] for run in runs) == 700
        assert sum(run["restarted"] + run["deferred"] for run in runs) == 0
        # AND every review was handled once, in the index's order
        assert handled == ids
        assert kept_position() is None
        # WHEN the next run has plenty of time, it makes a new pass from the start
        again = run_sweep(lambda: PLENTY_MS)
    assert again["pass_complete"] and again["checked"] == 700
    assert handled == ids + ids


def test_time_running_out_mid_page_stops_cleanly_and_the_next_run_restarts_what_is_stranded(runtime, handled):
    # GIVEN 30 open reviews whose executions wait, and 2 whose workflow never started (the 6th and the 21st)
    ids = seed_open_referrals(32)
    stranded = [ids[5], ids[20]]
    with waiting_executions(runtime, [i for i in ids if i not in stranded]):
        # WHEN the run has time for 10 items (its page holds all 32)
        first = run_sweep(time_for(10))
        # THEN it handled 10 and restarted the one stranded among them, and kept its place
        assert first["checked"] == 10 and first["restarted"] == 1 and not first["pass_complete"]
        assert kept_position() is not None
        # WHEN the next run has time enough
        second = run_sweep(time_for(100))
        # THEN it went on after the 10th: the other stranded review is restarted, the pass completes
        assert second["checked"] == 22 and second["restarted"] == 1 and second["pass_complete"]
        assert handled == ids
        for referral_id in stranded:
            assert execution_status(runtime, referral_id) == "RUNNING"
        wait_for(lambda: len(emails_to(runtime.outbox, SUPERVISOR, "needs your decision")) == 2, what="two asks")
        # AND a new pass finds all 32 running: nothing is restarted twice
        third = run_sweep(time_for(100))
    assert third == {**third, "checked": 32, "running": 32, "restarted": 0, "pass_complete": True}


def test_the_scheduled_function_reads_its_time_left_from_the_lambda_context(runtime, client):
    """Chalice's test context gives a function 3 seconds: less than the sweep's margin, so the run
    stops before its first review and keeps its place."""
    ids = seed_open_referrals(3)
    with waiting_executions(runtime, ids):
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        summary = client.lambda_.invoke("recover_workflows", event).payload
        assert summary["checked"] == 0 and not summary["pass_complete"]
        assert kept_position() == {"workflow": "referral_review", "status": "UNDER_REVIEW", "cursor": None}
        # AND a run with time enough (as by hand) finishes the pass from there
        assert run_sweep()["checked"] == 3
    assert kept_position() is None
