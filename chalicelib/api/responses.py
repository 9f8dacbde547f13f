"""What each /v1 JSON route answers on success, as pydantic models OpenAPI describes them with.

Routes name these as "chalicelib.api.responses:Model" strings, so the app imports none of this
on a cold start. Routes answer the services' dicts as they are rather than serialising through
these (that would load pydantic on every read); `tests/functional/test_api_fuzzing.py` holds the
real answers to them instead. Every key the services write is listed and required (a null where
a value can be absent), and no other key is allowed, so a changed shape fails a test instead of
surprising a client.
"""

from __future__ import annotations

from datetime import date as Day
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.auth import Role
from chalicelib.domain.clearances import ClearanceKind, ClearanceStatus
from chalicelib.domain.referral_decisions import Decision as ReferralDecisionKind
from chalicelib.domain.referral_form import ReferralSubmission
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.domain.reports import ReportContent, ReportStatus
from chalicelib.domain.visits import CancelledBy, Repeat, VisitStatus
from chalicelib.workflows.registry import WORKFLOWS

Timestamp = str  # ISO 8601 with its offset, as `clock.iso_now` writes it
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class OutputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# -- referrals -----------------------------------------------------------------------------------


PersonName = Annotated[
    str | None,
    Field(description="The person's name from their sign-in, shown beside the email; null in older records"),
]
RoleName = Annotated[
    Role | None, Field(description="The role the person acted in; null where it was not recorded (older records)")
]


class ReferralDecisionMade(OutputModel):
    decision: ReferralDecisionKind
    comment: str | None
    decided_by: str | None
    decided_by_name: PersonName
    decided_by_role: RoleName
    decided_at: Timestamp | None


class ReferralStatusChange(OutputModel):
    at: Timestamp
    actor: str = Field(description="Who: their email, or 'system' for what the service did itself")
    actor_name: PersonName
    actor_role: RoleName
    from_status: ReferralStatus | None = Field(alias="from")
    to: ReferralStatus
    reason: str | None


class Question(OutputModel):
    """A supervisor's request for more information and the referrer's answer (null until given)."""

    asked_at: Timestamp
    asked_by: str
    asked_by_name: PersonName
    asked_by_role: RoleName
    question: str
    answered_at: Timestamp | None
    answer: str | None


class ReferralSummary(OutputModel):
    """A referral in a list: who, when, its status, and the children's names."""

    id: str
    reference: str = Field(
        pattern=r"^FCS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$",
        description="The short reference people see and search by, unique across the service",
    )
    status: ReferralStatus
    created_at: Timestamp
    updated_at: Timestamp
    referrer_email: str
    decision: ReferralDecisionMade | None
    children: list[str]


class Referral(ReferralSummary):
    """One referral: the submitted form, its status history and the questions asked about it."""

    submission: ReferralSubmission
    history: list[ReferralStatusChange]
    questions: list[Question]


class ReferralList(OutputModel):
    referrals: list[ReferralSummary]


# -- workers and clearances ----------------------------------------------------------------------


class Compliance(OutputModel):
    """A worker's compliance today, and what the daily scan last recorded."""

    status: ClearanceStatus
    compliant: bool
    reasons: list[str]
    as_of: Day
    recorded_status: ClearanceStatus | None
    recorded_as_of: Day | None
    non_compliant_since: Day | None


class ClearanceState(OutputModel):
    """One kind of clearance as of today (dates null while it is missing)."""

    kind: ClearanceKind
    label: str
    required: bool
    status: ClearanceStatus
    issued_on: Day | None
    expires_on: Day | None
    days_left: int | None
    renewal_applied_on: Day | None
    grace_ends_on: Day | None
    reason: str | None


class ClearanceHistoryEntry(OutputModel):
    """An earlier (or the current) certificate as it was recorded."""

    action: str
    issued_on: Day
    expires_on: Day | None
    renewal_applied_on: Day | None = None
    expiry_source: Literal["certificate", "policy"] | None = None
    details: dict[str, str] = Field(default_factory=dict)
    verified_by: str | None = None
    verified_on: Day | None = None
    recorded_by: str | None = None
    recorded_at: Timestamp | None = None


class ClearanceDetail(ClearanceState):
    """A clearance with its certificate's details (these keys only once one is recorded)."""

    expiry_source: Literal["certificate", "policy"] | None = None
    details: dict[str, str] | None = None
    verified_by: str | None = None
    verified_on: Day | None = None
    recorded_by: str | None = None
    recorded_at: Timestamp | None = None
    revision: int = Field(
        ge=0, description="What a writer sends back in If-Match (0: nothing recorded yet); also the ETag"
    )
    history: list[ClearanceHistoryEntry]


class WorkerFields(OutputModel):
    worker_id: str
    name: str
    email: str
    role: str
    phone: str | None
    created_at: Timestamp
    compliance: Compliance


class WorkerSummary(WorkerFields):
    """A worker in a list: each clearance's status, without certificate details."""

    clearances: list[ClearanceState]


class Worker(WorkerFields):
    """One worker with every clearance kind, its certificate details and its history."""

    clearances: list[ClearanceDetail]


class RecordedClearance(Worker):
    """The worker after a clearance write, and what it did to their booked visits."""

    visits_flagged_at_risk: int = Field(description="Booked visits this write put at risk")
    visits_no_longer_at_risk: int = Field(description="Booked visits this write took out of risk")


class WorkerList(OutputModel):
    workers: list[WorkerSummary]
    next_cursor: str | None
    as_of: Day


