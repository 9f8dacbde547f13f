"""The access matrix: every route of the app, API and pages, called by every role and by every kind
of caller who is not signed in properly. Exactly the combinations the table allows get through.

The route list comes from the app itself (`app.routes`; `ROUTES` for the API's declared roles), so
a route added without a row here fails `test_the_table_lists_every_route_of_the_app`.

What "gets through" means for a probe: a read answers 200; a write answers what the route says to
that request once access is granted (422 for an empty form or body, 409 where the item's state
refuses it): the probes change no data. A caller who is not let through gets 401 or 403 from the
API (never 200, never 500), and from a page either the sign-in redirect (not signed in: no
session, a forged or ended session, a bearer token that is expired, signed by another key, has its
role claim edited or is unsigned) or the 403 page (signed in without the role, or in no role).

Local-only routes (`/dev/*`, the demo `/signin` form and `/signout`) are open to anyone: they exist
only in the `local` stage, which holds demo data. `tests/deploy/test_template.py` proves no packaged
stage registers them; the deployed stages' `/signin` and `/signin/callback` are tested in
`test_hosted_signin.py`.

Ownership: the service answers 403 to someone who is not the owner, and the same 403 for an id that
does not exist, so ids cannot be probed (staff, who may read any, are told 404). A referrer reads a report of their own referral only once it
is approved (404 "not approved yet" before: the referrer knows the visit exists).
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

import pytest

from tests.helpers import FORM_HEADERS, bearer, strict_policy, wait_for, wait_for_email
from tests.incident_helpers import decided_incident
from tests.report_helpers import SUPERVISOR, book_visit, save, write_and_submit
from tests.visit_helpers import (
    CASEY,
    OTHER_REFERRER_EMAIL,
    REFERRER_EMAIL,
    ROBIN,
    add_referral,
    add_worker,
    post_visit,
)

ROLES = ("referrer", "worker", "supervisor", "hr", "admin")
# The people each role is played by: the owner of the seeded data.
PEOPLE = {"referrer": REFERRER_EMAIL, "worker": CASEY, "supervisor": SUPERVISOR}
OTHER_REFERRER, OTHER_WORKER = OTHER_REFERRER_EMAIL, ROBIN

# Callers who are not signed in properly. The API reads only a bearer token; a page reads the
# session cookie, or a bearer token when there is no cookie.
BAD_TOKENS = ("no_token", "expired_token", "foreign_key_token", "edited_role_token", "unsigned_token")
BAD_SESSIONS = (
    "no_session",
    "forged_session",
    "ended_session",
    "expired_token",
    "foreign_key_token",
    "edited_role_token",
    "unsigned_token",
)
# Signed in properly, but in no role (a user-pool account in no group): refused like a wrong role.
NO_ROLE = "no_role"
SIGNED_IN = (*ROLES, NO_ROLE)
EVERYONE = frozenset({*SIGNED_IN, *BAD_TOKENS, *BAD_SESSIONS})

REFERRAL_READERS = frozenset({"referrer", "supervisor", "admin"})
DECIDERS = frozenset({"supervisor", "admin"})
HR = frozenset({"hr", "admin"})
ADMIN = frozenset({"admin"})
REPORT_READERS = frozenset({"supervisor", "worker", "referrer", "admin"})
PDF = "application/pdf"


@dataclass(frozen=True)
class Row:
    """One route and method: who gets through, and what a probe answers them."""

    method: str
    path: str  # as `app.routes` names it; `{...}` filled from the seeded data
    allowed: frozenset[str]
    ok: int  # the status an allowed caller gets from this probe
    body: dict | None = None  # JSON for the API, form fields for a page
    page: bool = False
    location: str | None = None  # where an allowed caller is redirected (ok == 303)
    accept: str | None = None  # a binary answer is sent only to a caller who accepts it


def api(method: str, path: str, allowed: frozenset[str], ok: int = 200, body: dict | None = None, **kw) -> Row:
    return Row(method, path, allowed, ok, body, **kw)


def page(method: str, path: str, allowed: frozenset[str], ok: int = 200, body: dict | None = None, **kw) -> Row:
    return Row(method, path, allowed, ok, body, page=True, **kw)


VALID_ANSWER = {"answer": "The order was made on 3 March."}

TABLE: tuple[Row, ...] = (
    # -- open to anyone -------------------------------------------------------------------------
    api("GET", "/health", EVERYONE),
    api("GET", "/openapi.json", EVERYONE),
    # -- referrals ------------------------------------------------------------------------------
    api("POST", "/v1/referrals", frozenset({"referrer", "admin"}), 422, {}),
    api("GET", "/v1/referrals", REFERRAL_READERS),
    api("GET", "/v1/referrals/{referral_id}", REFERRAL_READERS),
    # Owner only: an admin passes the role gate and the service refuses (not their referral).
    api("POST", "/v1/referrals/{referral_id}/amendments", frozenset({"referrer"}), 409, VALID_ANSWER),
    api("POST", "/v1/referrals/{referral_id}/withdraw", frozenset({"referrer"}), 409),
    api("POST", "/v1/referrals/{referral_id}/decision", DECIDERS, 422, {}),
    # -- workers and compliance -----------------------------------------------------------------
    api("POST", "/v1/workers", HR, 422, {}),
    api("GET", "/v1/workers", frozenset({"hr", "supervisor", "admin"})),
    api("GET", "/v1/workers/{worker_id}", frozenset({"hr", "supervisor", "admin", "worker"})),
    api("PUT", "/v1/workers/{worker_id}/clearances/{kind}", HR, 422, {}),
    api("GET", "/v1/compliance", HR),
    api("GET", "/v1/compliance.csv", HR),
    # -- decisions ------------------------------------------------------------------------------
    api("GET", "/v1/decisions", DECIDERS),
    # -- visits ---------------------------------------------------------------------------------
    api("POST", "/v1/visits", DECIDERS, 422, {}),
    api("POST", "/v1/visits/past", DECIDERS, 422, {}),
    api("POST", "/v1/referrals/{referral_id}/visits", DECIDERS, 422, {}),
    api("GET", "/v1/visits", frozenset({"supervisor", "worker", "referrer", "admin"})),
    api("GET", "/v1/visits.ics", frozenset({"supervisor", "worker", "admin"})),
    api("GET", "/v1/visits/{visit_id}", frozenset({"supervisor", "worker", "referrer", "admin"})),
    api("PATCH", "/v1/visits/{visit_id}", DECIDERS, 422, {"venue": ""}),
    api("POST", "/v1/visits/{visit_id}/cancel", frozenset({"supervisor", "worker", "admin"}), 422, {}),
    # -- reports (the probe's visit has an approved report: writing it is a 409) ---------------
    api("PUT", "/v1/visits/{visit_id}/report", frozenset({"worker"}), 409, {}),
    api("POST", "/v1/visits/{visit_id}/report/submit", frozenset({"worker"}), 409),
    api("POST", "/v1/visits/{visit_id}/report/decision", DECIDERS, 422, {}),
    api("POST", "/v1/visits/{visit_id}/report/handover", DECIDERS, 422, {}),
    api("GET", "/v1/visits/{visit_id}/report", frozenset({"supervisor", "worker", "referrer", "admin"})),
    api("GET", "/v1/visits/{visit_id}/report.pdf", REPORT_READERS, accept=PDF),
    # -- audit ----------------------------------------------------------------------------------
    api("GET", "/v1/audit", ADMIN),
    # -- the case's status (the probe's referral is active: its letter is a 409) ---------------
    api("POST", "/v1/referrals/{referral_id}/suspend", DECIDERS, 422, {}),
    api("POST", "/v1/referrals/{referral_id}/resume", DECIDERS, 422, {}),
    api("POST", "/v1/referrals/{referral_id}/close", DECIDERS, 422, {}),
    api("POST", "/v1/referrals/{referral_id}/end-request/decision", DECIDERS, 422, {}),
    # The owner's: an admin passes the role gate to the body's 422 (the service refuses a valid one).
    api("POST", "/v1/referrals/{referral_id}/end-request", frozenset({"referrer", "admin"}), 422, {}),
    api("GET", "/v1/referrals/{referral_id}/closing-letter.pdf", REFERRAL_READERS, 409, accept=PDF),
    # -- local stage only -----------------------------------------------------------------------
    api("GET", "/dev/outbox", EVERYONE),
    api("POST", "/dev/token", EVERYONE, 422, {}),
    api("POST", "/dev/jobs/{name}", EVERYONE, 404, {}),
    # -- pages ----------------------------------------------------------------------------------
    page("GET", "/", EVERYONE),
    page("GET", "/signin", EVERYONE),
    page("POST", "/signin", EVERYONE, 422, {"email": "nobody@example.org"}),
    # Signing out is a POST (the header's button); GET shows that button and changes nothing.
    page("GET", "/signout", EVERYONE),
    page("POST", "/signout", EVERYONE, 303, location="/"),
    # An approval link is its own key: whoever holds it sees the same page (here: a link that does
    # not work), signed in or not.
    page("GET", "/approve/{link_id}", EVERYONE, 404),
    page("HEAD", "/approve/{link_id}", EVERYONE, 404),
    page("POST", "/approve/{link_id}", EVERYONE, 404, {"decision": "approve", "confirmed": "yes"}),
    # Whatever no route takes: the 404 page (JSON under /v1/), the same to everyone.
    *(page(method, "/{proxy+}", EVERYONE, 404) for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")),
    page("GET", "/audit", ADMIN),
    page("GET", "/admin/sessions", ADMIN),
    page("POST", "/admin/sessions", ADMIN, 422, {"email": "not an email"}),
    page("GET", "/decisions", DECIDERS),
    page("GET", "/referrals/new", frozenset({"referrer", "admin"})),
    page("POST", "/referrals/new", frozenset({"referrer", "admin"}), 422, {"action": "submit"}),
    page("GET", "/referrals", REFERRAL_READERS),
    # A draft is its owner's alone: the probe's draft id names none, which a referrer is told (404).
    page("GET", "/referrals/drafts/{draft_id}", frozenset({"referrer", "admin"}), 404),
    page("POST", "/referrals/drafts/{draft_id}", frozenset({"referrer", "admin"}), 404, {"action": "save"}),
    page("POST", "/referrals/drafts/{draft_id}/delete", frozenset({"referrer", "admin"}), 404),
    page("GET", "/referrals/{referral_id}", REFERRAL_READERS),
    page("POST", "/referrals/{referral_id}/answer", frozenset({"referrer"}), 422, {"answer": ""}),
    page("POST", "/referrals/{referral_id}/withdraw", frozenset({"referrer"}), 422, {"withdraw.reason": ""}),
    page("POST", "/referrals/{referral_id}/decision", DECIDERS, 422, {"decide.decision": ""}),
    page("POST", "/referrals/{referral_id}/suspend", DECIDERS, 422, {"suspend.reason": ""}),
    page("POST", "/referrals/{referral_id}/resume", DECIDERS, 409, {"resume.reason": "Ready"}),
    page("POST", "/referrals/{referral_id}/close", DECIDERS, 422, {"close.reason": ""}),
    page("POST", "/referrals/{referral_id}/end-request", frozenset({"referrer", "admin"}), 422, {"end.reason": ""}),
    page("POST", "/referrals/{referral_id}/end-request/decision", DECIDERS, 422, {"end_decision.decision": ""}),
    page("GET", "/referrals/{referral_id}/closing-letter.pdf", REFERRAL_READERS, 409, accept=PDF),
    page("GET", "/referrals/{referral_id}/visits/new", DECIDERS),
    page("POST", "/referrals/{referral_id}/visits/new", DECIDERS, 422, {"first_start": ""}),
    page("GET", "/referrals/{referral_id}/visits/past", DECIDERS),
    page("POST", "/referrals/{referral_id}/visits/past", DECIDERS, 422, {"start": ""}),
    page("GET", "/hr/clearances", HR),
    page("GET", "/hr/clearances.csv", HR),
    page("GET", "/hr/clearances/{worker_id}/{kind}", HR),
    page("POST", "/hr/clearances/{worker_id}/{kind}", HR, 422, {"issued_on": ""}),
    page("GET", "/hr/workers/new", HR),
    page("POST", "/hr/workers/new", HR, 422, {"name": ""}),
    page("GET", "/visits/week", DECIDERS),
    page("GET", "/visits/mine", frozenset({"worker", "admin"})),
    page("GET", "/visits/mine.ics", frozenset({"worker", "admin"})),
    page("GET", "/visits/at-risk", DECIDERS),
    # One visit's page and briefing: its worker and staff (the probe's visit is Casey's).
    page("GET", "/visits/{visit_id}", frozenset({"supervisor", "worker", "admin"})),
    page("GET", "/visits/{visit_id}/move", DECIDERS),
    page("POST", "/visits/{visit_id}/move", DECIDERS, 422, {"start": ""}),
    page("GET", "/visits/{visit_id}/reassign", DECIDERS),
    page("POST", "/visits/{visit_id}/reassign", DECIDERS, 422, {"worker_id": ""}),
    page("GET", "/visits/{visit_id}/cancel", DECIDERS),
    page("POST", "/visits/{visit_id}/cancel", DECIDERS, 422, {"reason": ""}),
    page("GET", "/visits/{visit_id}/report", frozenset({"supervisor", "worker", "referrer", "admin"})),
    page("POST", "/visits/{visit_id}/report", frozenset({"worker"}), 409, {"action": "save"}),
    page("GET", "/visits/{visit_id}/report.pdf", REPORT_READERS, accept=PDF),
    page("POST", "/visits/{visit_id}/report/decision", DECIDERS, 422, {"decide.decision": ""}),
    # -- incidents (the probe's incident is decided: its referrer may read it) -----------------
    api("POST", "/v1/visits/{visit_id}/incidents", frozenset({"worker", "supervisor", "admin"}), 422, {}),
    api("GET", "/v1/incidents/{incident_id}", REPORT_READERS),
    api("POST", "/v1/incidents/{incident_id}/decision", DECIDERS, 422, {}),
    page("POST", "/visits/{visit_id}/incidents", frozenset({"worker", "supervisor", "admin"}), 422, {"present": ""}),
    page("GET", "/incidents/{incident_id}", frozenset({"supervisor", "worker", "admin"})),
    page("POST", "/incidents/{incident_id}/decision", DECIDERS, 422, {"decide.decision": ""}),
    # The pages' stylesheet and scripts: the same to everyone, with no session read.
    api("GET", "/assets/{file_name}", EVERYONE),
    api("HEAD", "/assets/{file_name}", EVERYONE),
    # -- case reviews and the court bundle (the probe's referral is an active case with an approved report)
    api("POST", "/v1/referrals/{referral_id}/reviews", DECIDERS, 422, {}),
    api("GET", "/v1/referrals/{referral_id}/bundle.pdf", REFERRAL_READERS, accept=PDF),
    page("POST", "/referrals/{referral_id}/reviews", DECIDERS, 422, {"review.attendance": ""}),
    page("GET", "/referrals/{referral_id}/bundle.pdf", REFERRAL_READERS, accept=PDF),
    # -- a case's timeline: staff, and the referrer who made the referral ------------------------
    api("GET", "/v1/referrals/{referral_id}/timeline", REFERRAL_READERS),
    page("GET", "/referrals/{referral_id}/timeline", REFERRAL_READERS),
    # -- families: staff record a family member's reminder choice ---------------------------------
    page("POST", "/referrals/{referral_id}/family/{member}", DECIDERS, 422, {"family.0.reminders": ""}),
    # A family link is its own key, like an approval link: the same page to anyone (here: a link
    # that does not work).
    page("GET", "/family/{link_id}", EVERYONE, 404),
    page("HEAD", "/family/{link_id}", EVERYONE, 404),
    page("POST", "/family/{link_id}", EVERYONE, 404, {"answer": "coming"}),
    api("PUT", "/v1/referrals/{referral_id}/family-members/{member}/reminders", DECIDERS, 422, {}),
    # -- email events: a bounce or complaint delivered as the topic would (local stage only) -----
    api("POST", "/dev/email-events", EVERYONE, 422, {}),
    # -- the service dashboard: admins and supervisors ------------------------------------------
    api("GET", "/v1/dashboard", DECIDERS),
    api("GET", "/v1/dashboard.csv", DECIDERS),
    page("GET", "/dashboard", DECIDERS),
    page("GET", "/dashboard.csv", DECIDERS),
)
# Every page read by GET answers HEAD the same way (`web.pages.page_route`), without the body.
TABLE += tuple(
    replace(row, method="HEAD")
    for row in TABLE
    if row.page and row.method == "GET" and row.path not in ("/approve/{link_id}", "/family/{link_id}", "/{proxy+}")
)


# -- one runtime and one set of data for the module ---------------------------------------------


@pytest.fixture(scope="module")
def runtime(module_runtime):
    return module_runtime


@pytest.fixture(scope="module")
def client(module_client):
    return module_client


@dataclass
class World:
    ids: dict[str, str]
    visits: dict[str, str] = field(default_factory=dict)  # report state -> visit id (Casey's)
    other_referral: str = ""
    other_visit: str = ""  # Robin's visit, on the other referrer's referral


@pytest.fixture(scope="module")
def world(client, runtime) -> World:
    """A referral per referrer; Casey's visits with a report in each state; Robin's visit."""
    from chalicelib import clock
    from chalicelib.assets import asset_url
    from chalicelib.storage.visits import Visit

    casey = add_worker("Casey Evans", CASEY)
    robin = add_worker("Robin Patel", ROBIN)
    visits = {
        state: book_visit(client, bearer, days_from_now=-days)
        for days, state in ((4, "none"), (3, "approved"), (2, "submitted"), (1, "draft"))
    }
    assert save(client, bearer, visits["draft"]).status_code == 200
    write_and_submit(client, bearer, visits["submitted"])
    write_and_submit(client, bearer, visits["approved"])
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval", count=2)
    decide = lambda: client.http.post(  # noqa: E731 - the ask step may still be issuing its link
        f"/v1/visits/{visits['approved']}/report/decision",
        headers=bearer("supervisor"),
        body=json.dumps({"decision": "approve"}),
    )
    wait_for(lambda: decide().status_code == 200, what="the report's approval")

    other_referral = add_referral(
        referrer_id="u-referrer-2", referrer_email=OTHER_REFERRER_EMAIL, plan=("2020-01-06", None)
    )
    day = (clock.now().date()).isoformat()
    booked = post_visit(
        client,
        bearer("supervisor"),
        {
            "referral_id": other_referral,
            "worker_id": robin,
            "start": f"{day}T00:05",
            "end": f"{day}T00:35",
            "venue": "Northshire Family Centre, Room 3",
            "participants": {"children": [0], "family_members": [0]},
        },
    )
    assert booked.status_code == 201, booked.body
    referral = Visit.get(visits["approved"]).referral_id
    ids = {
        "referral_id": referral,
        "visit_id": visits["approved"],
        "worker_id": casey,
        "kind": "first_aid",
        "link_id": secrets.token_urlsafe(32),
        "name": "no-such-job",
        "draft_id": "0" * 32,
        "proxy+": "no-such-page",  # one segment: the test client matches a greedy path no deeper
        "incident_id": decided_incident(visits["approved"]),
        "file_name": asset_url("site.css").rsplit("/", 1)[-1],
        "member": "0",
    }
    return World(ids, visits, other_referral, booked.json_body["id"])


# -- callers ------------------------------------------------------------------------------------


def _token_claims(role: str, email: str | None = None) -> dict:
    import time

    from chalicelib.config import settings
    from local.tokens import resolve_user

    user = resolve_user(role, email)
    now = int(time.time())
    s = settings()
    return {
        "sub": user.user_id,
        "email": user.email,
        "name": user.name,
        "cognito:groups": list(user.roles),
        "token_use": "id",
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
        "iat": now,
        "exp": now + 600,
    }


def _local_key() -> str:
    import os

    with open(os.environ["LOCAL_JWT_PRIVATE_KEY_PATH"], encoding="ascii") as handle:
        return handle.read()


@functools.cache
def _foreign_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def bad_token(kind: str) -> str:
    """A bearer token the service must refuse."""
    import jwt

    claims = _token_claims("referrer")
    if kind == "expired_token":
        return jwt.encode({**claims, "iat": claims["iat"] - 7200, "exp": claims["iat"] - 3600}, _local_key(), "RS256")
    if kind == "foreign_key_token":
        return jwt.encode(claims, _foreign_key(), "RS256")
    if kind == "edited_role_token":  # a referrer's own valid token, its role claim changed to admin
        header, payload, signature = jwt.encode(claims, _local_key(), "RS256").split(".")
        edited = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        edited["cognito:groups"] = ["admin"]
        payload = base64.urlsafe_b64encode(json.dumps(edited).encode()).rstrip(b"=").decode()
        return f"{header}.{payload}.{signature}"
    if kind == "unsigned_token":  # "alg": "none", claiming to be an admin
        return jwt.encode({**claims, "cognito:groups": ["admin"]}, None, algorithm="none")
    if kind == NO_ROLE:  # signed by the right key, in no group
        return jwt.encode({**claims, "sub": "u-no-role", "cognito:groups": []}, _local_key(), "RS256")
    raise AssertionError(kind)


def api_headers(identity: str, email: str | None = None) -> dict:
    if identity in ROLES:
        return bearer(identity, email or PEOPLE.get(identity))
    headers = {"Content-Type": "application/json"}
    if identity != "no_token":
        headers["Authorization"] = f"Bearer {bad_token(identity)}"
    return headers


_sessions: dict[tuple[str, str | None], str] = {}


def _session_of(identity: str, email: str | None) -> str:
    from chalicelib.auth import verify_token
    from chalicelib.services.sessions import open_session
    from chalicelib.web.pages import SESSION_COOKIE
    from tests.helpers import session_cookie

    if identity == NO_ROLE:
        return f"{SESSION_COOKIE}={open_session(verify_token(bad_token(NO_ROLE)))}"
    return session_cookie(identity, email)


def page_headers(identity: str, email: str | None = None, *, fresh: bool = False) -> dict:
    """What a browser (or a script) sends. One session per person for the module; `fresh` for a
    request that ends its session (signing out)."""
    from chalicelib.services.sessions import close_session, open_session
    from chalicelib.web.pages import SESSION_COOKIE

    if identity in SIGNED_IN:
        person = (identity, email or PEOPLE.get(identity))
        if fresh or person not in _sessions:
            _sessions[person] = _session_of(*person)
        return {"Cookie": _sessions.pop(person) if fresh else _sessions[person]}
    if identity == "no_session":
        return {}
    if identity == "forged_session":
        return {"Cookie": f"{SESSION_COOKIE}={secrets.token_urlsafe(32)}"}
    if identity == "ended_session":
        from chalicelib.auth import verify_token

        ended = open_session(verify_token(bearer("admin")["Authorization"].removeprefix("Bearer ")))
        close_session(ended)
        return {"Cookie": f"{SESSION_COOKIE}={ended}"}
    return {"Authorization": f"Bearer {bad_token(identity)}"}


def call(client, row: Row, path: str, headers: dict, body: dict | None = None):
    body = row.body if body is None else body
    if row.accept:
        headers = {**headers, "Accept": row.accept}
    if row.page:
        sent = {**FORM_HEADERS, **headers} if row.method == "POST" else headers
        return client.http.request(row.method, path, headers=sent, body=urlencode(body or {}).encode())
    payload = json.dumps(body).encode() if body is not None else b""
    return client.http.request(row.method, path, headers=headers, body=payload)


def signin_redirect(response) -> bool:
    return response.status_code == 303 and header(response, "location").startswith("/signin?next=")


def header(response, name: str) -> str:
    return {key.lower(): value for key, value in response.headers.items()}.get(name, "")


# -- the route list comes from the app ----------------------------------------------------------


def _app_routes() -> set[tuple[str, str]]:
    from app import app

    return {(method, path) for path, entries in app.routes.items() for method in entries}


def test_the_table_lists_every_route_of_the_app():
    listed = [(row.method, row.path) for row in TABLE]
    assert len(listed) == len(set(listed)), "a route is listed twice"
    missing = sorted(_app_routes() - set(listed))
    stale = sorted(set(listed) - _app_routes())
    assert not missing, f"routes with no row in the access matrix: {missing}"
    assert not stale, f"rows for routes the app does not have: {stale}"


def test_the_api_role_gates_let_through_what_the_table_allows_and_no_other_role():
    """`ROUTES` is what each /v1 route declares; the gate must not be wider than the table (an
    owner-only route's gate may hold the admin, whom the service then refuses)."""
    import app  # noqa: F401 - registers every route
    from chalicelib.web.http import ROUTES

    rows = {(row.method, row.path): row for row in TABLE}
    for spec in ROUTES:
        row = rows[(spec.method, spec.path)]
        gate = {role.value for role in spec.roles} | ({"admin"} if spec.roles else set())
        allowed_roles = row.allowed & set(ROLES)
        if not spec.roles:
            assert allowed_roles == set(ROLES), spec.path
            continue
        assert allowed_roles <= gate, f"{spec.method} {spec.path}: the table allows more than the gate"
        assert gate - allowed_roles <= {"admin"}, f"{spec.method} {spec.path}: the gate lets {gate - allowed_roles} in"


# -- every route x every caller -----------------------------------------------------------------

API_CALLERS = (*SIGNED_IN, *BAD_TOKENS)
PAGE_CALLERS = (*SIGNED_IN, *BAD_SESSIONS)


def verdict(row: Row, caller: str, response) -> str | None:
    """What is wrong with `response` to `caller` on `row`, or None."""
    status = response.status_code
    if status >= 500:
        return f"{status}: {response.body[:200]!r}"
    if "text/html" in header(response, "content-type") and not strict_policy(
        header(response, "content-security-policy")
    ):
        return f"{status}: a page without the strict Content-Security-Policy"
    if caller in row.allowed:
        if status != row.ok:
            return f"{status}, expected {row.ok}: {response.body[:200]!r}"
        if row.location is not None and header(response, "location") != row.location:
            return f"redirected to {header(response, 'location')!r}, expected {row.location!r}"
        return None
    if not row.page:
        expected = 403 if caller in SIGNED_IN else 401
        code = response.json_body["error"]["code"] if status == expected else None
        if code != ("forbidden" if expected == 403 else "unauthorized"):
            return f"{status} {code}, expected {expected}: {response.body[:200]!r}"
        return None
    if caller in SIGNED_IN:
        if status != 403 or "text/html" not in header(response, "content-type"):
            return f"{status} to {header(response, 'location')!r}, expected the 403 page"
        return None
    if not signin_redirect(response):
        return f"{status} to {header(response, 'location')!r}, expected the sign-in redirect"
    return None


@pytest.mark.parametrize("row", TABLE, ids=lambda row: f"{row.method} {row.path}")
def test_exactly_the_allowed_callers_get_through(client, world, row):
    path = row.path.format(**world.ids)
    wrong = {}
    for caller in PAGE_CALLERS if row.page else API_CALLERS:
        headers = (
            page_headers(caller, fresh=row.path == "/signout" and row.method == "POST")
            if row.page
            else api_headers(caller)
        )
        problem = verdict(row, caller, call(client, row, path, headers))
        if problem:
            wrong[caller] = problem
    assert not wrong, wrong


# -- ownership: another referrer, another worker ---------------------------------------------------

UNKNOWN_ID = "0" * 32  # an id of the right shape that names nothing


def _visit(world: World, state: str) -> str:
    return world.visits[state]


OTHER_REFERRER_API = (
    ("GET", "/v1/referrals/{referral_id}", None),
    ("POST", "/v1/referrals/{referral_id}/amendments", VALID_ANSWER),
    ("POST", "/v1/referrals/{referral_id}/withdraw", None),
    ("GET", "/v1/visits/{visit_id}", None),
    ("GET", "/v1/visits/{visit_id}/report", None),
    ("GET", "/v1/visits/{visit_id}/report.pdf", None),
    ("GET", "/v1/visits?referral={referral_id}", None),
)


@pytest.mark.parametrize(("method", "path", "body"), OTHER_REFERRER_API, ids=lambda v: v if isinstance(v, str) else "")
def test_another_referrer_gets_403_on_a_referral_and_its_visits_and_report(client, world, method, path, body):
    row = api(method, path, frozenset(), accept=PDF if path.endswith(".pdf") else None)
    response = call(client, row, path.format(**world.ids), api_headers("referrer", OTHER_REFERRER), body)
    assert response.status_code == 403, response.body[:300]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/referrals/{referral_id}", None),
        ("POST", "/referrals/{referral_id}/answer", {"answer": "An answer"}),
        ("POST", "/referrals/{referral_id}/withdraw", {"withdraw.confirmed": "yes"}),
        ("GET", "/visits/{visit_id}/report", None),
        ("GET", "/visits/{visit_id}/report.pdf", None),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_another_referrer_gets_the_403_page_on_a_referral_and_its_report(client, world, method, path, body):
    row = page(method, path, frozenset(), accept=PDF if path.endswith(".pdf") else None)
    response = call(client, row, path.format(**world.ids), page_headers("referrer", OTHER_REFERRER), body)
    assert response.status_code == 403, response.body[:300]


@pytest.mark.parametrize("state", ["none", "draft", "submitted", "approved"])
def test_another_worker_gets_403_on_a_visit_and_its_report_in_every_state(client, world, state):
    visit = _visit(world, state)
    robin_api, robin_page = api_headers("worker", OTHER_WORKER), page_headers("worker", OTHER_WORKER)
    answers = {
        "GET visit": client.http.get(f"/v1/visits/{visit}", headers=robin_api),
        "GET report": client.http.get(f"/v1/visits/{visit}/report", headers=robin_api),
        "GET pdf": client.http.get(f"/v1/visits/{visit}/report.pdf", headers={**robin_api, "Accept": PDF}),
        "PUT report": client.http.put(f"/v1/visits/{visit}/report", headers=robin_api, body=json.dumps({})),
        "submit": client.http.post(f"/v1/visits/{visit}/report/submit", headers=robin_api),
        "cancel": client.http.post(
            f"/v1/visits/{visit}/cancel", headers=robin_api, body=json.dumps({"cancelled_by": "carer", "reason": "Ill"})
        ),
        "report page": client.http.get(f"/visits/{visit}/report", headers=robin_page),
        "pdf page": client.http.get(f"/visits/{visit}/report.pdf", headers={**robin_page, "Accept": PDF}),
        "save on the page": client.http.post(
            f"/visits/{visit}/report", headers={**FORM_HEADERS, **robin_page}, body="action=save&observations=x"
        ),
    }
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 403)
    assert client.http.get(f"/v1/visits/{visit}", headers=api_headers("supervisor")).json_body["status"] != "CANCELLED"


