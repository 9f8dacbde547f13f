"""What SES reports after a send, read into what the service needs: whether the address is
undeliverable and why in words staff can act on, which family member it was for, and which email."""

from __future__ import annotations

import pytest

from chalicelib.domain.email_events import COMPLAINT_REASON, PERMANENT_BOUNCE_REASON, MalformedEvent, read_event
from chalicelib.domain.families import SEND_TAG, send_tag


def _notice(event_type: str, **extra) -> dict:
    mail = {"messageId": "0100-abc", "tags": {SEND_TAG: [send_tag("r1", 2, "v1")]}}
    return {"eventType": event_type, "mail": mail, **extra}


def test_a_permanent_bounce_is_undeliverable_with_a_reason_and_names_the_member_and_the_email():
    event = read_event(_notice("Bounce", bounce={"bounceType": "Permanent", "bounceSubType": "General"}))
    assert (event.undeliverable, event.reason) == (True, PERMANENT_BOUNCE_REASON)
    assert event.family_member == ("r1", 2, "v1") and event.sent_message_id == "0100-abc"


def test_a_transient_bounce_is_not_undeliverable_and_a_complaint_is():
    transient = read_event(_notice("Bounce", bounce={"bounceType": "Transient"}))
    assert (transient.undeliverable, transient.reason) == (False, None)
    complaint = read_event(_notice("Complaint", complaint={}))
    assert (complaint.undeliverable, complaint.reason) == (True, COMPLAINT_REASON)


@pytest.mark.parametrize(
    "notice",
    [[], {"eventType": "Bounce"}, {"eventType": "Bounce", "mail": {}}, {"eventType": "Complaint", "mail": {}}],
)
def test_what_is_not_an_ses_event_is_malformed(notice):
    with pytest.raises(MalformedEvent):
        read_event(notice)


def test_an_email_without_its_id_is_still_read():
    notice = _notice("Complaint", complaint={})
    del notice["mail"]["messageId"]
    assert read_event(notice).sent_message_id is None
