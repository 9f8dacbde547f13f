"""Tokens for demo users, signed by the local key (local stage only)."""

from __future__ import annotations

import os

from chalicelib.auth import issue_local_token
from chalicelib.errors import ValidationFailed
from chalicelib.local.directory import DEMO_USERS, DemoUser, find, for_role


def resolve_user(role: str | None, email: str | None) -> DemoUser:
    if email:
        user = find(email)
        if user is None:
            raise ValidationFailed(
                "No demo user has that email.",
                fields=[{"path": "email", "message": "Not a demo user: choose one listed at /signin"}],
            )
        if role and role not in user.roles:
            raise ValidationFailed(
                "That demo user does not have that role.",
                fields=[{"path": "role", "message": f"{user.email} has roles {', '.join(user.roles)}"}],
            )
        return user
    users = for_role(role or "")
    if not users:
        roles = sorted({r for u in DEMO_USERS for r in u.roles})
        raise ValidationFailed(
            "Give a role or an email.", fields=[{"path": "role", "message": f"Must be one of {', '.join(roles)}"}]
        )
    return users[0]


def token_for(user: DemoUser) -> str:
    with open(os.environ["LOCAL_JWT_PRIVATE_KEY_PATH"], encoding="ascii") as handle:
        private_key = handle.read()
    return issue_local_token(
        private_key, user_id=user.user_id, email=user.email, name=user.name, roles=list(user.roles)
    )