def test_another_worker_cannot_read_a_workers_record_nor_list_their_visits(client, world):
    robin = api_headers("worker", OTHER_WORKER)
    casey_id = world.ids["worker_id"]
    assert client.http.get(f"/v1/workers/{casey_id}", headers=robin).status_code == 403
    assert client.http.get(f"/v1/visits?worker={casey_id}", headers=robin).status_code == 403
    assert client.http.get(f"/v1/workers/{casey_id}", headers=api_headers("worker")).status_code == 200


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/v1/referrals/{unknown}", ("referrer", OTHER_REFERRER)),
        ("/v1/visits/{unknown}", ("referrer", OTHER_REFERRER)),
        ("/v1/visits/{unknown}/report", ("referrer", OTHER_REFERRER)),
        ("/v1/visits?referral={unknown}", ("referrer", OTHER_REFERRER)),
        ("/v1/visits/{unknown}", ("worker", OTHER_WORKER)),
        ("/v1/visits/{unknown}/report", ("worker", OTHER_WORKER)),
        ("/v1/workers/{unknown}", ("worker", OTHER_WORKER)),
    ],
)
def test_an_unknown_id_answers_as_someone_elses_does_so_ids_cannot_be_probed(client, world, path, who):
    response = client.http.get(path.format(unknown=UNKNOWN_ID), headers=api_headers(*who))
    assert response.status_code == 403, response.body[:300]


