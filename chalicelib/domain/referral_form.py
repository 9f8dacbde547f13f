"""The referral form: the intake model shared by the JSON API and the HTML form, its limits, and
the summary a referrer's page shows.

Pure Python (no AWS, no I/O). Rules that depend on the date read it from the validation
context: `ReferralSubmission.model_validate(data, context={"today": date(...)})`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib import clock
from chalicelib.domain.clearances import add_years
from chalicelib.domain.date_words import long_day
from chalicelib.domain.families import Channel, contact_problems, normalise_phone
from chalicelib.domain.fields import (
    InputModel,
    Name,
    OptionalDate,
    OptionalEmail,
    OptionalPhone,
    Phone,
    PlainDate,
    blank_to_none,
    iso_date_only,
    lines,
    one_line,
    optional,
)
from chalicelib.domain.validation import Loc, as_init_error, cross_field_details, cross_field_error, today_from_context

# ---------------------------------------------------------------------------------------------
# Limits

MAX_CHILDREN = 10
MAX_FAMILY_MEMBERS = 10
DRAFT_DAYS = 30  # a referral form saved as a draft is deleted this long after its last save
SHORT_TEXT_MAX = 200
HANDOVER_MAX = 200  # who brings or collects the child: a name and a relationship
REFERENCE_MAX = 100
LANGUAGE_MAX = 60
ADDRESS_MAX = 1000
NOTES_MAX = 4000
COMMENT_MAX = 2000
ANSWER_MAX = 4000
MAX_SESSIONS = 14
SESSION_MINUTES = (30, 480)
ADULT_AGE = 18
# A start date further ahead than this is taken to be a typing mistake. Start dates in the
# past are allowed: a referral may formalise contact that is already happening.
MAX_START_YEARS_AHEAD = 2


# ---------------------------------------------------------------------------------------------
# Field types (the shapes are in `domain.fields`; the limits are the referral form's)

ShortText = one_line(SHORT_TEXT_MAX)
CommentText = lines(COMMENT_MAX)
AnswerText = lines(ANSWER_MAX)
OptionalShortText = optional(ShortText)
OptionalReference = optional(one_line(REFERENCE_MAX))
OptionalLanguage = optional(one_line(LANGUAGE_MAX))
OptionalHandover = optional(one_line(HANDOVER_MAX))
OptionalNotes = optional(lines(NOTES_MAX))
OptionalAddress = optional(lines(ADDRESS_MAX))
OptionalComment = optional(CommentText)


# ---------------------------------------------------------------------------------------------
# The referral form


class LegalStatus(StrEnum):
    VOLUNTARY_ACCOMMODATION = "voluntary_accommodation"
    INTERIM_CARE_ORDER = "interim_care_order"
    CARE_ORDER = "care_order"
    CHILD_ARRANGEMENTS_ORDER = "child_arrangements_order"
    OTHER = "other"


class PlacementType(StrEnum):
    FOSTER = "foster"
    KINSHIP = "kinship"
    RESIDENTIAL = "residential"
    LOCAL_AUTHORITY = "local_authority"
    OTHER = "other"


class ContactType(StrEnum):
    SUPERVISED = "supervised"
    SUPPORTED = "supported"
    VIRTUAL = "virtual"
    HANDOVER = "handover"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years of age on `on` (someone born on 29 February has a birthday on 1 March)."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


class Referrer(InputModel):
    name: Name
    email: EmailStr
    phone: Phone
    organisation: ShortText
    team: OptionalShortText = None


class Child(InputModel):
    first_name: Name
    last_name: Name
    date_of_birth: PlainDate
    legal_status: LegalStatus
    placement_type: PlacementType
    needs_notes: OptionalNotes = None
    interpreter_language: OptionalLanguage = None

    @field_validator("date_of_birth")
    @classmethod
    def _not_born_in_future(cls, value: date, info: ValidationInfo) -> date:
        if value > today_from_context(info):
            raise ValueError("Date of birth cannot be in the future")
        return value


class FamilyMember(InputModel):
    name: Name
    relationship: Name
    phone: OptionalPhone = None
    email: OptionalEmail = None
    interpreter_language: OptionalLanguage = None
    safety_notes: OptionalNotes = None
    # How they want visit reminders, and whether they agreed to them: None is "not asked" (a
    # referral made before the form asked), and sends nothing until staff record an answer.
    preferred_channel: Annotated[Channel | None, BeforeValidator(blank_to_none)] = None
    reminders: Annotated[bool | None, BeforeValidator(blank_to_none)] = None

    @field_validator("phone")
    @classmethod
    def _international(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value is not None else None

    @model_validator(mode="after")
    def _reachable(self) -> FamilyMember:
        if self.phone is None and self.email is None:
            raise cross_field_error(
                "FamilyMember",
                [(("phone",), "Give a phone number or an email address", None)],
            )
        problems = contact_problems(self.phone, self.email, self.preferred_channel, self.reminders)
        if problems:
            raise cross_field_error("FamilyMember", problems)
        return self


class Frequency(InputModel):
    sessions: int = Field(ge=1, le=MAX_SESSIONS)
    per: Literal["week", "month"]


def _weekday_names(value: Any) -> Any:
    if isinstance(value, list):
        return [day.strip().lower() if isinstance(day, str) else day for day in value]
    return value


def _distinct(days: list[Weekday]) -> list[Weekday]:
    return list(dict.fromkeys(days))


class ContactArrangement(InputModel):
    type: ContactType
    frequency: Frequency
    session_length_minutes: int = Field(ge=SESSION_MINUTES[0], le=SESSION_MINUTES[1])
    preferred_days: Annotated[list[Weekday], BeforeValidator(_weekday_names), AfterValidator(_distinct)] = Field(
        default_factory=list, max_length=7
    )
    preferred_times: OptionalShortText = None
    # Who brings the child to each visit and who collects them afterwards (name and relationship):
    # the worker's briefing shows them. Optional, so a referral stored before they existed still reads.
    brought_by: OptionalHandover = None
    collected_by: OptionalHandover = None
    start_date: PlainDate
    end_date: OptionalDate = None

    @field_validator("start_date")
    @classmethod
    def _start_from_today_and_not_too_far_ahead(cls, value: date, info: ValidationInfo) -> date:
        """A new referral's contact starts today at the earliest (today itself is allowed) and at
        most MAX_START_YEARS_AHEAD years ahead. A stored referral read back
        (`context={"stored": True}`) keeps its start date however long ago it was."""
        today = today_from_context(info)
        context = info.context if isinstance(info.context, dict) else {}
        if value < today and not context.get("stored"):
            raise ValueError(f"Start date cannot be in the past: give today, {long_day(today)}, or a later date")
        latest = add_years(today, MAX_START_YEARS_AHEAD)
        if value > latest:
            raise ValueError(f"Start date cannot be later than {long_day(latest)}")
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> ContactArrangement:
        problems = end_problems(self.start_date, self.end_date)
        if problems:
            raise cross_field_error("ContactArrangement", problems)
        return self


class LegalBasis(InputModel):
    court_order: bool
    reference: OptionalReference = None
    court: OptionalShortText = None
    date_made: OptionalDate = None

    @field_validator("date_made")
    @classmethod
    def _made_not_in_future(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and value > today_from_context(info):
            raise ValueError("The date the order was made cannot be in the future")
        return value

    @model_validator(mode="after")
    def _order_details_given(self) -> LegalBasis:
        if not self.court_order:
            return self
        missing = [
            ((name,), message, None)
            for name, message in (
                ("reference", "Give the court order's reference"),
                ("court", "Give the court that made the order"),
                ("date_made", "Give the date the order was made"),
            )
            if getattr(self, name) is None
        ]
        if missing:
            raise cross_field_error("LegalBasis", missing)
        return self


RISK_FLAGS = (
    "domestic_abuse",
    "substance_misuse",
    "mental_health",
    "abduction_risk",
    "aggression",
    "other",
)


class Risks(InputModel):
    """Risk flags (unticked boxes mean no), details, and the confidential-address rule.

    `carer_address` is never sent to the other party and never appears in summaries.
    """

    domestic_abuse: bool = False
    substance_misuse: bool = False
    mental_health: bool = False
    abduction_risk: bool = False
    aggression: bool = False
    other: bool = False
    details: OptionalNotes = None
    confidential_address: bool = False
    carer_address: OptionalAddress = None

    @property
    def flagged(self) -> list[str]:
        return [flag for flag in RISK_FLAGS if getattr(self, flag)]

    @model_validator(mode="after")
    def _other_is_described(self) -> Risks:
        if self.other and self.details is None:
            raise cross_field_error("Risks", [(("details",), "Describe the other risk", None)])
        return self


class ReferralSubmission(InputModel):
    referrer: Referrer
    children: list[Child] = Field(min_length=1, max_length=MAX_CHILDREN)
    family_members: list[FamilyMember] = Field(min_length=1, max_length=MAX_FAMILY_MEMBERS)
    contact: ContactArrangement
    legal_basis: LegalBasis
    risks: Risks
    consent_confirmed: bool
    funding_reference: OptionalReference = None

    @field_validator("consent_confirmed")
    @classmethod
    def _consent_given(cls, value: bool) -> bool:
        if not value:
            raise ValueError("Consent and the legal basis for this referral must be confirmed")
        return value

    @model_validator(mode="after")
    def _children_under_18_at_start(self) -> ReferralSubmission:
        problems = age_problems([child.date_of_birth for child in self.children], self.contact.start_date)
        if problems:
            raise cross_field_error("ReferralSubmission", problems)
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _every_error_in_one_round(cls, data: Any, handler: Any) -> ReferralSubmission:
        """The cross-field rules (end before start, a child too old at the start) run only once
        every field is valid; when some are not, the rules whose own fields are valid are
        reported with them, so the form shows every error at once."""
        try:
            return handler(data)
        except ValidationError as exc:
            failed = {error["loc"] for error in exc.errors()}
            more = [problem for problem in cross_field_problems(data, failed) if problem[0] not in failed]
            if not more:
                raise
            raise ValidationError.from_exception_data(
                exc.title, [*(as_init_error(error) for error in exc.errors()), *cross_field_details(more)]
            ) from None


def end_problems(start: date, end: date | None) -> list[tuple[Loc, str, Any]]:
    """The contact's end must come after its start (the same day is not after)."""
    if end is not None and end <= start:
        return [(("end_date",), "End date must be after the start date", end.isoformat())]
    return []


