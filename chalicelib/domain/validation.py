"""Helpers every input model shares: pydantic errors as the API's field-error list, errors
raised at a chosen field path from cross-field rules, and the injectable "today"."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError, ValidationInfo
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from chalicelib import clock

Loc = tuple[str | int, ...]

CROSS_FIELD_ERROR = "cross_field"
_BAD_EMAIL = "Value is not a valid email address: "


def format_path(loc: Iterable[str | int]) -> str:
    """`("children", 0, "date_of_birth")` -> `"children[0].date_of_birth"`; `()` -> `""`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Each error of `exc` as `{"path": ..., "message": ...}`, in pydantic's order."""
    return [
        {"path": format_path(error["loc"]), "message": error_message(error)} for error in exc.errors(include_url=False)
    ]


def error_message(error: ErrorDetails) -> str:
    """A human, specific message for one pydantic error."""
    render = _MESSAGES.get(error["type"])
    message = render(error.get("ctx") or {}) if render else None
    message = message or _clean(error["msg"])
    # EmailStr reports "value is not a valid email address: <the library's reason>": people get ours.
    if message.startswith(_BAD_EMAIL):
        return "Enter a valid email address, like name@example.org"
    return message


def cross_field_error(title: str, problems: Sequence[tuple[Loc, str, Any]]) -> ValidationError:
    """A ValidationError with one error per `(loc, message, input)`, to raise from a validator.

    `loc` is relative to the model whose validator raises it; pydantic prefixes the
    location of that model inside the outer one, so `("end_date",)` raised by the contact
    model surfaces as `contact.end_date`.
    """
    return ValidationError.from_exception_data(title, cross_field_details(problems))


def cross_field_details(problems: Sequence[tuple[Loc, str, Any]]) -> list[InitErrorDetails]:
    """One error of a cross-field rule per `(loc, message, input)`."""
    return [
        InitErrorDetails(type=PydanticCustomError(CROSS_FIELD_ERROR, message), loc=loc, input=value)
        for loc, message, value in problems
    ]


def as_init_error(error: ErrorDetails) -> InitErrorDetails:
    """An error pydantic reported, as it can be raised again beside others (its type, place,
    input and context kept, so `error_message` words it the same)."""
    context = error.get("ctx") or {}
    return InitErrorDetails(
        type=PydanticCustomError(error["type"], error["msg"], context),
        loc=error["loc"],
        input=error["input"],
    )


def today_from_context(info: ValidationInfo) -> date:
    """The date rules are judged on: `context={"today": date(...)}` if given, else today."""
    context = info.context if isinstance(info.context, dict) else {}
    today = context.get("today")
    if isinstance(today, datetime):
        return today.date()
    if isinstance(today, date):
        return today
    return clock.today()


def _clean(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message[:1].upper() + message[1:]


def _date_message(ctx: dict[str, Any]) -> str:
    reason = ctx.get("error")
    if reason:
        return f"Enter a real date as YYYY-MM-DD ({reason})"
    return "Enter a real date as YYYY-MM-DD"


def _value_error(ctx: dict[str, Any]) -> str:
    return _clean(str(ctx.get("error", "")))


def _items(count: Any) -> str:
    return "1 item" if count == 1 else f"{count} items"


def _too_long(ctx: dict[str, Any]) -> str:
    actual = ctx.get("actual_length")
    suffix = f", not {actual}" if actual is not None else ""
    return f"Give at most {_items(ctx.get('max_length'))}{suffix}"


def _too_short(ctx: dict[str, Any]) -> str:
    return f"Give at least {_items(ctx.get('min_length'))}"


def _string_too_short(ctx: dict[str, Any]) -> str:
    if ctx.get("min_length") == 1:
        return "This field cannot be empty"
    return f"Must be at least {ctx.get('min_length')} characters"


_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda ctx: "This field is required",
    "extra_forbidden": lambda ctx: "Unknown field",
    "string_type": lambda ctx: "Must be text",
    "string_too_short": _string_too_short,
    "string_too_long": lambda ctx: f"Must be at most {ctx.get('max_length')} characters",
    "string_pattern_mismatch": lambda ctx: "Not in the expected format",
    "int_type": lambda ctx: "Must be a whole number",
    "int_parsing": lambda ctx: "Must be a whole number",
    "int_from_float": lambda ctx: "Must be a whole number",
    "bool_type": lambda ctx: "Must be true or false",
    "bool_parsing": lambda ctx: "Must be true or false",
    "date_type": lambda ctx: "Must be a date written as YYYY-MM-DD",
    "date_parsing": _date_message,
    "date_from_datetime_parsing": _date_message,
    "date_from_datetime_inexact": lambda ctx: "Must be a date without a time, written as YYYY-MM-DD",
    "list_type": lambda ctx: "Must be a list",
    "dict_type": lambda ctx: "Must be an object",
    "model_type": lambda ctx: "Must be an object",
    "model_attributes_type": lambda ctx: "Must be an object",
    "enum": lambda ctx: f"Must be one of {ctx.get('expected')}",
    "literal_error": lambda ctx: f"Must be one of {ctx.get('expected')}",
    "too_long": _too_long,
    "too_short": _too_short,
    "greater_than_equal": lambda ctx: f"Must be at least {ctx.get('ge')}",
    "greater_than": lambda ctx: f"Must be more than {ctx.get('gt')}",
    "less_than_equal": lambda ctx: f"Must be at most {ctx.get('le')}",
    "less_than": lambda ctx: f"Must be less than {ctx.get('lt')}",
    "value_error": _value_error,
}
