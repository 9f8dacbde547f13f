"""Signed-in browser sessions: only the SHA-256 of the id in the cookie is stored, with who it
signs in and when it ends (DynamoDB's TTL removes it later; reads check the time themselves)."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.base import meta


class SessionsByEmail(GlobalSecondaryIndex):
    """Every session of one person: an admin signs them out everywhere."""

    class Meta:
        index_name = "by_email"
        projection = KeysOnlyProjection()

    email_key = UnicodeAttribute(hash_key=True)


class Session(Model):
    class Meta:
        locals().update(meta("sessions"))

    session_hash = UnicodeAttribute(hash_key=True)  # SHA-256 hex of the id in the cookie
    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    # The email in lower case, as an admin types it. Sparse: a session opened before the index
    # existed has none (it ends by itself within 12 hours).
    email_key = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    roles = ListAttribute(of=UnicodeAttribute)
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute()

    by_email = SessionsByEmail()
