"""What each /v1 JSON route answers on success: one `TypedDict` per shape, the return type of the
service function that builds it, and the type the route answering it names in
`api_route(..., response=...)` (`tests/unit/test_response_models.py` holds the two to the same type).

Declaring these loads no pydantic: the annotations are read only when `/openapi.json` is built or
a test validates an answer (`adapter`), with the names from `output_fields`. Routes answer the
services' dicts as they are rather than serialising through these (that would load pydantic on
every read); `tests/functional/test_api_fuzzing.py` holds the real answers to them instead. Every
key the services write is listed and required (a null where a value can be absent), and no other
key is allowed, so a changed shape fails a test instead of surprising a client.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired

from typing_extensions import TypedDict

if TYPE_CHECKING:
    from pydantic import Field, TypeAdapter

    from chalicelib.services.output_fields import (
        WAITING_KINDS,
        CancelledBy,
        ClearanceKind,
        ClearanceStatus,
        Day,
        PersonName,
        ReferralDecisionKind,
        ReferralStatus,
        ReferralSubmission,
        Repeat,
        ReportContent,
        ReportStatus,
        RoleName,
        Sha256,
        Timestamp,
        VisitStatus,
    )

# pydantic's configuration of a TypedDict (a plain dict, so declaring it needs no pydantic);
# subclasses inherit it, and a type declared by call (a key that is a keyword) sets it itself.
FORBID_OTHER_KEYS = {"extra": "forbid"}


class OutputType(TypedDict):
    __pydantic_config__ = FORBID_OTHER_KEYS


@cache
def adapter(output_type: type) -> TypeAdapter:
    """The pydantic adapter that validates an answer against `output_type` and describes it in
    JSON Schema, its annotations read with the names of `output_fields` (this loads pydantic)."""
    from pydantic import TypeAdapter

    from chalicelib.services import output_fields

    # The annotations name what only `output_fields` holds, so pydantic defers this build
    # until the rebuild hands it those names.
    built = TypeAdapter(output_type)
    built.rebuild(force=True, _types_namespace=vars(output_fields))
    return built


# -- referrals -----------------------------------------------------------------------------------


class ReferralDecisionMade(OutputType):
    decision: ReferralDecisionKind
    comment: str | None
    decided_by: str | None
    decided_by_name: PersonName
    decided_by_role: RoleName
    decided_at: Timestamp | None


ReferralStatusChange = TypedDict(
    "ReferralStatusChange",
    {
        "at": "Timestamp",
        "actor": "Annotated[str, Field(description=\"Who: their email, or 'system' for what the service did itself\")]",
        "actor_name": "PersonName",
        "actor_role": "RoleName",
        "from": "ReferralStatus | None",
        "to": "ReferralStatus",
        "reason": "str | None",
    },
)
ReferralStatusChange.__pydantic_config__ = FORBID_OTHER_KEYS


class Question(OutputType):
    """A supervisor's request for more information and the referrer's answer (null until given)."""

    asked_at: Timestamp
    asked_by: str
    asked_by_name: PersonName
    asked_by_role: RoleName
    question: str
    answered_at: Timestamp | None
    answer: str | None


class ReferralSummary(OutputType):
    """A referral in a list: who, when, its status, and the children's names."""

    id: str
    reference: Annotated[
        str,
        Field(
            pattern=r"^FCS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$",
            description="The short reference people see and search by, unique across the service",
        ),
    ]
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


class ReferralList(OutputType):
    referrals: list[ReferralSummary]


# -- workers and clearances ----------------------------------------------------------------------


class Compliance(OutputType):
    """A worker's compliance today, and what the daily scan last recorded."""

    status: ClearanceStatus
    compliant: bool
    reasons: list[str]
    as_of: Day
    recorded_status: ClearanceStatus | None
    recorded_as_of: Day | None
    non_compliant_since: Day | None


class ClearanceState(OutputType):
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


