"""The AWS path of token verification: keys from a JWKS endpoint (as Cognito publishes them)."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import auth
from chalicelib.errors import Unauthorized


def test_a_user_pool_token_becomes_a_principal_with_its_groups_as_roles(user_pool):
    principal = auth.verify_token(user_pool["mint"]())
    assert principal.user_id == "user-7"
    assert principal.roles == frozenset({auth.Role.SUPERVISOR})


def test_the_name_comes_from_the_token_else_given_and_family_names_else_the_email(user_pool):
    assert auth.verify_token(user_pool["mint"]()).person.label == "Priya Shah, Supervisor"
    split = auth.verify_token(user_pool["mint"](name=None, given_name="Priya", family_name="Shah"))
    assert split.name == "Priya Shah"
    nameless = auth.verify_token(user_pool["mint"](name=None, email="Priya@Agency.example"))
    assert (nameless.email, nameless.name) == ("priya@agency.example", "priya@agency.example")


def test_groups_that_are_not_roles_are_ignored(user_pool):
    principal = auth.verify_token(user_pool["mint"](**{"cognito:groups": ["hr", "printer-users"]}))
    assert principal.roles == frozenset({auth.Role.HR})


def test_a_token_signed_by_another_key_is_refused(user_pool):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthorized, match="not valid"):
        auth.verify_token(user_pool["mint"](key=other))


def test_a_token_for_another_app_client_is_refused(user_pool):
    with pytest.raises(Unauthorized, match="not valid"):
        auth.verify_token(user_pool["mint"](aud="someone-elses-client"))


def test_a_token_from_another_issuer_is_refused(user_pool):
    with pytest.raises(Unauthorized, match="not valid"):
        auth.verify_token(user_pool["mint"](iss="https://cognito-idp.eu-west-2.amazonaws.com/other-pool"))


def test_an_expired_token_says_sign_in_again(user_pool):
    with pytest.raises(Unauthorized, match="expired"):
        auth.verify_token(user_pool["mint"](exp=int(time.time()) - 10))
