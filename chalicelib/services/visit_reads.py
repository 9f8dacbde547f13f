"""Reading visits: one visit, filtered lists for each role, the iCalendar export, and what the visit
pages show. Every read is a GetItem or a Query on a key or an index, never a Scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.local_time import from_iso, iso_utc, local_day_bounds
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.domain.visits import VisitStatus, status_on
from chalicelib.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.services import families, outputs
from chalicelib.services.visit_access import SCHEDULERS, SEE_ALL, load, own_worker_id, redacted_for, worker_id_of
from chalicelib.services.visit_guards import BOOKABLE, load_referral
from chalicelib.services.visit_views import view
from chalicelib.storage import referrals as referral_store
from chalicelib.storage import reports as report_store
from chalicelib.storage import visits as store
from chalicelib.storage.workers import worker_names

if TYPE_CHECKING:
    from chalicelib.storage.visits import Visit

MAX_RANGE_DAYS = 93  # a listing across all workers reads at most this many days
LIST_LIMIT = 500


# -- reading -------------------------------------------------------------------------------------


NOT_YOURS = "You may see only your own visits, or the visits of your own referrals."


def get_for(principal: Principal, visit_id: str) -> outputs.Visit:
    """A supervisor reads any visit, a worker their own, a referrer those of their referrals.
    Anyone else gets the same 403 whether the visit exists or not: ids are not for probing."""
    if principal.has_any(SEE_ALL):
        return view(load(visit_id))
    try:
        visit = load(visit_id)
    except NotFound:
        raise Forbidden(NOT_YOURS) from None
    if Role.REFERRER in principal.roles and visit.referrer_id == principal.user_id:
        return view(visit, redact=redacted_for(principal, visit))
    if Role.WORKER in principal.roles and worker_id_of(principal) == visit.worker_id:
        return view(visit)
    raise Forbidden(NOT_YOURS)


@dataclass(frozen=True)
class VisitFilter:
    worker_id: str | None = None
    referral_id: str | None = None
    first: date | None = None  # local days, inclusive
    last: date | None = None
    status: VisitStatus | None = None
    at_risk: bool | None = None
    limit: int = 200


def find(principal: Principal, wanted: VisitFilter) -> list[Visit]:
    """The visits `principal` may see that match `wanted`, in time order. Queries only."""
    low, high = _bounds(wanted)
    if principal.has_any(SEE_ALL):
        found = _query(wanted.worker_id, wanted.referral_id, low, high, wanted)
    elif Role.WORKER in principal.roles:
        own = own_worker_id(principal)
        if wanted.worker_id not in (None, own):
            raise Forbidden("A worker may see only their own visits.")
        found = _query(own, wanted.referral_id, low, high, wanted)
    elif Role.REFERRER in principal.roles:
        found = _referrer_visits(principal, wanted, low, high)
    else:
        raise Forbidden("Your role does not include visits.")
    now = clock.now()
    chosen = [v for v in found if _matches(v, wanted, now)]
    chosen.sort(key=lambda v: (v.starts_at, v.visit_id))
    return chosen[: wanted.limit]


def list_for(principal: Principal, wanted: VisitFilter) -> list[outputs.Visit]:
    now = clock.now()
    return [view(v, now=now, redact=redacted_for(principal, v)) for v in find(principal, wanted)]


def visit_list(principal: Principal, wanted: VisitFilter) -> outputs.VisitList:
    """`list_for` as the API answers it."""
    return {"visits": list_for(principal, wanted)}


def _bounds(wanted: VisitFilter) -> tuple[str | None, str | None]:
    if wanted.first is None and wanted.last is None:
        return None, None
    first = wanted.first or date(2000, 1, 1)
    last = wanted.last or date(2200, 12, 31)
    low, high = local_day_bounds(first, last)
    return iso_utc(low), iso_utc(high - timedelta(seconds=1))


def _query(worker_id: str | None, referral_id: str | None, low, high, wanted: VisitFilter) -> list[Visit]:
    cap = LIST_LIMIT * 2
    if worker_id:
        found = list(store.visits_of_worker(worker_id, low, high, limit=cap))
        return [v for v in found if referral_id in (None, v.referral_id)]
    if referral_id:
        return list(store.visits_of_referral(referral_id, low, high, limit=cap))
    # Across every worker: one Query per month of the range, which must be bounded.
    today = clock.today()
    first = wanted.first or (wanted.last - timedelta(days=27) if wanted.last else today)
    last = wanted.last or first + timedelta(days=27)
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(
            f"Choose at most {MAX_RANGE_DAYS} days, or filter by worker or referral.",
            fields=[{"path": "to", "message": f"At most {MAX_RANGE_DAYS} days after 'from'"}],
        )
    low_at, high_at = local_day_bounds(first, last)
    return store.visits_starting_between(low_at, high_at, limit=cap)


def _referrer_visits(principal: Principal, wanted: VisitFilter, low, high) -> list[Visit]:
    if wanted.referral_id:
        try:
            referral = load_referral(wanted.referral_id, None)
        except NotFound:  # the same answer as for someone else's referral
            referral = None
        if referral is None or referral.referrer_id != principal.user_id:
            raise Forbidden("A referrer may see only the visits of their own referrals.")
        referral_ids = [referral.referral_id]
    else:
        referral_ids = [
            r.referral_id
            for r in referral_store.of_referrer(principal.user_id, None, None)
            if r.status
            in (ReferralStatus.ACTIVE, ReferralStatus.ACCEPTED, ReferralStatus.SUSPENDED, ReferralStatus.CLOSED)
        ]
    found: list[Visit] = []
    for referral_id in referral_ids:
        found.extend(v for v in _query(None, referral_id, low, high, wanted) if wanted.worker_id in (None, v.worker_id))
    return found


def _matches(visit: Visit, wanted: VisitFilter, now: datetime) -> bool:
    if wanted.at_risk is not None and bool(visit.at_risk) != wanted.at_risk:
        return False
    if wanted.status is not None and status_on(visit.status, from_iso(visit.starts_at), now) is not wanted.status:
        return False
    return True


# -- iCalendar ----------------------------------------------------------------------------------


def calendar_for(principal: Principal, worker_id: str | None) -> bytes:
    """A worker's own visits (or, for a supervisor, one worker's or the next weeks' visits) as iCalendar:
    from a month back to a year ahead. Titles carry no names: calendars get synced elsewhere."""
    from chalicelib.services.visit_calendar import calendar

    today = clock.today()
    if principal.has_any(SEE_ALL) and worker_id is None:
        wanted = VisitFilter(first=today - timedelta(days=7), last=today + timedelta(days=80), limit=LIST_LIMIT)
    else:
        wanted = VisitFilter(
            worker_id=worker_id, first=today - timedelta(days=31), last=today + timedelta(days=365), limit=LIST_LIMIT
        )
    visits = find(principal, wanted)
    events = [
        (visit, f"Contact visit (referral {visit.referral_id[:8]})", redacted_for(principal, visit)) for visit in visits
    ]
    return calendar(events, name="Contact visits")


# -- what pages show -----------------------------------------------------------------------------


def week(principal: Principal, monday: date) -> dict[str, Any]:
    """The supervisor's week: one row per worker with visits that week, a cell per day."""
    visits = find(principal, VisitFilter(first=monday, last=monday + timedelta(days=6), limit=LIST_LIMIT))
    names = worker_names({v.worker_id for v in visits})
    now = clock.now()
    days = [monday + timedelta(days=n) for n in range(7)]
    rows: dict[str, dict[str, Any]] = {}
    for visit in visits:
        data = {**view(visit, now=now), "cannot_come": families.cannot_come(visit)}
        row = rows.setdefault(
            visit.worker_id,
            {
                "worker_id": visit.worker_id,
                "name": names.get(visit.worker_id, visit.worker_id),
                "days": {d: [] for d in days},
            },
        )
        row["days"][date.fromisoformat(data["date"])].append(data)
    ordered = sorted(rows.values(), key=lambda r: (r["name"].casefold(), r["worker_id"]))
    return {
        "monday": monday,
        "days": days,
        "rows": ordered,
        "count": len(visits),
        "at_risk": sum(1 for v in visits if v.at_risk),
        "reports_due": sum(
            1 for v in visits if status_on(v.status, from_iso(v.starts_at), now) is VisitStatus.REPORT_DUE
        ),
    }


