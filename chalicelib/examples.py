"""Example bodies of the API: valid as they stand, for the OpenAPI document, the local seed and tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

# The referral below as written on 5 December 2026; `example_referral` moves it to the day it is asked for.
WRITTEN_START = date(2027, 1, 11)
ORDER_AGE_DAYS = 7  # the court order is made at least this long before the day asked for


def example_start(today: date) -> date:
    """The example's first contact day: the Monday from 8 to 14 January of the year after the one two
    weeks on (on 5 December 2026: 11 January 2027). Always ahead, at most about 13 months; its visits
    fall in GMT and a weekly series crosses the March clock change."""
    eighth = date((today + timedelta(days=14)).year + 1, 1, 8)
    return eighth + timedelta(days=-eighth.weekday() % 7)


def example_referral(today: date | None = None) -> dict[str, Any]:
    """A complete, valid referral as JSON (for the OpenAPI example, demo data and tests), valid as a
    new referral on `today` (the service's today when not given): contact starts on
    `example_start(today)` for 179 days, the children are the same age on that day whatever the
    year (so born in the past and under 18), and the order was made at least a week before `today`.
    """
    from chalicelib import clock

    today = today or clock.today()
    body = _written_referral()
    shift = example_start(today) - WRITTEN_START

    def moved(iso: str) -> str:
        return (date.fromisoformat(iso) + shift).isoformat()

    for child in body["children"]:
        child["date_of_birth"] = moved(child["date_of_birth"])
    contact = body["contact"]
    contact["start_date"], contact["end_date"] = moved(contact["start_date"]), moved(contact["end_date"])
    made = min(date.fromisoformat(moved(body["legal_basis"]["date_made"])), today - timedelta(days=ORDER_AGE_DAYS))
    body["legal_basis"]["date_made"] = made.isoformat()
    return body


def _written_referral() -> dict[str, Any]:
    return {
        "referrer": {
            "name": "Amara Okafor",
            "email": "amara.okafor@northshire.example.gov.uk",
            "phone": "01632 960123",
            "organisation": "Northshire County Council",
            "team": "Children in Care Team 2",
        },
        "children": [
            {
                "first_name": "Maya",
                "last_name": "Robinson",
                "date_of_birth": "2019-05-14",
                "legal_status": "interim_care_order",
                "placement_type": "foster",
                "needs_notes": "Asthma; carries an inhaler. Settles best with a familiar toy.",
                "interpreter_language": None,
            },
            {
                "first_name": "Leo",
                "last_name": "Robinson",
                "date_of_birth": "2016-09-02",
                "legal_status": "interim_care_order",
                "placement_type": "foster",
                "needs_notes": None,
                "interpreter_language": None,
            },
        ],
        "family_members": [
            {
                "name": "Danielle Robinson",
                "relationship": "Mother",
                "phone": "07700 900456",
                "email": "danielle.robinson@example.com",
                "interpreter_language": None,
                "safety_notes": "Must not be told the foster carers' address or the children's school.",
            }
        ],
        "contact": {
            "type": "supervised",
            "frequency": {"sessions": 1, "per": "week"},
            "session_length_minutes": 90,
            "preferred_days": ["tuesday", "thursday"],
            "preferred_times": "After school, 16:00-18:00",
            "brought_by": "Foster carer, Ms Jones",
            "collected_by": "Foster carer, Ms Jones, or her husband Mr Jones",
            "start_date": "2027-01-11",
            "end_date": "2027-07-09",
        },
        "legal_basis": {
            "court_order": True,
            "reference": "NS26C00412",
            "court": "Northshire Family Court",
            "date_made": "2026-09-15",
        },
        "risks": {
            "domestic_abuse": True,
            "substance_misuse": False,
            "mental_health": False,
            "abduction_risk": False,
            "aggression": False,
            "other": False,
            "details": "Historic domestic abuse by the father, who is not part of this referral.",
            "confidential_address": True,
            "carer_address": "12 Elm Row, Northtown NT1 2AB",
        },
        "consent_confirmed": True,
        "funding_reference": "PO-2026-0457",
    }


def example_worker() -> dict[str, Any]:
    return {
        "name": "Casey Evans",
        "email": "casey.worker@familycontact.example",
        "role": "Family contact worker",
        "phone": "01632 960456",
    }


def example_clearance() -> dict[str, Any]:
    """A complete background check, valid on any day from its verification on."""
    return {
        "issued_on": "2024-02-01",
        "check_type": "enhanced_dbs",
        "certificate_number": "001234567890",
        "verified_on": "2024-02-05",
        "notes": "Original seen; update service subscription 12345678.",
    }


def example_report() -> dict[str, Any]:
    """A complete report of a visit with one child and one family member (`child-0`, `family-0`)."""
    return {
        "attendance": [
            {"participant": "child-0", "attendance": "attended"},
            {"participant": "family-0", "attendance": "late", "minutes_late": 10},
        ],
        "brought_by": "The foster carer",
        "actual_start": "10:10",
        "actual_end": "11:30",
        "supervision_level": "full",
        "observations": (
            'Mother arrived at 10:10 and said "I am sorry, the bus was late." Maya ran to her and they hugged. '
            "They played with the dolls' house for twenty minutes; mother asked about school and Maya answered."
        ),
        "child_presentation": "Maya was clean, appropriately dressed and smiling on arrival.",
        "interaction_quality": "Warm. Mother followed Maya's lead in play and praised her drawing.",
        "interventions": "None needed.",
        "positive_moments": "Maya showed her mother a drawing she had made at school.",
        "safeguarding_concern": False,
        "critical_incident": False,
        "ended_early": False,
        "recommendations": "Continue weekly contact at the family centre.",
    }