class ClearanceHistoryEntry(OutputType):
    """An earlier (or the current) certificate as it was recorded."""

    action: str
    issued_on: Day
    expires_on: Day | None
    renewal_applied_on: NotRequired[Annotated[Day | None, Field(default=None)]]
    expiry_source: NotRequired[Annotated[Literal["certificate", "policy"] | None, Field(default=None)]]
    details: NotRequired[Annotated[dict[str, str], Field(default_factory=dict)]]
    verified_by: NotRequired[Annotated[str | None, Field(default=None)]]
    verified_on: NotRequired[Annotated[Day | None, Field(default=None)]]
    recorded_by: NotRequired[Annotated[str | None, Field(default=None)]]
    recorded_at: NotRequired[Annotated[Timestamp | None, Field(default=None)]]


class ClearanceDetail(ClearanceState):
    """A clearance with its certificate's details (these keys only once one is recorded)."""

    expiry_source: NotRequired[Annotated[Literal["certificate", "policy"] | None, Field(default=None)]]
    details: NotRequired[Annotated[dict[str, str] | None, Field(default=None)]]
    verified_by: NotRequired[Annotated[str | None, Field(default=None)]]
    verified_on: NotRequired[Annotated[Day | None, Field(default=None)]]
    recorded_by: NotRequired[Annotated[str | None, Field(default=None)]]
    recorded_at: NotRequired[Annotated[Timestamp | None, Field(default=None)]]
    revision: Annotated[
        int, Field(ge=0, description="What a writer sends back in If-Match (0: nothing recorded yet); also the ETag")
    ]
    history: list[ClearanceHistoryEntry]


class WorkerFields(OutputType):
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

    visits_flagged_at_risk: Annotated[int, Field(description="Booked visits this write put at risk")]
    visits_no_longer_at_risk: Annotated[int, Field(description="Booked visits this write took out of risk")]


class WorkerList(OutputType):
    workers: list[WorkerSummary]
    next_cursor: str | None
    as_of: Day


class CompliancePolicy(OutputType):
    required_kinds: list[ClearanceKind]
    warning_days: int
    renewal_grace_days: int
    default_validity_years: int


class ExpiringClearance(ClearanceState):
    """A clearance expiring inside the window, with whose it is."""

    worker_id: str
    name: str
    email: str


class ComplianceReport(OutputType):
    """Workers by compliance status, counts per clearance kind, and who expires within `days`."""

    as_of: Day
    days: Annotated[int, Field(ge=1)]
    policy: CompliancePolicy
    workers: Annotated[int, Field(ge=0)]
    compliant: Annotated[int, Field(ge=0)]
    counts: dict[ClearanceStatus, int]
    clearances: dict[ClearanceKind, dict[ClearanceStatus, int]]
    expiring: list[ExpiringClearance]


# -- the decisions queue -------------------------------------------------------------------------


class WaitingItem(OutputType):
    kind: Literal[WAITING_KINDS]
    id: str
    reference: str
    title: str
    status: str
    status_label: str
    url: str
    waiting_since: Timestamp
    waited_seconds: Annotated[int, Field(ge=0)]
    overdue: bool


class DecisionQueue(OutputType):
    decisions: list[WaitingItem]


# -- visits --------------------------------------------------------------------------------------


class VisitParticipants(OutputType):
    """Indexes into the referral's children and family members, and their labels (first names
    and relationships only)."""

    children: list[int]
    family_members: list[int]
    labels: list[str]


class VisitCancellation(OutputType):
    by: CancelledBy
    by_label: str
    reason: str | None
    at: Timestamp
    recorded_by: str | None


class Visit(OutputType):
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


class VisitList(OutputType):
    visits: list[Visit]


class VisitSeries(OutputType):
    series_id: str
    repeat: Repeat
    repeat_label: str
    count: Annotated[int, Field(ge=1)]
    visits: list[Visit]


# -- reports -------------------------------------------------------------------------------------


