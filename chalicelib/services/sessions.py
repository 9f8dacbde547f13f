"""Browser sessions kept on the server: the cookie holds an opaque id, so signing out (deleting
the session) ends it everywhere, whoever holds a copy of the cookie."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.identity import normalise_email

SESSION_SECONDS = 12 * 3600
# Sessions ended per transaction: DynamoDB takes 100 items, one of them the audit event.
ENDED_PER_TRANSACTION = 99
_SESSION_ID = re.compile(r"[A-Za-z0-9_\-]{43}")  # what secrets.token_urlsafe(32) writes


def email_key(email: str) -> str:
    """How sessions are found by person: the email as it is at sign-in (an admin may type it in
    another letter case)."""
    return normalise_email(email)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def open_session(principal: Principal) -> str:
    """A new session for `principal`; returns the id the cookie carries (never stored)."""
    from chalicelib.storage.sessions import save_session

    session_id = secrets.token_urlsafe(32)
    now = clock.now()
    save_session(
        _hash(session_id),
        user_id=principal.user_id,
        email=principal.email,
        email_key=email_key(principal.email),
        name=principal.name,
        roles=sorted(role.value for role in principal.roles),
        created_at=now.isoformat(),
        expires_at=now + timedelta(seconds=SESSION_SECONDS),
    )
    return session_id


def principal_of(session_id: str) -> Principal | None:
    """Who the session signs in, or None: unknown, ended or not an id we issue (no read then)."""
    from chalicelib.storage import sessions as store

    if not _SESSION_ID.fullmatch(session_id or ""):
        return None
    session = store.session(_hash(session_id))
    if session is None or session.expires_at <= clock.now():
        return None
    roles = frozenset(Role(r) for r in session.roles if r in Role._value2member_map_)
    return Principal(user_id=session.user_id, email=session.email, name=session.name, roles=roles)


def close_session(session_id: str | None) -> None:
    """End the session (a no-op for an unknown id)."""
    from chalicelib.storage.sessions import delete_session

    if session_id and _SESSION_ID.fullmatch(session_id):
        delete_session(_hash(session_id))


def end_all_for(email: str, actor: Principal) -> int:
    """End every session of the person signed in with `email`, in every browser: each batch of
    sessions is deleted in one transaction with its audit event. Returns how many were ended
    (none is still recorded: the admin's request is itself worth the audit log)."""
    from chalicelib.services.audit import audited_transaction
    from chalicelib.storage import sessions as store

    person = email_key(email)
    # Read eventually consistently: a session opened a moment ago may be missed, and pressing the
    # button again ends it.
    found = store.sessions_of(person)
    batches = [found[i : i + ENDED_PER_TRANSACTION] for i in range(0, len(found), ENDED_PER_TRANSACTION)]
    for batch in batches or [[]]:
        with audited_transaction(actor.person) as tx:
            for session_hash in batch:
                store.end_session(tx, session_hash)
            tx.record("user", person, "sessions.ended_everywhere", {"sessions": len(batch)})
    return len(found)
