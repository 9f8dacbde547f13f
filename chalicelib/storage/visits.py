"""Visit items and the indexes their reads use: by worker, by referral, by month, and the at-risk
visits the supervisor has not yet been told about.

The only module that knows how visits are laid out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta

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
    # Each family member's answer to their reminder, by "m<index>": {"answer", "at", "reason",
    # "late", "starts_at"} (an answer given for an earlier start of a moved visit no longer counts).
    family_answers = MapAttribute(null=True)
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


# -- reads: each a GetItem or a Query on a key or an index, never a Scan --------------------------


def visit(visit_id: str) -> Visit | None:
    """The visit, strongly consistent, or None."""
    try:
        return Visit.get(visit_id, consistent_read=True)
    except Visit.DoesNotExist:
        return None


def visits_by_id(visit_ids: list[str]) -> dict[str, Visit]:
    """These visits, by id (one missing is left out): one BatchGetItem per 100 visits."""
    return {visit.visit_id: visit for visit in Visit.batch_get(list(dict.fromkeys(visit_ids)))}


def _starting(first: str | None, last: str | None):
    """The key condition on `starts_at` (UTC ISO strings, inclusive): none, from `first` on, or between."""
    if first is None:
        return None
    return Visit.starts_at >= first if last is None else Visit.starts_at.between(first, last)


def visits_of_worker(
    worker_id: str, first: str | None = None, last: str | None = None, *, limit: int | None = None
) -> Iterator[Visit]:
    """A worker's visits starting from `first` (to `last`), in time order: one Query on the by-worker index."""
    return Visit.by_worker.query(worker_id, _starting(first, last), limit=limit)


def visits_of_referral(
    referral_id: str, first: str | None = None, last: str | None = None, *, limit: int | None = None
) -> Iterator[Visit]:
    """A referral's visits starting from `first` (to `last`), in time order: one Query on the by-referral index."""
    return Visit.by_referral.query(referral_id, _starting(first, last), limit=limit)


def visits_starting_between(start: datetime, end: datetime, *, limit: int | None = None) -> list[Visit]:
    """Every visit starting at or after `start` and before `end` (aware datetimes), whoever's: one
    Query on the by-month index per UTC month the range touches, each reading at most `limit`."""
    first, last = _iso(start), _iso(end - timedelta(seconds=1))
    found: list[Visit] = []
    for month in months_from(start.astimezone(UTC).date(), end.astimezone(UTC).date()):
        found.extend(Visit.by_month.query(month, _starting(first, last), limit=limit))
    return found


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def at_risk_not_yet_sent() -> list[Visit]:
    """Every visit flagged at risk that no supervisor's email has listed yet (the sparse index)."""
    return list(Visit.at_risk_unsent_index.query(UNSENT))


def visits_at_risk_in(status: str) -> Iterator[Visit]:
    """Every visit in `status` flagged at risk, whenever it starts: a Scan (filtered, but reading
    every visit), for the one-off dashboard backfill only."""
    return iter(Visit.scan((Visit.at_risk == True) & (Visit.status == status)))  # noqa: E712


def schedule_revision(worker_id: str) -> int:
    """The worker's schedule revision (0 before their first booking)."""
    try:
        return int(WorkerSchedule.get(worker_id, consistent_read=True).revision or 0)
    except WorkerSchedule.DoesNotExist:
        return 0


# -- writes: each added to a transaction (with its audit event), or one conditional write ------


def new_visit(visit_id: str, *, starts_at: str, **attributes) -> Visit:
    """A visit not yet written (see `add_visit`), filed under the UTC month of `starts_at` (a UTC ISO string)."""
    return Visit(visit_id, starts_at=starts_at, month=starts_at[:7], **attributes)


def move_visit(visit: Visit, starts_at: str, ends_at: str) -> None:
    """Give the visit new times (UTC ISO strings), filed under the new start's month (not yet written)."""
    visit.starts_at, visit.ends_at, visit.month = starts_at, ends_at, starts_at[:7]


def clear_at_risk(visit: Visit) -> None:
    """The visit is no longer at risk, and off the supervisor's unsent list (not yet written)."""
    visit.at_risk, visit.at_risk_reason, visit.at_risk_since, visit.at_risk_unsent = False, None, None, None


def take_off_unsent_list(visit: Visit) -> None:
    """The visit leaves the supervisor's unsent at-risk list, flag kept (not yet written)."""
    visit.at_risk_unsent = None


