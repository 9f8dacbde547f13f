"""Changes and their audit events, written together: one DynamoDB transaction or nothing.

Every service that changes data goes through `audited_transaction`, so no change exists
without the event that records it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib import clock
from chalicelib.domain.people import SYSTEM as SYSTEM  # the service's own actor, re-exported
from chalicelib.domain.people import Person
from chalicelib.errors import BadRequest, Conflict
from chalicelib.services import outputs
from chalicelib.storage import audit as store
from chalicelib.storage.audit import events_for, events_on_day
from chalicelib.storage.base import ConditionFailed, Writes, transaction
from chalicelib.storage.referrals import history_entry

if TYPE_CHECKING:
    from chalicelib.storage.audit import AuditEvent
    from chalicelib.storage.referrals import StatusChange

# An event's day is its day in the UK, as every page counts days, not the UTC day.
UK = ZoneInfo("Europe/London")


def uk_day(moment: datetime) -> date:
    """The UK day of an aware moment: `2026-03-29T23:30Z` is 30 March (BST), `2026-01-10T23:30Z` 10 January."""
    return moment.astimezone(UK).date()


def uk_today() -> date:
    return uk_day(clock.now())


# The items that belong to a case besides its referral: each of their events carries the case's
# id (the referral id), which its writer passes, so the case's history is one index partition
# (`by_case`). A referral's own events are its case's without being told. A new kind of case item
# is added here and its writers pass `case_id`.
CASE_ITEMS = frozenset({"visit", "report", "incident", "case_review"})


class CaseNotGiven(TypeError):
    """An event of a case's item written without its case: a writer's mistake, never the user's."""


def case_of(entity: str, entity_id: str, case_id: str | None) -> str | None:
    """The case an event of `entity` `entity_id` belongs to: the referral is its own case; a case
    item's writer says which (CaseNotGiven if it does not); anything else belongs to no case."""
    if entity == "referral":
        if case_id not in (None, entity_id):
            raise CaseNotGiven(f"A referral's event belongs to its own case, not {case_id}.")
        return entity_id
    if entity in CASE_ITEMS and not case_id:
        raise CaseNotGiven(f"An event of a {entity} must name the case it belongs to (case_id).")
    return case_id


class ChangedElsewhere(Conflict):
    """A writer stated the version it read, and the item has moved on since (optimistic locking)."""

    code = "changed_elsewhere"


def new_event(
    entity: str,
    entity_id: str,
    actor: str | Person,
    action: str,
    changes: dict | None = None,
    *,
    case_id: str | None = None,
) -> AuditEvent:
    """An event not yet written. `actor` is an email (or `SYSTEM`), or the `Person` whose name the
    event keeps beside their email. `case_id` is the referral id of the case a visit, report,
    incident or case review belongs to (required for those: `case_of`)."""
    case = case_of(entity, entity_id, case_id)
    person = as_person(actor)
    moment = clock.now()
    at = moment.isoformat(timespec="seconds")
    return store.new_event(
        entity,
        entity_id,
        at=at,
        precise_at=moment.isoformat(timespec="microseconds"),
        event_id=uuid.uuid4().hex,
        day=uk_day(moment).isoformat(),
        actor=person.email,
        actor_name=person.name,
        action=action,
        changes=changes or {},
        case_id=case,
    )


def status_change(
    actor: str | Person, from_status: str | None, to_status: str, reason: str | None = None
) -> StatusChange:
    """One entry of a referral's or a report's status history, now, by `actor` (their email, with
    the name and role the history shows)."""
    person = as_person(actor)
    return history_entry(
        at=clock.iso_now(),
        actor=person.email,
        actor_name=person.name,
        actor_role=person.role,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def history_views(entries: Iterable[StatusChange] | None) -> list[dict]:
    """A referral's or a report's status history as its JSON shows it: who by email, with the name
    and role recorded beside it (null in entries written before names were kept)."""
    return [
        {
            "at": entry.at,
            "actor": entry.actor,
            "actor_name": entry.actor_name,
            "actor_role": entry.actor_role,
            "from": entry.from_status,
            "to": entry.to_status,
            "reason": entry.reason,
        }
        for entry in entries or []
    ]


def as_person(actor: str | Person) -> Person:
    """An actor given by email alone (the service, a link's approver) is a person with no name known."""
    return actor if isinstance(actor, Person) else Person(actor)


class AuditedTransaction:
    """A storage transaction that also takes the audit events of what it changes. `actor` is the
    acting person's email (their identity); `person` adds the name and role the records show."""

    def __init__(self, tx: Writes, actor: str | Person, case_id: str | None = None) -> None:
        self._tx = tx
        self.case_id = case_id  # the case its events belong to, unless `record` names another
        self.person = as_person(actor)
        self.actor = self.person.email
        self.events: list[AuditEvent] = []

    def save(self, model: Any, condition: Any = None) -> None:
        self._tx.save(model, condition=condition)

    def update(self, model: Any, actions: list, condition: Any = None) -> None:
        self._tx.update(model, actions=actions, condition=condition)

    def delete(self, model: Any, condition: Any = None) -> None:
        self._tx.delete(model, condition=condition)

    def condition_check(self, model_cls: Any, hash_key: Any, range_key: Any = None, condition: Any = None) -> None:
        self._tx.condition_check(model_cls, hash_key, range_key=range_key, condition=condition)

    def record(
        self, entity: str, entity_id: str, action: str, changes: dict | None = None, *, case_id: str | None = None
    ) -> AuditEvent:
        """Add the event to the transaction. `case_id`: the case (referral id) of a visit, report,
        incident or case review, when the transaction was not opened for one case; a referral's own
        events need none."""
        event = new_event(
            entity,
            entity_id,
            self.person,
            action,
            changes,
            case_id=case_id or (self.case_id if entity in CASE_ITEMS else None),
        )
        store.add_event(self._tx, event)
        self.events.append(event)
        return event


@contextmanager
def audited_transaction(
    actor: str | Person,
    conflict_message: str = "Someone else changed this first. Reload and try again.",
    *,
    case_id: str | None = None,
) -> Iterator[AuditedTransaction]:
    """Collect writes and audit events; commit them in one TransactWriteItems on exit. `actor` is
    the signed-in person (`principal.person`), or an email where no sign-in is known. `case_id`:
    the case (referral id) every event of a case's item in it belongs to (see `case_of`).

    A failed condition (a stale version, a link already used) becomes `Conflict`.
    """
    try:
        with transaction() as tx:
            yield AuditedTransaction(tx, actor, case_id)
    except ConditionFailed as exc:
        raise Conflict(conflict_message) from exc


def history(entity: str, entity_id: str, limit: int = 200) -> list[dict]:
    events, _ = events_for(entity, entity_id, limit=limit)
    return [e.to_dict() for e in events]


def list_events(
    *, entity: str | None, entity_id: str | None, day: str | None, limit: int, cursor: str | None
) -> outputs.AuditPage:
    """One page of events: an entity's history, or one day's events across the service."""
    if entity and entity_id:
        events, next_cursor = events_for(entity, entity_id, limit=limit, cursor=cursor)
    elif entity or entity_id:
        raise BadRequest("Filter by both 'entity' and 'id', or by 'day'.")
    else:
        if day is not None and not _is_day(day):
            raise BadRequest("'day' must be a date written as YYYY-MM-DD.")
        events, next_cursor = events_on_day(day or uk_today().isoformat(), limit=limit, cursor=cursor)
    return {"events": [e.to_dict() for e in events], "next_cursor": next_cursor}


def _is_day(text: str) -> bool:
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False
