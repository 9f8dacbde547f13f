"""The table Powertools' idempotency utility writes to (its schema: a string key called `id`)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import meta


class IdempotencyRecord(Model):
    """Declared so the embedded runtime and the template create the table; Powertools owns its items."""

    class Meta:
        locals().update(meta("idempotency"))

    id = UnicodeAttribute(hash_key=True)


def idempotency_table_name() -> str:
    """The table Powertools' persistence layer is given."""
    return IdempotencyRecord.Meta.table_name
