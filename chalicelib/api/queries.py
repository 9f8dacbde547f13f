"""The query string of each /v1 route that reads one, as a model `api_route` parses it with."""

from __future__ import annotations

from pydantic import Field, field_validator

from chalicelib.domain.clearances import ClearanceStatus
from chalicelib.web.query import QueryModel, a_cursor, a_day, an_id, one_of, whole, words

VISIT_STATUSES = ("SCHEDULED", "REPORT_DUE", "CANCELLED", "REPORTED")
MAX_DAYS = 366


class VisitsQuery(QueryModel):
    worker: an_id("worker id") = None
    referral: an_id("referral id") = None
    first: a_day("first local day, YYYY-MM-DD") = Field(None, alias="from")
    last: a_day("last local day, YYYY-MM-DD (at most 93 days after 'from' without a worker or referral)") = Field(
        None, alias="to"
    )
    status: one_of(VISIT_STATUSES, "SCHEDULED, REPORT_DUE, CANCELLED or REPORTED") = None
    at_risk: one_of(("true", "false"), "true or false", lower=True) = None
    limit: whole(1, 500, "1-500, default 200") = None


class CalendarQuery(QueryModel):
    worker: an_id("worker id (supervisors)") = None


class WorkersQuery(QueryModel):
    compliance: words("comma-separated: VALID, EXPIRING, RENEWAL_IN_PROGRESS, MISSING, EXPIRED") = None
    limit: whole(1, 200, "1-200, default 50") = None
    cursor: a_cursor() = None

    @field_validator("compliance")
    @classmethod
    def _known_statuses(cls, value: str | None) -> str | None:
        if any(part not in ClearanceStatus.__members__ for part in _parts(value)):
            raise ValueError(f"Must be one or more of {', '.join(ClearanceStatus.__members__)}")
        return value

    def statuses(self) -> frozenset[ClearanceStatus]:
        """The compliance statuses asked for (none: every status)."""
        return frozenset(ClearanceStatus(part) for part in _parts(self.compliance))


def _parts(value: str | None) -> list[str]:
    return [p.strip().upper() for p in (value or "").split(",") if p.strip()]


class ComplianceQuery(QueryModel):
    days: whole(1, MAX_DAYS, f"1-{MAX_DAYS}, default the warning window") = None


class ComplianceCsvQuery(QueryModel):
    days: whole(1, MAX_DAYS, f"1-{MAX_DAYS}: only clearances expiring in the next N days") = None


class AuditQuery(QueryModel):
    entity: words("entity type, e.g. referral", 64) = None
    id: words("entity id", 200) = None
    day: a_day("YYYY-MM-DD, default today") = None
    limit: whole(1, 200, "1-200, default 50") = None
    cursor: a_cursor() = None


class ReferralsQuery(QueryModel):
    status: words("only referrals in this status", 64) = None
    limit: whole(1, 200, "1-200, default 50") = None
