"""A case's timeline: everything that happened to a referral, its visits, their reports, its
incidents and reviews (`case_history`), oldest first, each as a sentence naming who acted. Staff see
every event; the referrer who made the referral sees what `domain.case_timeline.referrer_view`
lets through."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.auth import Principal
from chalicelib.domain import case_timeline as rules
from chalicelib.domain.date_words import day_of, when
from chalicelib.domain.referral_reference import human_reference
from chalicelib.domain.referrals import address_is_confidential
from chalicelib.domain.reports import ReportStatus
from chalicelib.errors import Forbidden
from chalicelib.services import case_history, outputs, referrals
from chalicelib.storage import reports as report_store
from chalicelib.storage import visits as visit_store

if TYPE_CHECKING:
    from chalicelib.storage.referrals import Referral

PAGE = 100  # entries a page of the timeline shows: a year of weekly visits is a few pages
# The referrer sees fewer events than are read: a page of theirs reads on, at most this many pages
# of events, until it has `limit` entries (a case's many draft saves cannot leave it empty).
REFERRER_READS = 5


def timeline(
    principal: Principal, referral_id: str, *, cursor: str | None = None, limit: int | None = None
) -> outputs.Timeline:
    """One page of the case's timeline for `principal`: a supervisor or an admin (every event), or
    the referrer who made the referral (what they may see). Forbidden for anyone else."""
    return of_referral(principal, referrals.get_for(principal, referral_id), cursor=cursor, limit=limit)


def of_referral(
    principal: Principal, referral: Referral, *, cursor: str | None = None, limit: int | None = None
) -> outputs.Timeline:
    """The timeline's page of a referral already read for `principal` (the case page has it)."""
    staff = principal.has_any(referrals.REVIEWERS)
    if not staff and referral.referrer_id != principal.user_id:
        raise Forbidden("Only the referrer who made this referral, a supervisor or an admin may see its timeline.")
    return _page(referral, staff=staff, cursor=cursor, limit=limit or PAGE)


def _page(referral: Referral, *, staff: bool, cursor: str | None, limit: int) -> outputs.Timeline:
    referral_id = referral.referral_id
    confidential = not staff and address_is_confidential(referral.submission)
    entries: list[dict[str, Any]] = []
    for _ in range(1 if staff else REFERRER_READS):
        page = case_history.case_events(referral_id, cursor=cursor, limit=limit - len(entries))
        days, approved = _visits_named(page["events"], staff=staff, confidential=confidential)
        for event in page["events"]:
            shown = event if staff else rules.referrer_view(event, confidential=confidential, approved_reports=approved)
            if shown is not None:
                entries.append(_entry(shown, days))
        cursor = page["next_cursor"]
        if cursor is None or len(entries) >= limit:
            break
    return {
        "referral_id": referral_id,
        "reference": human_reference(referral_id),
        "view": "staff" if staff else "referrer",
        "entries": entries,
        "next_cursor": cursor,
    }


def _visits_named(events: list[dict[str, Any]], *, staff: bool, confidential: bool) -> tuple[dict[str, str], set[str]]:
    """The day of each visit a page's events are about (by visit id, as its sentences name it) and,
    for the referrer, which of those visits have an approved report: a BatchGet of the page's
    visits (and of their reports), however long the case."""
    visit_ids = [event["id"] for event in events if event["entity"] in ("visit", "report")]
    if not visit_ids:
        return {}, set()
    visits = visit_store.visits_by_id(visit_ids)
    days = {
        visit_id: day_of(visit.starts_at) if confidential else when(visit.starts_at)
        for visit_id, visit in visits.items()
    }
    if staff:
        return days, set()
    approved = {
        visit_id
        for visit_id, report in report_store.reports_of(list(visits)).items()
        if report.status == ReportStatus.APPROVED
    }
    return days, approved


def _entry(event: dict[str, Any], days: dict[str, str]) -> dict[str, Any]:
    item = _item(event["entity"], event["id"], days)
    return {
        "at": event["at"],
        "entity": event["entity"],
        "id": event["id"],
        "action": event["action"],
        "actor": event["actor"],
        "actor_name": event["actor_name"],
        "by": rules.who(event["actor"], event["actor_name"]),
        "summary": rules.sentence(event, item),
        "changes": event["changes"],
    }


def _item(entity: str, item_id: str, days: dict[str, str]) -> str:
    """The item as a sentence names it: "the visit on 14 May 2026, 10:00"."""
    if entity in ("visit", "report") and item_id in days:
        visit = f"the visit on {days[item_id]}"
        return visit if entity == "visit" else f"the report of {visit}"
    return rules.NOUNS.get(entity, f"the {entity.replace('_', ' ')}")
