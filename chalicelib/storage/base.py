"""What every table shares: its region, and the connection transactions run on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Protocol

from chalicelib.config import table_name


def _share_one_botocore_loader() -> None:
    """PynamoDB gives every model (and every thread) its own botocore session, and each session
    would parse the DynamoDB service model again: about 0.1 s per model on a cold start. Sessions
    stay separate (they are not thread-safe); the read-only loader and its cache are shared."""
    import botocore.session
    from botocore.loaders import create_loader
    from pynamodb.connection import base as pynamodb_connection

    if getattr(pynamodb_connection.get_session, "shared_loader", False):
        return
    loader = create_loader()

    def session_with_shared_loader() -> botocore.session.Session:
        session = botocore.session.get_session()
        session.register_component("data_loader", loader)
        return session

    session_with_shared_loader.shared_loader = True  # type: ignore[attr-defined]
    pynamodb_connection.get_session = session_with_shared_loader


_share_one_botocore_loader()


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-2"


# Retries that fit a request behind API Gateway's 29-second limit. PynamoDB's defaults (15 s to
# connect, 30 s to read) would let one stalled call outlive the request. Each call gets
# 1 + max_retry_attempts tries in botocore's standard mode (throttling and 5xx answers, with
# exponential backoff and jitter of at most 1 s, then 2 s): a throttled call gives up within about
# 3 s, a silent one within about 24 s. DynamoDB answers in milliseconds, so a few seconds per try
# is plenty. What still fails reaches the caller as a 503 (`errors.dependency_error`).
RETRY_SETTINGS = {"max_retry_attempts": 2, "connect_timeout_seconds": 2, "read_timeout_seconds": 5}


def meta(suffix: str) -> dict:
    """Attributes for a model's `Meta`: its stage-prefixed table name, region and retries.

    `host` stays unset on purpose: an endpoint override would escape the embedded runtime.
    """
    return {"table_name": table_name(suffix), "region": region(), **RETRY_SETTINGS}


@lru_cache(maxsize=1)
def connection():
    from pynamodb.connection import Connection

    return Connection(region=region(), **RETRY_SETTINGS)


class Writes(Protocol):
    """The writes of one transaction (`services.audit.AuditedTransaction`): storage functions add
    their items to it, so a change and its audit event still commit together."""

    def save(self, model: Any, condition: Any = None) -> None: ...

    def update(self, model: Any, actions: list, condition: Any = None) -> None: ...

    def delete(self, model: Any, condition: Any = None) -> None: ...

    def condition_check(self, model_cls: Any, hash_key: Any, range_key: Any = None, condition: Any = None) -> None: ...


class ConditionFailed(Exception):
    """A condition of a transaction did not hold (a stale version, an item already there): nothing
    of it was written."""


class ItemBusy(Exception):
    """Another transaction was writing one of the same items at that moment (DynamoDB's
    `TransactionConflict`): nothing of this one was written. Its cause is DynamoDB's error, so
    `errors.dependency_error` still answers 503 for a caller that does not wait and try again."""


@contextmanager
def transaction() -> Iterator[Writes]:
    """Collect writes; commit them in one TransactWriteItems on exit, or none of them."""
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    try:
        with TransactWrite(connection=connection()) as tx:
            yield tx
    except TransactWriteError as exc:
        reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
        if "ConditionalCheckFailed" in reasons:
            raise ConditionFailed() from exc
        if "TransactionConflict" in reasons:
            raise ItemBusy() from exc
        raise
