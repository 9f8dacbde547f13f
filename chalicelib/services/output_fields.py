"""The names the output types in `outputs.py` use only in their annotations and that load
pydantic (or modules that do): imported when a schema is built or an answer is validated, never
on a cold start."""

from __future__ import annotations

from datetime import date as Day
from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.auth import Role
from chalicelib.domain.clearances import ClearanceKind, ClearanceStatus
from chalicelib.domain.referral_decisions import Decision as ReferralDecisionKind
from chalicelib.domain.referral_form import ReferralSubmission
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.domain.reports import ReportContent, ReportStatus
from chalicelib.domain.visits import CancelledBy, Repeat, VisitStatus
from chalicelib.workflows.registry import WORKFLOWS

__all__ = [
    "CancelledBy",
    "ClearanceKind",
    "ClearanceStatus",
    "Day",
    "Field",
    "PersonName",
    "ReferralDecisionKind",
    "ReferralStatus",
    "ReferralSubmission",
    "Repeat",
    "ReportContent",
    "ReportStatus",
    "RoleName",
    "SUBJECT_KINDS",
    "WAITING_KINDS",
    "Sha256",
    "Timestamp",
    "VisitStatus",
]

Timestamp = str  # ISO 8601 with its offset, as `clock.iso_now` writes it
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
PersonName = Annotated[
    str | None,
    Field(description="The person's name from their sign-in, shown beside the email; null in older records"),
]
RoleName = Annotated[
    Role | None, Field(description="The role the person acted in; null where it was not recorded (older records)")
]

# Every kind of item a registered workflow reviews.
SUBJECT_KINDS = tuple(entry.subject_kind for entry in WORKFLOWS.values())
# ... and the referrer's requests to end a case, which no workflow reviews.
WAITING_KINDS = (*SUBJECT_KINDS, "end_request")
