"""The link in a family member's reminder (`/family/{link}`): the approval links' care for people
with no account (DESIGN.md sections 5 and 12).

The URL carries an opaque random id; only its SHA-256 is stored (`domain.link_ids`). Opening it
shows the visit and changes nothing but the audit trail (HEAD records nothing). The POST records
the answer: on the link, on the visit's attendance, and its audit event, in one conditional
transaction; the person may change it until the visit starts, and the last answer stands. A
cancelled or moved visit's links die with it: every opening reads the visit, and the changes that
cancel or move a visit retire its links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain import date_words
from chalicelib.domain.families import REASON_MAX, Answer, answer_is_open, first_name, is_late_notice
from chalicelib.domain.fields import multi_line
from chalicelib.domain.link_ids import could_be_ours, hash_link, new_link_id
from chalicelib.domain.local_time import from_iso
from chalicelib.domain.people import Person
from chalicelib.domain.referral_reference import human_reference
from chalicelib.domain.visits import VisitStatus
from chalicelib.errors import Conflict
from chalicelib.observability import count, logger
from chalicelib.services import email, figures
from chalicelib.services.audit import SYSTEM, audited_transaction, new_event
from chalicelib.storage import families as store
from chalicelib.storage import referrals as referral_store
from chalicelib.storage import visits as visit_store
from chalicelib.storage.workers import workers_by_id

if TYPE_CHECKING:
    from chalicelib.storage.families import FamilyLink
    from chalicelib.storage.visits import Visit

ENTITY = "visit"  # a family link's events are part of its visit's history
ANSWER_LABELS = {Answer.COMING.value: "I will be there", Answer.CANNOT_COME.value: "I cannot come"}
NO_ANSWER = "Choose whether you will be there"
REASON_TOO_LONG = f"Keep the reason to {REASON_MAX} characters or fewer"


def link_url(link_id: str) -> str:
    return f"{settings().public_base_url}/family/{link_id}"


def family_member(referral_id: str, member: int, relationship: str | None) -> Person:
    """Who answers through a family link: the family member, named by their relationship ("Mother"),
    identified by their place on the referral (they have no account and no email of ours)."""
    return Person(f"family member {member + 1} of {human_reference(referral_id)}", relationship or None)


# -- issuing (the reminder job) and retiring -----------------------------------------------------


def issue(tx: Any, visit: Visit, member: int) -> tuple[str, FamilyLink]:
    """Add a new link for one family member and this start of the visit to `tx`; its id (the only
    copy of it) and the stored link. It expires when the visit starts."""
    link_id = new_link_id()
    link = store.new_link(
        hash_link(link_id),
        visit_id=visit.visit_id,
        referral_id=visit.referral_id,
        member=member,
        starts_at=visit.starts_at,
        issued_at=clock.now().isoformat(timespec="microseconds"),
        expires_at=from_iso(visit.starts_at),
    )
    store.add_link(tx, link)
    return link_id, link


def may_hold_links(visits: list[Any]) -> list[str]:
    """The ids of those visits a reminder link may exist for: a link is issued only the reminder's
    lead time before its visit (and an hourly run late), so a visit further off holds none and
    needs no Query. Correctness does not rest on this: a link is dead once its visit is cancelled
    or moved, whether retired or not (`_closed`)."""
    horizon = clock.now() + timedelta(hours=settings().family_reminder_lead_hours + 1)
    return [visit.visit_id for visit in visits if from_iso(visit.starts_at) <= horizon]


def retire_for_visits(visit_ids: list[str], reason: str, actor: str | Person = SYSTEM) -> int:
    """Retire every still-active link of these visits (a cancelled or moved visit), each with its
    audit event; one Query per visit. Returns how many it retired."""
    retired = 0
    for visit_id in visit_ids:
        for link in store.active_links_of(visit_id):
            try:
                with audited_transaction(actor, case_id=link.referral_id) as tx:
                    store.retire_link(tx, link, at=clock.iso_now())
                    tx.record(ENTITY, visit_id, "family_link.retired", {"member": int(link.member), "reason": reason})
            except Conflict:
                continue  # retired meanwhile
            retired += 1
    if retired:
        logger().info("family links retired", extra={"count": retired, "reason": reason})
    return retired


# -- opening and answering -------------------------------------------------------------------------


@dataclass
class FamilyPage:
    """What the family page shows: the visit and the two choices, or why the link no longer works."""

    state: str  # "open" | "answered" | "cancelled" | "moved" | "ended" | "unknown"
    visit: dict[str, Any] = field(default_factory=dict)
    answer: dict[str, Any] | None = None  # the answer that stands, if any
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    @property
    def status_code(self) -> int:
        if self.state == "open" and self.errors:
            return 422
        return {"open": 200, "answered": 200, "unknown": 404, "cancelled": 410, "moved": 410, "ended": 410}[self.state]


def find(link_id: str) -> FamilyLink | None:
    if not could_be_ours(link_id):
        return None
    return store.link(hash_link(link_id))


def _shown(visit: Visit) -> dict[str, Any]:
    """The visit as the family sees it: day, time, venue and the worker's first name. Nothing of
    the other party: no carer, no address but the venue, no other family member."""
    worker = next(iter(workers_by_id([visit.worker_id])), None)
    return {
        "day": date_words.day_of(visit.starts_at),
        "when": date_words.span(visit.starts_at, visit.ends_at),
        "venue": visit.venue,
        "worker_first_name": first_name(worker.name) if worker else "",
    }


def _closed(link: FamilyLink, visit: Visit | None, now: datetime) -> str | None:
    if visit is None or visit.status == VisitStatus.CANCELLED:
        return "cancelled"
    if link.state == store.RETIRED or visit.starts_at != link.starts_at:
        return "moved"
    if link.expires_at <= now or not answer_is_open(now, from_iso(visit.starts_at)):
        return "ended"
    return None


def _standing(link: FamilyLink) -> dict[str, Any] | None:
    if not link.answer:
        return None
    return {"answer": link.answer, "label": ANSWER_LABELS.get(link.answer, link.answer), "at": link.answered_at}


def open_link(link_id: str, *, record_view: bool = True) -> FamilyPage:
    """GET: what the link shows. Changes nothing but the audit trail (HEAD records nothing)."""
    link = find(link_id)
    if link is None:
        return FamilyPage("unknown")
    visit = visit_store.visit(link.visit_id)
    state = _closed(link, visit, clock.now()) or "open"
    page = FamilyPage(state, _shown(visit) if visit is not None and state == "open" else {}, _standing(link))
    if record_view:
        new_event(
            ENTITY,
            link.visit_id,
            _person(link),
            "family_link.viewed",
            {"member": int(link.member), "shown": state},
            case_id=link.referral_id,
        ).save()
    return page


def _person(link: FamilyLink) -> Person:
    referral = referral_store.referral(link.referral_id)
    members = (referral.submission.get("family_members") or []) if referral is not None else []
    relationship = members[int(link.member)].get("relationship") if int(link.member) < len(members) else None
    return family_member(link.referral_id, int(link.member), relationship)


def answer(link_id: str, chosen: str | None, reason: str | None) -> FamilyPage:
    """POST: record the answer (replacing any earlier one) on the link and on the visit's attendance,
    with its audit event, in one transaction; then tell the worker and the duty supervisor when the
    person cannot come (or can come after all)."""
    link = find(link_id)
    if link is None:
        return FamilyPage("unknown")
    now = clock.now()
    visit = visit_store.visit(link.visit_id)
    closed = _closed(link, visit, now)
    if closed is not None:
        return FamilyPage(closed, answer=_standing(link))
    values = {"answer": chosen or "", "reason": reason or ""}
    errors = _problems(chosen, reason)
    if errors:
        return FamilyPage("open", _shown(visit), _standing(link), errors, values)
    reason = reason if chosen == Answer.CANNOT_COME else None
    late = chosen == Answer.CANNOT_COME and is_late_notice(now, from_iso(visit.starts_at))
    person = _person(link)
    previous, previous_late = link.answer, _late_before(visit, link)
    at = now.isoformat(timespec="seconds")
    record = {"answer": chosen, "at": at, "reason": reason, "late": late, "starts_at": visit.starts_at}
    for attempt in (1, 2):  # another member's answer to the same visit may land first: read it and go again
        try:
            with audited_transaction(person, "The visit changed meanwhile.", case_id=link.referral_id) as tx:
                store.answer_link(tx, link, answer=chosen, reason=reason, at=at, now=now)
                store.record_reminder_answer(tx, link, answer=chosen, late=late)
                figures.count_answer(tx, visit.starts_at, previous, previous_late, chosen, late)
                visit_store.record_family_answer(tx, visit, int(link.member), record, now=at)
                tx.record(
                    ENTITY,
                    visit.visit_id,
                    "family_link.answered",
                    {"member": int(link.member), "decision": chosen, "late": late, "reason": reason},
                )
            break
        except Conflict:
            visit = visit_store.visit(link.visit_id)
            fresh = store.link(link.link_hash, consistent=True)
            closed = _closed(fresh, visit, clock.now()) if fresh is not None else "unknown"
            if closed is not None or attempt == 2:
                return FamilyPage(closed or "moved", answer=_standing(fresh or link))
            link, previous, previous_late = fresh, fresh.answer, _late_before(visit, fresh)
    count("FamilyAnswer")
    if chosen != previous and Answer.CANNOT_COME in (chosen, previous):
        _tell_staff(visit, person, record, changed_mind=previous == Answer.CANNOT_COME and chosen == Answer.COMING)
    link.answer, link.answered_at = chosen, at
    return FamilyPage("answered", _shown(visit), _standing(link))


def _late_before(visit: Visit, link: FamilyLink) -> bool:
    """Whether the link's answer as it stands was a late "cannot come" (the visit's attendance
    keeps it, for the visit's current start)."""
    before = visit_store.family_answers_of(visit).get(int(link.member)) or {}
    return bool(link.answer and before.get("answer") == link.answer and before.get("late"))


