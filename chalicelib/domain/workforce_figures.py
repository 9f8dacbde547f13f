"""The dashboard's workforce figures: today's values, as the daily compliance scan leaves them
(DESIGN section 13), not counters per month.

- the share of workers compliant today, from a tally of workers by recorded compliance that the
  writes changing a worker's compliance keep (create, clearance write, the scan's mark);
- the clearances expiring within 30 and 60 days, from the expiries the scan reads anyway;
- the booked visits at risk from today on, from one mark per flagged visit filed under its day.

Pure Python (no AWS, no I/O): every rule takes the day it is evaluated on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from chalicelib.domain.clearances import ClearanceStatus, is_compliant
from chalicelib.domain.monthly_counts import UK, Standard, share

# The tally's counters: every worker, and those whose recorded compliance is compliant.
WORKERS = "workers"
COMPLIANT = "workers.compliant"
TALLY = (WORKERS, COMPLIANT)

EXPIRING_SOON_DAYS = (30, 60)

COMPLIANT_SHARE = "workforce_compliant"
EXPIRING_30 = "clearances_expiring_30"
EXPIRING_60 = "clearances_expiring_60"
VISITS_AT_RISK = "visits_at_risk"

STANDARDS: tuple[Standard, ...] = (
    Standard(
        COMPLIANT_SHARE,
        "Workers cleared today",
        "Of every contact worker on record, the share whose required clearances (background check and "
        "first aid, unless configured otherwise) are valid today, expiring soon, or being renewed within "
        "the grace period, as the daily compliance scan last recorded them.",
        "share",
        target=1.0,
        target_words="Every contact worker cleared",
        none_words="No workers",
    ),
    Standard(
        EXPIRING_30,
        "Clearances expiring within 30 days",
        "Clearances of any kind (including those whose renewal has been applied for) whose expiry date "
        "is today or one of the next 30 days.",
        "count",
    ),
    Standard(
        EXPIRING_60,
        "Clearances expiring within 60 days",
        "Clearances of any kind (including those whose renewal has been applied for) whose expiry date "
        "is today or one of the next 60 days; this includes those expiring within 30 days.",
        "count",
    ),
    Standard(
        VISITS_AT_RISK,
        "Visits at risk",
        "Booked visits from today on whose worker will not be cleared on the day of the visit. A visit "
        "stops counting when it is reassigned, moved, cancelled or its worker's clearance is renewed.",
        "count",
    ),
)


def standard(key: str) -> Standard:
    return next(s for s in STANDARDS if s.key == key)


# -- the tally of workers by compliance ---------------------------------------------------------


def _compliant(status: str | None) -> bool:
    return status is not None and is_compliant(ClearanceStatus(status))


def worker_added_counts(status: str) -> dict[str, int]:
    """A new worker recorded with compliance `status`: one more worker, and one more compliant if so."""
    return {WORKERS: 1, COMPLIANT: 1 if _compliant(status) else 0}


def compliance_change_counts(from_status: str | None, to_status: str) -> dict[str, int]:
    """A worker's recorded compliance changed: the compliant tally moves only when the change
    crosses between compliant and not (EXPIRING -> VALID changes nothing)."""
    delta = int(_compliant(to_status)) - int(_compliant(from_status))
    return {COMPLIANT: delta} if delta else {}


def tally_of(statuses: Iterable[str | None]) -> dict[str, int]:
    """The tally the recorded statuses of every worker make (the backfill's recount)."""
    listed = list(statuses)
    return {WORKERS: len(listed), COMPLIANT: sum(1 for status in listed if _compliant(status))}


# -- visits at risk ------------------------------------------------------------------------------


def uk_day(moment: datetime) -> str:
    """The UK day ("YYYY-MM-DD") of an aware moment: a visit at `2027-06-30T23:30Z` is on 1 July (BST)."""
    return moment.astimezone(UK).date().isoformat()


# -- clearances expiring soon -------------------------------------------------------------------


def expiring_within(expiries: Iterable[date], today: date) -> dict[int, int]:
    """How many of `expiries` fall from `today` to `today` + n days, both included, for each n of
    `EXPIRING_SOON_DAYS`. An expiry yesterday has expired and counts in neither; one on today + 30
    counts in both, one on today + 31 in the 60 only."""
    found = dict.fromkeys(EXPIRING_SOON_DAYS, 0)
    for expiry in expiries:
        for days in EXPIRING_SOON_DAYS:
            if today <= expiry <= today + timedelta(days=days):
                found[days] += 1
    return found


# -- the snapshot and what the dashboard shows ---------------------------------------------------


def snapshot_values(
    tally: Mapping[str, int], expiring: Mapping[int, int], visits_at_risk: int
) -> dict[str, float | int | None]:
    """The workforce figures of one scan, by key."""
    return {
        COMPLIANT_SHARE: share(max(0, tally.get(COMPLIANT, 0)), max(0, tally.get(WORKERS, 0))),
        EXPIRING_30: expiring.get(30, 0),
        EXPIRING_60: expiring.get(60, 0),
        VISITS_AT_RISK: max(0, visits_at_risk),
    }
