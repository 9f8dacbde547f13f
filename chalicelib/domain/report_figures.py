"""The dashboard's report figures: reports submitted and the share submitted within 2 working days
of the visit, reports approved and the share approved within 5, and requests for changes.

Pure Python (no AWS, no I/O): every rule takes the moments it is evaluated on.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.monthly_counts import Counts, Section, Standard, Values, share, uk_month, within_working_days

SUBMITTED = "reports.submitted"
SUBMITTED_IN_TWO_WORKING_DAYS = "reports.submitted_within_two_working_days"
APPROVED = "reports.approved"
APPROVED_IN_FIVE_WORKING_DAYS = "reports.approved_within_five_working_days"
CHANGES_REQUESTED = "reports.changes_requested"

SUBMISSION_WORKING_DAYS = 2
APPROVAL_WORKING_DAYS = 5

COUNTERS = (SUBMITTED, SUBMITTED_IN_TWO_WORKING_DAYS, APPROVED, APPROVED_IN_FIVE_WORKING_DAYS, CHANGES_REQUESTED)

_NOT_WORKING = "Weekends and bank holidays in England and Wales are not working days."

STANDARDS: tuple[Standard, ...] = (
    Standard(
        "reports_submitted",
        "Reports submitted",
        "Visit reports a worker sent for checking for the first time, counted in the UK month they were "
        "sent. A report sent again after a supervisor asked for changes is not counted again.",
        "count",
    ),
    Standard(
        "reports_submitted_within_two_working_days",
        "Reports submitted within 2 working days",
        "Of the reports submitted for the first time in the month, the share sent no later than the "
        f"second working day after the UK day of the visit. {_NOT_WORKING} A report sent again after "
        "changes were asked for keeps the time it was first sent.",
        "share",
        target=1.0,
        target_words="Every report submitted within 2 working days of the visit",
        none_words="No reports submitted",
    ),
    Standard(
        "reports_approved",
        "Reports approved",
        "Visit reports a supervisor checked and approved, counted in the UK month of the approval.",
        "count",
    ),
    Standard(
        "reports_approved_within_five_working_days",
        "Reports approved within 5 working days",
        "Of the reports approved in the month, the share approved no later than the fifth working day "
        f"after the UK day of the visit, however many times changes were asked for first. {_NOT_WORKING}",
        "share",
        target=1.0,
        target_words="Every report checked and approved by a second person within 5 working days of the visit",
        none_words="No reports approved",
    ),
    Standard(
        "changes_requested",
        "Changes asked for",
        "Each time a supervisor sent a report back to its worker asking for changes, counted in the UK "
        "month they asked. One report sent back twice counts twice.",
        "count",
    ),
)


def submission_counts(visit_starts: datetime, submitted: datetime) -> Counts:
    """What a report's first submission adds, in the UK month it was sent."""
    month = uk_month(submitted)
    counts = {(month, SUBMITTED): 1}
    if within_working_days(visit_starts, submitted, SUBMISSION_WORKING_DAYS):
        counts[(month, SUBMITTED_IN_TWO_WORKING_DAYS)] = 1
    return counts


def approval_counts(visit_starts: datetime | None, approved: datetime) -> Counts:
    """What an approval adds, in the UK month of the approval. Without the visit's time (never, for
    links issued by this service) only the approval itself is counted."""
    month = uk_month(approved)
    counts = {(month, APPROVED): 1}
    if visit_starts is not None and within_working_days(visit_starts, approved, APPROVAL_WORKING_DAYS):
        counts[(month, APPROVED_IN_FIVE_WORKING_DAYS)] = 1
    return counts


def changes_requested_counts(asked: datetime) -> Counts:
    """What a request for changes adds, in the UK month it was asked."""
    return {(uk_month(asked), CHANGES_REQUESTED): 1}


def decision_counts(approved: bool, visit_starts: datetime | None, decided: datetime) -> Counts:
    """What a supervisor's decision on a submitted report adds: an approval or a request for changes."""
    return approval_counts(visit_starts, decided) if approved else changes_requested_counts(decided)


def figures_of(values: Values) -> dict[str, float | int | None]:
    """The report figures shown, from one month's (or a range's summed) counters."""
    submitted, approved = values.get(SUBMITTED, 0), values.get(APPROVED, 0)
    return {
        "reports_submitted": submitted,
        "reports_submitted_within_two_working_days": share(values.get(SUBMITTED_IN_TWO_WORKING_DAYS, 0), submitted),
        "reports_approved": approved,
        "reports_approved_within_five_working_days": share(values.get(APPROVED_IN_FIVE_WORKING_DAYS, 0), approved),
        "changes_requested": values.get(CHANGES_REQUESTED, 0),
    }


SECTION = Section("reports", "Reports", STANDARDS, COUNTERS, figures_of)
