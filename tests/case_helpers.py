"""What the case review and court bundle tests share: an active case whose visits have happened,
each with an approved report as the review leaves it (its approved version and that version's hash)."""

from __future__ import annotations

from chalicelib.examples import example_report
from tests.report_helpers import book_on
from tests.visit_helpers import CASEY, add_referral, add_worker


def case_with_visits(client, auth, days_ago: list[int], *, confidential: bool = False) -> tuple[str, list[str]]:
    """An ACTIVE case with one visit on each of `days_ago` (days before today), recorded by the
    supervisor as having happened; its id and its visits' ids, in the order given."""
    from chalicelib.storage.workers import worker_by_email

    known = worker_by_email(CASEY)
    worker_id = known.worker_id if known else add_worker("Casey Evans", CASEY)
    referral_id = add_referral(confidential=confidential, plan=("2020-01-06", None))
    return referral_id, [book_on(client, auth, referral_id, worker_id, -days) for days in days_ago]


def approve_directly(visit_id: str, **changes) -> str:
    """The visit's report approved as the review leaves it: version 1, `example_report()` with
    `changes`, its SHA-256 recorded as the approved hash; the hash."""
    return write_first_version(visit_id, {**example_report(), **changes}, approved=True)


def write_first_version(visit_id: str, content: dict, *, approved: bool) -> str:
    """The visit's report with `content` as version 1, written directly: approved as the review
    leaves it, or submitted and waiting for a decision; its SHA-256."""
    from chalicelib import clock
    from chalicelib.domain.reports import content_hash, participant_labels
    from chalicelib.storage.reports import Report, ReportVersion
    from chalicelib.storage.visits import Visit

    visit, now = Visit.get(visit_id, consistent_read=True), clock.iso_now()
    digest = content_hash(visit_id, 1, content)
    approval = (
        {
            "approved_version": 1,
            "approved_hash": digest,
            "approved_by": "supervisor@familycontact.example",
            "approved_by_name": "Priya Shah",
            "approved_by_role": "supervisor",
            "approved_at": now,
        }
        if approved
        else {"history": []}
    )
    ReportVersion(visit_id, 1, content=content, submitted_at=now, submitted_by=CASEY).save()
    Report(
        visit_id,
        referral_id=visit.referral_id,
        referrer_id=visit.referrer_id,
        referrer_email="sam.referrer@council.example",
        worker_id=visit.worker_id,
        worker_email=CASEY,
        worker_name="Casey Evans",
        visit_starts_at=visit.starts_at,
        participants=participant_labels(visit.participants or {}),
        status="APPROVED" if approved else "SUBMITTED",
        version=1,
        latest_hash=digest,
        created_at=now,
        updated_at=now,
        **approval,
    ).save()
    return digest
