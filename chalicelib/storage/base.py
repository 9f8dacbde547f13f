"""What every table shares: its region, and the connection transactions run on."""

from __future__ import annotations

import os
from functools import lru_cache

from chalicelib.config import table_name


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-2"


def meta(suffix: str) -> dict:
    """Attributes for a model's `Meta`: its stage-prefixed table name and region.

    `host` stays unset on purpose: an endpoint override would escape the embedded runtime.
    """
    return {"table_name": table_name(suffix), "region": region()}


@lru_cache(maxsize=1)
def connection():
    from pynamodb.connection import Connection

    return Connection(region=region())
