"""The query string of each /v1 route that reads one, as a model `api_route` parses it with, and
of each page that reads one, as a model the page reads with `page_query`."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import Field, ValidationError, WrapValidator, field_validator

from chalicelib.domain.clearances import ClearanceStatus
from chalicelib.web.query import MAX_TEXT, QueryModel, a_cursor, a_day, an_id, one_of, parse_query, whole, words

Q = TypeVar("Q", bound=QueryModel)
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


# -- the pages' query strings --------------------------------------------------------------------


def forgiving(annotation: Any) -> Any:
    """A parameter a person expects to be ignored when it is not valid (a notice flag after a
    redirect, a sort order, a week to show): None then, instead of the 400 page."""

    def ignore_if_bad(value: Any, handler: Any) -> Any:
        try:
            return handler(value)
        except ValidationError:
            return None

    return Annotated[annotation, WrapValidator(ignore_if_bad)]


def page_query(request: Any, model: type[Q]) -> Q:
    """The page's query string as `model`; BadRequest (the 400 page) naming each bad parameter.
    Parameters the model does not name are ignored; of a repeated one, the last counts."""
    return parse_query(model, dict(request.query_params or {}))


class AuditPageQuery(QueryModel):
    kind: words("kind of item: referral, report, visit, worker, referral draft or person", 64) = None
    id: words("the item's reference, a person's email, or its page's address", 320) = None
    day: words("YYYY-MM-DD, default today (the page explains any other value)", 64) = None
    cursor: a_cursor("the next page's cursor") = None


class ClearancesPageQuery(QueryModel):
    status: words("one compliance status (the page says when it knows no such status)", 64) = None
    sort: forgiving(words("expiry or name", 32)) = None
    saved: forgiving(an_id("the worker whose clearance was just saved")) = None
    added: forgiving(an_id("the worker just added")) = None
    kind: forgiving(words("the kind of clearance just saved", 64)) = None
    flagged: forgiving(whole(0, 100_000, "booked visits the save put at risk")) = None
    cleared: forgiving(whole(0, 100_000, "booked visits the save took out of risk")) = None


class ReferralListPageQuery(QueryModel):
    status: words("one referral status", 64) = None
    sort: words("submitted or updated", 32) = None
    order: words("desc or asc", 8) = None
    q: words("the start of a referral's reference", MAX_TEXT) = None


class NoticePageQuery(QueryModel):
    done: forgiving(words("what was just done, for the notice at the top", 32)) = None


class DraftPageQuery(QueryModel):
    done: forgiving(words("what was just done, for the notice at the top", 32)) = None
    focus: forgiving(words("the input to put the cursor in, after adding or removing a person", 80)) = None


class WeekPageQuery(QueryModel):
    start: forgiving(a_day("a day of the week to show (default, or out of reach: this week)")) = None
    done: forgiving(words("scheduled, after booking a series", 32)) = None
    count: forgiving(whole(1, 1000, "how many visits were booked")) = None


class SignInPageQuery(QueryModel):
    next: forgiving(words("the page to return to (any other value: the start page)", 2000)) = None


class SignInCallbackQuery(QueryModel):
    code: words("the authorization code from the hosted page", 2048) = None
    state: words("the state this browser was sent with", 512) = None


class VisitActionPageQuery(QueryModel):
    next: forgiving(words("the visits page to return to (any other value: the visit's own page)", 300)) = None
    done: forgiving(words("cancelled, moved, reassigned or recorded, after changing or recording a visit", 32)) = None


class TimelineQuery(QueryModel):
    limit: whole(1, 200, "1-200, default 100") = None
    cursor: a_cursor() = None


class TimelinePageQuery(QueryModel):
    cursor: a_cursor("the next page's cursor") = None


class DashboardQuery(QueryModel):
    # Read as text here; the service says which month is wrong and why (a 422 naming the field).
    first: words("first UK month, YYYY-MM (default: 11 months before 'to')", 20) = Field(None, alias="from")
    last: words("last UK month, YYYY-MM (default: this month)", 20) = Field(None, alias="to")
