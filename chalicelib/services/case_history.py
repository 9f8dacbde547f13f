"""A case's whole audit history: the events of its referral and of every item of the case (visits,
reports, incidents, case reviews), which each carry the case's id (`services.audit.case_of`), in
the order they happened, a page at a time: one Query of the audit log's `by_case` index per page.
The timeline and the admin's audit page read it.

No backfill goes with it: the service has never been deployed, so every stored event was written
with its case; a local snapshot kept from before events carried one (`.local-data/snapshot.json`)
shows those events in each item's own history only, until it is deleted and the demo data seeded
again."""

from __future__ import annotations

from typing import Any

from chalicelib.storage import audit as store


def case_events(referral_id: str, *, cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of the case's events, oldest first: `events` (as the audit log gives them) and
    `next_cursor` (None at the end). A bad cursor is a BadRequest."""
    events, next_cursor = store.events_of_case(referral_id, limit=limit, cursor=cursor)
    return {"events": [event.to_dict() for event in events], "next_cursor": next_cursor}