ReportStatusChange = TypedDict(
    "ReportStatusChange",
    {
        "at": "Timestamp",
        "actor": "Annotated[str, Field(description=\"Who: their email, or 'system' for what the service did itself\")]",
        "actor_name": "PersonName",
        "actor_role": "RoleName",
        "from": "ReportStatus | None",
        "to": "ReportStatus",
        "reason": "str | None",
    },
)
ReportStatusChange.__pydantic_config__ = FORBID_OTHER_KEYS


class ApprovedVersion(OutputType):
    version: Annotated[int, Field(ge=1)]
    sha256: Sha256
    by: str | None
    by_name: PersonName
    by_role: RoleName
    at: Timestamp | None


class ReportVersion(OutputType):
    version: Annotated[int, Field(ge=1)]
    submitted_at: Timestamp
    submitted_by: str
    content: ReportContent


class Report(OutputType):
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
    draft: NotRequired[Annotated[ReportContent | None, Field(default=None)]]
    draft_saved_at: NotRequired[Annotated[Timestamp | None, Field(default=None)]]
    draft_revision: NotRequired[
        Annotated[
            int | None,
            Field(
                default=None,
                ge=0,
                description="What the writer sends back in If-Match when saving the draft; also the ETag",
            ),
        ]
    ]
    changes_comment: NotRequired[Annotated[str | None, Field(default=None)]]
    history: NotRequired[Annotated[list[ReportStatusChange] | None, Field(default=None)]]


class SubmittedReport(OutputType):
    visit_id: str
    status: Literal[ReportStatus.SUBMITTED]
    status_label: str
    version: Annotated[int, Field(ge=1)]
    sha256: Sha256
    submitted_at: Timestamp


# -- incidents ------------------------------------------------------------------------------------


class IncidentTold(OutputType):
    police: bool
    duty_social_worker: bool
    others: str | None


class Incident(OutputType):
    """An incident at a visit. Staff and the visit's worker read it whole; the referral's referrer
    reads a decided one only, with every detail null: the visit's day and the decision (with what
    changes in the conditions)."""

    incident_id: str
    referral_id: str
    visit_id: str
    visit_day: str
    occurred_at: Annotated[str | None, Field(description="UK wall-clock time, YYYY-MM-DDTHH:MM")]
    recorded_at: Timestamp | None
    recorded_by: str | None
    recorded_by_name: PersonName
    critical: bool | None
    summary: str | None
    present: str | None
    ended_early: bool | None
    ended_early_reason: str | None
    told: IncidentTold | None
    immediate_actions: str | None
    status: Literal["REPORTED", "DECIDED"]
    decision: Literal["continue", "change_conditions", "suspend"] | None
    decision_label: str | None
    decision_detail: str | None
    decided_by: str | None
    decided_by_name: PersonName
    decided_at: Timestamp | None


# -- audit ---------------------------------------------------------------------------------------


class AuditEvent(OutputType):
    entity: str
    id: str
    at: Timestamp
    actor: str
    actor_name: PersonName
    action: str
    changes: dict[str, Any]
    event_id: str


class AuditPage(OutputType):
    events: list[AuditEvent]
    next_cursor: str | None


# -- case reviews --------------------------------------------------------------------------------


class CaseReview(OutputType):
    """A recorded periodic review of a case, with when the next one is due."""

    review_id: str
    referral_id: str
    reviewed_at: Timestamp
    reviewed_by: str
    reviewed_by_name: PersonName
    attendance: str
    concerns: str | None
    continues_as_planned: bool
    plan_changes: str | None
    next_review_due: Day


# -- a case's timeline -----------------------------------------------------------------------------


class TimelineEntry(OutputType):
    at: Timestamp
    entity: Annotated[str, Field(description="The kind of item: referral, visit, report, incident, case_review")]
    id: str
    action: str
    actor: Annotated[str, Field(description="Who acted: their email, or 'system' for what the service did itself")]
    actor_name: PersonName
    by: Annotated[
        str, Field(description="Who acted, as the timeline names them ('The service' for the service itself)")
    ]
    summary: Annotated[str, Field(description="The event in one sentence: who did what to which item")]
    changes: Annotated[dict[str, Any], Field(description="What changed; to the referrer, only what they may see")]


