"""A certificate as HR records it: one model per clearance kind, each with the fields that kind needs.

Pure Python (no AWS, no I/O). Date rules read "today" from the validation context. Every problem
comes back in one answer: format errors, and the fields this kind needs but lacks or does not use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    ModelWrapValidatorHandler,
    RootModel,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails

from chalicelib.domain.clearances import ClearanceKind, add_years, validate_certificate_dates
from chalicelib.domain.fields import InputModel, OptionalDate, PlainDate, lines, one_line, optional
from chalicelib.domain.labels import kind_label
from chalicelib.domain.validation import cross_field_error, error_message, today_from_context

SHORT_TEXT_MAX = 120
NUMBER_MAX = 40
NOTES_MAX = 1000
# Dates further out than this are typing mistakes, not certificates.
MAX_VALIDITY_YEARS = 20
MAX_CERTIFICATE_AGE_YEARS = 50

_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /.\-]*")


def _check_reference(value: str) -> str:
    if not _REFERENCE.fullmatch(value):
        raise ValueError("Use letters, digits, spaces, '/', '.' and '-' only")
    return value


Text = one_line(SHORT_TEXT_MAX)
Reference = Annotated[one_line(NUMBER_MAX), AfterValidator(_check_reference)]
OptionalReference = optional(Reference)
Notes = optional(lines(NOTES_MAX))


class BackgroundCheckType(StrEnum):
    ENHANCED_DBS = "enhanced_dbs"
    STANDARD_DBS = "standard_dbs"
    POLICE_CHECK = "police_check"
    CHILD_ABUSE_REGISTRY_CHECK = "child_abuse_registry_check"
    OTHER = "other"


_DATE_MESSAGES = {
    ("issued_on", "must not be in the future"): "Must not be in the future: record a certificate once it is issued",
    ("expires_on", "must be after issued_on"): "Must be after the issue date (issued_on)",
    ("renewal_applied_on", "must not be in the future"): "Must not be in the future",
    ("renewal_applied_on", "must not be before issued_on"): "Must not be before the issue date (issued_on)",
}


class CertificateDates(InputModel):
    """The dates every certificate has, and the rules between them.

    `expires_on` may be left out where the certificate has none: the renewal policy then sets it.
    `renewal_applied_on` records that the worker has applied to renew this certificate.
    `verified_on` is the day HR saw the original (default: the day it is recorded).
    """

    issued_on: PlainDate
    expires_on: OptionalDate = None
    renewal_applied_on: OptionalDate = None
    verified_on: OptionalDate = None

    @model_validator(mode="after")
    def _dates_make_sense(self, info: ValidationInfo) -> CertificateDates:
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
            raise cross_field_error(type(self).__name__, problems)
        return self


DATE_FIELDS = frozenset(CertificateDates.model_fields)


class ClearanceRecord(CertificateDates):
    """What every certificate has; each kind's model below adds that kind's own fields."""

    kind: ClassVar[ClearanceKind]

    notes: Notes = None

    @classmethod
    def own_fields(cls) -> tuple[str, ...]:
        """This kind's own fields (not every certificate's), in the order a form shows them."""
        return tuple(name for name in cls.model_fields if name not in ClearanceRecord.model_fields)

    @classmethod
    def fields_required_by_kind(cls) -> tuple[str, ...]:
        """The fields this kind needs that not every certificate does (a licence's expiry, say)."""
        base = ClearanceRecord.model_fields
        return tuple(
            name
            for name, field in cls.model_fields.items()
            if field.is_required() and not (name in base and base[name].is_required())
        )

    def details(self) -> dict[str, str]:
        """The kind's own fields and the notes, as stored with the certificate."""
        values = {name: getattr(self, name) for name in (*self.own_fields(), "notes")}
        return {name: str(value) for name, value in values.items() if value is not None}

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem_at_once(
        cls, data: Any, handler: ModelWrapValidatorHandler[ClearanceRecord], info: ValidationInfo
    ) -> ClearanceRecord:
        """A blank field is a missing one; a missing or unused field is named for this kind; and a
        problem with the kind's fields does not hide the date rules."""
        if isinstance(data, Mapping):
            data = {name: value for name, value in data.items() if not (name in OPTIONAL_WHEN_BLANK and _blank(value))}
        try:
            return handler(data)
        except ValidationError as exc:
            problems = [(e["loc"], cls._message(e), e["input"]) for e in exc.errors(include_url=False)]
        if isinstance(data, Mapping) and not any(loc and loc[0] in DATE_FIELDS for loc, _, _ in problems):
            try:  # the dates are well formed, but the rules between them have not run yet
                dates = {name: value for name, value in data.items() if name in DATE_FIELDS}
                CertificateDates.model_validate(dates, context=info.context)
            except ValidationError as exc:
                problems += [(e["loc"], error_message(e), e["input"]) for e in exc.errors(include_url=False)]
        raise cross_field_error(cls.__name__, problems)

    @classmethod
    def _message(cls, error: ErrorDetails) -> str:
        field = error["loc"][0] if len(error["loc"]) == 1 else None
        if error["type"] == "missing" and field in cls.fields_required_by_kind():
            return f"Required for the {kind_label(cls.kind)}"
        if error["type"] == "extra_forbidden" and field in KIND_FIELDS and hasattr(cls, "kind"):
            return f"Not used for the {kind_label(cls.kind)}: leave it out"
        return error_message(error)


class BackgroundCheckRecord(ClearanceRecord):
    """A criminal-record check: without an expiry date, the renewal policy sets one."""

    kind = ClearanceKind.BACKGROUND_CHECK
    check_type: BackgroundCheckType
    certificate_number: Reference


class FirstAidRecord(ClearanceRecord):
    """A first aid certificate: the provider and the course, and its number where it has one."""

    kind = ClearanceKind.FIRST_AID
    provider: Text
    level: Text
    certificate_number: OptionalReference = None


class DrivingLicenceRecord(ClearanceRecord):
    """A licence always carries an end date: never assume one."""

    kind = ClearanceKind.DRIVING_LICENCE
    expires_on: PlainDate
    licence_number: Reference


class VehicleInsuranceRecord(ClearanceRecord):
    """An insurance policy always carries an end date: never assume one."""

    kind = ClearanceKind.VEHICLE_INSURANCE
    expires_on: PlainDate
    insurer: Text
    policy_number: Reference


RECORD_MODELS: dict[ClearanceKind, type[ClearanceRecord]] = {
    model.kind: model for model in (BackgroundCheckRecord, FirstAidRecord, DrivingLicenceRecord, VehicleInsuranceRecord)
}
# Every kind's own fields: on another kind's record they are "not used", not unknown.
KIND_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(name for m in RECORD_MODELS.values() for name in m.own_fields()))
# Every field a clearance form may post, whatever its kind.
FORM_FIELDS: tuple[str, ...] = (*ClearanceRecord.model_fields, *KIND_FIELDS)
# Fields whose blank value means "not given" on every kind (the issue date is never optional).
OPTIONAL_WHEN_BLANK = frozenset({*KIND_FIELDS, *ClearanceRecord.model_fields} - {"issued_on"})


class AnyClearanceRecord(
    RootModel[BackgroundCheckRecord | FirstAidRecord | DrivingLicenceRecord | VehicleInsuranceRecord]
):
    """A certificate of any kind, as the API's description states it: a request is read with the
    model of the kind its path names (`record_model`)."""


def record_model(kind: ClearanceKind | str) -> type[ClearanceRecord]:
    """The model of one kind's certificate (ValueError for an unknown kind)."""
    return RECORD_MODELS[ClearanceKind(kind)]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
