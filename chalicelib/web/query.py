"""Query strings, read once: each route that reads a query names a model of its parameters here,
and `api_route` parses the query with it before the route runs (a 400 naming each bad parameter).

Parameters the model does not name are ignored. Numbers are ASCII digits only (`str.isdigit`
also takes "²", which `int` refuses) with bounds; text is one line with a length limit.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from chalicelib.domain.fields import OneLine, blank_to_none, iso_date_only

_DIGITS = re.compile(r"[0-9]{1,9}")
_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
MAX_TEXT = 200
# Dates a filter may name: the calendar arithmetic around them stays inside what `date` can hold.
EARLIEST, LATEST = date(2000, 1, 1), date(2200, 12, 31)


def _whole_number(value: Any) -> Any:
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("Must be a whole number written with the digits 0-9")
    return value


def _known_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError("Not an id this service issued")
    return value


def _bounded_day(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"Must be from {EARLIEST.isoformat()} to {LATEST.isoformat()}")
    return value


def whole(low: int, high: int, description: str) -> Any:
    """An optional whole number from `low` to `high` (a blank value is "not given")."""
    number = Annotated[int, BeforeValidator(_whole_number), Field(ge=low, le=high)]
    return Annotated[number | None, BeforeValidator(blank_to_none), Field(description=description)]


def words(description: str, max_length: int = MAX_TEXT) -> Any:
    """Optional one-line text (a blank value is "not given")."""
    return Annotated[
        Annotated[str, StringConstraints(max_length=max_length), OneLine] | None,
        BeforeValidator(blank_to_none),
        Field(description=description),
    ]


def an_id(description: str) -> Any:
    """An optional id of ours (a blank value is "not given")."""
    return Annotated[
        Annotated[str, AfterValidator(_known_id)] | None, BeforeValidator(blank_to_none), Field(description=description)
    ]


def a_day(description: str) -> Any:
    """An optional day written YYYY-MM-DD, from 2000 to 2200."""
    return Annotated[
        Annotated[date, BeforeValidator(iso_date_only), AfterValidator(_bounded_day)] | None,
        BeforeValidator(blank_to_none),
        Field(description=description),
    ]


def a_cursor(description: str = "next_cursor of the previous page") -> Any:
    return Annotated[
        Annotated[str, StringConstraints(max_length=4096)] | None,
        BeforeValidator(blank_to_none),
        Field(description=description),
    ]


class QueryModel(BaseModel):
    """The parameters of one route's query string; every field optional."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


def described(model: type[QueryModel]) -> tuple[tuple[str, str], ...]:
    """`(name, description)` of each parameter, for OpenAPI."""
    return tuple((field.alias or name, field.description or "") for name, field in model.model_fields.items())


def parse_query(model: type[QueryModel], query: dict[str, str]) -> QueryModel:
    """The query as `model`, or BadRequest naming each parameter that is not valid."""
    from pydantic import ValidationError

    from chalicelib.domain.validation import field_errors
    from chalicelib.errors import BadRequest

    try:
        return model.model_validate(query)
    except ValidationError as exc:
        fields = field_errors(exc)
        problems = "; ".join(f"'{f['path']}': {f['message']}" for f in fields)
        raise BadRequest(f"The query string is not valid: {problems}.", fields=fields) from None


def one_of(options: tuple[str, ...], description: str, *, lower: bool = False) -> Any:
    """An optional choice among `options`, in any letter case (a blank value is "not given")."""

    def choose(value: str) -> str:
        value = value.lower() if lower else value.upper()
        if value not in options:
            raise ValueError(f"Must be one of {', '.join(options)}")
        return value

    return Annotated[
        Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(choose)] | None,
        BeforeValidator(blank_to_none),
        Field(description=description),
    ]