def test_an_unknown_visit_answers_a_worker_writing_as_someone_elses_does(client, world):
    robin, visit = api_headers("worker", OTHER_WORKER), UNKNOWN_ID
    cancellation = json.dumps({"cancelled_by": "carer", "reason": "Ill"})
    answers = [
        client.http.put(f"/v1/visits/{visit}/report", headers=robin, body=json.dumps({})),
        client.http.post(f"/v1/visits/{visit}/report/submit", headers=robin),
        client.http.post(f"/v1/visits/{visit}/cancel", headers=robin, body=cancellation),
        client.http.get(f"/visits/{visit}/report", headers=page_headers("worker", OTHER_WORKER)),
    ]
    assert [r.status_code for r in answers] == [403] * 4


def test_staff_are_told_an_id_names_nothing(client, world):
    supervisor = api_headers("supervisor")
    for path in ("/v1/referrals/{unknown}", "/v1/visits/{unknown}", "/v1/visits/{unknown}/report"):
        assert client.http.get(path.format(unknown=UNKNOWN_ID), headers=supervisor).status_code == 404, path


# -- what a referrer sees of reports: the approved one only ----------------------------------------


@pytest.mark.parametrize(("state", "status"), [("none", 404), ("draft", 404), ("submitted", 404), ("approved", 200)])
def test_the_referrer_reads_a_report_of_their_referral_only_once_approved(client, world, state, status):
    visit = _visit(world, state)
    sam_api, sam_page = api_headers("referrer"), page_headers("referrer")
    answers = [
        client.http.get(f"/v1/visits/{visit}/report", headers=sam_api),
        client.http.get(f"/v1/visits/{visit}/report.pdf", headers={**sam_api, "Accept": PDF}),
        client.http.get(f"/visits/{visit}/report", headers=sam_page),
        client.http.get(f"/visits/{visit}/report.pdf", headers={**sam_page, "Accept": PDF}),
    ]
    assert [r.status_code for r in answers] == [status] * 4
    if status == 200:
        report = answers[0].json_body
        assert [v["version"] for v in report["versions"]] == [report["approved"]["version"]]
        assert "draft" not in report and "history" not in report
    # The visit itself is theirs whatever its report's state.
    assert client.http.get(f"/v1/visits/{visit}", headers=sam_api).status_code == 200


