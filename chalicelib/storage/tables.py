"""Every PynamoDB model of the service: one per table (what the embedded runtime and the template
create), and the few that read another shape of item in a table another model owns."""

from __future__ import annotations


def all_models() -> list:
    from chalicelib.storage.approval_links import ApprovalLink
    from chalicelib.storage.audit import AuditEvent
    from chalicelib.storage.callbacks import OwedCallback
    from chalicelib.storage.case_reviews import CaseReview, CaseReviewSchedule
    from chalicelib.storage.families import FamilyContact, FamilyLink, FamilyReminder
    from chalicelib.storage.idempotency import IdempotencyClaim
    from chalicelib.storage.incidents import Incident
    from chalicelib.storage.job_positions import JobPosition
    from chalicelib.storage.monthly_figures import MonthlyFigure
    from chalicelib.storage.referral_drafts import ReferralDraft
    from chalicelib.storage.referral_references import ReferenceClaim
    from chalicelib.storage.referrals import Referral
    from chalicelib.storage.reports import Report, ReportVersion
    from chalicelib.storage.sessions import Session
    from chalicelib.storage.visits import Visit, WorkerSchedule
    from chalicelib.storage.workers import Clearance, ClearanceHistory, ComplianceLedger, Worker, WorkerEmail

    return [
        AuditEvent,
        Referral,
        ReferenceClaim,
        Report,
        ReportVersion,
        ApprovalLink,
        IdempotencyClaim,
        Worker,
        WorkerEmail,
        Clearance,
        ClearanceHistory,
        ComplianceLedger,
        Visit,
        WorkerSchedule,
        Session,
        OwedCallback,
        ReferralDraft,
        JobPosition,
        Incident,
        CaseReview,
        CaseReviewSchedule,
        FamilyContact,
        FamilyReminder,
        FamilyLink,
        MonthlyFigure,
    ]


def models_sharing_a_table() -> list:
    """Models of items kept in a table another model creates (`all_models` has that one)."""
    from chalicelib.storage.job_positions import JobSend
    from chalicelib.storage.monthly_figures import WorkforceSnapshot

    return [JobSend, WorkforceSnapshot]
