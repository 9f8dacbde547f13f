"""Hostile input, class by class: whatever a client controls gets a 4xx or is ignored, never a 500."""

from __future__ import annotations

import pytest

from chalicelib.web.pages import SESSION_COOKIE
from tests.helpers import FORM_HEADERS, post_form, session_cookie

# Names another site on the parent domain may set; `http.cookies.SimpleCookie` refuses them.
STRANGERS_COOKIES = ["AMCV_1@AdobeOrg=1", "a(b)=1", "x,y=2", "p/q=3", "noequals", '"=";;=', "\x00=\x01"]


# -- headers and cookies --------------------------------------------------------------------------


@pytest.mark.parametrize("stranger", STRANGERS_COOKIES)
def test_a_strangers_cookie_beside_the_session_leaves_the_user_signed_in(client, stranger):
    session = session_cookie("hr")
    response = client.http.get("/hr/clearances", headers={"Cookie": f"{stranger}; {session}"})
    assert response.status_code == 200


@pytest.mark.parametrize("stranger", STRANGERS_COOKIES)
def test_a_strangers_cookie_on_an_approval_link_is_ignored(client, stranger):
    response = client.http.get("/approve/made-up-link-id", headers={"Cookie": stranger})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {"Cookie": "a" * 100_000},
        {"Origin": "http://[::1"},
        {"Origin": "http://\u00e9\u2028.example"},
        {"Authorization": "Bearer \u00e9\u00e9.\u00e9"},
        {"X-Correlation-Id": "\u2028" * 500},
        {"Host": "[::1"},
    ],
)
def test_odd_headers_on_a_page_post_never_give_a_500(client, headers):
    response = client.http.post(
        "/signin", headers={"Content-Type": "application/x-www-form-urlencoded", **headers}, body="email=x"
    )
    assert response.status_code < 500


def test_a_sign_in_callback_with_a_non_ascii_state_is_a_400(runtime):
    from chalicelib.errors import BadRequest
    from chalicelib.services import hosted_signin

    with pytest.raises(BadRequest):
        hosted_signin.exchange_code("code", "\u00e9t\u00e9", "expected")


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example", "https://evil.example", "/a\r\nSet-Cookie: x"])
def test_next_never_leaves_the_site_or_breaks_a_header(target):
    from chalicelib.web.pages import safe_next

    assert safe_next(target) == "/"


# -- caching --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "role"),
    [("/v1/workers", "hr"), ("/v1/compliance.csv", "hr"), ("/v1/audit", "admin"), ("/v1/audit?limit=x", "admin")],
)
def test_every_api_answer_and_error_is_never_cached(client, auth, path, role):
    response = client.http.get(path, headers=auth(role))
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unauthorised_api_answer_is_never_cached(client):
    assert client.http.get("/v1/workers").headers["Cache-Control"] == "no-store"


# -- query strings --------------------------------------------------------------------------------

LISTINGS = [
    ("/v1/visits", "supervisor"),
    ("/v1/workers", "hr"),
    ("/v1/referrals", "supervisor"),
    ("/v1/audit", "admin"),
]
HOSTILE_NUMBERS = ["\u00b2", "\u0661", "9" * 5000, "1e3", "-1", " ", "0x10"]


@pytest.mark.parametrize(("path", "role"), LISTINGS)
@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_a_limit_that_is_not_plain_digits_is_a_400_naming_it(client, auth, path, role, number):
    from urllib.parse import quote

    response = client.http.get(f"{path}?limit={quote(number)}", headers=auth(role))
    if number.strip():
        assert response.status_code == 400
        assert [f["path"] for f in response.json_body["error"]["fields"]] == ["limit"]
    else:
        assert response.status_code == 200  # blank is "not given"