def test_the_worker_reads_every_state_of_their_own_reports(client, world):
    casey = api_headers("worker")
    for state in ("draft", "submitted", "approved"):
        report = client.http.get(f"/v1/visits/{_visit(world, state)}/report", headers=casey)
        assert report.status_code == 200, (state, report.body[:300])
        assert "draft" in report.json_body


# -- lists show only one's own -------------------------------------------------------------------


def _ids(response, key: str) -> set[str]:
    assert response.status_code == 200, response.body[:300]
    return {item["id"] for item in response.json_body[key]}


def test_each_referrer_lists_only_their_own_referrals_and_visits(client, world):
    sam, alex = api_headers("referrer"), api_headers("referrer", OTHER_REFERRER)
    sams_visits = set(world.visits.values())
    assert _ids(client.http.get("/v1/referrals", headers=alex), "referrals") == {world.other_referral}
    assert world.other_referral not in _ids(client.http.get("/v1/referrals", headers=sam), "referrals")
    assert _ids(client.http.get("/v1/visits", headers=sam), "visits") == sams_visits
    assert _ids(client.http.get("/v1/visits", headers=alex), "visits") == {world.other_visit}
    html = client.http.get("/referrals", headers=page_headers("referrer", OTHER_REFERRER)).body.decode()
    assert world.other_referral in html and world.ids["referral_id"] not in html


def test_each_worker_lists_only_their_own_visits_whatever_they_filter_on(client, world):
    casey, robin = api_headers("worker"), api_headers("worker", OTHER_WORKER)
    caseys = set(world.visits.values())
    assert _ids(client.http.get("/v1/visits", headers=casey), "visits") == caseys
    assert _ids(client.http.get("/v1/visits", headers=robin), "visits") == {world.other_visit}
    # Filtering on someone else's referral finds nothing of theirs, and says nothing of it.
    referral = world.ids["referral_id"]
    assert _ids(client.http.get(f"/v1/visits?referral={referral}", headers=robin), "visits") == set()
    calendar = client.http.get(f"/v1/visits.ics?worker={world.ids['worker_id']}", headers=robin).body.decode()
    assert not [visit for visit in caseys if visit in calendar]
    mine = client.http.get("/visits/mine", headers=page_headers("worker", OTHER_WORKER)).body.decode()
    assert not [visit for visit in caseys if visit in mine]
