"""Signed-in browser sessions: only the SHA-256 of the id in the cookie is stored, with who it
signs in and when it ends (DynamoDB's TTL removes it later; reads check the time themselves)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import ListAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta


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


def save_session(
    session_hash: str,
    *,
    user_id: str,
    email: str,
    email_key: str,
    name: str,
    roles: list[str],
    created_at: str,
    expires_at: datetime,
) -> None:
    """Store a new session under the hash of its id (one PutItem)."""
    Session(
        session_hash,
        user_id=user_id,
        email=email,
        email_key=email_key,
        name=name,
        roles=roles,
        created_at=created_at,
        expires_at=expires_at,
    ).save()


def session(session_hash: str) -> Session | None:
    """The session stored under this hash, or None (an ended one may linger until its TTL)."""
    try:
        return Session.get(session_hash)
    except Session.DoesNotExist:
        return None


def delete_session(session_hash: str) -> None:
    """One DeleteItem (a no-op for an unknown hash)."""
    Session(session_hash).delete()


def sessions_of(email_key: str) -> list[str]:
    """The hashes of every session of the person with this email key (the by-email index, read
    eventually consistently: a session opened a moment ago may be missed)."""
    return [found.session_hash for found in Session.by_email.query(email_key)]


def end_session(tx: Writes, session_hash: str) -> None:
    """Delete the session in the transaction."""
    tx.delete(Session(session_hash))
