"""What SES reports after a send: a bounce or a complaint, published by the configuration set to
the email events topic. Read into what the service needs: whether the address is undeliverable,
why in words staff can act on (never the address or the remote server's text), and which family
member the email was for (its `SEND_TAG`; staff emails carry none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.families import SEND_TAG, parse_send_tag

BOUNCE, COMPLAINT = "Bounce", "Complaint"
PERMANENT = "Permanent"
# SES's permanent bounce sub-types, in the words the case page shows after "Could not be delivered by email:".
PERMANENT_BOUNCE_REASONS = {
    "NoEmail": "the address does not exist (the reminder bounced)",
    "Suppressed": "the address is on the suppression list after an earlier bounce or complaint",
    "OnAccountSuppressionList": "the address is on the suppression list after an earlier bounce or complaint",
}
PERMANENT_BOUNCE_REASON = "the reminder bounced and the address will not accept email"
COMPLAINT_REASON = "they reported the reminder as unwanted, so no more emails are sent to the address"


class MalformedEvent(ValueError):
    """Not an SES event notification this service can read; `str()` says what was wrong (no data)."""


@dataclass(frozen=True)
class EmailEvent:
    event_type: str  # SES's eventType: Bounce, Complaint (the topic receives only these)
    bounce_type: str | None  # Permanent, Transient or Undetermined; None for a complaint
    undeliverable: bool  # a permanent bounce or a complaint: no later email reaches the address
    reason: str | None  # why, for staff; None when not undeliverable
    family_member: tuple[str, int, str] | None  # (referral id, member, visit id) from the send's tag
    sent_message_id: str | None = None  # SES's id of the email it reports on (a reminder keeps it)


def read_event(notice: Any) -> EmailEvent:
    """The SES event notification (the SNS message, parsed from JSON) as an `EmailEvent`."""
    if not isinstance(notice, dict):
        raise MalformedEvent("the message is not a JSON object")
    event_type = notice.get("eventType") or notice.get("notificationType")  # event publishing, or identity notices
    mail = notice.get("mail")
    if not isinstance(event_type, str) or not isinstance(mail, dict):
        raise MalformedEvent("no eventType or mail")
    bounce_type = None
    undeliverable, reason = False, None
    if event_type == BOUNCE:
        bounce = notice.get("bounce")
        if not isinstance(bounce, dict) or not isinstance(bounce.get("bounceType"), str):
            raise MalformedEvent("a bounce without its bounceType")
        bounce_type = bounce["bounceType"]
        if bounce_type == PERMANENT:
            undeliverable = True
            reason = PERMANENT_BOUNCE_REASONS.get(bounce.get("bounceSubType"), PERMANENT_BOUNCE_REASON)
    elif event_type == COMPLAINT:
        if not isinstance(notice.get("complaint"), dict):
            raise MalformedEvent("a complaint without its details")
        undeliverable, reason = True, COMPLAINT_REASON
    sent = mail.get("messageId") if isinstance(mail.get("messageId"), str) else None
    return EmailEvent(event_type, bounce_type, undeliverable, reason, _family_member(mail.get("tags")), sent)


def _family_member(tags: Any) -> tuple[str, int, str] | None:
    if tags is None:
        return None
    if not isinstance(tags, dict):
        raise MalformedEvent("mail.tags is not an object")
    values = tags.get(SEND_TAG)
    if values is None:
        return None
    if not isinstance(values, list) or len(values) != 1:
        raise MalformedEvent(f"the {SEND_TAG} tag is not one value")
    found = parse_send_tag(values[0])
    if found is None:
        raise MalformedEvent(f"the {SEND_TAG} tag is not a family member's")
    return found