def age_problems(dates_of_birth: list[date | None], start: date) -> list[tuple[Loc, str, Any]]:
    """Each child must be under 18 on the start date, and the start no earlier than the youngest's
    birth; a child whose date of birth is not known (None) is left out."""
    problems: list[tuple[Loc, str, Any]] = [
        (
            ("children", index, "date_of_birth"),
            f"The child would be {ADULT_AGE} or older on the start date ({start.isoformat()})",
            born.isoformat(),
        )
        for index, born in enumerate(dates_of_birth)
        if born is not None and age_on(born, start) >= ADULT_AGE
    ]
    known = [born for born in dates_of_birth if born is not None]
    if known and start < max(known):
        problems.append(
            (
                ("contact", "start_date"),
                f"The start date is before a child was born ({max(known).isoformat()})",
                start.isoformat(),
            )
        )
    return problems


def cross_field_problems(data: Any, failed: set[Loc]) -> list[tuple[Loc, str, Any]]:
    """The cross-field rules over a submission as sent (`data`, not yet valid), each judged only
    when the fields it reads are dates that passed their own rules (not in `failed`);
    `(loc, message, input)` as `cross_field_error` takes."""

    def valid_date(section: Any, loc: Loc) -> date | None:
        if loc in failed or not isinstance(section, dict):
            return None
        try:
            day = iso_date_only(section.get(loc[-1]))
            return date.fromisoformat(day) if isinstance(day, str) else day
        except ValueError:
            return None

    if not isinstance(data, dict):
        return []
    contact = data.get("contact")
    start = valid_date(contact, ("contact", "start_date"))
    if start is None:
        return []
    children = data.get("children") if isinstance(data.get("children"), list) else []
    born = [valid_date(child, ("children", i, "date_of_birth")) for i, child in enumerate(children)]
    end = valid_date(contact, ("contact", "end_date"))
    ends = [(("contact", *loc), message, value) for loc, message, value in end_problems(start, end)]
    return ends + age_problems(born, start)


def public_summary(submission: ReferralSubmission, today: date | None = None) -> dict[str, Any]:
    """What a supervisor's email may show: no surnames, contact details, addresses or notes.

    In particular the carer's address and the free-text risk details never appear.
    """
    today = today or clock.today()
    contact = submission.contact
    return {
        "referrer": {
            "name": submission.referrer.name,
            "organisation": submission.referrer.organisation,
        },
        "children": [
            {"first_name": child.first_name, "age": age_on(child.date_of_birth, today)} for child in submission.children
        ],
        "family_relationships": [member.relationship for member in submission.family_members],
        "contact": {
            "type": contact.type.value,
            "sessions": contact.frequency.sessions,
            "per": contact.frequency.per,
            "session_length_minutes": contact.session_length_minutes,
            "start_date": contact.start_date.isoformat(),
            "end_date": contact.end_date.isoformat() if contact.end_date else None,
        },
        "court_order": submission.legal_basis.court_order,
        "risks": {flag: getattr(submission.risks, flag) for flag in RISK_FLAGS},
        "confidential_address": submission.risks.confidential_address,
    }
