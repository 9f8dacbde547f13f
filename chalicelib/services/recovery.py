"""The recovery sweep: workflows that could not start, or that a restart or failure left stranded,
are started again, and callbacks Step Functions did not take are delivered. Runs on a schedule
in AWS and at start-up locally.

First the owed callbacks (a decision, an answer or a withdrawal saved while Step Functions was
throttling): each is sent to its wait again. Then it walks the workflow registry: for each
workflow, the items in its stranded statuses (a Query per status, never a scan) that have no
running execution get a new one, with fresh links. An item AWS will not serve now is left for
the next sweep; the others go on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.errors import Conflict, dependency_error, error_code
from chalicelib.observability import count, logger
from chalicelib.services import approvals, email, review
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.review import Described, ReviewSubject
from chalicelib.services.subjects import subject
from chalicelib.storage import callbacks
from chalicelib.workflows import executions
from chalicelib.workflows.registry import WORKFLOWS, Workflow

# An item younger than this may still be starting its workflow on the request path.
START_GRACE = timedelta(minutes=2)
MAX_RUNS = 5  # beyond this a human looks at it: the admin was alerted by each failure


def restart_stranded_workflows(today: date | None = None) -> dict:
    summary = {
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
    _deliver_owed_callbacks(summary)
    cutoff = clock.now() - START_GRACE
    for workflow in WORKFLOWS.values():
        _sweep(workflow, subject(workflow.subject_kind), cutoff, summary)
    if summary["restarted"] or summary["deferred"] or summary["callbacks_delivered"] or summary["callbacks_deferred"]:
        logger().info("recovery sweep", extra=summary)
        count("WorkflowsRestarted", summary["restarted"])
    return summary


def _deliver_owed_callbacks(summary: dict) -> None:
    """Before anything is restarted: a wait that gets its answer now needs no new execution."""
    try:
        for callback in callbacks.owed():
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


def _sweep(workflow: Workflow, item_kind: ReviewSubject, cutoff: datetime, summary: dict) -> None:
    arn = settings().state_machine_arn(workflow.name)
    for status in workflow.stranded_statuses:
        for item in item_kind.in_status(status):
            try:
                _recover(workflow, item_kind, item, status, arn, cutoff, summary)
            except Exception as exc:
                if dependency_error(exc) is None:
                    raise
                # AWS is throttling or out of reach for this item: the next sweep (10 minutes) tries again.
                logger().warning("recovery deferred", extra={"error": type(exc).__name__, "code": error_code(exc)})
                summary["deferred"] += 1


def _recover(
    workflow: Workflow, item_kind: ReviewSubject, item: object, status: str, arn: str, cutoff: datetime, summary: dict
) -> None:
    described = item_kind.describe(item)
    summary["checked"] += 1
    if status == workflow.starts_in and datetime.fromisoformat(described.since) > cutoff:
        summary["starting"] += 1
        return
    current = executions.status(arn, workflow.execution_name(described.subject_id, described.runs))
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
        with audited_transaction(SYSTEM, "handled by another sweep") as tx:
            item_kind.count_run(tx, item, MAX_RUNS + 1)
            tx.record(
                item_kind.kind, described.subject_id, "workflow.gave_up", {"status": described.status, "runs": MAX_RUNS}
            )
    except Conflict:
        return
    email.send(settings().admin_email, "review_stuck", item=described, noun=item_kind.labels["noun"], runs=MAX_RUNS)
