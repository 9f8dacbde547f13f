"""The recovery sweep: workflows that could not start, or that a restart or failure left stranded,
are started again, and callbacks Step Functions did not take are delivered. Runs on a schedule
in AWS and at start-up locally.

First the owed callbacks (a decision, an answer or a withdrawal saved while Step Functions was
throttling): each is sent to its wait again. Then it walks the workflow registry: for each
workflow, the items in its stranded statuses (a Query per status, never a scan) that have no
running execution get a new one, with fresh links. An item AWS will not serve now is left for
the next sweep; the others go on.

It scales with the number of open reviews: which executions run is listed once per run (a
ListExecutions per thousand, not a DescribeExecution per item), the items are read page by page,
and a run stops before its function's time runs out, keeping where it stopped; the next run goes
on from there, so a pass over every open review may take several runs and handles each once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime, timedelta

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.errors import Conflict, dependency_error, error_code
from chalicelib.observability import count, logger
from chalicelib.services import approvals, email, review
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.review import Described, ReviewSubject
from chalicelib.services.subjects import subject
from chalicelib.storage import callbacks, job_positions
from chalicelib.workflows import executions
from chalicelib.workflows.registry import WORKFLOWS, Workflow

# An item younger than this may still be starting its workflow on the request path.
START_GRACE = timedelta(minutes=2)
MAX_RUNS = 5  # beyond this a human looks at it: the admin was alerted by each failure
JOB = "recover-workflows"  # its name in `chalicelib.jobs`, and where it keeps its position
# A run stops when its function has less time left than this: enough to finish the item in hand
# (a restart is a few calls, each bounded by its client's timeouts) and to keep its position.
TIME_MARGIN_MS = 20_000


def restart_stranded_workflows(today: date | None = None, remaining_ms: Callable[[], int] | None = None) -> dict:
    """One run of the sweep. `remaining_ms` is the Lambda context's time left in milliseconds
    (`get_remaining_time_in_millis`); without it (a job run by hand, the local start-up) the run
    finishes its pass whatever it takes."""
    sweep = _Sweep(remaining_ms)
    _deliver_owed_callbacks(sweep)
    cutoff = clock.now() - START_GRACE
    position = job_positions.position_of(JOB)
    try:
        stopped_at = sweep.walk(position, cutoff)
    except BaseException:
        if sweep.position != position:
            with suppress(Exception):  # the first error is the one to report
                job_positions.keep_position(JOB, sweep.position)  # what was handled stays handled
        raise
    summary = sweep.summary
    summary["pass_complete"] = stopped_at is None
    summary["owed_cancellations"] = _finish_owed_cancellations(sweep)
    if stopped_at is not None:
        job_positions.keep_position(JOB, stopped_at)
    elif position is not None:
        job_positions.forget_position(JOB)
    logger().info("recovery sweep", extra={**summary, "resumed": position is not None})
    count("ReviewsSwept", summary["checked"])
    if summary["restarted"]:
        count("WorkflowsRestarted", summary["restarted"])
    if stopped_at is not None:
        count("RecoverySweepStoppedForTime")
    return summary


def _finish_owed_cancellations(sweep: _Sweep) -> dict:
    """Suspended or closed cases whose upcoming visits were not all cancelled (an interrupted
    finish): each is finished now, chunk by chunk (`services.case_status`)."""
    from chalicelib.services.case_status import finish_all_owed

    return finish_all_owed(sweep.out_of_time)


class _Sweep:
    """One run: its counts, its clock, the running executions it has listed, and where it is."""

    def __init__(self, remaining_ms: Callable[[], int] | None) -> None:
        self.remaining_ms = remaining_ms
        self.summary = {
            "checked": 0,
            "running": 0,
            "starting": 0,
            "restarted": 0,
            "deferred": 0,
            "gave_up": 0,
            "callbacks_delivered": 0,
            "callbacks_closed": 0,
            "callbacks_deferred": 0,
        }
        self.position: dict | None = None
        self._running: dict[str, set[str]] = {}

    def out_of_time(self) -> bool:
        return self.remaining_ms is not None and self.remaining_ms() < TIME_MARGIN_MS

    def walk(self, position: dict | None, cutoff: datetime) -> dict | None:
        """Every stranded status of every workflow, from `position` on (a status left part-way by
        the last run, after its last handled item). Returns where it stopped for time, or None
        when the pass is complete."""
        self.position = position
        stages = [(workflow, status) for workflow in WORKFLOWS.values() for status in workflow.stranded_statuses]
        names = [(workflow.name, status) for workflow, status in stages]
        resume_at, cursor = 0, None
        if position is not None and (position["workflow"], position["status"]) in names:
            resume_at, cursor = names.index((position["workflow"], position["status"])), position["cursor"]
        for workflow, status in stages[resume_at:]:
            stopped = self._sweep(workflow, status, cursor, cutoff)
            if stopped is not None:
                return stopped
            cursor = None
        return None

    def _sweep(self, workflow: Workflow, status: str, cursor: str | None, cutoff: datetime) -> dict | None:
        item_kind = subject(workflow.subject_kind)
        arn = settings().state_machine_arn(workflow.name)
        self.position = {"workflow": workflow.name, "status": status, "cursor": cursor}
        for item, after in item_kind.in_status_after(status, cursor):
            if self.out_of_time():
                return self.position
            try:
                _recover(workflow, item_kind, item, status, arn, cutoff, self)
            except Exception as exc:
                if dependency_error(exc) is None:
                    raise
                # AWS is throttling or out of reach for this item: the next sweep (10 minutes) tries again.
                logger().warning("recovery deferred", extra={"error": type(exc).__name__, "code": error_code(exc)})
                self.summary["deferred"] += 1
            self.position = {"workflow": workflow.name, "status": status, "cursor": after}
        return None

    def running(self, workflow: Workflow, arn: str) -> set[str]:
        """The workflow's running executions, listed once per run (when its first item needs it)."""
        if workflow.name not in self._running:
            try:
                self._running[workflow.name] = executions.running_names(arn)
            except Exception as exc:
                if dependency_error(exc) is None:
                    raise
                # Each item is asked after on its own instead.
                logger().warning("executions not listed", extra={"error": type(exc).__name__, "code": error_code(exc)})
                self._running[workflow.name] = set()
        return self._running[workflow.name]


