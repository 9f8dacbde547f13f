"""A service with real data in every state a page can show, and the list of its pages: who opens
each one and what they do on it. The accessibility, link-walk and phone-layout tests share it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.examples import example_report
from tests.dates import example_referral
from tests.helpers import APPROVE_LINK, FORM_HEADERS, session_cookie, submit_referral, wait_for
from tests.report_helpers import ADMIN, REFERRER, SUPERVISOR, book_visit, save, write_and_submit
from tests.visit_helpers import CASEY, add_referral

HR = "hr@familycontact.example"
DEPUTY = "deputy.supervisor@familycontact.example"

# Each role's home page, and the signed-out visitor's (None): where the link walk starts.
PEOPLE = {"referrer": REFERRER, "worker": CASEY, "supervisor": SUPERVISOR, "hr": HR, "admin": ADMIN, "visitor": None}

# Page routes that are not pages a person reads: downloads.
DOWNLOAD = re.compile(r"\.(csv|ics|pdf)$")


@dataclass
class Site:
    """The ids of the seeded items, by the state each is in."""

    referrals: dict[str, str] = field(default_factory=dict)
    visits: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # approval-link paths
    incidents: dict[str, str] = field(default_factory=dict)
    worker_id: str = ""
    draft_id: str = ""  # a referral form saved half typed


def _approval_links(runtime) -> set[str]:
    return {
        f"/approve/{m.group(1)}"
        for message in runtime.outbox.messages()
        for m in APPROVE_LINK.finditer(message["text"])
    }


def _new_link(runtime, before: set[str]) -> str:
    """The approval link the last action had emailed (the workflows run on background threads)."""
    fresh = wait_for(lambda: _approval_links(runtime) - before, what="a new approval link")
    assert len(fresh) == 1, fresh
    return fresh.pop()


def seed(client, auth, runtime) -> Site:
    """Referrals under review, with a question, declined, accepted and active; visits past and
    coming; reports in draft, submitted, with changes requested and approved."""
    site = Site()
    supervisor = auth("supervisor", SUPERVISOR)

    def review(name: str) -> str:
        before = _approval_links(runtime)
        response = submit_referral(client, auth("referrer", REFERRER), example_referral())
        assert response.status_code == 201, response.body
        site.referrals[name] = response.json_body["id"]
        site.links[name] = _new_link(runtime, before)
        return site.referrals[name]

    def decide_referral(name: str, decision: str, comment: str | None) -> None:
        body = {"decision": decision, **({"comment": comment} if comment else {})}
        path = f"/v1/referrals/{site.referrals[name]}/decision"
        response = client.http.post(path, headers=supervisor, body=json.dumps(body))
        assert response.status_code == 200, response.body

    review("under_review")
    review("to_decide_by_link")
    review("more_info")
    decide_referral("more_info", "more_info", "Which school does Maya attend?")
    review("declined")
    decide_referral("declined", "decline", "The family lives outside our area.")
    site.referrals["accepted"] = add_referral("ACCEPTED")

    # Visits: a report in each state (yesterday's visits), and one coming this week.
    for days_ago, name in enumerate(("draft", "submitted", "changes_requested", "approved"), start=1):
        site.visits[name] = book_visit(client, auth, days_from_now=-days_ago)  # one a day: no double booking
    site.visits["upcoming"] = book_visit(client, auth, days_from_now=1)
    from tests.family_helpers import issue_link

    site.links["family"] = f"/family/{issue_link(site.visits['upcoming'])}"
    draft = {key: value for key, value in example_report().items() if key not in ("interaction_quality", "ended_early")}
    assert save(client, auth, site.visits["draft"], draft).status_code == 200  # incomplete: it cannot be submitted
    for name in ("submitted", "changes_requested", "approved"):
        before = _approval_links(runtime)
        write_and_submit(client, auth, site.visits[name])
        site.links[f"report_{name}"] = _new_link(runtime, before)
    for name, body in (
        ("changes_requested", {"decision": "request_changes", "comment": "Quote what Maya said."}),
        ("approved", {"decision": "approve"}),
    ):
        path = f"/v1/visits/{site.visits[name]}/report/decision"
        response = client.http.post(path, headers=supervisor, body=json.dumps(body))
        assert response.status_code == 200, response.body
    from chalicelib.storage.visits import Visit
    from tests.incident_helpers import decided_incident

    site.incidents["decided"] = decided_incident(site.visits["approved"], "change_conditions")
    site.incidents["to_decide"] = decided_incident(site.visits["submitted"], None)
    site.draft_id = _save_a_draft(client)
    site.referrals["active"] = Visit.get(site.visits["approved"]).referral_id
    site.worker_id = Visit.get(site.visits["approved"]).worker_id
    return site


def _save_a_draft(client) -> str:
    """A referral form saved half typed ("Save and come back later"): its id."""
    from urllib.parse import urlencode

    fields = {"children[0].first_name": "Maya", "referrer.team": "North", "action": "save_draft"}
    headers = {**FORM_HEADERS, "Cookie": session_cookie(email=REFERRER)}
    response = client.http.post("/referrals/new", headers=headers, body=urlencode(fields).encode())
    assert response.status_code == 303, response.body
    location = dict((k.lower(), v) for k, v in response.headers.items())["location"]
    return location.split("?", 1)[0].rstrip("/").rsplit("/", 1)[1]


def open_as(page, base_url: str, email: str | None, sessions: dict[str, str]) -> None:
    """Sign `email` in (or everyone out) with a session cookie, as the sign-in page would."""
    page.context.clear_cookies()
    if email is None:
        return
    if email not in sessions:
        sessions[email] = session_cookie(email=email).split("=", 1)[1]
    from chalicelib.web.pages import SESSION_COOKIE

    page.context.add_cookies([{"name": SESSION_COOKIE, "value": sessions[email], "url": base_url}])


@dataclass(frozen=True)
class Page:
    """A page to open: as whom (an email, or None signed out), and what to do once it is open."""

    name: str
    path: str
    who: str | None
    act: Callable | None = None


def _press(name: str) -> Callable:
    def act(page) -> None:
        page.get_by_role("button", name=name, exact=True).click()
        page.wait_for_load_state()

    return act


def _cleared(field: str, button: str) -> Callable:
    """Empty an input, then press the form's button: the form shown again with its error."""

    def act(page) -> None:
        page.fill(f"[name={field}]", "")
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()

    return act


