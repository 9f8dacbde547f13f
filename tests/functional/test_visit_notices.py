"""Who is told when a visit is booked, moved, reassigned or cancelled: the worker (with the visit as an
`.ics` attachment) and the referrer (within the confidentiality rule), one email per change."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.referral_reference import human_reference
from tests.dates import at, plan_day
from tests.fault_injection import injected_faults
from tests.helpers import emails_to
from tests.visit_helpers import CASEY, REFERRER_EMAIL, ROBIN, add_referral, add_worker, visits_of

TUESDAY = plan_day(1)
VENUE = "Northshire Family Centre, Room 2"
REPLY_TO = "office@familycontact.example"  # the settings' default monitored inbox


def book(client, auth, referral_id: str, worker_id: str, day=TUESDAY) -> dict:
    body = {
        "referral_id": referral_id,
        "worker_id": worker_id,
        "start": at(day, "16:00"),
        "end": at(day, "17:30"),
        "venue": VENUE,
    }
    response = client.http.post("/v1/visits", headers=auth("supervisor"), body=json.dumps(body))
    assert response.status_code == 201, response.json_body
    return response.json_body


def patch(client, auth, visit_id: str, body: dict):
    return client.http.patch(f"/v1/visits/{visit_id}", headers=auth("supervisor"), body=json.dumps(body))


def cancel(client, auth, visit_id: str):
    body = {"cancelled_by": "carer", "reason": "The child is unwell."}
    return client.http.post(f"/v1/visits/{visit_id}/cancel", headers=auth("supervisor"), body=json.dumps(body))


def event_of(message: dict) -> tuple[str, list]:
    """The calendar attached to `message`: its METHOD and its events."""
    from icalendar import Calendar

    (attachment,) = message["attachments"]
    assert attachment["filename"] == "visit.ics" and attachment["content_type"] == "text/calendar"
    calendar = Calendar.from_ical(attachment["text"])
    assert attachment["method"] == str(calendar["method"])
    return str(calendar["method"]), list(calendar.walk("VEVENT"))


def only(outbox, address: str) -> dict:
    found = emails_to(outbox, address)
    assert len(found) == 1, [m["subject"] for m in found]
    return found[0]


@pytest.fixture
def faults(runtime, monkeypatch):
    yield from injected_faults(monkeypatch)


@pytest.fixture
def robin(runtime) -> str:
    return add_worker("Robin Ashe", ROBIN)


def test_booking_a_visit_emails_the_worker_an_invitation_and_the_referrer_the_date_venue_and_worker(
    client, auth, runtime, casey, referral
):
    # WHEN a supervisor books one visit
    visit = book(client, auth, referral, casey)
    reference = human_reference(referral)
    # THEN the worker gets one email naming the case by reference and first names, never an id
    worker = only(runtime.outbox, CASEY)
    assert worker["subject"].startswith("Visit booked for you: ") and f"({reference}, Maya, Leo)" in worker["subject"]
    assert visit["id"] not in worker["text"] and referral not in worker["text"]
    assert VENUE in worker["text"] and "What to do next" in worker["text"]
    # AND its calendar is a request for the visit: its UID, the first SEQUENCE, times and venue
    method, (event,) = event_of(worker)
    assert method == "REQUEST"
    assert str(event["uid"]) == f"{visit['id']}@familycontact.example" and int(event["sequence"]) == 0
    assert event["dtstart"].dt.replace(tzinfo=None).isoformat(timespec="minutes") == visit["start"]
    assert str(event["location"]) == VENUE and str(event["status"]) == "CONFIRMED"
    # AND the referrer gets the date, time, venue and the worker's first name, and may reply
    referrer = only(runtime.outbox, REFERRER_EMAIL)
    assert referrer["subject"].startswith("Contact visit booked for Maya, Leo: ") and reference in referrer["subject"]
    assert "supervised by Casey" in referrer["text"] and "Evans" not in referrer["text"]
    assert VENUE in referrer["text"] and "16:00 to 17:30" in referrer["text"]
    assert referrer["attachments"] == [] and referrer["reply_to"] == REPLY_TO
    assert "reply to this email" in referrer["text"]


def test_a_confidential_address_keeps_the_venue_and_times_from_the_referrer_but_not_from_the_worker(
    client, auth, runtime, casey
):
    # GIVEN a referral whose address is confidential
    referral = add_referral(confidential=True)
    # WHEN a visit is booked
    book(client, auth, referral, casey)
    # THEN the referrer is told the day and the worker, never the venue or the times
    referrer = only(runtime.outbox, REFERRER_EMAIL)
    assert "Room 2" not in referrer["text"] + referrer["html"] + referrer["subject"]
    assert "16:00" not in referrer["text"] + referrer["html"] + referrer["subject"]
    assert "supervised by Casey" in referrer["text"] and "address is confidential" in referrer["text"]
    # AND the worker, who supervises it, has them
    worker = only(runtime.outbox, CASEY)
    assert VENUE in worker["text"] and "16:00" in worker["text"]


def test_a_series_is_one_email_per_person_with_every_visit_in_one_calendar(client, auth, runtime, casey, referral):
    body = {
        "first_start": at(TUESDAY, "16:00"),
        "length_minutes": 90,
        "repeat": "weekly",
        "sessions": 4,
        "worker_id": casey,
        "venue": VENUE,
    }
    response = client.http.post(f"/v1/referrals/{referral}/visits", headers=auth("supervisor"), body=json.dumps(body))
    assert response.status_code == 201, response.json_body
    worker = only(runtime.outbox, CASEY)
    assert worker["subject"].startswith("4 visits booked for you from ")
    method, events = event_of(worker)
    assert method == "PUBLISH" and len(events) == 4
    assert {str(e["uid"]) for e in events} == {f"{v['id']}@familycontact.example" for v in response.json_body["visits"]}
    referrer = only(runtime.outbox, REFERRER_EMAIL)
    assert referrer["subject"].startswith("4 contact visits booked for Maya, Leo from ")
    assert referrer["text"].count(VENUE) == 4


def test_moving_a_visit_sends_the_updated_event_once(client, auth, runtime, casey, referral):
    visit = book(client, auth, referral, casey)
    runtime.outbox.clear()
    # WHEN the supervisor moves it to another day
    moved = patch(client, auth, visit["id"], {"start": at(plan_day(3), "10:00")})
    assert moved.status_code == 200, moved.json_body
    # THEN the worker gets the same event with a higher SEQUENCE at the new time
    worker = only(runtime.outbox, CASEY)
    assert worker["subject"].startswith("Visit changed: now ")
    assert "It was: " in worker["text"] and "10:00 to 11:30" in worker["text"]
    method, (event,) = event_of(worker)
    assert method == "REQUEST" and str(event["uid"]) == f"{visit['id']}@familycontact.example"
    assert (
        int(event["sequence"]) == 1
        and event["dtstart"].dt.replace(tzinfo=None).isoformat(timespec="minutes") == moved.json_body["start"]
    )
    # AND the referrer hears of it once
    assert "changed" in only(runtime.outbox, REFERRER_EMAIL)["subject"]
    # WHEN the same change is sent again, nothing changes and nobody is emailed again
    assert patch(client, auth, visit["id"], {"start": at(plan_day(3), "10:00")}).status_code == 200
    assert len(runtime.outbox.messages()) == 2


def test_reassigning_tells_the_old_worker_the_new_worker_and_the_referrer(
    client, auth, runtime, casey, robin, referral
):
    visit = book(client, auth, referral, casey)
    runtime.outbox.clear()
    response = patch(client, auth, visit["id"], {"worker_id": robin})
    assert response.status_code == 200, response.json_body
    # THEN the old worker's calendar entry is cancelled
    old = only(runtime.outbox, CASEY)
    assert old["subject"].startswith("Visit reassigned to another worker: ")
    method, (event,) = event_of(old)
    assert method == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == f"{visit['id']}@familycontact.example" and int(event["sequence"]) == 1
    # AND the new worker is invited to the same event
    new = only(runtime.outbox, ROBIN)
    assert new["subject"].startswith("Visit assigned to you: ")
    method, (event,) = event_of(new)
    assert method == "REQUEST" and int(event["sequence"]) == 1
    # AND the referrer is told who supervises it now (first name only)
    referrer = only(runtime.outbox, REFERRER_EMAIL)
    assert "now supervised by Robin" in referrer["text"] and "Ashe" not in referrer["text"]


def test_cancelling_sends_a_cancellation_of_the_same_event_and_a_repeat_sends_nothing(
    client, auth, runtime, casey, referral
):
    visit = book(client, auth, referral, casey)
    runtime.outbox.clear()
    assert cancel(client, auth, visit["id"]).status_code == 200
    worker = only(runtime.outbox, CASEY)
    assert worker["subject"].startswith("Visit cancelled: ") and "cancelled by: carer" in worker["text"]
    assert "No report is due" in worker["text"]
    method, (event,) = event_of(worker)
    assert method == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == f"{visit['id']}@familycontact.example" and int(event["sequence"]) == 1
    referrer = only(runtime.outbox, REFERRER_EMAIL)
    assert "cancelled" in referrer["subject"] and "The child is unwell." in referrer["text"]
    # WHEN the cancellation is sent again: 409, and no second email
    assert cancel(client, auth, visit["id"]).status_code == 409
    assert len(runtime.outbox.messages()) == 2


def test_an_email_that_cannot_go_does_not_lose_the_booking(client, auth, runtime, casey, referral, faults):
    faults.inject("sesv2", "SendEmail", "MessageRejected")
    visit = book(client, auth, referral, casey)
    assert faults.count("sesv2", "SendEmail") == 2  # the worker's and the referrer's, each refused
    assert [v.visit_id for v in visits_of(referral)] == [visit["id"]]
    assert runtime.outbox.messages() == []


def test_the_local_outbox_lists_the_attachment(client, auth, runtime, casey, referral):
    book(client, auth, referral, casey)
    listed = client.http.get("/dev/outbox").json_body["messages"]
    worker = next(m for m in listed if CASEY in m["to"])
    (attachment,) = worker["attachments"]
    assert attachment["filename"] == "visit.ics" and "BEGIN:VEVENT" in attachment["text"]
    eml = (runtime.outbox.folder / worker["file"]).read_text()
    assert 'filename="visit.ics"' in eml and "text/calendar" in eml
