"""HTML forms to and from the nested data the input models take.

Inputs are named by the path their value has in the model (`referrer.name`,
`children[0].first_name`, `contact.frequency.sessions`), the same path an error reports, so
`nest` turns a posted form into the model's dict and `errors_by_path` puts each error beside
the input of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from chalicelib.domain.validation import field_errors

# Paths are names joined by dots, each optionally followed by list indexes: `a.b[2].c`.
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d{1,3}\])*)")
_INDEX = re.compile(r"\[(\d+)\]")
_TRAILING_INDEX = re.compile(r"\[\d+\]$")
_NOT_ID = re.compile(r"[^A-Za-z0-9_]+")

# No form of ours nests deeper than `children[0].first_name` (3 parts) or names a longer path;
# a deeper or longer name was not sent by our pages (and would recurse too deep to be read).
MAX_PATH_PARTS = 8
MAX_NAME_CHARS = 200

TRUE_VALUES = frozenset({"on", "yes", "true", "1"})
FALSE_VALUES = frozenset({"off", "no", "false", "0"})


class FormError(ValueError):
    """A posted form that no page of ours renders: a malformed or contradictory input name."""


def nest(
    fields: Mapping[str, Sequence[str]],
    *,
    checkboxes: Iterable[str] = (),
    multi: Iterable[str] = (),
) -> dict[str, Any]:
    """Flat form fields (as `parse_qs` gives them) -> the nested dict a model validates.

    - `children[2].x` and `children[0].x` become a list in index order; gaps close up, so
      the result's indexes (and so the error paths) follow the order the form showed.
    - A blank value is left out, so a required input left empty is reported as required and
      an optional one takes its default. The containers on its path are still made: a child
      whose every input is blank is still a child (whose fields are missing), not no child.
    - `checkboxes` (paths outside any list): "on"/"yes"/"true"/"1" is True, "off"/"no"/
      "false"/"0" is False, absent is False; any other value is left for the model to reject.
    - `multi` (paths outside any list): every non-blank value, in order, as a list; absent
      is an empty list.
    - Any other input repeated takes its first value.

    Raises FormError for a name that is not a path or that contradicts another input's.
    """
    checkboxes = frozenset(checkboxes)
    multi = frozenset(multi)
    tree: dict[str, Any] = {}
    for name, values in fields.items():
        if name in multi:
            _put(tree, name, [v for v in (s.strip() for s in values) if v])
            continue
        value = next(iter(values), "")
        if name in checkboxes:
            _put(tree, name, _checkbox(value))
        else:
            _put(tree, name, value if value.strip() else None)
    for name in checkboxes - fields.keys():
        _put(tree, name, False)
    for name in multi - fields.keys():
        _put(tree, name, [])
    return _close_lists(tree)


def flatten(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The inverse of `nest`: nested form values -> the flat fields that post them again (the
    hidden inputs of a page that sends a form on). `nest` of the result gives `values` back for any
    form whose items each hold a value.

    - A list of objects is indexed (`children[0].first_name`); a list of values repeats its name.
    - True is "on"; False and None are left out (`nest` reads an absent box as False and leaves
      a blank input out).
    """
    fields: list[tuple[str, str]] = []

    def walk(value: Any, name: str) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(inner, f"{name}.{key}" if name else key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{name}[{index}]" if isinstance(item, Mapping) else name)
        elif value is True:
            fields.append((name, "on"))
        elif value is not None and value is not False:
            fields.append((name, str(value)))

    walk(values, "")
    return fields


def _checkbox(value: str) -> bool | str:
    lowered = value.strip().lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    return value


def parse_path(name: str) -> list[str | int]:
    """`"children[0].first_name"` -> `["children", 0, "first_name"]`; FormError if malformed,
    longer than MAX_NAME_CHARS or deeper than MAX_PATH_PARTS."""
    shown = name if len(name) <= 60 else f"{name[:60]}…"
    if len(name) > MAX_NAME_CHARS or name.count(".") + name.count("[") >= MAX_PATH_PARTS:
        raise FormError(f"'{shown}' is not a field of this form.")
    parts: list[str | int] = []
    for segment in name.split("."):
        match = _SEGMENT.fullmatch(segment)
        if match is None:
            raise FormError(f"'{shown}' is not a field of this form.")
        parts.append(match.group(1))
        parts.extend(int(index) for index in _INDEX.findall(match.group(2)))
    return parts


def _put(tree: dict[str, Any], name: str, value: Any) -> None:
    """Set `value` at `name`'s path; list indexes are dict keys until `_close_lists`.

    `None` makes the containers only: a blank input leaves its leaf out.
    """
    parts = parse_path(name)
    node: dict[Any, Any] = tree
    for position, part in enumerate(parts[:-1]):
        following_is_index = isinstance(parts[position + 1], int)
        child = node.setdefault(part, _IndexMap() if following_is_index else {})
        if not isinstance(child, dict) or isinstance(child, _IndexMap) != following_is_index:
            raise FormError(f"'{name[:60]}' does not fit the other inputs of this form.")
        node = child
    if value is None:
        return
    if parts[-1] in node:
        raise FormError(f"'{name[:60]}' does not fit the other inputs of this form.")
    node[parts[-1]] = value


class _IndexMap(dict):
    """A list being assembled: index -> item."""


def _close_lists(node: Any) -> Any:
    if isinstance(node, _IndexMap):
        return [_close_lists(node[index]) for index in sorted(node)]
    if isinstance(node, dict):
        return {key: _close_lists(value) for key, value in node.items()}
    return node


def field_id(path: str) -> str:
    """An HTML id for the input named `path`: `children[0].first_name` -> `children-0-first_name`.

    Safe in a URL fragment and a CSS selector without escaping.
    """
    return _NOT_ID.sub("-", path).strip("-") or "form"


def errors_by_path(exc: ValidationError) -> dict[str, str]:
    """Each error as `{path: message}` for the input of that name.

    An error on one item of a multi-value input (`contact.preferred_days[3]`) is shown
    beside the input itself; two errors on one input are joined into one message.
    """
    shown: dict[str, str] = {}
    for error in field_errors(exc):
        path = _TRAILING_INDEX.sub("", error["path"]) if _is_leaf_item(error["path"]) else error["path"]
        if path in shown:
            if error["message"] not in shown[path]:
                shown[path] = f"{shown[path]}. {error['message']}"
        else:
            shown[path] = error["message"]
    return shown


def _is_leaf_item(path: str) -> bool:
    # `a.b[3]` (an item of a list of values) but not `children[3]` on its own: whole items of a
    # repeated group keep their own path so the summary can point at that group.
    return bool(_TRAILING_INDEX.search(path)) and "." in path


def error_summary(errors: Mapping[str, str], label: Callable[[str], str] | None = None) -> list[dict[str, str]]:
    """The errors as `{path, id, label, message}` (in the model's field order), for the summary's
    links; `label(path)` names the input as the page shows it (default: the path)."""
    return [
        {"path": path, "id": field_id(path), "label": label(path) if label else path, "message": message}
        for path, message in errors.items()
    ]


def without_indexes(path: str) -> str:
    """`children[1].first_name` -> `children.first_name`: the path's place in the form's layout."""
    return _INDEX.sub("", path)


def indexes(path: str) -> list[int]:
    """`children[1].first_name` -> `[1]`."""
    return [int(index) for index in _INDEX.findall(path)]


def first_value(fields: Mapping[str, Sequence[str]], name: str) -> str:
    """The first value posted for `name`, or "" if none."""
    return next(iter(fields.get(name) or ()), "")