def _answers_to_check(page) -> None:
    """Fill the referral form in and press Continue: the page to check the answers."""
    from tests.dates import born
    from tests.e2e.referral_form import continue_to_check, fill_required_fields

    fill_required_fields(page, born().isoformat())
    continue_to_check(page)


def _decide_by_link(page) -> None:
    page.get_by_label("Accept the referral").check()
    page.get_by_label("I have read this and I am deciding it myself").check()
    page.get_by_role("button", name="Record my decision").click()
    page.wait_for_load_state()


def pages(site: Site) -> list[Page]:
    """Every page of the service, in each state worth seeing, as each person who sees it."""
    r, v, links = site.referrals, site.visits, site.links
    listed = [Page(f"home as {role}", "/", email) for role, email in PEOPLE.items()]
    listed += [
        Page("sign-in", "/signin", None),
        Page("sign-in with an error", "/signin", None, _sign_in_with_no_account),
        Page("sign-out", "/signout", SUPERVISOR),
        Page("sign-out, signed out", "/signout", None),
        # referrals
        Page("my referrals", "/referrals", REFERRER),
        Page("referrals", "/referrals", SUPERVISOR),
        Page("referrals as admin", "/referrals", ADMIN),
        Page("referrals filtered", "/referrals?status=UNDER_REVIEW", SUPERVISOR),
        Page("referrals, no match", "/referrals?q=FCS-0000-00", REFERRER),
        Page("new referral form", "/referrals/new", REFERRER),
        Page("new referral form with errors", "/referrals/new", REFERRER, _press("Continue")),
        Page("new referral, answers to check", "/referrals/new", REFERRER, _answers_to_check),
        Page("referral draft", f"/referrals/drafts/{site.draft_id}", REFERRER),
        Page("referral draft with errors", f"/referrals/drafts/{site.draft_id}", REFERRER, _press("Continue")),
        Page("referral under review, referrer", f"/referrals/{r['under_review']}", REFERRER),
        Page("referral under review, supervisor", f"/referrals/{r['under_review']}", SUPERVISOR),
        Page(
            "referral decision with errors",
            f"/referrals/{r['under_review']}",
            SUPERVISOR,
            _press("Record my decision"),
        ),
        Page("withdrawal with errors", f"/referrals/{r['under_review']}", REFERRER, _press("Withdraw referral")),
        Page("referral with a question, referrer", f"/referrals/{r['more_info']}", REFERRER),
        Page("answer with errors", f"/referrals/{r['more_info']}", REFERRER, _press("Send my answer")),
        Page("referral with a question, supervisor", f"/referrals/{r['more_info']}", SUPERVISOR),
        Page("declined referral", f"/referrals/{r['declined']}", REFERRER),
        Page("accepted referral", f"/referrals/{r['accepted']}", SUPERVISOR),
        Page("active referral, supervisor", f"/referrals/{r['active']}", SUPERVISOR),
        Page("active referral, referrer", f"/referrals/{r['active']}", REFERRER),
        # decisions and approval links
        Page("decisions queue", "/decisions", SUPERVISOR),
        Page("decisions queue as admin", "/decisions", ADMIN),
        Page("approval page, referral", links["under_review"], None),
        Page("approval page, report", links["report_submitted"], None),
        Page("approval page with errors", links["under_review"], None, _press("Record my decision")),
        Page("approval page, other person's link", links["under_review"], DEPUTY),
        Page("approval page after the decision", links["to_decide_by_link"], None, _decide_by_link),
        Page("approval page, used link", links["to_decide_by_link"], None),
        Page("approval page, superseded", links["report_approved"], SUPERVISOR),
        Page("approval page, unknown link", "/approve/not-a-link-we-sent", None),
        # a family member's reminder link
        Page("family reminder page", links["family"], None),
        Page("family reminder page with errors", links["family"], None, _press("Send my answer")),
        Page("family reminder page, unknown link", "/family/not-a-link-we-sent", None),
        # HR
        # the service dashboard
        Page("service dashboard, supervisor", "/dashboard", SUPERVISOR),
        Page("service dashboard, admin, one month", "/dashboard?from=2026-01&to=2026-01", ADMIN),
        Page("service dashboard with a month it cannot read", "/dashboard?from=2026-13", SUPERVISOR),
        Page("HR register", "/hr/clearances", HR),
        Page("HR register filtered", "/hr/clearances?status=VALID", HR),
        Page("HR register sorted", "/hr/clearances?sort=expiry", HR),
        Page("worker form", "/hr/workers/new", HR),
        Page("worker form with errors", "/hr/workers/new", HR, _press("Add worker")),
        Page("clearance form", f"/hr/clearances/{site.worker_id}/first_aid", HR),
        Page("clearance form, nothing recorded", f"/hr/clearances/{site.worker_id}/driving_licence", HR),
        Page(
            "clearance form with errors",
            f"/hr/clearances/{site.worker_id}/driving_licence",
            HR,
            _press("Save driving licence"),
        ),
        # visits
        Page("visits this week", "/visits/week", SUPERVISOR),
        Page("visits last week", "/visits/week?start=" + _last_monday(), SUPERVISOR),
        Page("my visits", "/visits/mine", CASEY),
        Page("series form", f"/referrals/{r['accepted']}/visits/new", SUPERVISOR),
        Page(
            "series form with errors", f"/referrals/{r['accepted']}/visits/new", SUPERVISOR, _press("Book the visits")
        ),
        Page("past visit form", f"/referrals/{r['accepted']}/visits/past", SUPERVISOR),
        Page(
            "past visit form with errors",
            f"/referrals/{r['accepted']}/visits/past",
            SUPERVISOR,
            _press("Record the visit that already happened"),
        ),
        # reports
        Page("visits at risk", "/visits/at-risk", SUPERVISOR),
        Page("visit, supervisor", f"/visits/{v['upcoming']}", SUPERVISOR),
        Page("visit briefing, worker", f"/visits/{v['upcoming']}", CASEY),
        Page("visit with an approved report, supervisor", f"/visits/{v['approved']}", SUPERVISOR),
        Page("move a visit", f"/visits/{v['upcoming']}/move", SUPERVISOR),
        Page(
            "move a visit with errors", f"/visits/{v['upcoming']}/move", SUPERVISOR, _cleared("start", "Move the visit")
        ),
        Page("reassign a visit", f"/visits/{v['upcoming']}/reassign", SUPERVISOR),
        Page(
            "reassign a visit with errors",
            f"/visits/{v['upcoming']}/reassign",
            SUPERVISOR,
            _press("Reassign the visit"),
        ),
        Page("cancel a visit", f"/visits/{v['upcoming']}/cancel", SUPERVISOR),
        Page("cancel a visit with errors", f"/visits/{v['upcoming']}/cancel", SUPERVISOR, _press("Cancel the visit")),
        Page("report draft, worker", f"/visits/{v['draft']}/report", CASEY),
        Page("report draft with errors", f"/visits/{v['draft']}/report", CASEY, _press("Submit for approval")),
        Page("report draft saved", f"/visits/{v['draft']}/report", CASEY, _press("Save draft")),
        Page("report draft, supervisor", f"/visits/{v['draft']}/report", SUPERVISOR),
        Page("report not written, worker", f"/visits/{v['upcoming']}/report", CASEY),
        Page("report submitted, worker", f"/visits/{v['submitted']}/report", CASEY),
        Page("report submitted, supervisor", f"/visits/{v['submitted']}/report", SUPERVISOR),
        Page(
            "report decision with errors",
            f"/visits/{v['submitted']}/report",
            SUPERVISOR,
            _press("Record my decision"),
        ),
        Page("report submitted, referrer", f"/visits/{v['submitted']}/report", REFERRER),
        Page("report changes requested, worker", f"/visits/{v['changes_requested']}/report", CASEY),
        Page("report changes requested, supervisor", f"/visits/{v['changes_requested']}/report", SUPERVISOR),
        Page("report approved, worker", f"/visits/{v['approved']}/report", CASEY),
        Page("report approved, supervisor", f"/visits/{v['approved']}/report", SUPERVISOR),
        Page("report approved, referrer", f"/visits/{v['approved']}/report", REFERRER),
        # audit
        Page("audit log", "/audit", ADMIN),
        Page("sign a person out everywhere", "/admin/sessions", ADMIN),
        Page(
            "sign a person out everywhere, with errors",
            "/admin/sessions",
            ADMIN,
            _press("Sign this person out everywhere"),
        ),
        Page("audit log of one referral", f"/audit?kind=referral&id={r['declined']}", ADMIN),
        Page("audit log, bad filter", "/audit?day=2026-02-30", ADMIN),
        Page("audit log of one case", f"/audit?kind=referral&id={r['active']}", ADMIN),
        # incidents: decided, and waiting for the supervisor's decision (its form), as staff read them
        Page("incident, decided", f"/incidents/{site.incidents['decided']}", SUPERVISOR),
        Page("incident to decide", f"/incidents/{site.incidents['to_decide']}", SUPERVISOR),
        Page("incident, its worker", f"/incidents/{site.incidents['decided']}", CASEY),
        Page(
            "incident decision with errors",
            f"/incidents/{site.incidents['to_decide']}",
            SUPERVISOR,
            _press("Record the decision"),
        ),
        # a case's timeline on its own page
        Page("case timeline, supervisor", f"/referrals/{r['active']}/timeline", SUPERVISOR),
        Page("case timeline, referrer", f"/referrals/{r['active']}/timeline", REFERRER),
        # errors
        Page("404 page", "/no-such-page", None),
        Page("404 page signed in", "/no-such-page", SUPERVISOR),
        Page("404 page of an unknown referral", "/referrals/" + "0" * 32, SUPERVISOR),
        Page("403 page", "/hr/clearances", CASEY),
        Page("403 page of another's referral", f"/referrals/{r['accepted']}", "alex.referrer@council.example"),
    ]
    return listed


def _sign_in_with_no_account(page) -> None:
    # No account chosen: the page says to choose one (the first is checked to start with).
    page.evaluate("() => document.querySelectorAll('input[name=email]').forEach(i => { i.checked = false; })")
    _press("Sign in")(page)


def _last_monday() -> str:
    from datetime import timedelta

    from chalicelib import clock
    from chalicelib.web.visit_views import monday_of

    return (monday_of(clock.today()) - timedelta(days=7)).isoformat()


def page_routes() -> set[str]:
    """The app's HTML page routes a person opens (Chalice's `app.routes`): GET pages registered
    through `page_route`, without downloads."""
    from app import app
    from chalicelib.web import pages

    found = set()
    for path, methods in app.routes.items():
        entry = methods.get("GET")
        if entry is None or entry.view_function.__code__.co_filename != pages.__file__:
            continue
        if DOWNLOAD.search(path):
            continue
        found.add(path)
    return found


def route_of(path: str, routes: set[str]) -> str | None:
    """The route template (`/referrals/{referral_id}`) that `path` (no query) is served by."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    for route in sorted(routes, key=lambda r: r.count("{")):
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(route)) + "$"
        if re.match(pattern, path):
            return route
    return None
