"""Visits as iCalendar: the one shape of a visit's event, for the calendar export and for the `.ics`
each visit email carries. An event's UID is the visit's; its SEQUENCE follows the visit's version, so
a calendar that holds the booking takes a move or a cancellation as an update of the same event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.domain.local_time import ZONE, from_iso
from chalicelib.domain.visits import VisitStatus

if TYPE_CHECKING:
    from chalicelib.storage.visits import Visit

PRODID = "-//Family Contact Service//Visits//EN"
REQUEST, CANCEL = "REQUEST", "CANCEL"


def uid(visit: Visit) -> str:
    return f"{visit.visit_id}@familycontact.example"


def sequence(visit: Visit) -> int:
    """0 when booked; each saved change (a move, a reassignment, a cancellation) adds one."""
    return int(visit.version or 1) - 1


def calendar(
    visits: Iterable[tuple[Visit, str, bool]],
    *,
    name: str | None = None,
    method: str | None = None,
    organizer: str | None = None,
) -> bytes:
    """`visits` as (visit, title, redact) in one calendar. `method` makes it a scheduling message
    (REQUEST: add or update; CANCEL: remove), as an email attachment is; `redact` leaves the venue out."""
    from icalendar import Calendar, Event, vCalAddress, vText

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    stamp = clock.now()
    for visit, title, redact in visits:
        event = Event()
        event.add("uid", uid(visit))
        event.add("dtstamp", stamp)
        event.add("dtstart", from_iso(visit.starts_at).astimezone(ZONE))
        event.add("dtend", from_iso(visit.ends_at).astimezone(ZONE))
        event.add("summary", title)
        if not redact:
            event.add("location", visit.venue)
        cancelled = method == CANCEL or visit.status == VisitStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("sequence", sequence(visit))
        if organizer:
            address = vCalAddress(f"mailto:{organizer}")
            address.params["cn"] = vText("Family Contact Service")
            event.add("organizer", address)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
