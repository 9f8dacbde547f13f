"""A report's status changes: the one way each is written, shared by writing it
(`services.report_writing`) and its review (`services.report_review`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.domain.reports import InvalidTransition, check_transition
from chalicelib.errors import Conflict
from chalicelib.services.audit import status_change
from chalicelib.storage import reports as store
from chalicelib.workflows.registry import REPORT_REVIEW

if TYPE_CHECKING:
    from chalicelib.storage.reports import Report

KIND = REPORT_REVIEW.subject_kind


def change_status(
    tx: Any,
    report: Report | str,
    from_status: str,
    to_status: str,
    *,
    action: str,
    reason: str | None = None,
    extra_actions: tuple = (),
    details: dict | None = None,
    also_if: Any = None,
    case_id: str | None = None,
    at: str | None = None,
) -> str:
    """Add one status change to `tx`: the update (only if the report is still `from_status`, and
    `also_if` holds), its history entry and its audit event. The domain rules decide first.
    `case_id` is the report's case where `report` is its id (else the transaction's or the report's).
    The change happens `at` (ISO; now if not given): the moment its history entry keeps, returned."""
    try:
        check_transition(from_status, to_status)
    except InvalidTransition as exc:
        raise Conflict(f"{exc}.") from exc
    visit_id = report if isinstance(report, str) else report.visit_id
    moment = at or clock.iso_now()
    entry = status_change(tx.person, from_status, to_status, reason)
    entry.at = moment
    store.change_report_status(
        tx,
        visit_id,
        from_status=from_status,
        to_status=to_status,
        entry=entry,
        now=moment,
        extra_actions=extra_actions,
        also_if=also_if,
    )
    case = case_id or (None if isinstance(report, str) else report.referral_id)
    tx.record(KIND, visit_id, action, {"from": from_status, "to": to_status, **(details or {})}, case_id=case)
    return moment
