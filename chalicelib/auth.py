"""Bearer-token identity: one verification path for Cognito (AWS) and the local signing key.

Tokens carry Cognito ID-token claims: `sub`, `email`, `name` (or `given_name` and `family_name`),
`cognito:groups` (the roles).
Locally they are signed with a key the embedded runtime creates (and minted by `local/tokens.py`,
which is never packaged); in AWS the key comes from the user pool's JWKS. Everything after
"which key" is the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from chalicelib.config import settings
from chalicelib.domain.identity import normalise_email
from chalicelib.domain.people import Person, main_role, name_from_claims
from chalicelib.errors import Forbidden, Unauthorized


class Role(StrEnum):
    REFERRER = "referrer"
    WORKER = "worker"
    SUPERVISOR = "supervisor"
    HR = "hr"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str
    name: str
    roles: frozenset[Role]

    def has_any(self, roles: frozenset[Role]) -> bool:
        # An admin may do everything the other roles may.
        return Role.ADMIN in self.roles or bool(self.roles & roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def person(self) -> Person:
        """Who this is, as a change records them: the email (the identity), the name to show and
        the role they act in."""
        return Person(self.email, self.name or None, main_role(role.value for role in self.roles))


def _signing_key(token: str):
    s = settings()
    if s.jwks_url:
        return _jwks_client(s.jwks_url).get_signing_key_from_jwt(token).key
    if s.local_jwt_public_key_path:
        return _local_public_key(s.local_jwt_public_key_path)
    raise Unauthorized("Sign-in is not configured for this stage.")


@lru_cache(maxsize=2)
def _jwks_client(url: str):
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True)


@lru_cache(maxsize=4)
def _local_public_key(path: str) -> str:
    with open(path, encoding="ascii") as handle:
        return handle.read()


def verify_token(token: str) -> Principal:
    import jwt

    s = settings()
    try:
        claims = jwt.decode(
            token,
            _signing_key(token),
            algorithms=["RS256"],
            audience=s.jwt_audience,
            issuer=s.jwt_issuer,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Your sign-in has expired. Please sign in again.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The bearer token is not valid.") from exc
    roles = frozenset(Role(g) for g in claims.get("cognito:groups", []) if g in Role._value2member_map_)
    email = normalise_email(claims.get("email", ""))  # the one normalisation; compared exactly after
    # The name is only shown, never compared: without one in the token, the email stands in.
    return Principal(user_id=claims["sub"], email=email, name=name_from_claims(claims) or email, roles=roles)


def bearer_token(headers) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def require(principal: Principal | None, roles: frozenset[Role]) -> Principal:
    if principal is None:
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    if not principal.has_any(roles):
        allowed = ", ".join(sorted(r.value for r in roles))
        raise Forbidden(f"This action needs one of these roles: {allowed}.")
    return principal
