"""Families: how a family member is reached (their channel, whether they agreed to reminders), the
phone numbers text messages go to, and the rules of a reminder and of an answer to it.

Pure Python (no AWS, no I/O): every rule that depends on the time takes it as an argument.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.validation import Loc

# A number written without its country code is read as a UK one.
DEFAULT_REGION = "GB"
# Notice given less than this long before the visit starts is a late cancellation.
LATE_NOTICE = timedelta(hours=24)
REASON_MAX = 500  # "I cannot come" reason

NOT_A_MOBILE = "Enter a mobile phone number to get text messages, for example 07911 123456 or +44 7911 123456"
NO_PHONE_FOR_TEXT = "Give a mobile phone number to get reminders by text message"
NO_EMAIL_FOR_EMAIL = "Give an email address to get reminders by email"
NO_CHANNEL = "Choose email or text message for their reminders"


class Channel(StrEnum):
    EMAIL = "email"
    TEXT = "text"


CHANNEL_LABELS = {Channel.EMAIL.value: "Email", Channel.TEXT.value: "Text message"}
REMINDER_LABELS = {"yes": "Yes, they agreed to reminders", "no": "No reminders"}


class Answer(StrEnum):
    COMING = "coming"
    CANNOT_COME = "cannot_come"


def normalise_phone(value: str) -> str:
    """A phone number in international form (E.164: `+447911123456`) when it can be one; what was
    typed otherwise (the form's own check has already bounded its shape)."""
    import phonenumbers  # on the first number read, not at cold start

    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(value: str | None) -> bool:
    """A real, dialable mobile number (a number that may be mobile or fixed counts: SNS decides)."""
    import phonenumbers

    if not value:
        return False
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def contact_problems(
    phone: str | None, email: str | None, channel: str | None, agreed: bool | None
) -> list[tuple[Loc, str, Any]]:
    """What stops this family member being reminded as asked, each at its field: a channel that
    has no number or address behind it, a text channel without a mobile, agreement with no channel."""
    problems: list[tuple[Loc, str, Any]] = []
    if channel == Channel.TEXT:
        if not phone:
            problems.append((("phone",), NO_PHONE_FOR_TEXT, phone))
        elif not is_mobile(phone):
            problems.append((("phone",), NOT_A_MOBILE, phone))
    elif channel == Channel.EMAIL and not email:
        problems.append((("email",), NO_EMAIL_FOR_EMAIL, email))
    if agreed and channel is None:
        problems.append((("preferred_channel",), NO_CHANNEL, channel))
    return problems


def reminders_wanted(agreed: bool | None, channel: str | None) -> bool:
    """Only a recorded yes with a channel: "not asked" (None) sends nothing."""
    return agreed is True and channel in (Channel.EMAIL, Channel.TEXT)


def consent_words(agreed: bool | None) -> str:
    if agreed is None:
        return "Not asked"
    return "Agreed to reminders" if agreed else "Did not agree to reminders"


def reminder_window(now: datetime, lead: timedelta) -> tuple[datetime, datetime]:
    """The visits to remind now: those starting after `now` and no more than `lead` ahead. A visit
    booked later than `lead` before its start is reminded at the next run after booking."""
    return now, now + lead


def is_late_notice(answered_at: datetime, starts_at: datetime) -> bool:
    """Less than 24 hours before the start is late: 23 h 59 min is late, exactly 24 h is not."""
    return starts_at - answered_at < LATE_NOTICE


def answer_is_open(now: datetime, starts_at: datetime) -> bool:
    """The person may answer, or change their answer, until the visit starts (not at its start)."""
    return now < starts_at


def first_name(full_name: str | None) -> str:
    """What a reminder calls the worker: their first name only."""
    return (full_name or "").split(" ")[0] if full_name else ""


def reminder_text(when: str, venue: str, worker_first_name: str, url: str) -> str:
    """The text message: the day and time, the venue, who meets them, and the one link. Nothing
    about anyone else taking part (the phone may be seen by others)."""
    with_whom = f" {worker_first_name} will meet you." if worker_first_name else ""
    return (
        f"Reminder: your family visit is {when} at {venue}.{with_whom} "
        f"Please tell us if you can come, or if you cannot: {url}"
    )


SEND_TAG = "family_member"  # the SES message tag's name; its value is `send_tag(...)`


def send_tag(referral_id: str, member: int, visit_id: str) -> str:
    """What each send is tagged with, so a bounce reported later finds the family member: ids only."""
    return f"{referral_id}.{member}.{visit_id}"


def parse_send_tag(tag: str) -> tuple[str, int, str] | None:
    """(referral id, member, visit id) from a `send_tag` value; None for anything else."""
    parts = tag.split(".") if isinstance(tag, str) else []
    if len(parts) != 3 or not all(parts) or not (parts[1].isdigit() and len(parts[1]) <= 2):  # noqa: PLR2004
        return None
    return parts[0], int(parts[1]), parts[2]
