"""Pages work wherever they are served: at API Gateway's own URL every path starts with the stage
(`/api/...`). Every page the app serves is rendered as API Gateway would hand it the request, and
every link, source and form action on it must stay under the prefix and reach a route of the app.
The deployed stages' sign-in through the user pool's hosted pages is walked whole, there and on a
custom domain."""

from __future__ import annotations

import json
import re
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

PREFIX = "/api"
SUPERVISOR = "supervisor@familycontact.example"


class Links(HTMLParser):
    """(tag, attribute, value, form method) of every href, src, action and formaction on a page."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str, str]] = []
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "action", "formaction"):
            if attrs.get(name) is not None:
                method = (attrs.get("method") or "get").lower() if tag == "form" else "get"
                self.found.append((tag, name, attrs[name], method))


@pytest.fixture
def prefixed(monkeypatch, client):
    """Requests reach the app as API Gateway's default URL sends them: the path in the request
    context starts with the stage, as `$context.path` does there."""
    from tests.helpers import serve_as_api_gateway

    serve_as_api_gateway(monkeypatch, PREFIX)
    return client


def _examples(runtime, client, auth) -> dict[str, str]:
    """A real value for each path parameter of the pages: seeded data and a live approval link."""
    from chalicelib.assets import asset_url
    from chalicelib.auth import verify_token
    from chalicelib.services import referral_drafts
    from chalicelib.storage.visits import Visit
    from chalicelib.storage.workers import Clearance
    from local.seed import seed_demo_data
    from local.tokens import resolve_user, token_for
    from tests.dates import example_referral
    from tests.helpers import approval_path, submit_referral, wait_for_email
    from tests.incident_helpers import decided_incident

    seed_demo_data()
    submitted = submit_referral(client, auth("referrer"), example_referral())
    assert submitted.status_code == 201, submitted.body
    email = wait_for_email(runtime.outbox, SUPERVISOR, "referral")
    clearance = next(iter(Clearance.scan(limit=1)))  # test set-up only: any seeded clearance and visit
    visit = next(iter(Visit.scan(limit=1)))
    referrer = verify_token(token_for(resolve_user("referrer", None)))
    draft = referral_drafts.create(referrer, {"children": [{"first_name": "Maya"}]}, str(uuid.uuid4()))
    return {
        "draft_id": draft.draft_id,
        "proxy+": "no-such-page",
        "visit_id": visit.visit_id,
        "referral_id": json.loads(submitted.body)["id"],
        "worker_id": clearance.worker_id,
        "kind": clearance.kind,
        "link_id": approval_path(email).rsplit("/", 1)[-1],
        "file_name": asset_url("site.css").rsplit("/", 1)[-1],
        "incident_id": decided_incident(visit.visit_id, None),
    }


def _page_paths(app) -> list[str]:
    """Every GET route that answers a page (not the JSON API under /v1, the exports, or the local-only /dev)."""
    return sorted(
        path
        for path, methods in app.routes.items()
        if "GET" in methods
        and not path.startswith(("/v1", "/dev/"))
        and not path.endswith((".csv", ".json", ".pdf", ".ics"))
        and path != "/health"
    )


def _route_for(app, path: str, method: str) -> bool:
    for pattern, methods in app.routes.items():
        if "+}" in pattern:  # the catch-all answers every path with a 404: it is no route to a link
            continue
        regex = "^" + re.sub(r"\{[^}]+\}", "[^/]+", pattern) + "$"
        if re.match(regex, path) and method.upper() in methods:
            return True
    return False


def test_every_link_and_form_action_on_every_page_stays_under_the_stage_prefix(runtime, prefixed, auth, token):
    from app import app

    examples = _examples(runtime, prefixed, auth)
    headers = {"Authorization": f"Bearer {token('admin')}"}
    checked, problems = 0, []
    for pattern in _page_paths(app):
        names = re.findall(r"\{([^}]+)\}", pattern)
        missing = [name for name in names if name not in examples]
        if missing:
            pytest.fail(f"{pattern}: no example value for {missing}; add one to _examples")
        path = pattern
        for name in names:
            path = path.replace("{" + name + "}", examples[name])
        response = prefixed.http.get(path, headers=headers)
        if response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            if urlsplit(location).netloc:  # the hosted sign-in's own walk is the round trip below
                problems.append(f"{pattern}: sends the browser off the service, to {location}")
                continue
            assert location.startswith(PREFIX + "/"), (pattern, location)
            continue
        assert response.status_code < 500, (pattern, response.status_code)
        body = response.body.decode("utf-8")
        for tag, attribute, value, method in Links(body).found:
            target = urlsplit(value)
            if target.scheme or target.netloc or not target.path:  # absolute URLs, fragments, query-only
                continue
            checked += 1
            if not target.path.startswith(PREFIX + "/") and target.path != PREFIX:
                problems.append(f"{pattern}: <{tag} {attribute}={value!r}> is not under {PREFIX}")
                continue
            inner = target.path.removeprefix(PREFIX) or "/"
            if not _route_for(app, inner, method):
                problems.append(f"{pattern}: <{tag} {attribute}={value!r}> reaches no {method.upper()} route")
    assert problems == []
    assert checked > 20


def test_a_sign_in_redirect_keeps_the_prefix_and_the_page_to_come_back_to(runtime, prefixed):
    response = prefixed.http.get("/decisions")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{PREFIX}/signin?next=/decisions"


def test_without_a_prefix_pages_keep_their_root_relative_links(runtime, client, token):
    body = client.http.get("/", headers={"Authorization": f"Bearer {token('admin')}"}).body.decode()
    hrefs = [value for _, attribute, value, _ in Links(body).found if attribute == "href" and value.startswith("/")]
    assert hrefs and not [href for href in hrefs if href.startswith(PREFIX + "/")]


HOST = "abc123.execute-api.eu-west-2.amazonaws.com"


@pytest.fixture
def hosted_signin_app():
    """The deployed stages' sign-in (the hosted pages; never the local demo one) and a page that
    needs it, on an app of their own. A blueprint serves the app it was registered on last: each
    goes back to the service's app afterwards, or its pages would read this app's requests."""
    from chalice import Chalice

    from chalicelib.api import hr_pages, signin

    blueprints = (signin.routes, hr_pages.routes)
    served_before = [blueprint._current_app for blueprint in blueprints]
    app = Chalice("hosted-signin-under-a-prefix", configure_logs=False)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    yield app
    for blueprint, before in zip(blueprints, served_before, strict=True):
        blueprint._current_app = before


@pytest.mark.parametrize("base", [PREFIX, ""], ids=["api-gateway-url", "custom-domain"])
def test_the_whole_hosted_sign_in_round_trip_keeps_the_base_path(
    runtime, user_pool, monkeypatch, hosted_signin_app, base
):
    """GIVEN the deployed sign-in at API Gateway's own URL (every path under /api) or on a custom
    domain, WHEN a browser opens a page, signs in at the user pool's hosted page and is sent back,
    THEN the callback gets the state cookie the sign-in set, and the browser lands signed in on
    the page it asked for."""
    from chalice.test import Client

    from chalicelib import config
    from tests.helpers import BrowserCookies, serve_as_api_gateway
    from tests.user_pool import GOOD_CODE

    monkeypatch.setenv("PUBLIC_BASE_URL", f"https://{HOST}{base}")  # what the deploy's second pass sets
    config.settings.cache_clear()
    serve_as_api_gateway(monkeypatch, base)
    browser = BrowserCookies()

    try:
        with Client(hosted_signin_app, stage_name="prod") as client:

            def visit(address: str):
                """GET `address` as the browser has it, with the cookies it keeps for that path."""
                target = urlsplit(address)
                assert target.path.startswith(base + "/"), address
                inner = target.path.removeprefix(base) + (f"?{target.query}" if target.query else "")
                response = client.http.get(inner, headers=browser.header(target.path))
                browser.keep(response)
                return response

            asked = visit(f"{base}/hr/clearances")
            assert asked.status_code == 303
            assert asked.headers["Location"] == f"{base}/signin?next=/hr/clearances"

            to_pool = visit(asked.headers["Location"])
            authorize = urlsplit(to_pool.headers["Location"])
            assert (
                f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{user_pool['domain']}/oauth2/authorize"
            )
            query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
            callback = urlsplit(query["redirect_uri"])
            assert (callback.netloc, callback.path) == (HOST, f"{base}/signin/callback")

            # The person signs in on the hosted page; the user pool sends the browser back with a code.
            back = visit(f"{callback.path}?code={GOOD_CODE}&state={query['state']}")
            assert back.status_code == 303, back.body.decode()
            assert back.headers["Location"] == f"{base}/hr/clearances"
            assert [seen["redirect_uri"] for seen in user_pool["seen"]] == [query["redirect_uri"]]

            page = visit(back.headers["Location"])
            assert page.status_code == 200
            assert "Jordan Lee" in page.body.decode()
    finally:
        monkeypatch.undo()  # the settings are read again without this test's address
        config.settings.cache_clear()
