"""What a pytest-xdist worker hands the controller at its end, for the run-wide checks
(`asl_coverage`, `aws_calls`, `log_hygiene`): each worker records in its own process, the
controller judges the whole run."""

from __future__ import annotations

from collections.abc import Iterable


def handed_over(node, key: str) -> dict:
    """What the finished worker `node` left under `key` (nothing if it left nothing)."""
    return getattr(node, "workeroutput", {}).get(key, {})


def merge_names(into: dict[str, set[str]], found: dict[str, Iterable[str]]) -> None:
    """Add each key's names in `found` to that key's set in `into`."""
    for key, names in found.items():
        into.setdefault(key, set()).update(names)


def sorted_names(names: dict[str, set[str]]) -> dict[str, list[str]]:
    """Sets of names as a worker can hand them over."""
    return {key: sorted(values) for key, values in names.items()}