class CompliancePolicy(OutputModel):
    required_kinds: list[ClearanceKind]
    warning_days: int
    renewal_grace_days: int
    default_validity_years: int


class ExpiringClearance(ClearanceState):
    """A clearance expiring inside the window, with whose it is."""

    worker_id: str
    name: str
    email: str


class ComplianceReport(OutputModel):
    """Workers by compliance status, counts per clearance kind, and who expires within `days`."""

    as_of: Day
    days: int = Field(ge=1)
    policy: CompliancePolicy
    workers: int = Field(ge=0)
    compliant: int = Field(ge=0)
    counts: dict[ClearanceStatus, int]
    clearances: dict[ClearanceKind, dict[ClearanceStatus, int]]
    expiring: list[ExpiringClearance]


# -- the decisions queue -------------------------------------------------------------------------


# Every kind of item a registered workflow reviews.
SUBJECT_KINDS = tuple(entry.subject_kind for entry in WORKFLOWS.values())
# ... and the referrer's requests to end a case, which no workflow reviews.
WAITING_KINDS = (*SUBJECT_KINDS, "end_request")


class WaitingItem(OutputModel):
    kind: Literal[WAITING_KINDS]
    id: str
    reference: str
    title: str
    status: str
    status_label: str
    url: str
    waiting_since: Timestamp
    waited_seconds: int = Field(ge=0)
    overdue: bool


class DecisionQueue(OutputModel):
    decisions: list[WaitingItem]


# -- visits --------------------------------------------------------------------------------------


class VisitParticipants(OutputModel):
    """Indexes into the referral's children and family members, and their labels (first names
    and relationships only)."""

    children: list[int]
    family_members: list[int]
    labels: list[str]


class VisitCancellation(OutputModel):
    by: CancelledBy
    by_label: str
    reason: str | None
    at: Timestamp
    recorded_by: str | None


class Visit(OutputModel):
    """One visit. Times are local (`zone`); the venue and times are null for a referrer when the
    referral's address is confidential."""

    id: str
    referral_id: str
    worker_id: str
    series_id: str | None
    status: VisitStatus
    status_label: str
    date: Day
    start: str | None
    end: str | None
    starts_at: Timestamp | None
    ends_at: Timestamp | None
    zone: str
    venue: str | None
    participants: VisitParticipants
    outside_plan: bool
    at_risk: bool
    at_risk_reason: str | None
    confidential_address: bool
    cancellation: VisitCancellation | None
    report_needed: bool
    version: int


class VisitList(OutputModel):
    visits: list[Visit]


class VisitSeries(OutputModel):
    series_id: str
    repeat: Repeat
    repeat_label: str
    count: int = Field(ge=1)
    visits: list[Visit]


# -- reports -------------------------------------------------------------------------------------


class ReportStatusChange(OutputModel):
    at: Timestamp
    actor: str = Field(description="Who: their email, or 'system' for what the service did itself")
    actor_name: PersonName
    actor_role: RoleName
    from_status: ReportStatus | None = Field(alias="from")
    to: ReportStatus
    reason: str | None


class ApprovedVersion(OutputModel):
    version: int = Field(ge=1)
    sha256: Sha256
    by: str | None
    by_name: PersonName
    by_role: RoleName
    at: Timestamp | None


class ReportVersion(OutputModel):
    version: int = Field(ge=1)
    submitted_at: Timestamp
    submitted_by: str
    content: ReportContent


class Report(OutputModel):
    """A visit's report with its versions. The referrer sees only the approved version and none of
    the keys from `draft` on; staff and the report's worker see everything."""

    visit_id: str
    referral_id: str
    worker_name: str
    status: ReportStatus
    status_label: str
    participants: dict[str, str]
    approved: ApprovedVersion | None
    versions: list[ReportVersion]
    draft: ReportContent | None = None
    draft_saved_at: Timestamp | None = None
    draft_revision: int | None = Field(
        None, ge=0, description="What the writer sends back in If-Match when saving the draft; also the ETag"
    )
    changes_comment: str | None = None
    history: list[ReportStatusChange] | None = None


class SubmittedReport(OutputModel):
    visit_id: str
    status: Literal[ReportStatus.SUBMITTED]
    status_label: str
    version: int = Field(ge=1)
    sha256: Sha256
    submitted_at: Timestamp


# -- audit ---------------------------------------------------------------------------------------


class AuditEvent(OutputModel):
    entity: str
    id: str
    at: Timestamp
    actor: str
    actor_name: PersonName
    action: str
    changes: dict[str, Any]
    event_id: str


class AuditPage(OutputModel):
    events: list[AuditEvent]
    next_cursor: str | None


# -- the case's status (suspend, resume, close, the referrer's end request) ----------------------


class CaseClosing(OutputModel):
    reason: str = Field(description="One of the closing reasons (`ClosingReason`)")
    reason_words: str
    other_reason: str | None
    summary: str | None
    closed_at: Timestamp | None


class CaseEndRequest(OutputModel):
    """The referrer's latest request to end the case: waiting, or decided (closed or declined)."""

    reason: str | None
    requested_at: Timestamp
    requested_by: str | None
    waiting: bool
    outcome: Literal["closed", "declined"] | None
    decline_reason: str | None


class CaseStatus(OutputModel):
    id: str
    reference: str
    status: ReferralStatus
    resume_on: Day | None = Field(description="The day a suspension plans to resume contact, if one was given")
    closing: CaseClosing | None
    end_request: CaseEndRequest | None
    cancellations_owed: bool = Field(description="Upcoming visits are still being cancelled in chunks")
    history: list[ReferralStatusChange]
