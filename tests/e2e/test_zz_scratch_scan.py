import pytest
from tests.e2e.seeded_site import open_as, pages, seed
from tests.e2e.test_peoples_side_browser import CODE_WORD, ISO_DATE, ISO_TIME, WEEKDAY_DATE

pytestmark = pytest.mark.browser


def test_scan(live_server, client, auth, runtime, page):
    site = seed(client, auth, runtime)
    sessions = {}
    problems = []
    for p in pages(site):
        open_as(page, live_server, p.who, sessions)
        page.goto(live_server + p.path)
        if p.act:
            p.act(page)
        text = page.inner_text("body")
        if p.name in ("referral decision with errors", "clearance form with errors", "report decision with errors"):
            print("=====", p.name, [l for l in text.splitlines() if CODE_WORD.search(l)])
        for name, pattern in (("code", CODE_WORD), ("iso", ISO_DATE), ("time", ISO_TIME), ("weekday", WEEKDAY_DATE)):
            found = sorted(set(m.group(0) for m in pattern.finditer(text)))
            if found:
                problems.append(f"{p.name}: {name}: {found[:6]}")
    print("\n".join(problems))
    assert not problems
