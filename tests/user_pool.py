"""A loopback stand-in for a Cognito user pool: its signing keys (JWKS) and its token endpoint."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import auth, config

USER_POOL_CLIENT_ID = "web-client-1"
USER_POOL_BASE_URL = "https://contact.agency.example"
GOOD_CODE = "good-code"  # the one authorization code the token endpoint accepts


@pytest.fixture(scope="session")
def user_pool_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def user_pool(user_pool_key, monkeypatch):
    """GET answers the JWKS; POST /oauth2/token trades GOOD_CODE for an ID token. The service's
    settings point at it. Yields its domain, the token requests it saw, and `mint(key=, **claims)`."""
    seen: list[dict] = []
    state: dict = {}

    def mint(key=user_pool_key, **overrides) -> str:
        now = int(time.time())
        claims = {
            "sub": "user-7",
            "email": "priya@agency.example",
            "name": "Priya Shah",
            "cognito:groups": ["supervisor"],
            "iss": state["domain"],
            "aud": USER_POOL_CLIENT_ID,
            "iat": now,
            "exp": now + 600,
            "token_use": "id",
            **overrides,
        }
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})

    class UserPool(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 - the name http.server calls
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(user_pool_key.public_key()))
            self._send(200, {"keys": [{**public, "kid": "key-1", "alg": "RS256", "use": "sig"}]})

        def do_POST(self):  # noqa: N802
            length = int(self.headers["Content-Length"])
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            seen.append(form)
            if form.get("code") != GOOD_CODE:
                return self._send(400, {"error": "invalid_grant"})
            token = mint(sub="hr-7", email="jordan@agency.example", name="Jordan Lee", **{"cognito:groups": ["hr"]})
            self._send(200, {"id_token": token, "token_type": "Bearer"})

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), UserPool)
    state["domain"] = domain = f"http://127.0.0.1:{server.server_port}"
    for name, value in {
        "COGNITO_DOMAIN": domain,
        "JWKS_URL": f"{domain}/.well-known/jwks.json",
        "JWT_ISSUER": domain,
        "JWT_AUDIENCE": USER_POOL_CLIENT_ID,
        "PUBLIC_BASE_URL": USER_POOL_BASE_URL,
    }.items():
        monkeypatch.setenv(name, value)
    # Serving starts once the environment is set: glibc's setenv is not safe beside a thread
    # starting up (seen as a crash under faketime, whose clock reads the environment).
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config.settings.cache_clear()
    auth._jwks_client.cache_clear()
    yield {"domain": domain, "seen": seen, "mint": mint}
    server.shutdown()
    config.settings.cache_clear()
    auth._jwks_client.cache_clear()
