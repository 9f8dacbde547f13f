"""The append-only audit log: one item per event, keyed by the entity it is about."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta
from chalicelib.storage.cursors import KeyCursor


class AuditByDay(GlobalSecondaryIndex):
    """Recent events across all entities, one partition per UK day (Europe/London)."""

    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)


class AuditByCase(GlobalSecondaryIndex):
    """A case's whole history, oldest first: the events of every item of one case (its referral,
    visits, reports, incidents, reviews). Sparse: an event of no case (a worker, a draft) has no
    `case_id` and is not in it."""

    class Meta:
        index_name = "by_case"
        projection = AllProjection()

    case_id = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)


class AuditEvent(Model):
    class Meta:
        locals().update(meta("audit"))

    entity_key = UnicodeAttribute(hash_key=True)  # "<entity>#<id>"
    event_key = UnicodeAttribute(range_key=True)  # "<ISO time>#<event id>": time order
    day = UnicodeAttribute()  # the UK day of `at`: pages count days in UK time
    entity = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    at = UnicodeAttribute()
    actor = UnicodeAttribute()  # the email: the identity the trail keeps
    actor_name = UnicodeAttribute(null=True)  # the name shown beside it (older events have none)
    action = UnicodeAttribute()
    changes = JSONAttribute(null=True)
    case_id = UnicodeAttribute(null=True)  # the referral id of the case the item belongs to

    by_day = AuditByDay()
    by_case = AuditByCase()

    def to_dict(self) -> dict:
        return {
            "entity": self.entity,
            "id": self.entity_id,
            "at": self.at,
            "actor": self.actor,
            "actor_name": self.actor_name,
            "action": self.action,
            "changes": self.changes or {},
            "event_id": self.event_key.rsplit("#", 1)[-1],
        }


def entity_key(entity: str, entity_id: str) -> str:
    return f"{entity}#{entity_id}"


def new_event(
    entity: str,
    entity_id: str,
    *,
    at: str,
    precise_at: str,
    event_id: str,
    day: str,
    actor: str,
    actor_name: str | None = None,
    action: str,
    changes: dict,
    case_id: str | None = None,
) -> AuditEvent:
    """An event not yet written (`add_event` in a transaction, or `.save()` alone). `precise_at`
    (to the microsecond) orders the entity's events of the same second as they happened."""
    return AuditEvent(
        entity_key(entity, entity_id),
        f"{precise_at}#{event_id}",
        day=day,
        entity=entity,
        entity_id=entity_id,
        at=at,
        actor=actor,
        actor_name=actor_name,
        action=action,
        changes=changes,
        case_id=case_id,
    )


def add_event(tx: Writes, event: AuditEvent) -> None:
    """Write the event in the transaction. Its key is unique: the condition only guards against a
    replayed write."""
    tx.save(event, condition=AuditEvent.entity_key.does_not_exist())


# Within an entity's partition the event key alone places a page; across a day's index partition
# the table key does (the index key's day is the query's own).
_ENTITY_CURSOR = KeyCursor(("event_key",))
_DAY_CURSOR = KeyCursor(("entity_key", "event_key"))


def events_for(
    entity: str, entity_id: str, *, limit: int, cursor: str | None = None
) -> tuple[list[AuditEvent], str | None]:
    """One page of an entity's events, oldest first, and the cursor of the next page (None at the end)."""
    key = entity_key(entity, entity_id)
    result = AuditEvent.query(key, limit=limit, last_evaluated_key=_ENTITY_CURSOR.decode(cursor, entity_key=key))
    events = list(result)
    return events, _ENTITY_CURSOR.encode(result.last_evaluated_key)


def events_on_day(day: str, *, limit: int, cursor: str | None = None) -> tuple[list[AuditEvent], str | None]:
    """One page of one day's events across the service, newest first, and the next page's cursor."""
    result = AuditEvent.by_day.query(
        day, limit=limit, last_evaluated_key=_DAY_CURSOR.decode(cursor, day=day), scan_index_forward=False
    )
    events = list(result)
    return events, _DAY_CURSOR.encode(result.last_evaluated_key)


# A case's history is one index partition: the table key places a page in it (the index key's case
# is the query's own).
_CASE_CURSOR = KeyCursor(("entity_key", "event_key"))


def events_of_case(case_id: str, *, limit: int, cursor: str | None = None) -> tuple[list[AuditEvent], str | None]:
    """One page of a case's events, oldest first, and the next page's cursor (None at the end):
    one Query on `by_case`. BadRequest for a cursor not ours."""
    result = AuditEvent.by_case.query(
        case_id, limit=limit, last_evaluated_key=_CASE_CURSOR.decode(cursor, case_id=case_id)
    )
    events = list(result)
    return events, _CASE_CURSOR.encode(result.last_evaluated_key)
