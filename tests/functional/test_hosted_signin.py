"""Sign-in of the deployed stages through the user pool's hosted pages, against a loopback stand-in
for Cognito's token and key endpoints."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from chalice import Chalice
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import auth, config

CLIENT_ID = "web-client-1"
BASE_URL = "https://contact.agency.example"


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def cognito(key, monkeypatch):
    """Answers /oauth2/token (code "good-code" only) and publishes the signing key."""
    seen: list[dict] = []
    issuer_box: dict = {}

    class Cognito(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            self._send(200, {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]})

        def do_POST(self):  # noqa: N802
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
            seen.append(form)
            if form.get("code") != "good-code":
                return self._send(400, {"error": "invalid_grant"})
            now = int(time.time())
            claims = {
                "sub": "hr-7",
                "email": "jordan@agency.example",
                "name": "Jordan Lee",
                "cognito:groups": ["hr"],
                "iss": issuer_box["issuer"],
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 3600,
                "token_use": "id",
            }
            self._send(
                200,
                {"id_token": jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"}), "token_type": "Bearer"},
            )

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Cognito)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    domain = f"http://127.0.0.1:{server.server_port}"
    issuer_box["issuer"] = domain
    for name, value in {
        "COGNITO_DOMAIN": domain,
        "JWKS_URL": f"{domain}/.well-known/jwks.json",
        "JWT_ISSUER": domain,
        "JWT_AUDIENCE": CLIENT_ID,
        "PUBLIC_BASE_URL": BASE_URL,
    }.items():
        monkeypatch.setenv(name, value)
    config.settings.cache_clear()
    auth._jwks_client.cache_clear()
    yield {"domain": domain, "seen": seen}
    server.shutdown()
    config.settings.cache_clear()
    auth._jwks_client.cache_clear()


@pytest.fixture
def client(cognito):
    from chalicelib.api import signin

    app = Chalice("signin-under-test", configure_logs=False)
    app.register_blueprint(signin.routes)
    # The prod stage's variables, as deployed: no local base URL, Secure cookies.
    with Client(app, stage_name="prod") as test_client:
        yield test_client
    config.settings.cache_clear()


def _cookies(response) -> list[str]:
    value = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
    return value if isinstance(value, list) else [value]


def test_signin_sends_the_browser_to_the_hosted_page_with_a_state_kept_in_a_cookie(client, cognito):
    response = client.http.get("/signin?next=/hr/clearances")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{cognito['domain']}/oauth2/authorize"
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == f"{BASE_URL}/signin/callback"
    assert _cookies(response)[0].startswith(f"fcs_signin={query['state']}|/hr/clearances;")


def test_callback_with_the_browsers_state_signs_in_and_returns_to_the_page(client, cognito):
    response = client.http.get(
        "/signin/callback?code=good-code&state=s-123", headers={"Cookie": "fcs_signin=s-123|/hr/clearances"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/hr/clearances"
    cookies = _cookies(response)
    assert any(c.startswith("fcs_session=ey") and "HttpOnly" in c and "Secure" in c for c in cookies)
    assert any(c.startswith("fcs_signin=;") and "Max-Age=0" in c for c in cookies)
    assert cognito["seen"][0]["redirect_uri"] == f"{BASE_URL}/signin/callback"


def test_callback_with_a_state_this_browser_did_not_start_is_refused(client, cognito):
    response = client.http.get("/signin/callback?code=good-code&state=forged", headers={"Cookie": "fcs_signin=s-123|/"})
    assert response.status_code == 400
    assert b"not the one your browser started" in response.body
    assert cognito["seen"] == []  # the code was never even exchanged


def test_a_refused_code_gets_a_clear_page_and_no_session(client, cognito):
    response = client.http.get("/signin/callback?code=stale&state=s-1", headers={"Cookie": "fcs_signin=s-1|/"})
    assert response.status_code == 401
    assert b"the code was refused" in response.body
    assert "fcs_session" not in " ".join(c or "" for c in _cookies(response))


def test_a_next_page_on_another_site_is_replaced_by_the_start_page(client, cognito):
    response = client.http.get(
        "/signin/callback?code=good-code&state=s-9", headers={"Cookie": "fcs_signin=s-9|//evil.example/"}
    )
    assert response.headers["Location"] == "/"


def test_signout_clears_the_session_and_signs_out_of_the_user_pool(client, cognito):
    response = client.http.get("/signout")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{cognito['domain']}/logout?client_id={CLIENT_ID}")
    assert any(c.startswith("fcs_session=;") and "Max-Age=0" in c for c in _cookies(response))
