"""Page cursors: a query's position written as an opaque string, and read back only if this service
could have written it (anything else is a 400)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import BadRequest

MAX_CURSOR_CHARS = 4096
MAX_PART_CHARS = 1024  # DynamoDB refuses longer sort keys: a longer part was never a key of ours


def forged_cursor() -> BadRequest:
    return BadRequest(
        "The 'cursor' is not one this service issued.",
        fields=[{"path": "cursor", "message": "Use next_cursor from the previous page"}],
    )


@dataclass(frozen=True)
class KeyCursor:
    """The cursor of one query: the key attributes that change from page to page (`parts`).

    The attributes the query itself fixes (its partition) are not written into the cursor but
    given again when it is read, so a cursor can never move a query to another partition.
    """

    parts: tuple[str, ...]

    def encode(self, key: Mapping[str, Any] | None) -> str | None:
        """The cursor after `key` (strings, or DynamoDB attribute values such as a page's
        `last_evaluated_key`); None when there is no key, i.e. no next page."""
        if not key:
            return None
        position = {name: _plain(key[name]) for name in self.parts}
        return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()

    def decode(self, cursor: str | None, **fixed: str) -> dict[str, dict[str, str]] | None:
        """The exclusive start key for the query, with the `fixed` attributes added; None for no
        cursor. Raises BadRequest for anything `encode` did not write."""
        if not cursor:
            return None
        if len(cursor) > MAX_CURSOR_CHARS:
            raise forged_cursor()
        try:
            position = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        except (ValueError, UnicodeError, binascii.Error, RecursionError):
            raise forged_cursor() from None
        if (
            not isinstance(position, dict)
            or set(position) != set(self.parts)
            or not all(isinstance(v, str) and 0 < len(v) <= MAX_PART_CHARS for v in position.values())
        ):
            raise forged_cursor()
        return {name: {"S": value} for name, value in {**position, **fixed}.items()}


def paged(query: Callable, cursor_of: KeyCursor, partition: str, cursor: str | None, **fixed: str) -> Iterator[tuple]:
    """Every item of `query(partition)` after `cursor`, each with the cursor that goes on after it,
    so the reader can stop at any item (not only at a page's end) and later miss or repeat none.

    DynamoDB's own pages are read one by one as the items are taken; the cursor after the last
    item is None.
    """
    results = query(partition, last_evaluated_key=cursor_of.decode(cursor, **fixed))
    for item in results:
        yield item, cursor_of.encode(results.last_evaluated_key)


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        (value,) = value.values()  # {"S": "..."}: every key attribute of this service is a string
    return str(value)
