"""The link in a family member's reminder: GET and HEAD show the visit and change nothing; the POST
records the answer, which the person may change until the visit starts (the last one stands);
"I cannot come" goes on the visit's attendance and tells the worker and the duty supervisor, late
when under 24 hours before; a cancelled or moved visit's link is dead, and so is a guessed one."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.family_helpers import family_case, issue_link, visit_in
from tests.helpers import SUPERVISOR, emails_to, post_form, session_cookie
from tests.visit_helpers import CASEY, VENUE


def stored_link(link_id: str):
    from chalicelib.domain.link_ids import hash_link
    from chalicelib.storage.families import FamilyLink

    return FamilyLink.get(hash_link(link_id), consistent_read=True)


def stored_visit(visit_id: str):
    from chalicelib.storage.visits import Visit

    return Visit.get(visit_id, consistent_read=True)


def events(visit_id: str, action: str) -> list[dict]:
    from chalicelib.services.audit import history

    return [e for e in history("visit", visit_id) if e["action"] == action]


def answer(client, link_id: str, fields: dict):
    return post_form(client, f"/family/{link_id}", fields)


@pytest.fixture
def linked(runtime) -> tuple[str, str]:
    """A visit three days ahead and the mother's link to it."""
    visit_id = visit_in(family_case(), 72)
    return visit_id, issue_link(visit_id)


def test_opening_the_link_shows_the_visit_and_changes_nothing(client, linked):
    visit_id, link_id = linked
    before_link, before_visit = stored_link(link_id).attribute_values, stored_visit(visit_id).attribute_values

    page = client.http.get(f"/family/{link_id}")
    head = client.http.head(f"/family/{link_id}")

    assert page.status_code == 200 and head.status_code == 200 and not head.body
    html = page.body.decode()
    assert VENUE in html and "Casey" in html and "Evans" not in html
    assert "I will be there" in html and "I cannot come" in html
    assert stored_link(link_id).attribute_values == before_link
    assert stored_visit(visit_id).attribute_values == before_visit
    (viewed,) = events(visit_id, "family_link.viewed")  # the GET is audited; the HEAD is not
    assert viewed["changes"] == {"member": 0, "shown": "open"}
    assert link_id not in json.dumps(viewed)


def test_a_changed_answer_replaces_the_earlier_one_until_the_visit_starts(client, linked, monkeypatch):
    from chalicelib import clock

    visit_id, link_id = linked

    first = answer(client, link_id, {"answer": "cannot_come", "reason": "Hospital appointment"})
    second = answer(client, link_id, {"answer": "coming"})

    assert first.status_code == 200 and second.status_code == 200
    assert "Your answer is: <strong>I will be there</strong>" in second.body.decode()
    assert stored_link(link_id).answer == "coming" and stored_link(link_id).reason is None
    assert stored_visit(visit_id).family_answers.as_dict()["m0"]["answer"] == "coming"
    assert [e["changes"]["decision"] for e in events(visit_id, "family_link.answered")] == ["cannot_come", "coming"]

    # WHEN the visit has started THEN the link takes no answer and changes nothing
    starts = datetime.fromisoformat(stored_visit(visit_id).starts_at)
    monkeypatch.setattr(clock, "now", lambda: starts + timedelta(minutes=1))
    late = answer(client, link_id, {"answer": "cannot_come"})
    assert late.status_code == 410
    assert "already started" in late.body.decode()
    assert stored_link(link_id).answer == "coming"


def test_cannot_come_goes_on_the_attendance_and_tells_the_worker_and_the_supervisor(client, linked):
    visit_id, link_id = linked

    response = answer(client, link_id, {"answer": "cannot_come", "reason": "My car broke down"})

    assert response.status_code == 200
    recorded = stored_visit(visit_id).family_answers.as_dict()["m0"]
    assert (recorded["answer"], recorded["reason"], recorded["late"]) == ("cannot_come", "My car broke down", False)
    for person in (CASEY, SUPERVISOR):
        (told,) = emails_to(client_outbox(client), person, "Cannot come")
        assert "Mother" in told["subject"] and "My car broke down" in told["text"]
        assert "late cancellation" not in told["text"]


def client_outbox(client):
    from local.runtime import current_outbox

    return current_outbox()


def test_notice_under_24_hours_before_is_a_late_cancellation(client, runtime):
    visit_id = visit_in(family_case(), 23.5)
    link_id = issue_link(visit_id)

    answer(client, link_id, {"answer": "cannot_come"})

    assert stored_visit(visit_id).family_answers.as_dict()["m0"]["late"] is True
    (told,) = emails_to(runtime.outbox, SUPERVISOR, "Cannot come (late notice)")
    assert "late cancellation" in told["text"]


def test_no_choice_is_a_422_that_keeps_the_reason_and_changes_nothing(client, linked):
    visit_id, link_id = linked

    response = answer(client, link_id, {"reason": "Not sure yet"})

    assert response.status_code == 422
    html = response.body.decode()
    assert "Choose whether you will be there" in html and "Not sure yet</textarea>" in html
    assert stored_link(link_id).answer is None and events(visit_id, "family_link.answered") == []


def test_a_guessed_link_finds_nothing(client, runtime):
    from chalicelib.domain.link_ids import new_link_id

    for link_id in (new_link_id(), "x" * 500):
        assert client.http.get(f"/family/{link_id}").status_code == 404
        assert answer(client, link_id, {"answer": "coming"}).status_code == 404


def test_the_links_of_a_cancelled_visit_die_with_it(client, linked):
    visit_id, link_id = linked

    cancelled = post_form(
        client,
        f"/visits/{visit_id}/cancel",
        {"cancelled_by": "service", "reason": "Room not available"},
        {"Cookie": session_cookie("supervisor")},
    )

    assert cancelled.status_code == 303, cancelled.body
    assert stored_link(link_id).state == "RETIRED"
    response = answer(client, link_id, {"answer": "coming"})
    assert response.status_code == 410 and "cancelled" in response.body.decode()
    assert stored_link(link_id).answer is None


def test_the_links_of_a_moved_visit_die_with_it(client, auth, linked):
    visit_id, link_id = linked
    starts = datetime.fromisoformat(stored_visit(visit_id).starts_at) + timedelta(days=1)
    from chalicelib.domain.local_time import to_local

    local = to_local(starts).strftime("%Y-%m-%dT%H:%M")

    moved = client.http.patch(f"/v1/visits/{visit_id}", headers=auth("supervisor"), body=json.dumps({"start": local}))

    assert moved.status_code == 200, moved.body
    assert stored_link(link_id).state == "RETIRED"
    response = client.http.get(f"/family/{link_id}")
    assert response.status_code == 410 and "has changed" in response.body.decode()
