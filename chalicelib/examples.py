"""Example bodies of the API: valid as they stand, for the OpenAPI document, the local seed and tests."""

from __future__ import annotations

from typing import Any


def example_referral() -> dict[str, Any]:
    """A complete, valid referral as JSON (for the OpenAPI example, demo data and tests).

    Valid as a new referral from 2026-09-15 to its start date, 2027-01-11 (a new referral may not
    start in the past), and as a stored one on any day after: the order date is in the past, the
    start date is fixed and the children stay under 18 on it.
    """
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
