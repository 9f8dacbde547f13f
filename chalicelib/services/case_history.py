"""A case's whole audit history: the events of every item of the case (`case_parts`), merged in the
order they happened, a page at a time. The timeline and the admin's audit page read it."""

from __future__ import annotations

from typing import Any

from chalicelib.services.case_parts import CASE_PARTS, CasePart, items_of_case
from chalicelib.storage import audit as store


def case_events(
    referral_id: str, *, cursor: str | None, limit: int, parts: tuple[CasePart, ...] = CASE_PARTS
) -> dict[str, Any]:
    """One page of the case's events, oldest first: `events` (as the audit log gives them),
    `next_cursor` (None at the end) and `more_visits` (the case has visits past the bound).

    Each item's partition is read for at most `limit + 1` events after the cursor: the page's
    events are among those, and one more anywhere says there is a next page. A bad cursor is a
    BadRequest."""
    after = store.merged_position(cursor)
    case = items_of_case(referral_id, parts)
    read = [
        event
        for kind, item_id in case.items()
        for event in store.events_after(kind, item_id, after=after, limit=limit + 1)
    ]
    read.sort(key=lambda event: event.event_key)
    page = read[:limit]
    return {
        "events": [event.to_dict() for event in page],
        "next_cursor": store.merged_cursor(page[-1]) if len(read) > limit else None,
        "more_visits": case.more_visits,
    }
