"""In a real browser, with the pages' Content-Security-Policy on: nothing a page needs is blocked
(a blocked script or stylesheet fails silently, so the browser's own reports are watched), the
report page's autosave still saves, and the header's "Sign out" button signs the person out."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in
from tests.helpers import REFERRER, SUPERVISOR, wait_for
from tests.report_helpers import book_visit
from tests.visit_helpers import CASEY, HR_EMAIL

pytestmark = pytest.mark.browser

# Set on every document before its own scripts run (Playwright's init scripts are not the page's:
# the policy does not apply to them): each violation the browser reports, as it reports it.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} on ${location.pathname}`);
});
"""
BRAND_BLUE = "rgb(29, 79, 145)"  # the header's colour in site.css: the stylesheet was applied


class Watched:
    """A browser context for one person, collecting the policy violations of every page it opens."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context()
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(WATCH_VIOLATIONS)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))

    def violations(self) -> list[str]:
        reported = self.page.evaluate("() => window.__violations")
        return reported + [text for text in self.console if "Content Security Policy" in text or "page error" in text]

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        assert "default-src 'none'" in response.headers["content-security-policy"]
        header = self.page.locator("header")
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == BRAND_BLUE, url


def test_pages_load_their_stylesheet_and_script_with_no_violation_and_autosave_saves(
    live_server, runtime, client, auth, browser
):
    from playwright.sync_api import expect

    from chalicelib.storage import reports as store

    visit_id = book_visit(client, auth)
    # GIVEN people on the pages that carried inline style or script before
    visitor = Watched(browser)
    visitor.open(f"{live_server}/signin")
    supervisor = Watched(browser)
    sign_in(supervisor.page, live_server, SUPERVISOR, "/visits/week")
    supervisor.open(f"{live_server}/visits/week")
    # The week's wider layout, once in the page's own <style>, comes from the stylesheet now.
    assert supervisor.page.locator("main").evaluate("e => getComputedStyle(e).maxWidth") == "1440px"  # 90rem
    for path in ("/", "/visits/at-risk", "/referrals", f"/visits/{visit_id}"):
        supervisor.open(live_server + path)
    hr = Watched(browser)
    sign_in(hr.page, live_server, HR_EMAIL, "/hr/clearances")
    hr.open(f"{live_server}/hr/clearances")
    referrer = Watched(browser)
    sign_in(referrer.page, live_server, REFERRER, "/referrals/new")
    referrer.open(f"{live_server}/referrals/new")
    # The off-screen default button is off screen: styled by class now, not by an attribute.
    hidden = referrer.page.locator("button[value=continue][aria-hidden=true]")
    assert hidden.evaluate("e => e.getBoundingClientRect().right") < 0

    # WHEN the worker types in the report and the page's 30-second autosave runs
    worker = Watched(browser)
    worker.page.clock.install()
    sign_in(worker.page, live_server, CASEY, f"/visits/{visit_id}/report")
    worker.open(f"{live_server}/visits/{visit_id}/report")
    worker.page.get_by_label("Observations").fill("Saved by the script from /assets/.")
    worker.page.clock.run_for(31_000)

    # THEN the draft is saved by the script and the page says so
    typed = "Saved by the script from /assets/."
    saved = lambda: getattr(store.get_report(visit_id), "draft", None) or {}  # noqa: E731 - no report until then
    wait_for(lambda: saved().get("observations") == typed, 10, what="the autosave")
    expect(worker.page.locator("#autosave-status")).to_contain_text("Last saved")
    # AND no page had anything blocked
    people = (visitor, supervisor, hr, referrer, worker)
    assert [v for person in people for v in person.violations()] == []

    # AND the watch does see a violation: a script written into the page is refused
    worker.page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.injected = true"; document.body.append(s); }""")
    worker.page.wait_for_function("() => window.__violations.length > 0")
    assert worker.page.evaluate("() => window.injected") is None
    assert any("script-src" in v for v in worker.violations())
    for person in people:
        person.context.close()


def test_the_sign_out_button_signs_out_and_the_next_page_asks_to_sign_in(live_server, runtime, page):
    from playwright.sync_api import expect

    # GIVEN a person signed in, on one of their pages
    sign_in(page, live_server, HR_EMAIL, "/hr/clearances")
    expect(page.locator("header")).to_contain_text("Signed in as Jordan Lee")

    # WHEN something opens the sign-out address (a link prefetcher, say): they are still signed in
    page.goto(f"{live_server}/signout")
    expect(page.get_by_role("button", name="Sign out now")).to_be_visible()
    page.goto(f"{live_server}/hr/clearances")
    expect(page.get_by_role("heading", name="Worker clearances")).to_be_visible()

    # WHEN they press "Sign out" in the header
    page.locator("header").get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    # THEN they are signed out, and the page they had open asks them to sign in first
    expect(page.locator("header").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(f"{live_server}/hr/clearances")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "/signin?next=/hr/clearances" in page.url
