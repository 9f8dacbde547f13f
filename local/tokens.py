"""Tokens for local people, signed by the local key (local stage only).

The local stand-in for Cognito: the demo users, every worker HR has added (by their email, as a
`worker`), and any other email with the role asked for, created on first use.
"""

from __future__ import annotations

import hashlib
import os
import re
import time

from chalicelib.auth import Role
from chalicelib.config import settings
from chalicelib.domain.identity import normalise_email
from chalicelib.errors import ValidationFailed
from local.directory import DEMO_USERS, DemoUser, find, for_role

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}")


def _local_id(email: str) -> str:
    return "local-" + hashlib.sha256(email.encode()).hexdigest()[:16]


def worker_account(email: str) -> DemoUser | None:
    """A worker HR added, as a local account with the `worker` role (their worker record's email)."""
    from chalicelib.services.workers import find_worker_by_email

    worker = find_worker_by_email(email)
    if worker is None:
        return None
    return DemoUser(_local_id(worker.email), worker.email, worker.name, (Role.WORKER.value,))


def find_account(email: str) -> DemoUser | None:
    """A demo user, or a worker HR added, by email."""
    return find(email) or worker_account(normalise_email(email))


def accounts() -> list[DemoUser]:
    """Everyone the local sign-in page lists: the demo users, then every worker HR added, by name."""
    from chalicelib.storage.workers import directory as all_workers

    listed = list(DEMO_USERS)
    known = {user.email for user in listed}
    for worker in all_workers():
        if worker.email not in known:
            known.add(worker.email)
            listed.append(DemoUser(_local_id(worker.email), worker.email, worker.name, (Role.WORKER.value,)))
    return listed


def resolve_user(role: str | None, email: str | None, name: str | None = None) -> DemoUser:
    """The account a token is issued for: by email (a demo user, a worker, or any email with `role`,
    named `name` if given, else nameless), or the first demo user of `role`."""
    roles = sorted(r.value for r in Role)
    if role and role not in roles:
        raise ValidationFailed(
            "Unknown role.", fields=[{"path": "role", "message": f"Must be one of {', '.join(roles)}"}]
        )
    if email:
        wanted = normalise_email(email)
        user = find_account(wanted)
        if user is None:
            if not role:
                raise ValidationFailed(
                    "No demo user or worker has that email.",
                    fields=[
                        {
                            "path": "email",
                            "message": "Not a demo user or a worker HR added: give a role too to sign in as someone new",
                        }
                    ],
                )
            if not _EMAIL.fullmatch(wanted):
                raise ValidationFailed(
                    "That is not an email address.",
                    fields=[{"path": "email", "message": "Enter a valid email address"}],
                )
            return DemoUser(_local_id(wanted), wanted, " ".join((name or "").split()), (role,))
        if role and role not in user.roles:
            raise ValidationFailed(
                "That demo user does not have that role.",
                fields=[{"path": "role", "message": f"{user.email} has roles {', '.join(user.roles)}"}],
            )
        return user
    users = for_role(role or "")
    if not users:
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


def issue_local_token(
    private_key_pem: str, *, user_id: str, email: str, name: str, roles: list[str], ttl_seconds: int = 12 * 3600
) -> str:
    """Mint a token with Cognito's ID-token claim shape, signed by the local key, for
    `chalicelib.auth.verify_token` to check as it checks Cognito's."""
    import jwt

    s = settings()
    now = int(time.time())
    claims = {
        "sub": user_id,
        "email": email,
        **({"name": name} if name else {}),  # Cognito leaves out an attribute the user has not got
        "cognito:groups": roles,
        "token_use": "id",
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, private_key_pem, algorithm="RS256")