@pytest.mark.parametrize("path", ["/v1/compliance.csv", "/v1/compliance"])
@pytest.mark.parametrize("number", HOSTILE_NUMBERS[:4])
def test_days_that_are_not_plain_digits_are_a_400_naming_them(client, auth, path, number):
    from urllib.parse import quote

    response = client.http.get(f"{path}?days={quote(number)}", headers=auth("hr"))
    assert response.status_code == 400
    assert [f["path"] for f in response.json_body["error"]["fields"]] == ["days"]


@pytest.mark.parametrize(
    ("path", "role", "query", "name"),
    [
        ("/v1/audit", "admin", "day=\u0662\u0660\u0662\u0667-01-01", "day"),
        ("/v1/audit", "admin", "entity=r%01&id=1", "entity"),
        ("/v1/audit", "admin", "entity=r%E2%80%A8x&id=1", "entity"),
        ("/v1/audit", "admin", f"entity=referral&id={'x' * 3000}", "id"),
        ("/v1/visits.ics", "supervisor", f"worker={'w' * 3000}", "worker"),
        ("/v1/workers", "hr", f"cursor={'c' * 5000}", "cursor"),
    ],
)
def test_hostile_query_text_is_a_400_naming_the_parameter(client, auth, path, role, query, name):
    response = client.http.get(f"{path}?{query}", headers=auth(role))
    assert response.status_code == 400
    assert name in [f["path"] for f in response.json_body["error"]["fields"]]


def test_every_route_that_reads_a_query_declares_its_model():
    """A route reads its query only through the model it declares: OpenAPI lists exactly those."""
    import app  # noqa: F401 - registers every route
    from chalicelib.web.http import ROUTES
    from chalicelib.web.query import QueryModel

    for spec in ROUTES:
        if spec.query is not None:
            assert issubclass(spec.query_model, QueryModel), spec.path


# -- body size ------------------------------------------------------------------------------------

HUGE = "x" * (300 * 1024)
FORM = FORM_HEADERS


@pytest.mark.parametrize("path", ["/signin", "/approve/made-up-link-id", "/hr/workers/new", "/referrals/r-1/withdraw"])
def test_a_form_over_the_limit_is_a_413_page_that_echoes_nothing(client, path):
    session = session_cookie("hr")
    response = client.http.post(path, headers={**FORM, "Cookie": session}, body=f"email={HUGE}&name={HUGE}")
    assert response.status_code == 413
    assert len(response.body) < 100_000


@pytest.mark.parametrize("path", ["/v1/referrals/r-1/withdraw", "/v1/visits/v-1/report/submit"])
def test_an_api_body_over_the_limit_is_a_413_even_where_no_body_is_read(client, auth, path):
    response = client.http.post(path, headers=auth("referrer"), body=HUGE)
    assert response.status_code == 413
    assert response.json_body["error"]["code"] == "payload_too_large"


# -- form field names -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [".".join(["risks"] * 500), "children" + "[0]" * 500])
def test_a_field_name_nested_500_deep_is_a_400_page(client, name):
    from urllib.parse import urlencode

    session = session_cookie("referrer")
    body = urlencode({"idempotency_key": "k-1", "action": "submit", name: "x"})
    response = client.http.post("/referrals/new", headers={**FORM, "Cookie": session}, body=body)
    assert response.status_code == 400


# -- text that reaches an email header ------------------------------------------------------------


@pytest.mark.parametrize("odd", ["\u2028", "\u2029", "\u0085", "\r\n", "\u200b", "\ufeff", "\ud800"])
def test_a_childs_name_that_would_break_an_email_header_is_a_422_naming_the_field(client, auth, odd):
    import json

    from tests.dates import example_referral

    body = example_referral()
    body["children"][0]["first_name"] = f"Maya{odd}Bcc: someone@evil.example"
    response = client.http.post("/v1/referrals", headers=auth("referrer"), body=json.dumps(body))
    assert response.status_code == 422
    assert "children[0].first_name" in [f["path"] for f in response.json_body["error"]["fields"]]


