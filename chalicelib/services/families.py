"""Families' reminder choices: what each family member of a case agreed to and by which channel,
as the referral form recorded it or staff changed it since (audited), and the last reminder that
could not reach them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Strict

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.families import Channel, consent_words, contact_problems, reminders_wanted
from chalicelib.domain.fields import InputModel, blank_to_none
from chalicelib.domain.validation import cross_field_error
from chalicelib.errors import NotFound
from chalicelib.services import outputs
from chalicelib.services.audit import audited_transaction
from chalicelib.storage import families as store
from chalicelib.storage import referrals as referral_store

if TYPE_CHECKING:
    from chalicelib.storage.referrals import Referral

STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})
ENTITY = "referral"  # a choice is part of the referral's history


class ReminderChoice(InputModel):
    """Staff record a family member's answer: reminders yes or no, and by which channel."""

    reminders: Annotated[bool, Strict()]  # true or false: not 0, 1 or "yes" (the page says which it means)
    preferred_channel: Annotated[Channel | None, BeforeValidator(blank_to_none)] = None


def members(referral: Referral, recorded: dict[int, Any] | None = None) -> list[dict[str, Any]]:
    """Each family member of the referral with how they are reminded: staff's last recorded choice,
    else the referral form's answer (None: not asked). `recorded` saves the Query when the caller has it."""
    if recorded is None:
        recorded = store.contacts_of(referral.referral_id)
    found = []
    for index, member in enumerate(referral.submission.get("family_members") or []):
        item = recorded.get(index)
        chosen = item if item is not None and item.updated_at else None  # else only a delivery failure is kept
        channel = chosen.preferred_channel if chosen is not None else member.get("preferred_channel")
        agreed = chosen.reminders if chosen is not None else member.get("reminders")
        found.append(
            {
                "member": index,
                "name": member.get("name", ""),
                "relationship": member.get("relationship", ""),
                "phone": member.get("phone"),
                "email": member.get("email"),
                "preferred_channel": channel,
                "reminders": agreed,
                "wanted": reminders_wanted(agreed, channel),
                "consent": consent_words(agreed),
                "changed_at": chosen.updated_at if chosen is not None else None,
                "undeliverable": (
                    {
                        "reason": item.undeliverable_reason,
                        "channel": item.undeliverable_channel,
                        "at": item.undeliverable_at,
                    }
                    if item is not None and item.undeliverable_reason
                    else None
                ),
            }
        )
    return found


def panel(principal: Principal, referral: Referral, *, typed: dict | None = None) -> dict[str, Any] | None:
    """The case page's family section, for staff only (None for anyone else)."""
    if not principal.has_any(STAFF):
        return None
    return {"referral_id": referral.referral_id, "members": members(referral), "typed": typed or {}}


def change_choice(
    principal: Principal, referral_id: str, member: int, choice: ReminderChoice
) -> outputs.FamilyReminderChoice:
    """Record a family member's reminder choice, with its audit event, in one transaction. The
    channel must reach them: text needs a mobile number, email an address (422 at the field)."""
    referral = referral_store.referral(referral_id)
    family = (referral.submission.get("family_members") or []) if referral is not None else []
    if referral is None or not 0 <= member < len(family):
        raise NotFound("No such family member on this referral.")
    person = family[member]
    problems = contact_problems(person.get("phone"), person.get("email"), choice.preferred_channel, choice.reminders)
    if problems:
        raise cross_field_error("ReminderChoice", problems)
    channel = choice.preferred_channel.value if choice.preferred_channel else None
    with audited_transaction(principal.person) as tx:
        referral_store.check_referral_status(tx, referral_id, referral.status)
        store.record_choice(
            tx, referral_id, member, channel=channel, reminders=choice.reminders, at=clock.iso_now(), by=principal.email
        )
        tx.record(
            ENTITY,
            referral_id,
            "family_member.reminders_changed",
            {"member": member, "reminders": choice.reminders, "preferred_channel": channel},
        )
    return {"member": member, "reminders": choice.reminders, "preferred_channel": channel}


# -- what staff see of a visit ---------------------------------------------------------------------

PARENT_WORDS = ("mother", "father", "parent", "mum", "dad")


def visit_panel(visit_id: str) -> list[dict[str, Any]]:
    """Each family member taking part in the visit: their reminder for its current start (when,
    which channel, or why it failed) and their answer (confirmed, or cannot come: when, why, late)."""
    from chalicelib.storage import visits as visit_store

    visit = visit_store.visit(visit_id)
    if visit is None or not (visit.participants or {}).get("family_members"):
        return []
    referral = referral_store.referral(visit.referral_id)
    family = (referral.submission.get("family_members") or []) if referral is not None else []
    reminders = {int(r.member): r for r in store.reminders_of(visit_id) if r.starts_at == visit.starts_at}
    answers = visit_store.family_answers_of(visit)
    shown = []
    for index in visit.participants["family_members"]:
        member = family[index] if index < len(family) else {}
        reminder = reminders.get(int(index))
        shown.append(
            {
                "member": index,
                "name": member.get("name", ""),
                "relationship": member.get("relationship", ""),
                "reminder": (
                    {
                        "state": reminder.state,
                        "channel": reminder.channel,
                        "at": reminder.sent_at or reminder.claimed_at,
                        "failure": reminder.failure,
                    }
                    if reminder is not None
                    else None
                ),
                "answer": answers.get(int(index)),
            }
        )
    return shown


def cannot_come(visit: Any) -> bool:
    """Whether a family member said they cannot come to the visit at its current start (no read)."""
    from chalicelib.storage.visits import family_answers_of

    return any(a.get("answer") == "cannot_come" for a in family_answers_of(visit).values())


def attendance_to_confirm(visit_id: str) -> list[dict[str, str]]:
    """A new report's attendance, as the family's answers suggest it: each family member who said
    they cannot come as cancelled by a parent (or a carer, for anyone else), for the worker to confirm."""
    entries = []
    for person in visit_panel(visit_id):
        if (person["answer"] or {}).get("answer") == "cannot_come":
            relationship = person["relationship"].casefold()
            by = "parent" if any(word in relationship for word in PARENT_WORDS) else "carer"
            entries.append({"participant": f"family-{person['member']}", "attendance": "cancelled", "cancelled_by": by})
    return entries
