"""Bounces and complaints SES reports after a send, as the email events topic delivers them (here
through `POST /dev/email-events`, which invokes the subscribed function): a permanent bounce or a
complaint of a family reminder is recorded on the family member, audited under the case, and shown
on the case page; a transient bounce changes nothing; a staff email's event is only logged; a
repeated message records once; a malformed one is dropped. No address reaches the logs."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.family_helpers import MOTHER_EMAIL, family_case, visit_in
from tests.helpers import session_cookie

STAFF_ADDRESS = "duty@familycontact.example"


def ses_event(event_type: str, *, tag: str | None, address: str = MOTHER_EMAIL, **details) -> dict:
    """An SES event notification as the configuration set publishes it."""
    tags = {"ses:configuration-set": ["family-contact-local"]}
    if tag is not None:
        tags["family_member"] = [tag]
    event = {
        "eventType": event_type,
        "mail": {
            "timestamp": "2026-01-01T09:00:00.000Z",  # SES's own field; nothing here reads it
            "source": "no-reply@familycontact.example",
            "messageId": uuid.uuid4().hex,
            "destination": [address],
            "tags": tags,
        },
    }
    if event_type == "Bounce":
        event["bounce"] = {
            "bounceType": details.get("bounce_type", "Permanent"),
            "bounceSubType": details.get("sub_type", "General"),
            "bouncedRecipients": [{"emailAddress": address, "diagnosticCode": f"smtp; 550 {address} unknown"}],
        }
    if event_type == "Complaint":
        event["complaint"] = {"complainedRecipients": [{"emailAddress": address}], "complaintFeedbackType": "abuse"}
    return event


def deliver(client, message: dict | str, message_id: str | None = None):
    body = {
        "Type": "Notification",
        "MessageId": message_id or str(uuid.uuid4()),
        "Message": message if isinstance(message, str) else json.dumps(message),
    }
    return client.http.post("/dev/email-events", headers={"Content-Type": "application/json"}, body=json.dumps(body))


def outcome(client, message: dict | str, message_id: str | None = None) -> dict:
    response = deliver(client, message, message_id)
    assert response.status_code == 200, response.body
    return {k: v for k, v in response.json_body.items() if v}


def reminder_case() -> tuple[str, str, str]:
    """A case whose mother is reminded by email, a visit of it, and the tag its reminder was sent with."""
    from chalicelib.domain.families import send_tag

    referral_id = family_case(channel="email")
    visit_id = visit_in(referral_id, 30)
    return referral_id, visit_id, send_tag(referral_id, 0, visit_id)


def case_page(client, referral_id: str) -> str:
    return client.http.get(f"/referrals/{referral_id}", headers={"Cookie": session_cookie("supervisor")}).body.decode()


def case_events(referral_id: str) -> list[tuple[str, str, dict]]:
    from chalicelib.storage.audit import events_of_case

    events, _ = events_of_case(referral_id, limit=100)
    return [(e.entity_id, e.action, e.changes or {}) for e in events if e.action.startswith("family_reminder.")]


def undeliverable(referral_id: str):
    from chalicelib.storage.families import contact

    item = contact(referral_id, 0)
    return (item.undeliverable_channel, item.undeliverable_reason) if item is not None else None


def test_a_permanent_bounce_is_recorded_on_the_family_member_and_shown_to_staff(client, capsys):
    referral_id, visit_id, tag = reminder_case()

    assert outcome(client, ses_event("Bounce", tag=tag, sub_type="NoEmail")) == {"recorded": 1}

    reason = "the address does not exist (the reminder bounced)"
    assert undeliverable(referral_id) == ("email", reason)
    assert case_events(referral_id) == [
        (visit_id, "family_reminder.bounced", {"member": 0, "channel": "email", "reason": reason})
    ]
    assert f"Could not be delivered by email: {reason}" in case_page(client, referral_id)
    assert MOTHER_EMAIL not in capsys.readouterr().out


def test_a_complaint_is_recorded_on_the_family_member_and_shown_to_staff(client):
    from chalicelib.domain.email_events import COMPLAINT_REASON

    referral_id, visit_id, tag = reminder_case()

    assert outcome(client, ses_event("Complaint", tag=tag)) == {"recorded": 1}

    assert undeliverable(referral_id) == ("email", COMPLAINT_REASON)
    assert [action for _, action, _ in case_events(referral_id)] == ["family_reminder.complained"]
    assert f"Could not be delivered by email: {COMPLAINT_REASON}" in case_page(client, referral_id)


def test_a_transient_bounce_changes_nothing(client):
    referral_id, _, tag = reminder_case()

    assert outcome(client, ses_event("Bounce", tag=tag, bounce_type="Transient", sub_type="MailboxFull")) == {
        "ignored": 1
    }

    assert undeliverable(referral_id) is None
    assert case_events(referral_id) == []
    assert "Could not be delivered" not in case_page(client, referral_id)


def test_a_staff_emails_bounce_is_only_logged_without_the_address(client, capsys):
    assert outcome(client, ses_event("Bounce", tag=None, address=STAFF_ADDRESS)) == {"untagged": 1}

    logged = capsys.readouterr().out
    assert "email event for no family member" in logged
    assert STAFF_ADDRESS not in logged


def test_a_message_delivered_twice_is_recorded_once(client):
    referral_id, _, tag = reminder_case()
    message, message_id = ses_event("Bounce", tag=tag), str(uuid.uuid4())

    first, again = outcome(client, message, message_id), outcome(client, message, message_id)

    assert (first, again) == ({"recorded": 1}, {"repeated": 1})
    assert len(case_events(referral_id)) == 1


def test_malformed_messages_are_dropped_and_change_nothing(client, capsys):
    referral_id, _, tag = reminder_case()
    unreadable = [
        "not JSON at all",
        json.dumps(["a", "list"]),
        json.dumps({"eventType": "Bounce", "mail": {"tags": {"family_member": [tag]}}}),  # no bounce details
        ses_event("Bounce", tag="not-a-family-tag"),
        ses_event("Bounce", tag=f"{uuid.uuid4().hex}.0.{uuid.uuid4().hex}"),  # no such referral
        ses_event("Complaint", tag=tag.replace(".0.", ".7.")),  # no such family member
    ]

    assert [outcome(client, message) for message in unreadable] == [{"dropped": 1}] * len(unreadable)

    assert undeliverable(referral_id) is None
    assert case_events(referral_id) == []
    assert "email event dropped" in capsys.readouterr().out


def test_a_notification_without_its_message_id_is_refused(client):
    response = client.http.post(
        "/dev/email-events",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"Message": json.dumps(ses_event("Complaint", tag=None))}),
    )

    assert response.status_code == 422


@pytest.mark.counted
def test_a_bounced_reminder_reads_as_not_delivered_and_is_no_longer_counted_sent(client, auth, runtime):
    from chalicelib import clock
    from chalicelib.storage.families import reminders_of
    from tests.helpers import run_dev_job

    # GIVEN the mother's reminder for a visit in 30 hours, sent by email
    referral_id, visit_id, tag = reminder_case()
    assert run_dev_job(client, "family-reminders", clock.today())["sent"] == 1
    (reminder,) = reminders_of(visit_id)
    assert reminder.state == "SENT" and reminder.message_id
    month = reminder.starts_at[:7]

    # WHEN SES reports that very email bounced
    bounce = ses_event("Bounce", tag=tag, sub_type="NoEmail")
    bounce["mail"]["messageId"] = reminder.message_id
    assert outcome(client, bounce) == {"recorded": 1}

    # THEN the visit page says it was not delivered, and the dashboard counts no reminder sent
    (reminder,) = reminders_of(visit_id)
    assert reminder.state == "FAILED"
    page = client.http.get(f"/visits/{visit_id}", headers={"Cookie": session_cookie("supervisor")}).body.decode()
    assert "Not delivered by email: the address does not exist (the reminder bounced)" in page
    figures = client.http.get(f"/v1/dashboard?from={month}&to={month}", headers=auth("supervisor")).json_body
    sent = next(f for f in figures["figures"] if f["key"] == "reminders_sent")
    assert sent["total"] == 0
