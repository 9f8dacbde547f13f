"""Demo workers for a fresh local start: clearances valid, expiring, expired, missing and being renewed.

Dates are relative to the day the store is seeded, so the dashboard always shows every status.
"""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.clearance_records import record_model
from chalicelib.domain.clearances import ClearanceKind, add_years
from chalicelib.domain.workers import NewWorker

SEEDED_BY = Principal("u-hr-1", "hr@familycontact.example", "Jordan Lee", frozenset({Role.HR}))

BG = ClearanceKind.BACKGROUND_CHECK
FA = ClearanceKind.FIRST_AID
DL = ClearanceKind.DRIVING_LICENCE
VI = ClearanceKind.VEHICLE_INSURANCE


def _background(issued: date, number: str, **extra) -> dict:
    return {"issued_on": issued, "check_type": "enhanced_dbs", "certificate_number": number, **extra}


def _first_aid(issued: date, expires: date, **extra) -> dict:
    return {
        "issued_on": issued,
        "expires_on": expires,
        "provider": "St John Ambulance",
        "level": "Paediatric first aid (12-hour)",
        **extra,
    }


def demo_workers(today: date) -> list[tuple[dict, dict[ClearanceKind, dict]]]:
    """(worker, {kind: certificate}) for each demo worker, dated relative to `today`."""
    days = lambda n: timedelta(days=n)  # noqa: E731
    return [
        (
            {"name": "Casey Evans", "email": "casey.worker@familycontact.example", "phone": "01632 960456"},
            {
                BG: _background(today - days(200), "001100220033"),
                FA: _first_aid(today - days(300), add_years(today - days(300), 3)),
                DL: {
                    "issued_on": today - days(900),
                    "expires_on": today + days(2400),
                    "licence_number": "EVANS803155C99XY",
                },
                VI: {
                    "issued_on": today - days(100),
                    "expires_on": today + days(265),
                    "insurer": "Northshire Mutual",
                    "policy_number": "NM-4471-22",
                },
            },
        ),
        (
            # First aid expiring within the warning window.
            {"name": "Robin Patel", "email": "robin.worker@familycontact.example"},
            {
                BG: _background(today - days(400), "002200330044"),
                FA: _first_aid(add_years(today + days(20), -3), today + days(20)),
            },
        ),
        (
            # Background check expired ten days ago: may not be assigned.
            {"name": "Alex Morgan", "email": "alex.morgan@familycontact.example"},
            {
                BG: _background(add_years(today - days(10), -3), "003300440055"),
                FA: _first_aid(today - days(100), add_years(today - days(100), 3)),
            },
        ),
        (
            # No first aid certificate on record.
            {"name": "Sam Whitfield", "email": "sam.whitfield@familycontact.example"},
            {BG: _background(today - days(50), "004400550066")},
        ),
        (
            # Background check expiring in 5 days, renewal applied for: assignable through the grace period.
            {"name": "Jamie Clarke", "email": "jamie.clarke@familycontact.example"},
            {
                BG: _background(add_years(today + days(5), -3), "005500660077", renewal_applied_on=today - days(14)),
                FA: _first_aid(today - days(30), add_years(today - days(30), 3)),
            },
        ),
    ]


def seed_demo_workers() -> int:
    """Create the demo workers through the service (audited like any HR change); returns items made."""
    from chalicelib.services import clearances, workers

    today = clock.today()
    made = 0
    for worker, certificates in demo_workers(today):
        created = workers.create_worker(NewWorker.model_validate(worker), SEEDED_BY.person, today)
        made += 1
        for kind, certificate in certificates.items():
            record = record_model(kind).model_validate(certificate, context={"today": today})
            clearances.record_clearance(created["worker_id"], kind, record, SEEDED_BY, today)
            made += 1
    return made
