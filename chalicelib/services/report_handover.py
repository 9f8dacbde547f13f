"""Handing a saved draft report to another worker: a supervisor's explicit, audited act. Otherwise
a report's author never changes (`report_access.may_write`)."""

from __future__ import annotations

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain.reports import WRITABLE, ReportHandover, ReportStatus
from chalicelib.domain.visits import VisitStatus
from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.services import outputs, visit_access
from chalicelib.services.audit import audited_transaction
from chalicelib.services.report_access import load
from chalicelib.services.report_views import view_for
from chalicelib.storage import reports as store
from chalicelib.storage.visits import check_visit_still
from chalicelib.storage.workers import get_worker
from chalicelib.workflows.registry import REPORT_REVIEW


def hand_over(principal: Principal, visit_id: str, handover: ReportHandover) -> outputs.Report:
    """Make the worker the visit is now assigned to the author of its saved draft. Only a draft (or
    a report sent back for changes) is handed over, and only to the visit's worker, who can then
    submit it. Handing it to its author again changes nothing."""
    visit = visit_access.load(visit_id)
    report = store.get_report(visit_id)
    if report is None:
        raise Conflict(
            "Nothing has been saved for this visit's report yet, so there is nothing to hand over: "
            "the worker the visit is assigned to writes it."
        )
    status = ReportStatus(report.status)
    if status not in WRITABLE:
        raise Conflict(f"This report is {status.label.lower()}: only a draft can be handed over. Nothing was changed.")
    if handover.worker_id == report.worker_id:
        return view_for(principal, report)
    worker = get_worker(handover.worker_id)
    if worker is None:
        raise ValidationFailed(
            "The worker was not found.", fields=[{"path": "worker_id", "message": "No worker with this id"}]
        )
    if worker.worker_id != visit.worker_id:
        raise ValidationFailed(
            "A draft can be handed only to the worker the visit is assigned to.",
            fields=[
                {
                    "path": "worker_id",
                    "message": f"{worker.name} is not on this visit: reassign the visit to them first",
                }
            ],
        )
    with audited_transaction(
        principal.person, "The report or the visit changed meanwhile. Reload and try again."
    ) as tx:
        store.hand_over(
            tx,
            report,
            worker_id=worker.worker_id,
            worker_email=worker.email,
            worker_name=worker.name,
            now=clock.iso_now(),
        )
        check_visit_still(
            tx, visit_id, worker_id=worker.worker_id, starts_at=visit.starts_at, not_status=VisitStatus.CANCELLED.value
        )
        tx.record(
            REPORT_REVIEW.subject_kind,
            visit_id,
            "report.handed_over",
            {"from_worker_id": report.worker_id, "to_worker_id": worker.worker_id, "reason": handover.reason},
            case_id=report.referral_id,
        )
    return view_for(principal, load(visit_id))