@pytest.mark.parametrize("name", ["Mahsa\u200cRezaei", "Ana\u0301", "\U0001f468\u200d\U0001f469"])
def test_joiners_and_combining_marks_in_a_name_are_accepted(name):
    from chalicelib.domain.fields import single_line

    assert single_line(name) == name


@pytest.mark.parametrize("odd", ["\u2028", "\u0085", "\r\nBcc: someone@evil.example", "\ud800", "\x00"])
def test_stored_text_in_a_subject_never_stops_the_email_being_built(odd):
    from email import message_from_bytes, policy

    from chalicelib.services.email import RenderedEmail, build_message

    email = RenderedEmail(f"Decision for Maya{odd}Robinson", f"Dear Maya{odd}", f"<p>Maya{odd}</p>")
    raw = build_message(["amara@example.org"], email, "noreply@example.org").as_bytes()

    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"].startswith("Decision for Maya")
    assert parsed["Subject"].endswith("Robinson")
    assert parsed["Bcc"] is None


# -- ids ------------------------------------------------------------------------------------------

LONG_ID = "r" * 3000
ODD_IDS = [LONG_ID, "%E2%80%A8", "a%20b", "%C3%A9t%C3%A9"]


@pytest.mark.parametrize("odd", ODD_IDS)
@pytest.mark.parametrize(
    ("template", "role"),
    [
        ("/v1/referrals/{}", "supervisor"),
        ("/v1/visits/{}", "supervisor"),
        ("/v1/workers/{}", "hr"),
        ("/v1/workers/{}/clearances/background_check", "hr"),
        ("/v1/workers/w-1/clearances/{}", "hr"),
    ],
)
def test_an_id_that_is_not_ours_is_a_404_before_any_read(client, auth, template, role, odd, monkeypatch):
    from pynamodb.connection.base import Connection

    def no_read(*args, **kwargs):
        raise AssertionError("an AWS call for an id that is not ours")

    monkeypatch.setattr(Connection, "_make_api_call", no_read)
    method = client.http.put if "clearances" in template else client.http.get
    response = method(template.format(odd), headers=auth(role), body="{}")
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", [f"/referrals/{LONG_ID}", f"/visits/{LONG_ID}/report", f"/hr/clearances/{LONG_ID}/x"])
def test_a_page_for_an_id_that_is_not_ours_is_a_404_page(client, path):
    session = session_cookie("admin")
    response = client.http.get(path, headers={"Cookie": session})
    assert response.status_code == 404


def test_an_approval_link_over_the_key_size_still_gets_the_link_page(client):
    response = client.http.get(f"/approve/{LONG_ID}")
    assert response.status_code == 404
    assert b"This link does not work" in response.body


# -- cross-site posts -----------------------------------------------------------------------------

CROSS_SITE_PROOFS = [
    {},  # a plain cross-site form post from an old browser, or a script
    {"Origin": "null"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling site on the parent domain
    {"Origin": "null", "Referer": "https://evil.example/page"},
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},
]


@pytest.mark.parametrize("proof", CROSS_SITE_PROOFS)
def test_a_form_post_without_proof_it_came_from_our_pages_is_refused(client, proof):
    headers = {"Content-Type": "application/x-www-form-urlencoded", **proof}
    response = client.http.post("/approve/made-up-link-id", headers=headers, body="decision=accept&confirmed=yes")
    assert response.status_code == 403
    assert b"another website" in response.body


@pytest.mark.parametrize(
    "proof",
    [
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://localhost"},
        {"Referer": "http://localhost/approve/made-up-link-id"},
    ],
)
def test_a_form_post_from_our_own_pages_is_accepted(client, proof):
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Host": "localhost", **proof}
    response = client.http.post("/approve/made-up-link-id", headers=headers, body="decision=accept&confirmed=yes")
    assert response.status_code == 404  # past the check: the made-up link's own page


