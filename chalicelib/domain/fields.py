"""The field types every input model is built from: one-line text and notes with their limits,
names, phone numbers, emails and plain dates, and the base model of every input.

Pure Python (no AWS, no I/O). A model states only its own limits: `one_line(200)`, `lines(4000)`,
`optional(...)` (where an empty form input or JSON "" means "not given").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, EmailStr, StringConstraints

NAME_MAX = 100
PHONE_MAX = 30

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Characters that reorder how text is displayed: they can make a name read as something else.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\n\r\t")


def iso_date_only(value: Any) -> Any:
    """A plain day written YYYY-MM-DD: pydantic alone would also take unix timestamps and datetimes."""
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise ValueError("Must be a date written as YYYY-MM-DD")
    return value.strip()


# Zero-width (non-)joiners are format characters that spell words in Persian, Hindi and emoji.
_JOINERS = frozenset("\u200c\u200d")
# What no single line may hold: controls (U+0085 among them), line and paragraph separators
# (U+2028, U+2029), lone surrogates (not encodable as UTF-8) and invisible format characters.
_NOT_IN_A_LINE = frozenset({"Cc", "Cs", "Zl", "Zp", "Cf"})
# Text of several lines: controls other than line breaks, lone surrogates.
_NOT_IN_TEXT = frozenset({"Cc", "Cs"})


def _has_controls(value: str, refused: frozenset[str], allowed: frozenset[str]) -> bool:
    return any((unicodedata.category(ch) in refused and ch not in allowed) or ch in _BIDI_CONTROLS for ch in value)


def breaks_a_line(ch: str) -> bool:
    """Whether `ch` may not stand in a single line of text (a name, a subject, a header)."""
    return (unicodedata.category(ch) in _NOT_IN_A_LINE and ch not in _JOINERS) or ch in _BIDI_CONTROLS


def single_line(value: str) -> str:
    """Names, numbers, references: one line, as an email header can carry it (they end up in
    subjects): no control characters, no line or paragraph separators (U+2028, U+2029, U+0085),
    no lone surrogates, no invisible format characters but the zero-width joiners."""
    if any(breaks_a_line(ch) for ch in value):
        raise ValueError("Must be a single line of text without control or invisible characters")
    return value


def multi_line(value: str) -> str:
    """Notes and answers: line breaks and tabs are fine, other control characters are not."""
    if _has_controls(value, _NOT_IN_TEXT, _LINE_BREAKS):
        raise ValueError("Must be text without control characters")
    return value


_PHONE = re.compile(r"\+?[0-9 ()\-.]+")
PHONE_DIGITS = (7, 15)


def blank_to_none(value: Any) -> Any:
    """Optional fields: an empty form input or JSON "" means "not given"."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def check_phone(value: str) -> str:
    digits = sum(ch.isdigit() for ch in value)
    low, high = PHONE_DIGITS
    if not _PHONE.fullmatch(value) or not low <= digits <= high:
        raise ValueError(f"Enter a phone number of {low} to {high} digits, for example 01632 960123 or +44 1632 960123")
    return value


# -- the types ------------------------------------------------------------------------------------


def text(max_length: int) -> StringConstraints:
    """Not empty, at most `max_length` characters."""
    return StringConstraints(min_length=1, max_length=max_length)


OneLine = AfterValidator(single_line)
Lines = AfterValidator(multi_line)
Blank = BeforeValidator(blank_to_none)


class BlankDocumented:
    """In a request's JSON schema, an optional field also takes a blank string (read as "not
    given"), so the document says what the API accepts."""

    BLANK = {"type": "string", "pattern": "^[ \\t\\r\\n]*$"}

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict:
        schema = handler(core_schema)
        if handler.mode != "validation" or "anyOf" not in schema:
            return schema
        return {**schema, "anyOf": [*schema["anyOf"], self.BLANK]}


def one_line(max_length: int) -> Any:
    """Names, numbers, references: one line of at most `max_length` characters."""
    return Annotated[str, text(max_length), OneLine]


def lines(max_length: int) -> Any:
    """Notes and answers: line breaks allowed, at most `max_length` characters."""
    return Annotated[str, text(max_length), Lines]


def optional(field_type: Any) -> Any:
    """`field_type` or None, where a blank input is None."""
    return Annotated[field_type | None, Blank, BlankDocumented()]


Name = one_line(NAME_MAX)
Phone = Annotated[str, StringConstraints(max_length=PHONE_MAX), AfterValidator(check_phone)]
OptionalPhone = optional(Phone)
OptionalEmail = optional(EmailStr)
PlainDate = Annotated[date, BeforeValidator(iso_date_only)]
OptionalDate = Annotated[date | None, BeforeValidator(iso_date_only), Blank, BlankDocumented()]


class InputModel(BaseModel):
    """Every input: unknown fields are refused, text is stripped of surrounding whitespace."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
