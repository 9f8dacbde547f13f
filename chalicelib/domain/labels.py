"""What people read for stored values (clearance kinds and statuses, a referral's choices): in pages,
emails and the CSV. Pages and emails both read these, so they live below both. Dates: `date_words`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.clearances import ClearanceKind, ClearanceStatus
from chalicelib.domain.date_words import long_day
from chalicelib.domain.referral_form import ContactType, LegalStatus, PlacementType
from chalicelib.domain.referrals import ReferralStatus

KIND_LABELS: dict[ClearanceKind, str] = {
    ClearanceKind.BACKGROUND_CHECK: "background check",
    ClearanceKind.FIRST_AID: "first aid certificate",
    ClearanceKind.DRIVING_LICENCE: "driving licence",
    ClearanceKind.VEHICLE_INSURANCE: "vehicle insurance",
}
STATUS_LABELS: dict[ClearanceStatus, str] = {
    ClearanceStatus.VALID: "Valid",
    ClearanceStatus.EXPIRING: "Expiring",
    ClearanceStatus.RENEWAL_IN_PROGRESS: "Renewal in progress",
    ClearanceStatus.MISSING: "Missing",
    ClearanceStatus.EXPIRED: "Expired",
}


def kind_label(kind: ClearanceKind | str) -> str:
    return KIND_LABELS[ClearanceKind(kind)]


def status_label(status: ClearanceStatus | str) -> str:
    return STATUS_LABELS[ClearanceStatus(status)]


# -- a referral's choices -----------------------------------------------------------------------

REFERRAL_STATUS_LABELS = {
    ReferralStatus.SUBMITTED: "Submitted",
    ReferralStatus.UNDER_REVIEW: "Under review",
    ReferralStatus.MORE_INFO_REQUESTED: "More information requested",
    ReferralStatus.ACCEPTED: "Accepted",
    ReferralStatus.DECLINED: "Declined",
    ReferralStatus.WITHDRAWN: "Withdrawn",
    ReferralStatus.LAPSED: "Lapsed",
    ReferralStatus.ACTIVE: "Active",
    ReferralStatus.CLOSED: "Closed",
    ReferralStatus.SUSPENDED: "Suspended",
}
STATUS_COLOURS = {
    ReferralStatus.SUBMITTED: "amber",
    ReferralStatus.UNDER_REVIEW: "amber",
    ReferralStatus.MORE_INFO_REQUESTED: "red",
    ReferralStatus.ACCEPTED: "green",
    ReferralStatus.ACTIVE: "green",
    ReferralStatus.DECLINED: "red",
    ReferralStatus.LAPSED: "red",
    ReferralStatus.WITHDRAWN: "grey",
    ReferralStatus.CLOSED: "grey",
    ReferralStatus.SUSPENDED: "amber",
}
LEGAL_STATUS_LABELS = {
    LegalStatus.VOLUNTARY_ACCOMMODATION: "Voluntary accommodation",
    LegalStatus.INTERIM_CARE_ORDER: "Interim care order",
    LegalStatus.CARE_ORDER: "Care order",
    LegalStatus.CHILD_ARRANGEMENTS_ORDER: "Child arrangements order",
    LegalStatus.OTHER: "Other",
}
PLACEMENT_LABELS = {
    PlacementType.FOSTER: "Foster care",
    PlacementType.KINSHIP: "Kinship care",
    PlacementType.RESIDENTIAL: "Residential home",
    PlacementType.LOCAL_AUTHORITY: "Other local-authority placement",
    PlacementType.OTHER: "Other",
}
CONTACT_TYPE_LABELS = {
    ContactType.SUPERVISED: ("Supervised", "a contact worker is present for the whole session"),
    ContactType.SUPPORTED: ("Supported", "a worker is nearby and checks in, but does not watch throughout"),
    ContactType.VIRTUAL: ("Virtual", "a supervised video or phone call"),
    ContactType.HANDOVER: ("Handover", "a worker hands the child over between the adults"),
}
PER_LABELS = {"week": "per week", "month": "per month"}
RISK_LABELS = {
    "domestic_abuse": "Domestic abuse",
    "substance_misuse": "Substance misuse",
    "mental_health": "Mental health",
    "abduction_risk": "Risk of abduction",
    "aggression": "Aggression or violence",
    "other": "Other (describe below)",
}


def contact_type_label(value: str) -> str:
    known = CONTACT_TYPE_LABELS.get(value)  # type: ignore[call-overload]
    return known[0] if known else value.replace("_", " ").capitalize()


def risk_words(risks: Mapping[str, Any]) -> list[str]:
    """The flagged risks by name, in the form's order: `["Domestic abuse", "Other"]`."""
    return [RISK_LABELS[flag].removesuffix(" (describe below)") for flag in RISK_LABELS if risks.get(flag)]


def contact_words(contact: Mapping[str, Any]) -> str:
    """`Supervised contact, 1 session per week of 90 minutes, from 11 January 2027 to 9 July 2027`."""
    sessions = contact.get("sessions")
    noun = "session" if sessions == 1 else "sessions"
    text = (
        f"{contact_type_label(contact.get('type', ''))} contact, {sessions} {noun} "
        f"{PER_LABELS.get(contact.get('per', ''), contact.get('per', ''))} of {contact.get('session_length_minutes')} minutes"
    )
    if contact.get("start_date"):
        text += f", from {long_day(contact['start_date'])}"
    if contact.get("end_date"):
        text += f" to {long_day(contact['end_date'])}"
    return text
