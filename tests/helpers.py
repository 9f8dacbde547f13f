"""Small helpers the functional, workflow and browser tests share."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

APPROVE_LINK = re.compile(r"https?://[^\s\"'<>]+/approve/([A-Za-z0-9_\-]+)")

# Demo people (local/tokens.py) the tests sign in as and read the email of.
SUPERVISOR = "supervisor@familycontact.example"
ADMIN = "admin@familycontact.example"
SAM = "sam.referrer@council.example"  # the demo referrer
REFERRER = SAM
ALEX = "alex.referrer@council.example"  # a second referrer


def wait_for(predicate: Callable[[], object], timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    """Poll until `predicate()` is truthy (executions run on moto's background threads)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def emails_to(outbox, address: str, subject_contains: str = "") -> list[dict]:
    return [m for m in outbox.messages() if address in ", ".join(m["to"]) and subject_contains in m["subject"]]


def wait_for_email(outbox, address: str, subject_contains: str = "", count: int = 1, timeout: float = 30.0) -> dict:
    found = wait_for(
        lambda: (
            len(emails_to(outbox, address, subject_contains)) >= count and emails_to(outbox, address, subject_contains)
        ),
        timeout,
        what=f"email to {address} '{subject_contains}'",
    )
    return found[0]


def approval_path(message: dict) -> str:
    match = APPROVE_LINK.search(message["text"])
    assert match, "no approval link in the email"
    return f"/approve/{match.group(1)}"


def shown_as(email: str) -> str:
    """How pages and decisions name a demo user who acted signed in: "Priya Shah, Supervisor"."""
    from chalicelib.domain.people import person_label
    from local.directory import find

    user = find(email)
    return person_label(user.email, user.name, user.roles[0])


def submit_referral(client, auth_headers: dict, body: dict, key: str | None = None):
    headers = dict(auth_headers)
    if key:
        headers["Idempotency-Key"] = key
    return client.http.post("/v1/referrals", headers=headers, body=json.dumps(body))


def submitted_referral_id(client, referrer: dict) -> str:
    """The id of the example referral, submitted through the API with `referrer`'s headers."""
    from tests.dates import example_referral

    response = submit_referral(client, referrer, example_referral())
    assert response.status_code == 201, response.body
    return response.json_body["id"]


def referral_awaiting_decision(client, auth, runtime, count: int = 1) -> tuple[str, str]:
    """A referral submitted by the demo referrer, once the `count`th request for a decision has been
    emailed to the supervisor: its id and the path of the first such email's link."""
    from tests.dates import example_referral

    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", count=count)
    return referral_id, approval_path(message)


def api_referral_status(client, headers: dict, referral_id: str) -> str:
    """The referral's status as the API tells whoever `headers` sign in."""
    return client.http.get(f"/v1/referrals/{referral_id}", headers=headers).json_body["status"]


def approval_link_states() -> list[str]:
    """The state of every approval link saved (test inspection only; the service never scans)."""
    from chalicelib.storage.approval_links import ApprovalLink

    return [link.state for link in ApprovalLink.scan()]


def decide_by_link(client, message: dict, decision: str, comment: str = ""):
    """Post `decision` through the approval link in the emailed `message`, confirmed, as its approver does."""
    return post_form(client, approval_path(message), {"decision": decision, "comment": comment, "confirmed": "yes"})


def decide_from_email(
    client, runtime, decision: str, comment: str = "", *, count: int = 1, about: str = "needs your decision"
):
    """Once `count` emails to the supervisor say `about`, decide through the link of the first of them."""
    return decide_by_link(client, wait_for_email(runtime.outbox, SUPERVISOR, about, count=count), decision, comment)


def recorded(response):
    """`response`, asserted to be the page saying the decision was recorded."""
    assert response.status_code == 200 and b"Decision recorded" in response.body, response.body
    return response


# What a browser sends with a form posted from one of our pages (its Origin is "null": the pages'
# Referrer-Policy is no-referrer). A form post without a bearer token needs this proof.
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", **SAME_ORIGIN}


# What every page's Content-Security-Policy must say (directive -> its sources, exactly).
STRICT_POLICY = {
    "default-src": {"'none'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "object-src": {"'none'"},
}


def policy_directives(header: str) -> dict[str, set[str]]:
    """A Content-Security-Policy header's directives, each with its set of sources."""
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:  # a browser keeps the first of a repeated directive
            directives.setdefault(words[0].lower(), set(words[1:]))
    return directives


def strict_policy(header: str) -> bool:
    """Whether a Content-Security-Policy header holds the pages to `STRICT_POLICY`: no script nor
    style written in the page, no frame around it, and forms posted back here."""
    directives = policy_directives(header or "")
    form_action = directives.get("form-action", set())
    return all(directives.get(name) == sources for name, sources in STRICT_POLICY.items()) and "'self'" in form_action


def post_form(client, path: str, fields: dict, headers: dict | None = None):
    """Post `fields` as a browser posts a form from one of our pages."""
    from urllib.parse import urlencode

    return client.http.post(path, headers={**FORM_HEADERS, **(headers or {})}, body=urlencode(fields))


def session_cookie(role: str | None = None, email: str | None = None) -> str:
    """A `Cookie` header value signing a demo user in, as the sign-in page would (needs the runtime)."""
    from chalicelib.auth import verify_token
    from chalicelib.services.sessions import open_session
    from chalicelib.web.pages import SESSION_COOKIE
    from local.tokens import resolve_user, token_for

    return f"{SESSION_COOKIE}={open_session(verify_token(token_for(resolve_user(role, email))))}"


def json_printed_by(program: str, stage: str):
    """Run `program` in a fresh Python at the project's root with FCS_STAGE=`stage` (so nothing this
    process imported or registered counts); the JSON of the last line it printed."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    output = subprocess.run(
        [sys.executable, "-c", program],
        cwd=Path(__file__).resolve().parents[1],
        env=dict(os.environ, FCS_STAGE=stage),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.splitlines()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(monkeypatch) -> Iterator[str]:
    """The app served as `make run` serves it (with the dev routes: `build_server` adds them), on a
    free loopback port, with email links pointing at it (the embedded runtime must be running);
    yields its base URL."""
    from app import app
    from chalicelib import config
    from local.server import build_server

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("PUBLIC_BASE_URL", base_url)
    config.settings.cache_clear()
    server = build_server(app, "127.0.0.1", port)
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    try:
        yield base_url
    finally:
        server.server.shutdown()
        server.server.server_close()
        config.settings.cache_clear()


def bearer(role: str | None = None, email: str | None = None) -> dict:
    """JSON request headers with a local bearer token for that person (the `auth` fixture's
    headers, for module-scoped fixtures that cannot use it)."""
    from local.tokens import resolve_user, token_for

    return {"Authorization": f"Bearer {token_for(resolve_user(role, email))}", "Content-Type": "application/json"}


API_STAGE = "api"  # the API Gateway stage Chalice deploys: API Gateway's own URL starts every path with it


def fresh_blueprint(module_name: str):
    """The `routes` blueprint of `module_name`, imported anew, for an app of a test's own: Chalice
    pops a route's options (its methods, content types) from the blueprint as it registers it, so
    the same blueprint registered on a second app would give its routes GET alone."""
    import importlib

    return importlib.reload(importlib.import_module(module_name)).routes


def serve_as_api_gateway(monkeypatch, prefix: str) -> None:
    """Requests reach the app as API Gateway hands them over: at its own URL `prefix` is the stage
    ("/api"), the first segment of the path in the request context, as `$context.path` has it; on a
    custom domain mapped to the stage (`prefix` "") the path has no stage in it."""
    from chalice.local import LambdaEventConverter

    original = LambdaEventConverter.create_lambda_event

    def as_api_gateway(self, method, path, headers, body=None):  # noqa: ANN001
        event = original(self, method, path, headers, body)
        event["requestContext"]["stage"] = API_STAGE
        event["requestContext"]["path"] = prefix + event["requestContext"]["path"]
        return event

    monkeypatch.setattr(LambdaEventConverter, "create_lambda_event", as_api_gateway)


class BrowserCookies:
    """The cookies a browser keeps from the answers it gets, sent back by RFC 6265's rules: only to
    the paths a cookie's `Path` covers (5.1.4), gone once an answer sets `Max-Age=0`."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], str] = {}  # (name, path) -> value

    def keep(self, response) -> None:  # noqa: ANN001
        values = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or []
        for header in values if isinstance(values, list) else [values]:
            first, *attributes = [part.strip() for part in header.split(";")]
            name, _, value = first.partition("=")
            options = {key.lower(): option for key, _, option in (a.partition("=") for a in attributes)}
            key = (name, options.get("path") or "/")
            if options.get("max-age") == "0":
                self.kept.pop(key, None)
            else:
                self.kept[key] = value

    def header(self, path: str) -> dict:
        """The `Cookie` header a browser sends with a request for `path` (most specific path first)."""

        def covers(cookie_path: str) -> bool:
            return path == cookie_path or (
                path.startswith(cookie_path) and (cookie_path.endswith("/") or path[len(cookie_path)] == "/")
            )

        sent = sorted(((p, n, v) for (n, p), v in self.kept.items() if covers(p)), key=lambda c: -len(c[0]))
        return {"Cookie": "; ".join(f"{n}={v}" for _, n, v in sent)} if sent else {}


# What a browser sends with a link it follows (Firefox's): text/html first, anything last.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def run_dev_job(client, job: str, day) -> dict:
    """Run a scheduled job now as of `day` (a date), as `POST /dev/jobs/{job}` does; its result."""
    import json

    response = client.http.post(
        f"/dev/jobs/{job}", headers={"Content-Type": "application/json"}, body=json.dumps({"today": day.isoformat()})
    )
    assert response.status_code == 200, response.body
    return response.json_body["result"]
