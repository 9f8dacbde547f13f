"""Worker and clearance input: the models the JSON API and the HR forms share, and the per-kind rules.

Pure Python (no AWS, no I/O). Date rules read "today" from the validation context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, EmailStr, ValidationInfo, model_validator

from chalicelib.domain.clearances import ClearanceKind, add_years, validate_certificate_dates
from chalicelib.domain.fields import (
    InputModel,
    Name,
    OptionalDate,
    OptionalPhone,
    PlainDate,
    lines,
    one_line,
    optional,
)
from chalicelib.domain.validation import cross_field_error, today_from_context

ROLE_MAX = 80
SHORT_TEXT_MAX = 120
NUMBER_MAX = 40
NOTES_MAX = 1000
# Dates further out than this are typing mistakes, not certificates.
MAX_VALIDITY_YEARS = 20
MAX_CERTIFICATE_AGE_YEARS = 50
DEFAULT_WORKER_ROLE = "Family contact worker"

_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /.\-]*")


def _check_reference(value: str) -> str:
    if not _REFERENCE.fullmatch(value):
        raise ValueError("Use letters, digits, spaces, '/', '.' and '-' only")
    return value


JobRole = one_line(ROLE_MAX)
CertificateDate = PlainDate
OptionalText = optional(one_line(SHORT_TEXT_MAX))
OptionalReference = optional(Annotated[one_line(NUMBER_MAX), AfterValidator(_check_reference)])
OptionalNotes = optional(lines(NOTES_MAX))


class NewWorker(InputModel):
    """A contact worker joining the service (their clearances are recorded one by one)."""

    name: Name
    email: EmailStr
    role: JobRole = DEFAULT_WORKER_ROLE
    phone: OptionalPhone = None

    @model_validator(mode="after")
    def _lower_case_email(self) -> NewWorker:
        # Emails are matched to sign-ins case-insensitively, so they are stored in lower case.
        self.email = self.email.lower()
        return self


class BackgroundCheckType(StrEnum):
    ENHANCED_DBS = "enhanced_dbs"
    STANDARD_DBS = "standard_dbs"
    POLICE_CHECK = "police_check"
    CHILD_ABUSE_REGISTRY_CHECK = "child_abuse_registry_check"
    OTHER = "other"


class ClearanceRecord(InputModel):
    """One certificate as HR records it; which of the kind fields apply depends on the kind (see KIND_FIELDS).

    `expires_on` may be left out where the certificate has none: the renewal policy then sets it.
    `renewal_applied_on` records that the worker has applied to renew this certificate.
    `verified_on` is the day HR saw the original (default: the day it is recorded).
    """

    issued_on: CertificateDate
    expires_on: OptionalDate = None
    renewal_applied_on: OptionalDate = None
    verified_on: OptionalDate = None
    check_type: optional(BackgroundCheckType) = None
    certificate_number: OptionalReference = None
    provider: OptionalText = None
    level: OptionalText = None
    licence_number: OptionalReference = None
    insurer: OptionalText = None
    policy_number: OptionalReference = None
    notes: OptionalNotes = None

    @model_validator(mode="after")
    def _dates_make_sense(self, info: ValidationInfo) -> ClearanceRecord:
        today = today_from_context(info)
        problems = [
            ((field,), _DATE_MESSAGES.get((field, message), message[:1].upper() + message[1:]), getattr(self, field))
            for field, message in validate_certificate_dates(
                self.issued_on, self.expires_on, today, self.renewal_applied_on
            )
        ]
        if self.issued_on < add_years(today, -MAX_CERTIFICATE_AGE_YEARS):
            problems.append(
                (("issued_on",), f"Must be within the last {MAX_CERTIFICATE_AGE_YEARS} years", self.issued_on)
            )
        if self.expires_on is not None and self.expires_on > add_years(self.issued_on, MAX_VALIDITY_YEARS):
            problems.append(
                (
                    ("expires_on",),
                    f"Must be within {MAX_VALIDITY_YEARS} years of the issue date (issued_on)",
                    self.expires_on,
                )
            )
        if self.verified_on is not None:
            if self.verified_on > today:
                problems.append((("verified_on",), "Must not be in the future", self.verified_on))
            elif self.verified_on < self.issued_on:
                problems.append((("verified_on",), "Must not be before the issue date (issued_on)", self.verified_on))
        if problems:
            raise cross_field_error("ClearanceRecord", problems)
        return self


_DATE_MESSAGES = {
    ("issued_on", "must not be in the future"): "Must not be in the future: record a certificate once it is issued",
    ("expires_on", "must be after issued_on"): "Must be after the issue date (issued_on)",
    ("renewal_applied_on", "must not be in the future"): "Must not be in the future",
    ("renewal_applied_on", "must not be before issued_on"): "Must not be before the issue date (issued_on)",
}

# The fields of each kind: (required, optional). Common fields (dates, notes) apply to every kind.
KIND_FIELDS: dict[ClearanceKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ClearanceKind.BACKGROUND_CHECK: (("check_type", "certificate_number"), ()),
    ClearanceKind.FIRST_AID: (("provider", "level"), ("certificate_number",)),
    # A licence and an insurance policy always carry an end date: never assume one.
    ClearanceKind.DRIVING_LICENCE: (("licence_number", "expires_on"), ()),
    ClearanceKind.VEHICLE_INSURANCE: (("insurer", "policy_number", "expires_on"), ()),
}
KIND_SPECIFIC_FIELDS = (
    "check_type",
    "certificate_number",
    "provider",
    "level",
    "licence_number",
    "insurer",
    "policy_number",
)


def kind_problems(kind: ClearanceKind, record: ClearanceRecord | Mapping[str, Any]) -> list[dict[str, str]]:
    """Field errors (`{"path", "message"}`) for fields this kind needs but lacks, or does not use.

    Takes a validated record, or the raw input (so a form can show these alongside the errors
    that stopped it validating).
    """
    given = record if isinstance(record, Mapping) else record.model_dump()
    present = {name for name, value in given.items() if value is not None and str(value).strip() != ""}
    required, optional = KIND_FIELDS[kind]
    problems = [
        {"path": field, "message": f"Required for a {kind.value}"} for field in required if field not in present
    ]
    problems += [
        {"path": field, "message": f"Not used for a {kind.value}: leave it out"}
        for field in KIND_SPECIFIC_FIELDS
        if field not in required and field not in optional and field in present
    ]
    return problems


def kind_details(kind: ClearanceKind, record: ClearanceRecord) -> dict[str, str]:
    """The kind's own fields of a record, as stored with the certificate."""
    required, optional = KIND_FIELDS[kind]
    names = [f for f in (*required, *optional, "notes") if f in KIND_SPECIFIC_FIELDS or f == "notes"]
    return {name: str(getattr(record, name)) for name in names if getattr(record, name) is not None}


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
