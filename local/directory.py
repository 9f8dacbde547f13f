"""The demo users of the local stage (in AWS these are Cognito users; their groups are their roles)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.identity import normalise_email


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    email: str
    name: str
    roles: tuple[str, ...]


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("u-referrer-1", "sam.referrer@council.example", "Sam Okafor", ("referrer",)),
    DemoUser("u-referrer-2", "alex.referrer@council.example", "Alex Moreno", ("referrer",)),
    DemoUser("u-supervisor-1", "supervisor@familycontact.example", "Priya Shah", ("supervisor",)),
    DemoUser("u-supervisor-2", "deputy.supervisor@familycontact.example", "Lee Hughes", ("supervisor",)),
    DemoUser("u-hr-1", "hr@familycontact.example", "Jordan Lee", ("hr",)),
    DemoUser("u-admin-1", "admin@familycontact.example", "Morgan Blake", ("admin",)),
    DemoUser("u-worker-1", "casey.worker@familycontact.example", "Casey Evans", ("worker",)),
    DemoUser("u-worker-2", "robin.worker@familycontact.example", "Robin Patel", ("worker",)),
)


def find(email: str) -> DemoUser | None:
    wanted = normalise_email(email)
    return next((u for u in DEMO_USERS if u.email == wanted), None)


def for_role(role: str) -> list[DemoUser]:
    return [u for u in DEMO_USERS if role in u.roles]
