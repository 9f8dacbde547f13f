"""How an API client states the version it read before a write (optimistic locking over HTTP).

A read answers with an `ETag` (the item's revision, quoted); a write may send it back in
`If-Match`. The service writes only if the item is still at that revision, and answers 409 when
someone changed it meanwhile. `If-Match: *` or no header states nothing.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.errors import BadRequest

# `"3"`, or a weak `W/"3"`; a bare 3 is accepted as well, since people type it.
_REVISION = re.compile(r'(?:W/)?"?([0-9]{1,12})"?')


def etag(revision: int) -> str:
    return f'"{revision}"'


def stated_revision(headers: Any) -> int | None:
    """The revision the client read, from its `If-Match` header (None when it states none)."""
    raw = (headers.get("if-match") or "").strip()
    if not raw or raw == "*":
        return None
    match = _REVISION.fullmatch(raw)
    if match is None:
        raise BadRequest(
            'The If-Match header must be the ETag you read, such as "3" (one value, in quotes). '
            "Read the item again to get it."
        )
    return int(match.group(1))
