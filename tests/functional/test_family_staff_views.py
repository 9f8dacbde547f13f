"""Staff see the family's reminders and answers: on the visit's page per family member, on the week
view (a visit with someone who cannot come is marked), in a new report's attendance (pre-filled as
cancelled by the parent, to confirm) and in the case's timeline."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.family_helpers import MOTHER_EMAIL, family_case, link_ids_in, visit_in
from tests.helpers import post_form, session_cookie
from tests.visit_helpers import CASEY


@pytest.fixture
def answered(client, runtime) -> tuple[str, str]:
    """The mother was reminded of a visit starting in 20 hours and said she cannot come."""
    referral_id = family_case()
    visit_id = visit_in(referral_id, 20)
    response = client.http.post(
        "/dev/jobs/family-reminders", headers={"Content-Type": "application/json"}, body=json.dumps({})
    )
    assert response.json_body["result"]["sent"] == 1
    (message,) = [m for m in runtime.outbox.messages() if MOTHER_EMAIL in m["to"]]
    (link_id,) = link_ids_in(message["text"])
    assert (
        post_form(client, f"/family/{link_id}", {"answer": "cannot_come", "reason": "I am unwell"}).status_code == 200
    )
    return referral_id, visit_id


def test_the_visit_page_shows_the_reminder_and_the_answer(client, answered):
    _, visit_id = answered

    html = client.http.get(f"/visits/{visit_id}", headers={"Cookie": session_cookie("supervisor")}).body.decode()

    assert "Sent by email" in html
    assert 'data-mark="cannot-come">Cannot come' in html and "Reason: I am unwell" in html
    assert 'data-mark="late-cancellation"' in html  # 20 hours before the start


def test_the_week_view_marks_a_visit_someone_cannot_come_to(client, answered):
    from chalicelib.storage.visits import Visit

    _, visit_id = answered
    day = Visit.get(visit_id).starts_at[:10]

    html = client.http.get(f"/visits/week?start={day}", headers={"Cookie": session_cookie("supervisor")}).body.decode()

    visit_cell = html[html.index(f'id="visit-{visit_id}"') :]
    assert 'data-mark="cannot-come"' in visit_cell[: visit_cell.index("</div>") + 400]


def test_a_new_report_starts_with_their_attendance_cancelled_by_the_parent(client, answered, monkeypatch):
    from chalicelib import clock
    from chalicelib.storage.visits import Visit

    _, visit_id = answered
    starts = datetime.fromisoformat(Visit.get(visit_id).starts_at)
    monkeypatch.setattr(clock, "now", lambda: starts + timedelta(hours=3))

    html = client.http.get(f"/visits/{visit_id}/report", headers={"Cookie": session_cookie(email=CASEY)}).body.decode()

    family_row = html[html.index('value="family-0"') :]
    assert '<option value="cancelled" selected>' in family_row[:2000]
    assert '<option value="parent" selected>' in family_row[:3000]
    child_row = html[html.index('value="child-0"') : html.index('value="family-0"')]
    assert " selected>" not in child_row


def test_the_case_timeline_shows_each_reminder_and_answer(client, answered):
    referral_id, _ = answered

    html = client.http.get(
        f"/referrals/{referral_id}/timeline", headers={"Cookie": session_cookie("supervisor")}
    ).body.decode()

    assert "sent a family member a reminder of" in html
    assert "Mother said they cannot come to" in html
