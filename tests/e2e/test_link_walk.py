"""Every link a page shows leads somewhere: from each role's start page (and signed out), follow
every link of this site breadth first and check what answers it. No 401, 403 or 404 behind a link a
page shows, no 5xx, no raw JSON where a page should be, and each download in its own format."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.e2e.seeded_site import PEOPLE, page_routes, route_of, seed
from tests.helpers import session_cookie

MAX_PAGES = 250  # per person: far more than the seeded site has, so the walk ends by itself
MAX_DEPTH = 4  # clicks from the start page: the week view's "Next week" would go on for ever
DOWNLOADS = {".csv": "text/csv", ".ics": "text/calendar", ".pdf": "application/pdf"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def walk(base_url: str, start: list[str], cookie: str | None) -> tuple[list[str], set[str]]:
    """Follow links breadth first from `start`; the problems found, and every page reached."""
    import requests

    session = requests.Session()
    session.headers["Accept"] = BROWSER_ACCEPT
    if cookie:
        session.headers["Cookie"] = cookie
    host = urlsplit(base_url).netloc
    queue = deque((path, "(start)", 0) for path in start)
    seen, problems, reached = set(start), [], set()
    while queue and len(reached) < MAX_PAGES:
        path, shown_on, depth = queue.popleft()
        response = session.get(base_url + path, timeout=30)
        where = f"{_safe(path)} (linked from {_safe(shown_on)})"
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        download = next((kind for suffix, kind in DOWNLOADS.items() if urlsplit(path).path.endswith(suffix)), None)
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code}")
        elif response.status_code in (401, 403, 404):
            problems.append(f"{where}: {response.status_code} behind a link the page shows")
        elif download:
            if content_type != download:
                problems.append(f"{where}: a download answered {content_type}, not {download}")
        elif content_type == "application/json":
            problems.append(f"{where}: raw JSON shown as a page")
        elif content_type != "text/html":
            problems.append(f"{where}: a page answered {content_type}")
        reached.add(urlsplit(response.url).path)
        if content_type != "text/html" or depth >= MAX_DEPTH:
            continue
        for href in links_of(response.text):
            target = urlsplit(urljoin(response.url, href))
            if target.scheme not in ("http", "https") or target.netloc != host:
                continue  # off-site or mailto:
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in seen:
                seen.add(link)
                queue.append((link, urlsplit(response.url).path, depth + 1))
    return problems, reached


def _safe(path: str) -> str:
    """An approval or family link's id is a secret: never in a test's output."""
    for door in ("/approve/", "/family/"):
        if path.startswith(door):
            return door + "…"
    return path


def test_every_link_each_person_sees_leads_to_a_page_or_a_download(live_server, runtime, client, auth):
    # GIVEN a service with referrals, visits and reports in every state
    site = seed(client, auth, runtime)
    starts = {role: ["/"] for role in PEOPLE}
    # An approval page is opened from an email: walk on from it signed out, as its approver does.
    starts["visitor"] += [site.links["under_review"], site.links["report_submitted"]]
    # A family member's page is opened from their reminder, by email or text message.
    starts["visitor"] += [site.links["family"]]

    # WHEN each person follows every link from their start page
    problems, reached = [], set()
    for role, email in PEOPLE.items():
        cookie = session_cookie(email=email) if email else None
        found, pages = walk(live_server, starts[role], cookie)
        problems += [f"{role}: {problem}" for problem in found]
        reached |= pages

    # THEN every link leads somewhere, in the right format
    assert problems == [], "\n".join(problems)
    # AND the walk reached the pages it exists for (a walk that stopped at the start proves nothing)
    routes = page_routes()
    walked = {route_of(path, routes) for path in reached} - {None}
    # An approval page is opened from an email; sign-out's page from an address typed or prefetched
    # (every page signs out with a form's button, which is no link).
    unreached = routes - walked - {"/approve/{link_id}", "/signout"}
    assert unreached == set(), f"no link leads to {sorted(unreached)}"
    assert {"/visits/mine.ics", "/hr/clearances.csv"} <= reached
    assert any(path.endswith("/report.pdf") for path in reached)