def _deliver_owed_callbacks(sweep: _Sweep) -> None:
    """Before anything is restarted: a wait that gets its answer now needs no new execution."""
    summary = sweep.summary
    try:
        for callback in callbacks.owed():
            if sweep.out_of_time():
                return  # still owed: the next run delivers it
            outcome = executions.send_callback(callback.task_token, callback.output)
            if outcome == executions.UNAVAILABLE:
                summary["callbacks_deferred"] += 1
                continue
            # Delivered; or the wait is over (it timed out, and its next step read the saved change);
            # or Step Functions refuses it for good (logged): keeping it would not help.
            callbacks.settled(callback)
            summary["callbacks_delivered" if outcome == executions.DELIVERED else "callbacks_closed"] += 1
    except Exception as exc:
        if dependency_error(exc) is None:
            raise
        logger().warning("owed callbacks deferred", extra={"error": type(exc).__name__, "code": error_code(exc)})
        summary["callbacks_deferred"] += 1


def _recover(
    workflow: Workflow, item_kind: ReviewSubject, item: object, status: str, arn: str, cutoff: datetime, sweep: _Sweep
) -> None:
    summary = sweep.summary
    described = item_kind.describe(item)
    summary["checked"] += 1
    if status == workflow.starts_in and datetime.fromisoformat(described.since) > cutoff:
        summary["starting"] += 1
        return
    name = workflow.execution_name(described.subject_id, described.runs)
    # Listed as running: nothing to ask. Not listed: it may have ended, never started, or only
    # just started (the list lags), so this one execution is asked after.
    current = "RUNNING" if name in sweep.running(workflow, arn) else executions.status(arn, name)
    if current == "RUNNING":
        summary["running"] += 1
        return
    if current is None:
        # Never started (Step Functions was unavailable) or lost with a local restart:
        # the same execution name is still free.
        _start(workflow, item_kind, described, described.runs, summary)
        return
    if described.runs >= MAX_RUNS:
        summary["gave_up"] += 1
        if described.runs == MAX_RUNS:
            _give_up(item_kind, item, described)
        return
    run = described.runs + 1
    if review.count_restart(item_kind, item, run, status, "restarted by another sweep"):
        _start(workflow, item_kind, described, run, summary)


def _start(workflow: Workflow, item_kind: ReviewSubject, described: Described, run: int, summary: dict) -> None:
    # Links of a dead execution carry dead tokens: the new run sends fresh ones.
    approvals.retire_active(item_kind.kind, described.subject_id, reason="workflow restarted")
    if review.start(workflow, described.subject_id, run):
        summary["restarted"] += 1
    else:
        summary["deferred"] += 1


def _give_up(item_kind: ReviewSubject, item: object, described: Described) -> None:
    """Tell the admin once that restarting has not helped; later sweeps leave it alone."""
    try:
        with audited_transaction(SYSTEM, "handled by another sweep", case_id=described.case_id) as tx:
            item_kind.count_run(tx, item, MAX_RUNS + 1)
            tx.record(
                item_kind.kind, described.subject_id, "workflow.gave_up", {"status": described.status, "runs": MAX_RUNS}
            )
    except Conflict:
        return
    email.send(settings().admin_email, "review_stuck", item=described, noun=item_kind.labels["noun"], runs=MAX_RUNS)
