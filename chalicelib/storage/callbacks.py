"""Workflow callbacks Step Functions did not accept when the change behind them was saved: kept
here until the recovery sweep delivers them. The task token is server side only, like a link's."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

from pynamodb.attributes import JSONAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib import clock
from chalicelib.storage.base import meta

OWED = "owed"  # the one partition: few items (only failures), read by one Query per sweep
# A Standard execution lives at most a year: no token it holds is worth keeping longer.
KEPT_FOR = timedelta(days=366)


class OwedCallback(Model):
    class Meta:
        locals().update(meta("owed-callbacks"))

    queue = UnicodeAttribute(hash_key=True)  # always OWED
    token_hash = UnicodeAttribute(range_key=True)  # SHA-256 hex of the task token: one row per wait
    task_token = UnicodeAttribute()
    output = JSONAttribute()  # what the wait receives
    owed_since = UnicodeAttribute()
    expires_at = TTLAttribute()


def token_hash(task_token: str) -> str:
    return hashlib.sha256(task_token.encode()).hexdigest()


def keep(task_token: str, output: dict) -> None:
    """Keep a callback to deliver later; keeping the same wait's callback again replaces it."""
    OwedCallback(
        OWED,
        token_hash(task_token),
        task_token=task_token,
        output=output,
        owed_since=clock.iso_now(),
        expires_at=clock.now() + KEPT_FOR,
    ).save()


def owed() -> Iterator[OwedCallback]:
    return OwedCallback.query(OWED, consistent_read=True)


def settled(callback: OwedCallback) -> None:
    callback.delete()
