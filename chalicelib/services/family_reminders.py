"""The hourly `family-reminders` job: every family member taking part in a visit who agreed to
reminders gets one, by their channel, `family_reminder_lead_hours` before the visit.

The visits starting in the window are read with one Query per UTC month on the by-month index
(never a Scan); the referrals, workers, recorded choices and reminders already sent with one
BatchGetItem each. Each reminder's key (visit, start, member) is claimed with its link and its
audit event in one transaction before the send, so a re-run sends nothing again and a moved
visit (a new start) gets a new reminder. A refused number or address is recorded on the family
member, for staff to see, and the run goes on with the others. Sends per run are bounded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain import date_words
from chalicelib.domain.families import (
    SEND_TAG,
    Channel,
    first_name,
    normalise_phone,
    reminder_text,
    reminder_window,
    send_tag,
)
from chalicelib.domain.local_time import iso_utc
from chalicelib.domain.visits import VisitStatus
from chalicelib.errors import Conflict
from chalicelib.observability import count, logger
from chalicelib.services import email, families, family_links, figures, texts
from chalicelib.services.audit import SYSTEM, UK, audited_transaction
from chalicelib.storage import families as store
from chalicelib.storage import referrals as referral_store
from chalicelib.storage import visits as visit_store
from chalicelib.storage.workers import workers_by_id

if TYPE_CHECKING:
    from chalicelib.storage.families import FamilyReminder
    from chalicelib.storage.visits import Visit

ENTITY = family_links.ENTITY


def run(today: date) -> dict[str, Any]:
    """Send the reminders due now (as of `today` at 09:00 UK time when it is not today)."""
    now = clock.now() if today == clock.today() else datetime.combine(today, time(9), UK).astimezone(UTC)
    return send_due(now)


def send_due(now: datetime) -> dict[str, Any]:
    start, end = reminder_window(now, timedelta(hours=settings().family_reminder_lead_hours))
    after = iso_utc(now)
    visits = [
        v
        for v in visit_store.visits_starting_between(start, end)
        if v.status == VisitStatus.SCHEDULED and v.starts_at > after and (v.participants or {}).get("family_members")
    ]
    summary: dict[str, Any] = {"visits": len(visits), "sent": 0, "failed": 0, "more": False}
    if not visits:
        return summary
    referrals = referral_store.referrals_by_id({v.referral_id for v in visits})
    pairs = [(v, int(m)) for v in visits if v.referral_id in referrals for m in v.participants["family_members"]]
    recorded = store.contacts_by_key([(v.referral_id, m) for v, m in pairs])
    wanted = []
    for visit, member in pairs:
        referral = referrals[visit.referral_id]
        theirs = {m: c for (rid, m), c in recorded.items() if rid == visit.referral_id}
        people = families.members(referral, theirs)
        if member < len(people) and people[member]["wanted"]:
            wanted.append((visit, people[member]))
    claimed = store.reminders_by_key([(v.visit_id, store.reminder_key(v.starts_at, p["member"])) for v, p in wanted])
    due = [(v, p) for v, p in wanted if (v.visit_id, store.reminder_key(v.starts_at, p["member"])) not in claimed]
    if not due:
        return summary
    workers = {w.worker_id: w for w in workers_by_id({v.worker_id for v, _ in due})}
    limit = settings().family_reminder_max_sends
    for visit, person in due:
        if summary["sent"] + summary["failed"] >= limit:
            summary["more"] = True  # the next hourly run sends the rest
            break
        worker = workers.get(visit.worker_id)
        outcome = _remind(visit, person, first_name(worker.name) if worker else "")
        if outcome:
            summary[outcome] += 1
    logger().info("family reminders", extra={k: summary[k] for k in ("visits", "sent", "failed", "more")})
    return summary


def _remind(visit: Visit, person: dict[str, Any], worker_first_name: str) -> str | None:
    """Claim, then send one reminder: "sent", "failed", or None when another run claimed it first."""
    member, channel = person["member"], person["preferred_channel"]
    reminder = store.new_reminder(
        visit.visit_id,
        starts_at=visit.starts_at,
        member=member,
        referral_id=visit.referral_id,
        channel=channel,
        claimed_at=clock.iso_now(),
    )
    try:
        with audited_transaction(SYSTEM, case_id=visit.referral_id) as tx:
            store.claim_reminder(tx, reminder)
            link_id, _ = family_links.issue(tx, visit, member)
            figures.count_reminder_sent(tx, visit.starts_at)
            tx.record(
                ENTITY,
                visit.visit_id,
                "family_reminder.sent",
                {"member": member, "relationship": person["relationship"], "channel": channel},
            )
    except Conflict:
        return None
    tag = send_tag(visit.referral_id, member, visit.visit_id)
    when = date_words.span(visit.starts_at, visit.ends_at)
    url = family_links.link_url(link_id)
    try:
        if channel == Channel.TEXT:
            # A number on a referral made before numbers were kept in international form is put in it now.
            number = normalise_phone(person["phone"] or "")
            message_id = texts.send(number, reminder_text(when, visit.venue, worker_first_name, url), tag=tag)
        else:
            message_id = email.send(
                person["email"],
                "family_reminder",
                when=when,
                day=date_words.day_of(visit.starts_at),
                venue=visit.venue,
                worker_first_name=worker_first_name,
                link=url,
                tags={SEND_TAG: tag},
            )
    except Exception as exc:  # this person's number or address, never the run
        _failed(reminder, person, _reason(exc))
        return "failed"
    store.reminder_sent(reminder, message_id=message_id, at=clock.iso_now())
    count("FamilyReminderSent")
    return "sent"


def _reason(exc: Exception) -> str:
    """Why a send failed, in words staff can act on; never the number or address itself."""
    if isinstance(exc, texts.TextRefused):
        return exc.reason
    code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
    if code in ("MessageRejected", "BadRequestException", "NotFoundException"):
        return f"the email address was refused ({code})"
    return f"the message could not be sent ({code or type(exc).__name__})"


def _failed(reminder: FamilyReminder, person: dict[str, Any], reason: str) -> None:
    logger().warning("family reminder not sent", extra={"visit_id": reminder.visit_id, "reason": reason})
    with audited_transaction(SYSTEM, case_id=reminder.referral_id) as tx:
        store.reminder_failed(tx, reminder, reason=reason)
        figures.count_reminder_sent(tx, reminder.starts_at, sent=False)  # it was counted when claimed
        store.record_undeliverable(
            tx, reminder.referral_id, person["member"], channel=reminder.channel, reason=reason, at=clock.iso_now()
        )
        tx.record(
            ENTITY,
            reminder.visit_id,
            "family_reminder.failed",
            {"member": person["member"], "channel": reminder.channel, "reason": reason},
        )
    count("FamilyReminderFailed")
