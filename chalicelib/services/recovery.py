"""The recovery sweep: workflows that could not start, or that a restart or failure left stranded,
are started again. Runs on a schedule in AWS and at start-up locally."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain.referrals import AWAITING_DECISION, ReferralStatus
from chalicelib.errors import Conflict
from chalicelib.observability import count, logger
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.storage.referrals import Referral

# A referral younger than this may still be starting its workflow on the request path.
START_GRACE = timedelta(minutes=2)
MAX_RUNS = 5  # beyond this a human looks at it: the admin was alerted by each failure


def _start(referral: Referral, summary: dict) -> None:
    from chalicelib.services import approvals, referral_review

    # Links of a dead execution carry dead tokens: the new run sends fresh ones.
    approvals.retire_active(referral.referral_id, reason="workflow restarted")
    if referral_review.start_workflow(referral):
        summary["restarted"] += 1
    else:
        summary["deferred"] += 1


def _give_up(referral: Referral) -> None:
    """Tell the admin once that restarting has not helped; later sweeps leave it alone."""
    from chalicelib.services import email

    try:
        with audited_transaction(SYSTEM, "handled by another sweep") as tx:
            tx.update(
                referral,
                actions=[Referral.workflow_runs.set(MAX_RUNS + 1)],
                condition=Referral.workflow_runs == MAX_RUNS,
            )
            tx.record(
                "referral", referral.referral_id, "workflow.gave_up", {"status": referral.status, "runs": MAX_RUNS}
            )
    except Conflict:
        return
    email.send(settings().admin_email, "referral_review_stuck", referral=referral, runs=MAX_RUNS)


def restart_stranded_workflows(today: date | None = None) -> dict:
    """Query each awaiting status (never a scan) and restart reviews that are not running."""
    from chalicelib.services import referral_review
    from chalicelib.workflows import executions

    arn = settings().referral_review_state_machine_arn
    summary = {"checked": 0, "running": 0, "starting": 0, "restarted": 0, "deferred": 0, "gave_up": 0}
    cutoff = (clock.now() - START_GRACE).isoformat(timespec="seconds")
    for status in sorted(AWAITING_DECISION):
        for referral in Referral.by_status.query(status.value):
            summary["checked"] += 1
            if status is ReferralStatus.SUBMITTED and referral.created_at > cutoff:
                summary["starting"] += 1
                continue
            current = executions.status(arn, referral_review.execution_name(referral))
            if current == "RUNNING":
                summary["running"] += 1
                continue
            if current is None:
                # Never started (Step Functions was unavailable) or lost with a local restart:
                # the same execution name is still free.
                _start(referral, summary)
                continue
            if referral.workflow_runs >= MAX_RUNS:
                summary["gave_up"] += 1
                if referral.workflow_runs == MAX_RUNS:
                    _give_up(referral)
                continue
            runs = referral.workflow_runs + 1
            try:
                with audited_transaction(SYSTEM, "restarted by another sweep") as tx:
                    tx.update(
                        referral,
                        actions=[Referral.workflow_runs.set(runs)],
                        condition=Referral.workflow_runs == referral.workflow_runs,
                    )
                    tx.record(
                        "referral", referral.referral_id, "workflow.restarted", {"status": referral.status, "run": runs}
                    )
            except Conflict:
                continue
            referral.workflow_runs = runs
            _start(referral, summary)
    if summary["restarted"] or summary["deferred"]:
        logger().info("recovery sweep", extra=summary)
        count("WorkflowsRestarted", summary["restarted"])
    return summary
