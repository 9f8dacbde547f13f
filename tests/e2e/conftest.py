"""Browser fixtures: the app on a loopback port, real headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil

import pytest

from tests import faketime_compat
from tests.helpers import serving

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Debian's chromium is not installed: .ci/run must install it")
        pytest.skip("Browser tests need Debian's chromium (apt-get install -y chromium); none found on PATH")
    return path


@pytest.fixture
def live_server(runtime, monkeypatch):
    """The app served on a free loopback port, with email links pointing at it."""
    with serving(monkeypatch) as base_url:
        yield base_url


@pytest.fixture
def today(monkeypatch):
    """One "today" for the test and the server (which runs in this process) even across midnight."""
    from chalicelib import clock

    pinned = clock.today()
    monkeypatch.setattr(clock, "today", lambda: pinned)
    return pinned


@pytest.fixture
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_FLAGS, env=faketime_compat.browser_environment()
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def sign_in(page, base_url: str, email: str, next_path: str = "/") -> None:
    """Sign in through the demo sign-in page as a person would: pick the account, press the button."""
    page.goto(f"{base_url}/signin?next={next_path}")
    page.check(f"input[name=email][value='{email}']")
    page.click("main button[type=submit]")  # not the header's "Sign out", if someone is signed in
    page.wait_for_load_state()
