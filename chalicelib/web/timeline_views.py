"""How a case's timeline looks: on the case page (`_case_timeline.html`) and on its own page for
the later events. Each entry is its sentence, when, and what changed in words; it renders what
`services.case_timeline` read."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalicelib.auth import Principal
from chalicelib.web.audit_views import name_words, value_words
from chalicelib.web.pages import render

# Details the timeline leaves to the audit log: ids and bookkeeping nobody reads as words.
UNSHOWN = frozenset(
    {"referral_id", "series_id", "worker_id", "from_worker_id", "to_worker_id", "execution", "visit_ids", "purpose"}
)
# Where an entry's item opens, by who reads: staff open a visit's page; anyone its report.
STAFF_LINKS = {"visit": "/visits/{id}", "report": "/visits/{id}/report"}
REFERRER_LINKS = {"report": "/visits/{id}/report"}


def panel(timeline: dict[str, Any]) -> dict[str, Any]:
    """The timeline as the partial shows it."""
    links = STAFF_LINKS if timeline["view"] == "staff" else REFERRER_LINKS
    cursor = timeline["next_cursor"]
    return {
        **timeline,
        "entries": [
            {
                **entry,
                "details": [
                    (name_words(name), value_words(name, value))
                    for name, value in entry["changes"].items()
                    if name not in UNSHOWN
                ],
                "link": links[entry["entity"]].format(id=entry["id"]) if entry["entity"] in links else None,
            }
            for entry in timeline["entries"]
        ],
        "next_link": f"/referrals/{timeline['referral_id']}/timeline?{urlencode({'cursor': cursor})}"
        if cursor
        else None,
    }


def timeline_page(principal: Principal, timeline: dict[str, Any], *, later: bool):
    """The timeline on its own page: from the start, or its `later` events after a cursor."""
    return render("case_timeline.html", 200, principal, case_timeline=panel(timeline), later=later)
