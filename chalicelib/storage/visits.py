"""Visit items and the indexes their reads use: by worker, by referral, by month, and the at-risk
visits the supervisor has not yet been told about.

The only module that knows how visits are laid out.
"""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import meta

# The value of `at_risk_unsent` while the supervisor has not been emailed about a flagged visit.
UNSENT = "unsent"


class VisitsByWorker(GlobalSecondaryIndex):
    """A worker's visits in time order: "my visits", the overlap guard, at-risk visits after an expiry."""

    class Meta:
        index_name = "by_worker"
        projection = AllProjection()

    worker_id = UnicodeAttribute(hash_key=True)
    starts_at = UnicodeAttribute(range_key=True)


class VisitsByReferral(GlobalSecondaryIndex):
    """A referral's visits in time order: the referral's page, the referrer's view."""

    class Meta:
        index_name = "by_referral"
        projection = AllProjection()

    referral_id = UnicodeAttribute(hash_key=True)
    starts_at = UnicodeAttribute(range_key=True)


class VisitsByMonth(GlobalSecondaryIndex):
    """Every visit starting in one month (UTC), in time order: the supervisor's week view."""

    class Meta:
        index_name = "by_month"
        projection = AllProjection()

    month = UnicodeAttribute(hash_key=True)  # "YYYY-MM" of starts_at
    starts_at = UnicodeAttribute(range_key=True)


class AtRiskUnsent(GlobalSecondaryIndex):
    """Sparse: only visits flagged at risk that the supervisor's email has not yet listed."""

    class Meta:
        index_name = "at_risk_unsent"
        projection = AllProjection()

    at_risk_unsent = UnicodeAttribute(hash_key=True)
    starts_at = UnicodeAttribute(range_key=True)


class Visit(Model):
    """One supervised visit. Times are UTC ISO strings; `zone` names the wall clock people booked in.

    `status` is what is stored (SCHEDULED, CANCELLED, REPORTED); "report due" is derived from the
    clock when read. Changes are conditional on `version`.
    """

    class Meta:
        locals().update(meta("visits"))

    visit_id = UnicodeAttribute(hash_key=True)
    referral_id = UnicodeAttribute()
    referrer_id = UnicodeAttribute()  # the referral's owner: who else may read it
    worker_id = UnicodeAttribute()
    starts_at = UnicodeAttribute()
    ends_at = UnicodeAttribute()
    zone = UnicodeAttribute()
    month = UnicodeAttribute()
    venue = UnicodeAttribute()
    # {"children": [0, 1], "family_members": [0], "labels": ["Maya", "Leo", "Mother"]}
    participants = JSONAttribute(default=dict)
    confidential_address = BooleanAttribute(default=False)
    outside_plan = BooleanAttribute(default=False)
    series_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    at_risk = BooleanAttribute(default=False)
    at_risk_reason = UnicodeAttribute(null=True)
    at_risk_since = UnicodeAttribute(null=True)
    at_risk_unsent = UnicodeAttribute(null=True)
    cancelled_by = UnicodeAttribute(null=True)
    cancel_reason = UnicodeAttribute(null=True)
    cancelled_at = UnicodeAttribute(null=True)
    cancelled_by_user = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    by_worker = VisitsByWorker()
    by_referral = VisitsByReferral()
    by_month = VisitsByMonth()
    at_risk_unsent_index = AtRiskUnsent()


class WorkerSchedule(Model):
    """One item per worker whose `revision` every booking for that worker moves on, conditionally on
    the revision its overlap check saw: two supervisors booking the same worker at once cannot both
    pass the check, because the second transaction finds the revision moved."""

    class Meta:
        locals().update(meta("worker-schedules"))

    worker_id = UnicodeAttribute(hash_key=True)
    revision = NumberAttribute(default=0)


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def months_from(first: date, last: date) -> list[str]:
    """Every "YYYY-MM" from `first`'s month to `last`'s month."""
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