def claim_schedule(tx: Writes, worker_id: str, seen: int) -> None:
    """Move the worker's schedule revision on, only if it is still the one the overlap check saw."""
    condition = WorkerSchedule.revision == seen
    if seen == 0:
        condition = WorkerSchedule.worker_id.does_not_exist() | condition
    tx.update(WorkerSchedule(worker_id), actions=[WorkerSchedule.revision.add(1)], condition=condition)


def add_visit(tx: Writes, visit: Visit) -> None:
    """Write a new visit (never over another of the same id)."""
    tx.save(visit, condition=Visit.visit_id.does_not_exist())


def save_visit_in_status(tx: Writes, visit: Visit, status: str) -> None:
    """Write the changed visit, only if the stored one is still in `status` and at the version read."""
    tx.save(visit, condition=Visit.status == status)


def change_visit_status(tx: Writes, visit: Visit, status: str, *, now: str) -> None:
    """Move the visit to `status` (as when its report is approved), whatever it was."""
    tx.update(visit, actions=[Visit.status.set(status), Visit.updated_at.set(now)])


def flag_visit_at_risk(
    tx: Writes, visit: Visit, *, reason: str, since: date, now: str, while_status: str, worker_id: str
) -> None:
    """Flag the visit at risk and unsent, only if it is still in `while_status` and still `worker_id`'s."""
    tx.update(
        visit,
        actions=[
            Visit.at_risk.set(True),
            Visit.at_risk_reason.set(reason),
            Visit.at_risk_since.set(since.isoformat()),
            Visit.at_risk_unsent.set(UNSENT),
            Visit.updated_at.set(now),
        ],
        # Not flagged already: two judgements at once (HR's write and the scan) flag it once.
        condition=(Visit.status == while_status)
        & (Visit.worker_id == worker_id)
        & (Visit.at_risk.does_not_exist() | (Visit.at_risk == False)),  # noqa: E712
    )


def clear_visit_at_risk(tx: Writes, visit: Visit, *, now: str, while_status: str, worker_id: str) -> None:
    """The visit is no longer at risk (its worker will be compliant on its date after all), only if
    it is still in `while_status` and still `worker_id`'s."""
    tx.update(
        visit,
        actions=[
            Visit.at_risk.set(False),
            Visit.at_risk_reason.remove(),
            Visit.at_risk_since.remove(),
            Visit.at_risk_unsent.remove(),
            Visit.updated_at.set(now),
        ],
        condition=(Visit.status == while_status) & (Visit.worker_id == worker_id) & (Visit.at_risk == True),  # noqa: E712
    )


def mark_at_risk_sent(visit: Visit) -> None:
    """Take the visit off the unsent list (one conditional UpdateItem: only if it is still on it)."""
    visit.update(actions=[Visit.at_risk_unsent.remove()], condition=Visit.at_risk_unsent == UNSENT)


def check_visit_still(tx: Writes, visit_id: str, *, worker_id: str, starts_at: str, not_status: str) -> None:
    """A condition of the transaction: the visit is still `worker_id`'s, at `starts_at`, and not in `not_status`."""
    tx.condition_check(
        Visit,
        visit_id,
        condition=(Visit.worker_id == worker_id) & (Visit.starts_at == starts_at) & (Visit.status != not_status),
    )


def record_family_answer(tx: Writes, visit: Visit, member: int, answer: dict, *, now: str) -> None:
    """Set one family member's answer (replacing theirs before), only while the visit is still
    scheduled at the start the answer was given for and at the version read (another member's
    answer written meanwhile makes this one a conflict, to be read again, never a lost answer)."""
    stored = visit.family_answers.as_dict() if visit.family_answers is not None else {}
    tx.update(
        visit,
        actions=[Visit.family_answers.set({**stored, f"m{member}": answer}), Visit.updated_at.set(now)],
        condition=(Visit.status == "SCHEDULED") & (Visit.starts_at == answer["starts_at"]),
    )


def family_answers_of(visit: Visit) -> dict[int, dict]:
    """The family members' answers that hold for the visit's current start, by member index."""
    stored = visit.family_answers.as_dict() if visit.family_answers is not None else {}
    return {
        int(key[1:]): value
        for key, value in stored.items()
        if key.startswith("m") and key[1:].isdigit() and value.get("starts_at") == visit.starts_at
    }