def test_a_signed_in_users_cookie_does_not_carry_a_cross_site_form(client, auth):
    from urllib.parse import urlencode

    session = session_cookie("hr")
    body = urlencode({"name": "Eve Intruder", "email": "eve@example.org"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"}
    response = client.http.post("/hr/workers/new", headers={**headers, "Cookie": session}, body=body)
    assert response.status_code == 403
    names = [w["name"] for w in client.http.get("/v1/workers", headers=auth("hr")).json_body["workers"]]
    assert "Eve Intruder" not in names


# -- races ----------------------------------------------------------------------------------------


def _referral_under_review(client, auth) -> str:
    from chalicelib.services.referrals import load
    from tests.dates import example_referral
    from tests.helpers import submit_referral, wait_for

    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    wait_for(lambda: load(referral_id).status == "UNDER_REVIEW", what="the review to begin")
    return referral_id


def _stale(referral, status: str):
    from copy import copy

    old = copy(referral)
    old.status = status
    return old


def test_a_withdrawal_as_the_review_begins_withdraws_instead_of_a_409(client, auth, monkeypatch):
    # GIVEN the withdrawal read the referral as SUBMITTED just before its review began
    from chalicelib.services import referrals

    referral_id = _referral_under_review(client, auth)
    real, reads = referrals.load_own, []

    def load_own(principal, wanted):
        reads.append(wanted)
        found = real(principal, wanted)
        return _stale(found, "SUBMITTED") if len(reads) == 1 else found

    monkeypatch.setattr(referrals, "load_own", load_own)
    # WHEN the referrer withdraws
    response = client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=auth("referrer"))
    # THEN it is withdrawn: the review beginning did not decide it
    assert response.status_code == 200, response.json_body
    assert response.json_body["status"] == "WITHDRAWN"


def test_the_ask_step_routes_closed_when_the_referral_was_withdrawn_as_it_began(client, auth, monkeypatch):
    # GIVEN the ask step read the referral as SUBMITTED, and it was withdrawn before it wrote
    from chalicelib.services import referral_review, review
    from chalicelib.services.referrals import load

    referral_id = _referral_under_review(client, auth)
    assert client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=auth("referrer")).status_code == 200
    reads = []

    def stale_first(subject_id):
        reads.append(subject_id)
        found = load(subject_id)
        return _stale(found, "SUBMITTED") if len(reads) == 1 else found

    monkeypatch.setattr(referral_review.SUBJECT, "load", stale_first)
    # WHEN the ask step runs
    with pytest.raises(review.NothingToDecide) as closed:
        review.ask(referral_review.SUBJECT, {"subject_id": referral_id, "task_token": "t", "reminders": 0})
    # THEN it routes "closed", not a failure
    assert str(closed.value.args[0]) == review.CLOSED


# -- sessions -------------------------------------------------------------------------------------


def _sign_in(client) -> str:
    from local.tokens import resolve_user

    response = post_form(client, "/signin", {"email": resolve_user("hr", None).email, "next": "/hr/clearances"})
    assert response.status_code == 303, response.body[:300]
    return response.headers["Set-Cookie"].split(";")[0]


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(client):
    # GIVEN a signed-in browser, and a copy of its cookie elsewhere
    cookie = _sign_in(client)
    assert client.http.get("/hr/clearances", headers={"Cookie": cookie}).status_code == 200
    # WHEN the browser signs out
    signed_out = post_form(client, "/signout", {}, headers={"Cookie": cookie})
    assert "Max-Age=0" in signed_out.headers["Set-Cookie"]
    # THEN the copy no longer signs anyone in
    again = client.http.get("/hr/clearances", headers={"Cookie": cookie})
    assert again.status_code == 303 and again.headers["Location"].startswith("/signin")


def test_a_token_in_the_session_cookie_is_not_a_session(client, token):
    response = client.http.get("/hr/clearances", headers={"Cookie": f"{SESSION_COOKIE}={token('hr')}"})
    assert response.status_code == 303
