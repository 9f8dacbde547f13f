"""Sign-in of the deployed stages through the user pool's hosted pages, against a loopback stand-in
for Cognito's token and key endpoints."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib import config
from tests.helpers import FORM_HEADERS, fresh_blueprint
from tests.user_pool import GOOD_CODE, USER_POOL_BASE_URL, USER_POOL_CLIENT_ID

CLIENT_ID = USER_POOL_CLIENT_ID
BASE_URL = USER_POOL_BASE_URL


@pytest.fixture
def client(user_pool, runtime):  # the runtime holds the sessions table
    app = Chalice("signin-under-test", configure_logs=False)
    app.register_blueprint(fresh_blueprint("chalicelib.api.signin"))
    # The prod stage's variables, as deployed: no local base URL, Secure cookies.
    with Client(app, stage_name="prod") as test_client:
        yield test_client
    config.settings.cache_clear()


def _cookies(response) -> list[str]:
    value = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
    return value if isinstance(value, list) else [value]


def test_signin_sends_the_browser_to_the_hosted_page_with_a_state_kept_in_a_cookie(client, user_pool):
    response = client.http.get("/signin?next=/hr/clearances")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{user_pool['domain']}/oauth2/authorize"
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == f"{BASE_URL}/signin/callback"
    assert _cookies(response)[0].startswith(f"fcs_signin={query['state']}|/hr/clearances;")


def test_callback_with_the_browsers_state_signs_in_and_returns_to_the_page(client, user_pool):
    response = client.http.get(
        f"/signin/callback?code={GOOD_CODE}&state=s-123", headers={"Cookie": "fcs_signin=s-123|/hr/clearances"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/hr/clearances"
    cookies = _cookies(response)
    # an opaque id of a server-side session, not the token itself
    assert any(re.match(r"fcs_session=[\w-]{43};", c) and "HttpOnly" in c and "Secure" in c for c in cookies)
    assert any(c.startswith("fcs_signin=;") and "Max-Age=0" in c for c in cookies)
    assert user_pool["seen"][0]["redirect_uri"] == f"{BASE_URL}/signin/callback"


def test_callback_with_a_state_this_browser_did_not_start_is_refused(client, user_pool):
    response = client.http.get(
        f"/signin/callback?code={GOOD_CODE}&state=forged", headers={"Cookie": "fcs_signin=s-123|/"}
    )
    assert response.status_code == 400
    assert b"not the one your browser started" in response.body
    assert user_pool["seen"] == []  # the code was never even exchanged


def test_a_refused_code_gets_a_clear_page_and_no_session(client, user_pool):
    response = client.http.get("/signin/callback?code=stale&state=s-1", headers={"Cookie": "fcs_signin=s-1|/"})
    assert response.status_code == 401
    assert b"the code was refused" in response.body
    assert "fcs_session" not in " ".join(c or "" for c in _cookies(response))


def test_a_next_page_on_another_site_is_replaced_by_the_start_page(client, user_pool):
    response = client.http.get(
        f"/signin/callback?code={GOOD_CODE}&state=s-9", headers={"Cookie": "fcs_signin=s-9|//evil.example/"}
    )
    assert response.headers["Location"] == "/"


def test_signout_clears_the_session_and_signs_out_of_the_user_pool(client, user_pool):
    response = client.http.post("/signout", headers=FORM_HEADERS)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{user_pool['domain']}/logout?client_id={CLIENT_ID}")
    assert any(c.startswith("fcs_session=;") and "Max-Age=0" in c for c in _cookies(response))


def _signed_in_session(client) -> str:
    from chalicelib.services.sessions import principal_of

    signed_in = client.http.get(f"/signin/callback?code={GOOD_CODE}&state=s-5", headers={"Cookie": "fcs_signin=s-5|/"})
    session_id = next(c for c in _cookies(signed_in) if c.startswith("fcs_session=")).split(";")[0].split("=", 1)[1]
    assert principal_of(session_id) is not None
    return session_id


def test_signout_ends_the_server_side_session(client, user_pool):
    from chalicelib.services.sessions import principal_of

    session_id = _signed_in_session(client)
    client.http.post("/signout", headers={**FORM_HEADERS, "Cookie": f"fcs_session={session_id}"})
    assert principal_of(session_id) is None


def test_opening_the_signout_address_only_shows_the_sign_out_button(client, user_pool):
    """A link prefetcher or an email scanner that opens /signout signs nobody out."""
    from chalicelib.services.sessions import principal_of

    session_id = _signed_in_session(client)
    page = client.http.get("/signout", headers={"Cookie": f"fcs_session={session_id}"})
    assert page.status_code == 200
    assert b'<form method="post" action="/signout">' in page.body and b"Sign out now</button>" in page.body
    assert "fcs_session" not in " ".join(c or "" for c in _cookies(page))
    assert principal_of(session_id) is not None


def test_a_signout_posted_from_another_site_is_refused_and_the_session_kept(client, user_pool):
    from chalicelib.services.sessions import principal_of

    session_id = _signed_in_session(client)
    cross_site = {**FORM_HEADERS, "Sec-Fetch-Site": "cross-site", "Cookie": f"fcs_session={session_id}"}
    response = client.http.post("/signout", headers=cross_site)
    assert response.status_code == 403
    assert principal_of(session_id) is not None


def test_every_page_lets_forms_go_on_to_the_user_pools_sign_out(client, user_pool):
    """Signing out is a form whose answer redirects to the hosted pages: a browser checks that
    redirect against the page's `form-action` too."""
    from tests.helpers import policy_directives, strict_policy

    policy = client.http.get("/signout").headers["Content-Security-Policy"]
    assert strict_policy(policy)
    assert policy_directives(policy)["form-action"] == {"'self'", user_pool["domain"]}


@pytest.mark.parametrize("value", ["%C2%B2", "9" * 5000, "%ff%fe%80", "a%0Ab"])
def test_a_hostile_next_page_is_ignored_for_the_start_page(client, user_pool, value):
    response = client.http.get(f"/signin?next={value}&next=/referrals&next={value}")
    assert response.status_code == 303
    assert "|/;" in _cookies(response)[0]  # back to the start page afterwards


@pytest.mark.parametrize(("query", "name"), [(f"code={'9' * 5000}&state=s-1", "code"), ("code=c&state=a%0Ab", "state")])
def test_a_hostile_code_or_state_is_the_400_page_naming_it_and_nothing_is_exchanged(client, user_pool, query, name):
    response = client.http.get(f"/signin/callback?{query}", headers={"Cookie": "fcs_signin=s-1|/"})
    assert response.status_code == 400
    assert name in response.body.decode()
    assert user_pool["seen"] == []


def test_a_non_utf8_code_is_refused_without_a_500(client, user_pool):
    response = client.http.get(
        "/signin/callback?code=%ff%fe&state=s-1&limit=%C2%B2", headers={"Cookie": "fcs_signin=s-1|/"}
    )
    assert response.status_code in (400, 401)
