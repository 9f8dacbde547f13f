"""Visit reports: the report of a visit (its draft, status and workflow bookkeeping) and its
submitted versions, each immutable. The only module that knows how they are laid out."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta
from chalicelib.storage.cursors import KeyCursor, paged
from chalicelib.storage.referrals import StatusChange, append_to


class ReportsByStatus(GlobalSecondaryIndex):
    """Reports in one status, oldest change first: the decisions queue and the recovery sweep."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    updated_at = UnicodeAttribute(range_key=True)


class Report(Model):
    """One per visit, keyed by the visit. What the worker is writing lives in `draft`; each
    submission is a `ReportVersion`. Every change is conditional on the current status."""

    class Meta:
        locals().update(meta("reports"))

    visit_id = UnicodeAttribute(hash_key=True)
    referral_id = UnicodeAttribute()
    referrer_id = UnicodeAttribute()
    referrer_email = UnicodeAttribute()
    worker_id = UnicodeAttribute()
    worker_email = UnicodeAttribute()
    worker_name = UnicodeAttribute()
    visit_starts_at = UnicodeAttribute()  # copied from the visit: a report is written after its start
    participants = JSONAttribute(default=dict)  # attendance key -> label, from the visit
    status = UnicodeAttribute()
    draft = JSONAttribute(default=dict)  # the ReportContent being written
    draft_saved_at = UnicodeAttribute(null=True)
    # Moves on with every saved draft: a writer states the revision it read, and its save is
    # conditional on it, so a draft saved elsewhere meanwhile is never overwritten unseen.
    draft_revision = NumberAttribute(default=0)
    version = NumberAttribute(default=0)  # submitted versions so far; the latest is this number
    history = ListAttribute(of=StatusChange, default=list)
    changes_comment = UnicodeAttribute(null=True)  # the supervisor's last request for changes
    latest_hash = UnicodeAttribute(null=True)  # SHA-256 of the latest submitted version
    # When the report was first submitted, and the visit's start then (a visit moved while changes
    # are asked for does not change how soon the report first came): what the dashboard counted.
    first_submitted_at = UnicodeAttribute(null=True)
    first_submitted_visit_starts_at = UnicodeAttribute(null=True)
    approved_version = NumberAttribute(null=True)
    approved_hash = UnicodeAttribute(null=True)  # SHA-256 of the approved version's canonical content
    approved_by = UnicodeAttribute(null=True)  # the approver's email
    approved_by_name = UnicodeAttribute(null=True)  # and the name and role shown (older reports have neither)
    approved_by_role = UnicodeAttribute(null=True)
    approved_at = UnicodeAttribute(null=True)
    alerted_version = NumberAttribute(null=True)  # the last version whose urgent alerts went out
    alerted_concern = UnicodeAttribute(null=True)  # the concern_key of the concern last alerted
    notified_status = UnicodeAttribute(null=True)  # the status the referrer was last told about
    # The wait for the worker's revision: server side only, never rendered or logged.
    resubmission_task_token = UnicodeAttribute(null=True)
    workflow_runs = NumberAttribute(default=0)  # executions started; names are "<visit id>-<n>"
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    by_status = ReportsByStatus()


class ReportVersion(Model):
    """A submitted version, never changed once written."""

    class Meta:
        locals().update(meta("report-versions"))

    visit_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    content = JSONAttribute()
    submitted_at = UnicodeAttribute()
    submitted_by = UnicodeAttribute()


def draft_is_at(revision: int):
    """The condition that the stored draft is still at `revision` (0: none saved yet, or a report
    written before revisions were counted)."""
    if revision == 0:
        return Report.draft_revision.does_not_exist() | (Report.draft_revision == 0)
    return Report.draft_revision == revision


def get_report(visit_id: str) -> Report | None:
    try:
        return Report.get(visit_id, consistent_read=True)
    except Report.DoesNotExist:
        return None


def reports_of(visit_ids: list[str]) -> dict[str, Report]:
    """The reports of these visits, by visit id (a visit with none is left out): one BatchGetItem
    per 100 visits."""
    return {report.visit_id: report for report in Report.batch_get(list(dict.fromkeys(visit_ids)))}


def in_status(status: str) -> Iterator[Report]:
    return Report.by_status.query(status)


_BY_STATUS_CURSOR = KeyCursor(("visit_id", "updated_at"))


def in_status_after(status: str, cursor: str | None) -> Iterator[tuple[Report, str | None]]:
    """Reports in one status, oldest change first, after `cursor`: each with the cursor that goes
    on after it (the recovery sweep)."""
    return paged(Report.by_status.query, _BY_STATUS_CURSOR, status, cursor, status=status)


def versions_of(visit_id: str) -> list[ReportVersion]:
    return list(ReportVersion.query(visit_id))


def get_version(visit_id: str, version: int) -> ReportVersion:
    return ReportVersion.get(visit_id, version)


def versions_by_key(keys: list[tuple[str, int]]) -> dict[tuple[str, int], ReportVersion]:
    """These versions ((visit id, version) pairs), by key: one BatchGetItem per 100 (a case's
    approved versions, for its court bundle)."""
    found = ReportVersion.batch_get(list(dict.fromkeys(keys)))
    return {(v.visit_id, int(v.version)): v for v in found}


# -- writes: each added to a transaction, with its audit event -----------------------------------


def new_report(visit_id: str, **attributes) -> Report:
    """A report not yet written (see `add_report`)."""
    return Report(visit_id, **attributes)


def add_report(tx: Writes, report: Report) -> None:
    """Write the visit's first report (never over another)."""
    tx.save(report, condition=Report.visit_id.does_not_exist())


