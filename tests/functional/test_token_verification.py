"""The AWS path of token verification: keys from a JWKS endpoint (as Cognito publishes them)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import auth, config
from chalicelib.errors import Unauthorized

ISSUER = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Example"
AUDIENCE = "example-app-client"


@pytest.fixture(scope="module")
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_url(signing_key, monkeypatch):
    """A loopback server publishing the key the way a user pool's /.well-known/jwks.json does."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "key-1", "alg": "RS256", "use": "sig"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    monkeypatch.setenv("JWKS_URL", url)
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", AUDIENCE)
    config.settings.cache_clear()
    auth._jwks_client.cache_clear()
    yield url
    server.shutdown()
    config.settings.cache_clear()
    auth._jwks_client.cache_clear()


def _token(key, **overrides) -> str:
    now = int(time.time())
    claims = {
        "sub": "user-7",
        "email": "priya@agency.example",
        "name": "Priya Shah",
        "cognito:groups": ["supervisor"],
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "token_use": "id",
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})


def test_a_user_pool_token_becomes_a_principal_with_its_groups_as_roles(jwks_url, signing_key):
    principal = auth.verify_token(_token(signing_key))
    assert principal.user_id == "user-7"
    assert principal.roles == frozenset({auth.Role.SUPERVISOR})


def test_groups_that_are_not_roles_are_ignored(jwks_url, signing_key):
    principal = auth.verify_token(_token(signing_key, **{"cognito:groups": ["hr", "printer-users"]}))
    assert principal.roles == frozenset({auth.Role.HR})


def test_a_token_signed_by_another_key_is_refused(jwks_url):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthorized, match="not valid"):
        auth.verify_token(_token(other))


def test_a_token_for_another_app_client_is_refused(jwks_url, signing_key):
    with pytest.raises(Unauthorized, match="not valid"):
        auth.verify_token(_token(signing_key, aud="someone-elses-client"))


def test_an_expired_token_says_sign_in_again(jwks_url, signing_key):
    with pytest.raises(Unauthorized, match="expired"):
        auth.verify_token(_token(signing_key, exp=int(time.time()) - 10))