class Timeline(OutputType):
    referral_id: str
    reference: str
    view: Literal["staff", "referrer"]
    entries: list[TimelineEntry]
    next_cursor: str | None


# -- the case's status (suspend, resume, close, the referrer's end request) ----------------------


class CaseClosing(OutputType):
    reason: Annotated[str, Field(description="One of the closing reasons (`ClosingReason`)")]
    reason_words: str
    other_reason: str | None
    summary: str | None
    closed_at: Timestamp | None


class CaseEndRequest(OutputType):
    """The referrer's latest request to end the case: waiting, or decided (closed or declined)."""

    reason: str | None
    requested_at: Timestamp
    requested_by: str | None
    waiting: bool
    outcome: Literal["closed", "declined"] | None
    decline_reason: str | None


class CaseStatus(OutputType):
    id: str
    reference: str
    status: ReferralStatus
    resume_on: Annotated[
        Day | None, Field(description="The day a suspension plans to resume contact, if one was given")
    ]
    closing: CaseClosing | None
    end_request: CaseEndRequest | None
    cancellations_owed: Annotated[bool, Field(description="Upcoming visits are still being cancelled in chunks")]
    history: list[ReferralStatusChange]


# -- families ------------------------------------------------------------------------------------


class FamilyReminderChoice(OutputType):
    """A family member's reminder choice as staff just recorded it."""

    member: Annotated[int, Field(description="The family member's index on the referral form")]
    reminders: bool
    preferred_channel: Literal["email", "text"] | None


# -- the service dashboard -----------------------------------------------------------------------


class DashboardMonth(OutputType):
    month: Annotated[str, Field(description="The UK month, YYYY-MM")]
    value: float | None
    missed: Annotated[bool, Field(description="The month's figure misses the standard's target")]


class DashboardPartMonth(OutputType):
    month: Annotated[str, Field(description="The UK month, YYYY-MM")]
    value: int


class DashboardPart(OutputType):
    """How a figure's count divides (a visit cancelled by a parent, a carer, ...)."""

    key: str
    title: str
    total: int
    months: list[DashboardPartMonth]


class DashboardFigure(OutputType):
    key: Annotated[str, Field(description="Unique across sections")]
    section: Annotated[str, Field(description="referrals, visits, reports or incidents")]
    title: str
    definition: str
    unit: Literal["count", "share", "hours", "days"]
    target: float | None
    target_words: str | None
    total: Annotated[float | None, Field(description="The figure over the whole range")]
    missed: Annotated[bool, Field(description="The range's figure misses the standard's target")]
    months: list[DashboardMonth]
    parts: Annotated[list[DashboardPart], Field(description="How the count divides; empty for most figures")]


class DashboardSection(OutputType):
    key: str
    title: str


class WorkforceFigure(OutputType):
    key: str
    title: str
    definition: str
    unit: Literal["count", "share"]
    value: float | None
    target: float | None
    target_words: str | None
    missed: bool


class Workforce(OutputType):
    """Today's workforce figures, as the last daily compliance scan left them."""

    as_of: Annotated[str | None, Field(description="When the scan ran (ISO 8601); null before its first run")]
    figures: list[WorkforceFigure]


class Dashboard(OutputType):
    """The service's figures per UK month and for the range, each with its standard's target."""

    first_month: Annotated[str, Field(description="The first month of the range, YYYY-MM (the query's 'from')")]
    last_month: Annotated[str, Field(description="The last month of the range, YYYY-MM (the query's 'to')")]
    sections: Annotated[list[DashboardSection], Field(description="The sections in the page's order")]
    figures: list[DashboardFigure]
    workforce: Workforce
