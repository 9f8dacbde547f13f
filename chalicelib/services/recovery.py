"""The recovery sweep: workflows that could not start, or that a restart or failure left stranded,
are started again. Runs on a schedule in AWS and at start-up locally.

It walks the workflow registry: for each workflow, the items in its stranded statuses (a Query
per status, never a scan) that have no running execution get a new one, with fresh links.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.errors import Conflict
from chalicelib.observability import count, logger
from chalicelib.services import approvals, email, review
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.review import Described, ReviewSubject
from chalicelib.services.subjects import subject
from chalicelib.workflows import executions
from chalicelib.workflows.registry import WORKFLOWS, Workflow

# An item younger than this may still be starting its workflow on the request path.
START_GRACE = timedelta(minutes=2)
MAX_RUNS = 5  # beyond this a human looks at it: the admin was alerted by each failure


def restart_stranded_workflows(today: date | None = None) -> dict:
    summary = {"checked": 0, "running": 0, "starting": 0, "restarted": 0, "deferred": 0, "gave_up": 0}
    cutoff = clock.now() - START_GRACE
    for workflow in WORKFLOWS.values():
        _sweep(workflow, subject(workflow.subject_kind), cutoff, summary)
    if summary["restarted"] or summary["deferred"]:
        logger().info("recovery sweep", extra=summary)
        count("WorkflowsRestarted", summary["restarted"])
    return summary


def _sweep(workflow: Workflow, item_kind: ReviewSubject, cutoff: datetime, summary: dict) -> None:
    arn = settings().state_machine_arn(workflow.name)
    for status in workflow.stranded_statuses:
        for item in item_kind.in_status(status):
            described = item_kind.describe(item)
            summary["checked"] += 1
            if status == workflow.starts_in and datetime.fromisoformat(described.since) > cutoff:
                summary["starting"] += 1
                continue
            current = executions.status(arn, workflow.execution_name(described.subject_id, described.runs))
            if current == "RUNNING":
                summary["running"] += 1
                continue
            if current is None:
                # Never started (Step Functions was unavailable) or lost with a local restart:
                # the same execution name is still free.
                _start(workflow, item_kind, described, described.runs, summary)
                continue
            if described.runs >= MAX_RUNS:
                summary["gave_up"] += 1
                if described.runs == MAX_RUNS:
                    _give_up(item_kind, item, described)
                continue
            run = described.runs + 1
            try:
                with audited_transaction(SYSTEM, "restarted by another sweep") as tx:
                    item_kind.count_run(tx, item, run)
                    tx.record(
                        item_kind.kind, described.subject_id, "workflow.restarted", {"status": status, "run": run}
                    )
            except Conflict:
                continue
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
