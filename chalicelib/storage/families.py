"""Families' items: how each family member of a referral wants reminders (as staff last recorded
it), the reminders sent for each visit, and the links in them (only the SHA-256 of a link's id is
stored, like approval links).

The only module that knows how these are laid out.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta

ACTIVE, RETIRED = "ACTIVE", "RETIRED"
SENDING, SENT, FAILED = "SENDING", "SENT", "FAILED"


class FamilyContact(Model):
    """A family member's reminder choice as staff recorded it after the referral was made, and the
    last reminder that could not be delivered to them. No item: the referral form's answer stands."""

    class Meta:
        locals().update(meta("family-contacts"))

    referral_id = UnicodeAttribute(hash_key=True)
    member = NumberAttribute(range_key=True)  # the family member's index on the referral form
    preferred_channel = UnicodeAttribute(null=True)
    reminders = BooleanAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    undeliverable_reason = UnicodeAttribute(null=True)
    undeliverable_channel = UnicodeAttribute(null=True)
    undeliverable_at = UnicodeAttribute(null=True)


class FamilyReminder(Model):
    """One reminder: one family member, one visit at one start time. Its key is claimed before
    the send, so a re-run of the job cannot send it again; a moved visit has a new start, so a new key."""

    class Meta:
        locals().update(meta("family-reminders"))

    visit_id = UnicodeAttribute(hash_key=True)
    reminder_key = UnicodeAttribute(range_key=True)  # "<starts_at>#<member, two digits>"
    referral_id = UnicodeAttribute()
    member = NumberAttribute()
    starts_at = UnicodeAttribute()
    channel = UnicodeAttribute()
    state = UnicodeAttribute(default=SENDING)
    claimed_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)  # SES's or SNS's: what a later bounce names
    failure = UnicodeAttribute(null=True)
    # The answer to it as it stands (the link's, copied in the same write) and whether it was a
    # "cannot come" given late: what the dashboard recounts reminders confirmed and late notices from.
    answer = UnicodeAttribute(null=True)
    answer_late = BooleanAttribute(null=True)


class LinksByVisit(GlobalSecondaryIndex):
    """Every family link issued for one visit, oldest first: retiring them when the visit changes."""

    class Meta:
        index_name = "by_visit"
        projection = AllProjection()

    visit_id = UnicodeAttribute(hash_key=True)
    issued_at = UnicodeAttribute(range_key=True)


class FamilyLink(Model):
    """The link in one reminder. It stays usable until the visit starts (each answer replaces the
    one before); a moved or cancelled visit retires it."""

    class Meta:
        locals().update(meta("family-links"))

    link_hash = UnicodeAttribute(hash_key=True)  # SHA-256 hex of the id in the URL
    visit_id = UnicodeAttribute()
    referral_id = UnicodeAttribute()
    member = NumberAttribute()
    starts_at = UnicodeAttribute()  # the visit's start it was issued for
    issued_at = UnicodeAttribute()
    expires_at = TTLAttribute()  # the visit's start
    state = UnicodeAttribute(default=ACTIVE)
    answer = UnicodeAttribute(null=True)
    answered_at = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    retired_at = UnicodeAttribute(null=True)

    by_visit = LinksByVisit()


def reminder_key(starts_at: str, member: int) -> str:
    return f"{starts_at}#{member:02d}"


# -- reads: each a GetItem or a Query on a key or an index, never a Scan --------------------------


def contacts_of(referral_id: str) -> dict[int, FamilyContact]:
    """The recorded choices of a referral's family members, by member index: one Query."""
    return {int(item.member): item for item in FamilyContact.query(referral_id)}


def contact(referral_id: str, member: int) -> FamilyContact | None:
    try:
        return FamilyContact.get(referral_id, member, consistent_read=True)
    except FamilyContact.DoesNotExist:
        return None


def contacts_by_key(keys: list[tuple[str, int]]) -> dict[tuple[str, int], FamilyContact]:
    """The recorded choices of these (referral, member) pairs that exist: one BatchGetItem per 100."""
    keys = list(dict.fromkeys(keys))
    return {(c.referral_id, int(c.member)): c for c in FamilyContact.batch_get(keys)} if keys else {}


