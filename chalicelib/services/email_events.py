"""Bounces and complaints SES reports after a send, delivered by the email events topic (the
`email_events` function): a permanent bounce or a complaint of a family reminder is recorded on
the family member, as a refusal at send time is (`family_reminders`), with its audit event naming
the case, so staff see it on the case page; a bounce also marks the reminder it reports on not
delivered (the visit page says so) and takes it off the dashboard's reminders sent. A transient bounce changes nothing (SES tried again).

An email with no family member's tag (to staff) is logged and counted, nothing more: the admin
reads every event on the topic's email subscription. SNS may deliver a message more than once:
its message id is claimed in the same transaction, so a repeat records nothing. A message that
cannot be read is logged and dropped (the function returns normally, so nothing retries it).
Addresses never reach the logs.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.domain.email_events import BOUNCE, EmailEvent, MalformedEvent, read_event
from chalicelib.domain.families import Channel
from chalicelib.errors import Conflict
from chalicelib.observability import count, logger
from chalicelib.services import family_links, figures
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.storage import families as store
from chalicelib.storage import idempotency
from chalicelib.storage import referrals as referral_store

if TYPE_CHECKING:
    from chalicelib.storage.families import FamilyReminder

ENTITY = family_links.ENTITY  # the event is the visit's reminder's, as `family_reminder.failed` is
CLAIM_OWNER = "sns:email-events"
# SNS redelivers within hours; a claim kept two weeks outlives every retry.
CLAIM_KEPT = timedelta(days=14)
OUTCOMES = ("recorded", "ignored", "untagged", "repeated", "dropped")
EVENT_NAMES = {"Bounce": "family_reminder.bounced", "Complaint": "family_reminder.complained"}


def handle(event: Any) -> dict[str, int]:
    """Each SNS record of the Lambda event, one at a time; returns how many ended each way."""
    summary = dict.fromkeys(OUTCOMES, 0)
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        summary[_dropped("no SNS records")] += 1
        return summary
    for record in records:
        summary[_one(record)] += 1
    logger().info("email events", extra=summary)
    return summary


def _one(record: Any) -> str:
    sns = record.get("Sns") if isinstance(record, dict) else None
    message_id = sns.get("MessageId") if isinstance(sns, dict) else None
    if not isinstance(message_id, str) or not message_id or not isinstance(sns.get("Message"), str):
        return _dropped("no SNS message id or message")
    try:
        email_event = read_event(json.loads(sns["Message"]))
    except (ValueError, MalformedEvent) as exc:  # JSONDecodeError is a ValueError
        return _dropped(str(exc) if isinstance(exc, MalformedEvent) else "the message is not JSON")
    facts = {"event_type": email_event.event_type, "bounce_type": email_event.bounce_type}
    if email_event.family_member is None:
        logger().info("email event for no family member", extra=facts)
        count("EmailEventUntagged")
        return "untagged"
    if not email_event.undeliverable:
        logger().info("email event changes nothing", extra=facts)
        return "ignored"
    return _record(message_id, email_event)


def _record(message_id: str, email_event: EmailEvent) -> str:
    """The address undeliverable on the family member, the claim of the message and the audit
    event in one transaction; "repeated" when the claim was taken before."""
    referral_id, member, visit_id = email_event.family_member
    referral = referral_store.referral(referral_id)
    if referral is None or member >= len(referral.submission.get("family_members") or []):
        return _dropped("the tag names no family member of a referral")
    bounced = _bounced_reminder(email_event, visit_id)
    now = clock.now()
    try:
        with audited_transaction(SYSTEM, case_id=referral_id) as tx:
            idempotency.claim_key(tx, CLAIM_OWNER, message_id, referral_id, now=now, expires_at=now + CLAIM_KEPT)
            store.record_undeliverable(
                tx, referral_id, member, channel=Channel.EMAIL.value, reason=email_event.reason, at=clock.iso_now()
            )
            if bounced is not None:
                store.reminder_bounced(tx, bounced, reason=email_event.reason)
                figures.count_reminder_sent(tx, bounced.starts_at, sent=False)
            tx.record(
                ENTITY,
                visit_id,
                EVENT_NAMES[email_event.event_type],
                {"member": member, "channel": Channel.EMAIL.value, "reason": email_event.reason},
            )
    except Conflict:
        logger().info("email event already recorded", extra={"visit_id": visit_id})
        return "repeated"
    logger().warning(
        "family member's email undeliverable",
        extra={"visit_id": visit_id, "event_type": email_event.event_type, "bounce_type": email_event.bounce_type},
    )
    count("FamilyEmailUndeliverable")
    return "recorded"


def _bounced_reminder(email_event: EmailEvent, visit_id: str) -> FamilyReminder | None:
    """The reminder a permanent bounce reports on, if it still reads as sent: the visit page then
    says it was not delivered, and it is no longer counted sent. None for a complaint (it arrived),
    or once the person has answered (it arrived too)."""
    if email_event.event_type != BOUNCE or not email_event.sent_message_id:
        return None
    reminder = store.sent_reminder(visit_id, email_event.sent_message_id)
    if reminder is None or reminder.state != store.SENT or reminder.answer:
        return None
    return reminder


def _dropped(why: str) -> str:
    logger().warning("email event dropped", extra={"why": why})
    count("EmailEventDropped")
    return "dropped"
