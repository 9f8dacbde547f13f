"""What keeps a page's children's data to the page: its Content-Security-Policy (its stylesheet and
scripts only from this service, under `/assets/`), and signing out by POST alone. The access matrix
checks the policy on every route's answer; these check the assets it allows and the sign-out."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import FORM_HEADERS, SAME_ORIGIN, policy_directives, post_form, session_cookie, strict_policy

STATIC = Path(__file__).resolve().parents[2] / "chalicelib" / "static"


def _asset_links(body: bytes) -> list[str]:
    return re.findall(r'(?:href|src)="(/assets/[^"]+)"', body.decode("utf-8"))


def test_a_page_allows_only_its_own_scripts_styles_and_forms(client, runtime):
    response = client.http.get("/signin")
    policy = response.headers["Content-Security-Policy"]
    assert strict_policy(policy)
    directives = policy_directives(policy)
    assert directives["form-action"] == {"'self'"}  # no user pool here: the local stage signs in itself
    assert not [
        sources for sources in directives.values() if "'unsafe-inline'" in sources or "'unsafe-eval'" in sources
    ]


def test_a_pages_stylesheet_is_served_as_css_kept_for_a_year(client, runtime):
    # GIVEN the sign-in page, which names its stylesheet
    (stylesheet,) = _asset_links(client.http.get("/signin").body)
    # WHEN the browser fetches it
    response = client.http.get(stylesheet)
    # THEN it is the file, as CSS the browser must not read as anything else, kept for a year
    assert response.status_code == 200
    assert response.body.decode("utf-8") == (STATIC / "site.css").read_text("utf-8")
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_the_report_pages_autosave_script_is_served_as_javascript(client, runtime):
    from chalicelib.assets import asset_url

    response = client.http.get(asset_url("report-autosave.js"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "autosave" in response.body.decode("utf-8")


def test_an_assets_name_changes_with_its_content(client, runtime, monkeypatch):
    """The name carries the content's hash: a changed file is a new address, never a stale copy."""
    from chalicelib import assets

    before = assets.asset_url("site.css")
    assets.assets.cache_clear()
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: f"/* {self.name}, changed */")
    try:
        after = assets.asset_url("site.css")
    finally:
        assets.assets.cache_clear()
    assert after != before and after.startswith("/assets/site.") and after.endswith(".css")


def test_an_asset_name_of_another_version_or_none_is_the_404_page(client, runtime):
    for path in ("/assets/site.000000000000.css", "/assets/site.css", "/assets/..%2Fconfig.py"):
        response = client.http.get(path)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"].startswith("text/html")
        assert strict_policy(response.headers["Content-Security-Policy"])


def test_head_of_an_asset_answers_its_headers_without_the_body(client, runtime):
    from chalicelib.assets import asset_url

    response = client.http.request("HEAD", asset_url("site.css"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.body == b""


# -- sign-out ---------------------------------------------------------------------------------------


def _signed_in(client, cookie: str) -> bool:
    return client.http.get("/hr/clearances", headers={"Cookie": cookie}).status_code == 200


def test_every_page_signs_out_by_a_form_posted_here(client, runtime):
    cookie = session_cookie("hr")
    body = client.http.get("/hr/clearances", headers={"Cookie": cookie}).body.decode("utf-8")
    assert '<form class="signout" method="post" action="/signout"><button type="submit">Sign out</button>' in body
    assert 'href="/signout"' not in body


def test_opening_the_signout_address_signs_nobody_out_and_offers_the_button(client, runtime):
    # GIVEN a signed-in person WHEN a link prefetcher or a mail scanner opens /signout with their cookie
    cookie = session_cookie("hr")
    page = client.http.get("/signout", headers={"Cookie": cookie})
    # THEN it is a page with the button, and the person is still signed in
    assert page.status_code == 200
    assert b'<form method="post" action="/signout">' in page.body
    assert "Set-Cookie" not in page.headers
    assert _signed_in(client, cookie)


def test_the_sign_out_button_ends_the_session(client, runtime):
    cookie = session_cookie("hr")
    response = post_form(client, "/signout", {}, headers={"Cookie": cookie})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert not _signed_in(client, cookie)


def test_a_sign_out_posted_from_another_site_is_refused_and_signs_nobody_out(client, runtime):
    cookie = session_cookie("hr")
    for proof in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {}):
        headers = {**FORM_HEADERS, "Cookie": cookie, **proof}
        if not proof:
            headers = {key: value for key, value in headers.items() if key not in SAME_ORIGIN}
        response = client.http.post("/signout", headers=headers, body="")
        assert response.status_code == 403, proof
    assert _signed_in(client, cookie)
