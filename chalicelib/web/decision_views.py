"""Words for the decisions queue."""

from __future__ import annotations


def waited(seconds: int) -> str:
    """How long an item has waited, as a person says it: "3 days", "5 hours", "under an hour"."""
    days, hours = seconds // 86400, seconds // 3600
    if days:
        return f"{days} day{'s' if days != 1 else ''}"
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "under an hour"