def reminders_by_key(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (visit, reminder key) pairs were already claimed: one BatchGetItem per 100,
    strongly consistent (a run just before this one must be seen)."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return set()
    return {(r.visit_id, r.reminder_key) for r in FamilyReminder.batch_get(keys, consistent_read=True)}


def reminders_of(visit_id: str) -> list[FamilyReminder]:
    """Every reminder of a visit (every start time it had), oldest start first: one Query."""
    return list(FamilyReminder.query(visit_id))


def link(link_hash: str, *, consistent: bool = False) -> FamilyLink | None:
    try:
        return FamilyLink.get(link_hash, consistent_read=consistent)
    except FamilyLink.DoesNotExist:
        return None


def active_links_of(visit_id: str) -> list[FamilyLink]:
    """The visit's links still active (the caller checks the time): one Query on the by-visit index."""
    return list(FamilyLink.by_visit.query(visit_id, filter_condition=FamilyLink.state == ACTIVE))


# -- writes: each added to a transaction (with its audit event), or one conditional write ------


def record_choice(
    tx: Writes, referral_id: str, member: int, *, channel: str | None, reminders: bool, at: str, by: str
) -> None:
    """Record the member's channel and consent (a fresh choice clears a past delivery failure)."""
    tx.update(
        FamilyContact(referral_id, member),
        actions=[
            FamilyContact.preferred_channel.set(channel) if channel else FamilyContact.preferred_channel.remove(),
            FamilyContact.reminders.set(reminders),
            FamilyContact.updated_at.set(at),
            FamilyContact.updated_by.set(by),
            FamilyContact.undeliverable_reason.remove(),
            FamilyContact.undeliverable_channel.remove(),
            FamilyContact.undeliverable_at.remove(),
        ],
    )


def record_undeliverable(tx: Writes, referral_id: str, member: int, *, channel: str, reason: str, at: str) -> None:
    tx.update(
        FamilyContact(referral_id, member),
        actions=[
            FamilyContact.undeliverable_reason.set(reason),
            FamilyContact.undeliverable_channel.set(channel),
            FamilyContact.undeliverable_at.set(at),
        ],
    )


def new_reminder(visit_id: str, *, starts_at: str, member: int, **attributes) -> FamilyReminder:
    return FamilyReminder(
        visit_id, reminder_key(starts_at, member), starts_at=starts_at, member=member, state=SENDING, **attributes
    )


def claim_reminder(tx: Writes, reminder: FamilyReminder) -> None:
    """Write the reminder, never over one already claimed for the same member and start."""
    tx.save(reminder, condition=FamilyReminder.reminder_key.does_not_exist())


def reminder_sent(reminder: FamilyReminder, *, message_id: str, at: str) -> None:
    """One UpdateItem once the message is accepted."""
    reminder.update(
        actions=[
            FamilyReminder.state.set(SENT),
            FamilyReminder.message_id.set(message_id),
            FamilyReminder.sent_at.set(at),
        ]
    )


def reminder_failed(tx: Writes, reminder: FamilyReminder, *, reason: str) -> None:
    tx.update(reminder, actions=[FamilyReminder.state.set(FAILED), FamilyReminder.failure.set(reason)])


def sent_reminder(visit_id: str, message_id: str) -> FamilyReminder | None:
    """The visit's reminder sent as `message_id` (one Query of the visit's few reminders)."""
    condition = FamilyReminder.message_id == message_id
    return next(iter(FamilyReminder.query(visit_id, filter_condition=condition, consistent_read=True)), None)


def reminder_bounced(tx: Writes, reminder: FamilyReminder, *, reason: str) -> None:
    """A reminder SES accepted but could not deliver: failed after all, only if still as it was sent."""
    tx.update(
        reminder,
        actions=[FamilyReminder.state.set(FAILED), FamilyReminder.failure.set(reason)],
        condition=(FamilyReminder.state == SENT) & FamilyReminder.answer.does_not_exist(),
    )


def new_link(
    link_hash: str,
    *,
    visit_id: str,
    referral_id: str,
    member: int,
    starts_at: str,
    issued_at: str,
    expires_at: datetime,
) -> FamilyLink:
    return FamilyLink(
        link_hash,
        visit_id=visit_id,
        referral_id=referral_id,
        member=member,
        starts_at=starts_at,
        issued_at=issued_at,
        expires_at=expires_at,
        state=ACTIVE,
    )


def add_link(tx: Writes, link: FamilyLink) -> None:
    tx.save(link, condition=FamilyLink.link_hash.does_not_exist())


def answer_link(tx: Writes, link: FamilyLink, *, answer: str, reason: str | None, at: str, now: datetime) -> None:
    """Record the answer (replacing any before it), only while the link is active and not expired at `now`."""
    tx.update(
        link,
        actions=[
            FamilyLink.answer.set(answer),
            FamilyLink.answered_at.set(at),
            FamilyLink.reason.set(reason) if reason else FamilyLink.reason.remove(),
        ],
        condition=(FamilyLink.state == ACTIVE) & (FamilyLink.expires_at > now),
    )


def record_reminder_answer(tx: Writes, link: FamilyLink, *, answer: str, late: bool) -> None:
    """Copy the answer onto the reminder the link was sent in (the same visit start and member)."""
    tx.update(
        FamilyReminder(link.visit_id, reminder_key(link.starts_at, int(link.member))),
        actions=[FamilyReminder.answer.set(answer), FamilyReminder.answer_late.set(late)],
    )


def every_reminder():
    """Every reminder ever claimed: a Scan, for the dashboard's one-off backfill only."""
    return FamilyReminder.scan()


def reminder_starts_at(reminder: FamilyReminder) -> str:
    """The visit start a reminder was for (kept in its key as well)."""
    return reminder.starts_at or reminder.reminder_key.rpartition("#")[0]


def retire_link(tx: Writes, link: FamilyLink, *, at: str) -> None:
    tx.update(
        link,
        actions=[FamilyLink.state.set(RETIRED), FamilyLink.retired_at.set(at)],
        condition=FamilyLink.state == ACTIVE,
    )
