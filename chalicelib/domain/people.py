"""Who did something, as the pages and the PDF name them: a person's display name and role beside
the email that identifies them. The email stays the identity; the name is only ever shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SYSTEM = "system"  # the actor of what the service does by itself (sweeps, scans, timeouts)
SYSTEM_LABEL = "The service (automatic)"
MAX_NAME_LENGTH = 200

# The title a role is shown with, most senior first: a person with several roles is shown by the first.
ROLE_TITLES: dict[str, str] = {
    "admin": "Service lead",
    "supervisor": "Supervisor",
    "hr": "HR",
    "worker": "Contact worker",
    "referrer": "Social worker",
}


@dataclass(frozen=True)
class Person:
    """Who acted: `email` (their identity, normalised at sign-in), the name their sign-in gave, and
    the role they acted in. `name` and `role` are None where they are not known (older records)."""

    email: str
    name: str | None = None
    role: str | None = None

    @property
    def label(self) -> str:
        return person_label(self.email, self.name, self.role)


def main_role(roles: Iterable[str]) -> str | None:
    """The role a person is shown with: `{"worker", "admin"}` is "admin"; no known role is None."""
    held = {str(role) for role in roles}
    return next((role for role in ROLE_TITLES if role in held), None)


def name_from_claims(claims: Mapping[str, Any]) -> str:
    """The display name an ID token carries: `name`, else `given_name` and `family_name` joined,
    else "" (the caller falls back to the email). Surrounding spaces are dropped, inner runs of
    whitespace become one space, and a name is cut at `MAX_NAME_LENGTH` characters."""
    name = _text(claims.get("name"))
    if not name:
        name = " ".join(part for part in (_text(claims.get("given_name")), _text(claims.get("family_name"))) if part)
    return name[:MAX_NAME_LENGTH]


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def person_label(email: str | None, name: str | None = None, role: str | None = None) -> str:
    """How a page names who acted: "Sam Patel, Supervisor"; "Sam Patel" when the role is not known;
    the email when no name was recorded (older records), with the role when known; the service's
    own actions as `SYSTEM_LABEL`; "" when nobody is recorded."""
    if email == SYSTEM:
        return SYSTEM_LABEL
    shown = (name or "").strip() or (email or "")
    title = ROLE_TITLES.get(role or "")
    return f"{shown}, {title}" if shown and title else shown


def trail_label(email: str, name: str | None = None) -> str:
    """How the audit log names who acted: the name with the email that identifies them,
    "Sam Patel (sam.patel@example.org)"; the email alone when no name was recorded (or the name is
    the email); the service's own actions as `SYSTEM_LABEL`."""
    shown = (name or "").strip()
    if email == SYSTEM or not shown or shown == email:
        return person_label(email)
    return f"{shown} ({email})"