def _problems(chosen: str | None, reason: str | None) -> dict[str, str]:
    errors = {}
    if chosen not in ANSWER_LABELS:
        errors["answer"] = NO_ANSWER
    if reason and (len(reason) > REASON_MAX):
        errors["reason"] = REASON_TOO_LONG
    elif reason:
        try:
            multi_line(reason)
        except ValueError:
            errors["reason"] = "Write the reason as plain text"
    return errors


def _tell_staff(visit: Visit, person: Person, record: dict[str, Any], *, changed_mind: bool) -> None:
    """The worker and the duty supervisor hear at once; the supervisor decides whether the visit
    goes ahead for the others or is cancelled. A failed send is logged and never undoes the answer."""
    worker = next(iter(workers_by_id([visit.worker_id])), None)
    recipients = [settings().duty_supervisor_email] + ([worker.email] if worker is not None else [])
    referral = referral_store.referral(visit.referral_id)
    children = [c.get("first_name", "") for c in (referral.submission.get("children") or [])] if referral else []
    for to in recipients:
        try:
            email.send(
                to,
                "family_cannot_come",
                who=person.name or "A family member",
                changed_mind=changed_mind,
                when=date_words.span(visit.starts_at, visit.ends_at),
                venue=visit.venue,
                reference=human_reference(visit.referral_id),
                children=", ".join(n for n in children if n),
                reason=record.get("reason"),
                late=record.get("late"),
                answered=date_words.when(record["at"]),
                link=f"{settings().public_base_url}/visits/{visit.visit_id}",
            )
        except Exception as exc:  # the answer stands even if the email cannot go
            logger().error(
                "family answer email not sent", extra={"visit_id": visit.visit_id, "error": type(exc).__name__}
            )
