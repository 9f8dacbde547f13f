"""The append-only audit log: one item per event, keyed by the entity it is about."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import meta


class AuditByDay(GlobalSecondaryIndex):
    """Recent events across all entities, one partition per day."""

    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)


class AuditEvent(Model):
    class Meta:
        locals().update(meta("audit"))

    entity_key = UnicodeAttribute(hash_key=True)  # "<entity>#<id>"
    event_key = UnicodeAttribute(range_key=True)  # "<ISO time>#<event id>": time order
    day = UnicodeAttribute()
    entity = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    changes = JSONAttribute(null=True)

    by_day = AuditByDay()

    def to_dict(self) -> dict:
        return {
            "entity": self.entity,
            "id": self.entity_id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "changes": self.changes or {},
            "event_id": self.event_key.rsplit("#", 1)[-1],
        }


def entity_key(entity: str, entity_id: str) -> str:
    return f"{entity}#{entity_id}"
