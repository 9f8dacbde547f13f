"""Many open reviews for the recovery sweep, without running many executions.

The referrals are written through the storage layer with batch writes (no intake, no emails).
Their executions, where a test wants them running, are entered in the embedded Step Functions as
running but never started: moto runs a thread per started execution, which a small machine
cannot carry by the thousand. Listed and described, such an execution is one that waits.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from chalicelib import clock

UNDER_REVIEW = "UNDER_REVIEW"  # a stranded status of referral_review, past the start grace


def seed_open_referrals(count: int) -> list[str]:
    """`count` referrals under review, oldest first, written 25 to a BatchWriteItem; their ids in
    that order."""
    from chalicelib.domain.referral_reference import human_reference, reference_key
    from chalicelib.services.audit import SYSTEM, status_change
    from chalicelib.storage.referrals import Referral, new_referral
    from tests.dates import example_referral

    body = example_referral()
    first = clock.now() - timedelta(days=1)
    ids = [uuid.uuid4().hex for _ in range(count)]
    with Referral.batch_write() as batch:
        for index, referral_id in enumerate(ids):
            made = (first + timedelta(milliseconds=index)).isoformat(timespec="milliseconds")
            batch.save(
                new_referral(
                    referral_id,
                    reference=reference_key(human_reference(referral_id)),
                    referrer_id="referrer",
                    referrer_email="sam.referrer@council.example",
                    status=UNDER_REVIEW,
                    created_at=made,
                    updated_at=made,
                    submission=body,
                    history=[status_change(SYSTEM, "SUBMITTED", UNDER_REVIEW)],
                    exchanges=[],
                    workflow_runs=1,
                )
            )
    return ids


@contextmanager
def waiting_executions(runtime, referral_ids: list[str]) -> Iterator[None]:
    """Each referral's first execution, as Step Functions would list and describe it while it
    waits for a decision; forgotten again on the way out (nothing of it ever ran)."""
    import json

    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from chalicelib.workflows.executions import execution_arn
    from chalicelib.workflows.registry import REFERRAL_REVIEW
    from local.runtime import ACCOUNT_ID

    region = os.environ["AWS_DEFAULT_REGION"]
    arn = runtime.state_machine_arns[REFERRAL_REVIEW.name]
    machine = stepfunctions_parser_backends[ACCOUNT_ID][region].describe_state_machine(arn)
    entered = []
    for referral_id in referral_ids:
        name = REFERRAL_REVIEW.execution_name(referral_id, 1)
        execution = Execution(
            name=name,
            sm_type=machine.sm_type,
            role_arn=machine.roleArn,
            exec_arn=execution_arn(arn, name),
            account_id=ACCOUNT_ID,
            region_name=region,
            state_machine=machine,
            start_date=clock.now(),
            cloud_watch_logging_session=None,
            activity_store={},
            input_data=json.dumps({"subject_id": referral_id}),
        )
        execution.exec_status = ExecutionStatus.RUNNING
        entered.append(execution)
    machine.executions.extend(entered)
    try:
        yield
    finally:
        kept = {id(execution) for execution in entered}
        machine.executions[:] = [e for e in machine.executions if id(e) not in kept]
