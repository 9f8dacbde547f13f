"""Changes and their audit events, written together: one DynamoDB transaction or nothing.

Every service that changes data goes through `audited_transaction`, so no change exists
without the event that records it.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib import clock
from chalicelib.errors import BadRequest, Conflict
from chalicelib.storage.audit import AuditEvent, entity_key
from chalicelib.storage.base import connection

SYSTEM = "system"


def new_event(entity: str, entity_id: str, actor: str, action: str, changes: dict | None = None) -> AuditEvent:
    moment = clock.now()
    at = moment.isoformat(timespec="seconds")
    return AuditEvent(
        entity_key(entity, entity_id),
        # Microseconds in the key keep events of the same second in the order they happened.
        f"{moment.isoformat(timespec='microseconds')}#{uuid.uuid4().hex}",
        day=at[:10],
        entity=entity,
        entity_id=entity_id,
        at=at,
        actor=actor,
        action=action,
        changes=changes or {},
    )


class AuditedTransaction:
    """A PynamoDB TransactWrite that also takes the audit events of what it changes."""

    def __init__(self, tx: Any, actor: str) -> None:
        self._tx = tx
        self.actor = actor
        self.events: list[AuditEvent] = []

    def save(self, model: Any, condition: Any = None) -> None:
        self._tx.save(model, condition=condition)

    def update(self, model: Any, actions: list, condition: Any = None) -> None:
        self._tx.update(model, actions=actions, condition=condition)

    def delete(self, model: Any, condition: Any = None) -> None:
        self._tx.delete(model, condition=condition)

    def condition_check(self, model_cls: Any, hash_key: Any, range_key: Any = None, condition: Any = None) -> None:
        self._tx.condition_check(model_cls, hash_key, range_key=range_key, condition=condition)

    def record(self, entity: str, entity_id: str, action: str, changes: dict | None = None) -> AuditEvent:
        event = new_event(entity, entity_id, self.actor, action, changes)
        # The event key is unique, so the condition only guards against a replayed write.
        self._tx.save(event, condition=AuditEvent.entity_key.does_not_exist())
        self.events.append(event)
        return event


@contextmanager
def audited_transaction(
    actor: str, conflict_message: str = "Someone else changed this first. Reload and try again."
) -> Iterator[AuditedTransaction]:
    """Collect writes and audit events; commit them in one TransactWriteItems on exit.

    A failed condition (a stale version, a link already used) becomes `Conflict`.
    """
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    try:
        with TransactWrite(connection=connection()) as tx:
            yield AuditedTransaction(tx, actor)
    except TransactWriteError as exc:
        reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
        if "ConditionalCheckFailed" in reasons:
            raise Conflict(conflict_message) from exc
        raise


def history(entity: str, entity_id: str, limit: int = 200) -> list[dict]:
    return [e.to_dict() for e in AuditEvent.query(entity_key(entity, entity_id), limit=limit)]


def list_events(*, entity: str | None, entity_id: str | None, day: str | None, limit: int, cursor: str | None) -> dict:
    """One page of events: an entity's history, or one day's events across the service."""
    if entity and entity_id:
        start = _decode_cursor(cursor, {"entity_key", "event_key"})
        result = AuditEvent.query(entity_key(entity, entity_id), limit=limit, last_evaluated_key=start)
    elif entity or entity_id:
        raise BadRequest("Filter by both 'entity' and 'id', or by 'day'.")
    else:
        if day is not None and not _is_day(day):
            raise BadRequest("'day' must be a date written as YYYY-MM-DD.")
        start = _decode_cursor(cursor, {"entity_key", "event_key", "day"})
        result = AuditEvent.by_day.query(
            day or clock.today().isoformat(), limit=limit, last_evaluated_key=start, scan_index_forward=False
        )
    events = [e.to_dict() for e in result]
    return {"events": events, "next_cursor": _encode_cursor(result.last_evaluated_key)}


def _is_day(text: str) -> bool:
    from datetime import date

    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _encode_cursor(key: dict | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def _decode_cursor(cursor: str | None, keys: set[str]) -> dict | None:
    """The key a previous page ended on, exactly as this query returns it, or a 400."""
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:
        raise BadRequest("The 'cursor' is not one this service issued.") from exc
    well_formed = (
        isinstance(value, dict)
        and set(value) == keys
        and all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in value.values())
    )
    if not well_formed:
        raise BadRequest("The 'cursor' is not one this service issued.")
    return value