def mine(principal: Principal, days_ahead: int = 60, days_back: int = 90) -> dict[str, Any]:
    """A worker's home page: upcoming visits, and visits whose report is due."""
    today = clock.today()
    visits = find(
        principal,
        VisitFilter(
            worker_id=own_worker_id(principal),
            first=today - timedelta(days=days_back),
            last=today + timedelta(days=days_ahead),
            limit=LIST_LIMIT,
        ),
    )
    now = clock.now()
    views = [view(v, now=now) for v in visits]
    return {
        "upcoming": [v for v in views if v["status"] == VisitStatus.SCHEDULED],
        "reports_due": [v for v in views if v["status"] == VisitStatus.REPORT_DUE],
        "days_ahead": days_ahead,
    }


def for_referral(principal: Principal, referral) -> dict[str, Any]:
    """What a referral's page shows of its visits, and whether this person may book more."""
    from chalicelib.services.referrals import REVIEWERS

    if principal.has_any(REVIEWERS):
        found = list(store.visits_of_referral(referral.referral_id, limit=LIST_LIMIT))
    elif referral.referrer_id == principal.user_id:
        found = list(store.visits_of_referral(referral.referral_id, limit=LIST_LIMIT))
    else:
        found = []
    now = clock.now()
    reports = report_store.reports_of([v.visit_id for v in found]) if found else {}
    return {
        "visits": [
            {
                **view(v, now=now, redact=redacted_for(principal, v)),
                "report": _report_line(principal, reports.get(v.visit_id)),
            }
            for v in found
        ],
        "can_schedule": principal.has_any(SCHEDULERS) and referral.status in BOOKABLE,
        "referral_id": referral.referral_id,
    }


def _report_line(principal: Principal, report) -> dict[str, Any] | None:
    """A visit's report as the case page lists it: its status (to a referrer, only whether it is
    approved: they read nothing before that) and whether it can be opened as approved."""
    from chalicelib.domain.reports import ReportStatus
    from chalicelib.services.referrals import REVIEWERS

    if report is None:
        return None
    approved = report.approved_version is not None
    if not principal.has_any(REVIEWERS) and not approved:
        return {"status_label": "Not approved yet", "approved": False}
    return {"status_label": ReportStatus(report.status).label, "approved": approved}


def at_risk(principal: Principal) -> dict[str, Any]:
    """The supervisor's at-risk list: every booked visit flagged at risk from today on (as far ahead
    as a listing across workers reaches), each with its worker's name, soonest first. A cancelled
    visit needs no worker, so it is not at risk any more."""
    today = clock.today()
    last = today + timedelta(days=MAX_RANGE_DAYS - 1)
    wanted = VisitFilter(first=today, last=last, status=VisitStatus.SCHEDULED, at_risk=True, limit=LIST_LIMIT)
    visits = find(principal, wanted)
    names = worker_names({v.worker_id for v in visits})
    now = clock.now()
    return {
        "visits": [{**view(v, now=now), "worker_name": names.get(v.worker_id, v.worker_id)} for v in visits],
        "until": last,
    }
