"""Signed-in browser sessions: only the SHA-256 of the id in the cookie is stored, with who it
signs in and when it ends (DynamoDB's TTL removes it later; reads check the time themselves)."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import meta


class Session(Model):
    class Meta:
        locals().update(meta("sessions"))

    session_hash = UnicodeAttribute(hash_key=True)  # SHA-256 hex of the id in the cookie
    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    roles = ListAttribute(of=UnicodeAttribute)
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute()
