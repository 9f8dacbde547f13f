"""What the family tests share: a case whose family member agreed to reminders, a visit of it
starting a chosen time from now, and a reminder link issued for that visit."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from tests.visit_helpers import CASEY, VENUE, add_referral, add_worker, count_booked

FAMILY_LINK = re.compile(r"https?://[^\s\"'<>]+/family/([A-Za-z0-9_\-]+)")
MOBILE = "+447911123456"
MOTHER_EMAIL = "danielle.robinson@example.com"


def family_case(*, channel: str = "email", agreed: bool | None = True, confidential: bool = False) -> str:
    """An accepted referral whose one family member (the mother) answered the reminder question."""
    from chalicelib.storage.referrals import Referral

    referral_id = add_referral(confidential=confidential)
    referral = Referral.get(referral_id)
    member = referral.submission["family_members"][0]
    member.update(phone=MOBILE, preferred_channel=channel if agreed is not None else None, reminders=agreed)
    referral.save()
    return referral_id


def casey() -> str:
    from chalicelib.storage.workers import worker_by_email

    known = worker_by_email(CASEY)
    return known.worker_id if known else add_worker("Casey Evans", CASEY)


def visit_in(referral_id: str, hours: float, *, worker_id: str | None = None) -> str:
    """A scheduled visit of the case, starting `hours` from now, with the mother taking part."""
    from chalicelib import clock
    from chalicelib.domain.local_time import iso_utc
    from chalicelib.storage.visits import new_visit

    starts = clock.now().replace(microsecond=0) + timedelta(hours=hours)
    visit = new_visit(
        uuid.uuid4().hex,
        starts_at=iso_utc(starts),
        ends_at=iso_utc(starts + timedelta(minutes=90)),
        referral_id=referral_id,
        referrer_id="u-referrer-1",
        worker_id=worker_id or casey(),
        zone="Europe/London",
        venue=VENUE,
        participants={"children": [0], "family_members": [0], "labels": ["Maya", "Mother"]},
        status="SCHEDULED",
        created_at=clock.iso_now(),
        created_by="supervisor@familycontact.example",
        updated_at=clock.iso_now(),
    )
    visit.save()
    count_booked(visit.starts_at)
    return visit.visit_id


def issue_link(visit_id: str, member: int = 0) -> str:
    """A link for the family member, as the reminder job issues it; its id."""
    from chalicelib.services import family_links
    from chalicelib.services.audit import SYSTEM, audited_transaction
    from chalicelib.storage.visits import visit

    with audited_transaction(SYSTEM) as tx:
        link_id, _ = family_links.issue(tx, visit(visit_id), member)
    return link_id


def link_ids_in(text: str) -> list[str]:
    return FAMILY_LINK.findall(text)
