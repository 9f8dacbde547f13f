"""The ids in the links people click (approval links, the family's reminder links): an opaque
random id in the URL, and only its SHA-256 stored. The one place that knows how they are made
and hashed."""

from __future__ import annotations

import hashlib
import secrets

LINK_ID_BYTES = 32  # 256 bits of randomness in every link
MAX_LINK_ID_LENGTH = 128  # a longer id is not one of ours: answered without a read


def new_link_id() -> str:
    return secrets.token_urlsafe(LINK_ID_BYTES)


def hash_link(link_id: str) -> str:
    """What is stored and looked up: the id itself is never kept."""
    return hashlib.sha256(link_id.encode("utf-8")).hexdigest()


def could_be_ours(link_id: str) -> bool:
    """A made-up id that is not even the right shape is answered without a read."""
    return bool(link_id) and len(link_id) <= MAX_LINK_ID_LENGTH