def save_report_draft(tx: Writes, report: Report, *, draft: dict, saved_at: str, based_on: int, copied: dict) -> None:
    """Save the draft as revision `based_on + 1` with the visit's details `copied` afresh, only if the
    report is still in the status read and its draft still at revision `based_on`."""
    tx.update(
        report,
        actions=[
            Report.draft.set(draft),
            Report.draft_saved_at.set(saved_at),
            Report.draft_revision.set(based_on + 1),
            *(getattr(Report, name).set(value) for name, value in copied.items()),
        ],
        condition=(Report.status == report.status) & draft_is_at(based_on),
    )


def change_report_status(
    tx: Writes,
    visit_id: str,
    *,
    from_status: str,
    to_status: str,
    entry: StatusChange,
    now: str,
    extra_actions: tuple = (),
    also_if=None,
) -> None:
    """Move the report to `to_status` with its history `entry`, only if it is still `from_status`
    (and `also_if` holds)."""
    tx.update(
        Report(visit_id),
        actions=[
            Report.status.set(to_status),
            Report.updated_at.set(now),
            append_to(Report.history, [entry]),
            *extra_actions,
        ],
        condition=(Report.status == from_status) if also_if is None else (Report.status == from_status) & also_if,
    )


def add_version(
    tx: Writes, visit_id: str, version: int, *, content: dict, submitted_at: str, submitted_by: str
) -> None:
    """Write a submitted version (never over another of the same number)."""
    tx.save(
        ReportVersion(visit_id, version, content=content, submitted_at=submitted_at, submitted_by=submitted_by),
        condition=ReportVersion.visit_id.does_not_exist(),
    )


def submission_actions(version: int, digest: str, runs: int) -> tuple:
    """What a submission sets beside the status: the latest version and its hash, the workflow
    runs so far, and no wait for a revision any more."""
    return (
        Report.version.set(version),
        Report.latest_hash.set(digest),
        Report.workflow_runs.set(runs),
        Report.resubmission_task_token.remove(),
    )


def first_submission_actions(at: str, visit_starts_at: str) -> tuple:
    """What the first submission also sets: when it came, and the visit's start it is measured from."""
    return (Report.first_submitted_at.set(at), Report.first_submitted_visit_starts_at.set(visit_starts_at))


def wait_unchanged(task_token: str | None):
    """The condition that the stored wait for a revision is still `task_token` (None: no wait)."""
    if task_token is None:
        return Report.resubmission_task_token.does_not_exist()
    return Report.resubmission_task_token == task_token


def count_workflow_run(tx: Writes, report: Report, run: int) -> None:
    """Record that run number `run` of its review started, keeping no wait of an earlier run, only
    if no other run was counted since the report was read."""
    tx.update(
        report,
        actions=[Report.workflow_runs.set(run), Report.resubmission_task_token.remove()],
        condition=Report.workflow_runs == report.workflow_runs,
    )


def keep_revision_wait(tx: Writes, report: Report, task_token: str, *, while_status: str) -> None:
    """Keep the token of the wait for the worker's revision, only while the report is still in `while_status`."""
    tx.update(
        report,
        actions=[Report.resubmission_task_token.set(task_token)],
        condition=Report.status == while_status,
    )


def check_report_open(tx: Writes, visit_id: str, open_statuses: tuple[str, ...]) -> None:
    """A condition of the transaction: the visit has no report yet, or its report is in one of `open_statuses`."""
    tx.condition_check(
        Report, visit_id, condition=Report.visit_id.does_not_exist() | Report.status.is_in(*open_statuses)
    )


def hand_over(tx: Writes, report: Report, *, worker_id: str, worker_email: str, worker_name: str, now: str) -> None:
    """Make another worker the report's author, only if the report is still as read: the same
    status, the same author and the same draft revision."""
    tx.update(
        report,
        actions=[
            Report.worker_id.set(worker_id),
            Report.worker_email.set(worker_email),
            Report.worker_name.set(worker_name),
            Report.updated_at.set(now),
        ],
        condition=(Report.status == report.status)
        & (Report.worker_id == report.worker_id)
        & draft_is_at(int(report.draft_revision or 0)),
    )


def check_report_status(tx: Writes, visit_id: str, status: str) -> None:
    """A condition of the transaction: the report is still in `status`."""
    tx.condition_check(Report, visit_id, condition=Report.status == status)


def approval_actions(approved_by: str, at: str, *, name: str | None = None, role: str | None = None) -> tuple:
    """What approving sets beside the status: the submitted version and its hash, locked as the
    approved ones in the same write, and who approved it (the email, with the name and role shown) when."""
    return (
        Report.approved_version.set(Report.version),
        Report.approved_hash.set(Report.latest_hash),
        Report.approved_by.set(approved_by),
        Report.approved_by_name.set(name),
        Report.approved_by_role.set(role),
        Report.approved_at.set(at),
    )


def changes_request_actions(comment: str | None) -> tuple:
    """What asking the worker for changes sets beside the status."""
    return (Report.changes_comment.set(comment),)


def mark_urgent_alerted(tx: Writes, report: Report, version: int, concern_key: str) -> None:
    """Record that the urgent alerts of `version` (the concern `concern_key`) went out, only if it is
    still the latest version."""
    tx.update(
        report,
        actions=[Report.alerted_version.set(version), Report.alerted_concern.set(concern_key)],
        condition=Report.version == version,
    )


def mark_referrer_notified(tx: Writes, report: Report) -> None:
    """Record that the referrer was told of the report's current status."""
    tx.update(report, actions=[Report.notified_status.set(report.status)])
