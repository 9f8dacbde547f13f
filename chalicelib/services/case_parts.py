"""The parts of a case whose audit events make up its history: the referral itself, its visits and
their reports. One entry per kind of item, each listing the ids of that kind in one case, by key
or index reads only.

Adding a kind (incidents, case reviews, family links) is one `CasePart` appended to `CASE_PARTS`:
its audit entity and a function `(referral_id, found) -> ids`, where `found` holds the ids the
entries before it listed (reports are found from the visits). The timeline and the admin's audit
page then include its events with no other change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from chalicelib.storage import case_reviews as case_review_store
from chalicelib.storage import incidents as incident_store
from chalicelib.storage import reports as report_store
from chalicelib.storage import visits as visit_store

# The visits whose events a case's history covers, first booked first: three years of weekly
# sessions. Each part costs one Query per page of history, so the bound keeps a page of a long
# case within the API's time; the pages say when a case has more.
MAX_VISITS = 150


@dataclass(frozen=True)
class CasePart:
    kind: str  # the entity its audit events are kept under
    ids: Callable[[str, Mapping[str, list[str]]], list[str]]


def _the_referral(referral_id: str, found: Mapping[str, list[str]]) -> list[str]:
    return [referral_id]


def _its_visits(referral_id: str, found: Mapping[str, list[str]]) -> list[str]:
    return [visit.visit_id for visit in visit_store.visits_of_referral(referral_id, limit=MAX_VISITS + 1)]


def _their_reports(referral_id: str, found: Mapping[str, list[str]]) -> list[str]:
    """A report is kept under its visit's id; only visits with one are listed (one BatchGet per 100)."""
    visit_ids = found.get("visit", [])[:MAX_VISITS]
    return sorted(report_store.reports_of(visit_ids)) if visit_ids else []


def _its_incidents(referral_id: str, found: Mapping[str, list[str]]) -> list[str]:
    return [incident.incident_id for incident in incident_store.of_referral(referral_id)]


def _its_reviews(referral_id: str, found: Mapping[str, list[str]]) -> list[str]:
    return [review.review_id for review in case_review_store.reviews_of(referral_id)]


CASE_PARTS: tuple[CasePart, ...] = (
    CasePart("referral", _the_referral),
    CasePart("visit", _its_visits),
    CasePart("report", _their_reports),
    CasePart("incident", _its_incidents),
    CasePart("case_review", _its_reviews),
)


@dataclass(frozen=True)
class CaseItems:
    """Every item of one case, by kind, and whether the case has more visits than its history covers."""

    ids: dict[str, list[str]]
    more_visits: bool

    def items(self) -> list[tuple[str, str]]:
        return [(kind, item_id) for kind, ids in self.ids.items() for item_id in ids]


def items_of_case(referral_id: str, parts: tuple[CasePart, ...] = CASE_PARTS) -> CaseItems:
    found: dict[str, list[str]] = {}
    for part in parts:
        found[part.kind] = list(part.ids(referral_id, found))
    visits = found.get("visit", [])
    more = len(visits) > MAX_VISITS
    if more:
        found["visit"] = visits[:MAX_VISITS]
    return CaseItems(found, more)
