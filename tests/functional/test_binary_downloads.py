"""The report's PDF downloads from a browser and from curl, with the Accept header each sends (or
none), from the local server, which follows API Gateway's rule for binary answers."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.helpers import BROWSER_ACCEPT, serving, session_cookie
from tests.report_helpers import book_visit, write_report


def _get(url: str, headers: dict) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers=headers)  # urllib sends no Accept of its own
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read()


@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, "*/*", None], ids=["browser", "curl", "no-accept"])
def test_the_approved_report_downloads_as_a_pdf_whatever_the_accept_header(runtime, client, auth, monkeypatch, accept):
    # GIVEN an approved report, and its reader signed in to the pages (a cookie) or calling the API
    visit_id = book_visit(client, auth)
    write_report(visit_id)
    accept_header = {"Accept": accept} if accept else {}
    downloads = {
        "page": (f"/visits/{visit_id}/report.pdf", {"Cookie": session_cookie("supervisor")}),
        "api": (f"/v1/visits/{visit_id}/report.pdf", {"Authorization": auth("supervisor")["Authorization"]}),
    }
    with serving(monkeypatch) as base_url:
        for name, (path, credentials) in downloads.items():
            # WHEN it is downloaded from the local server
            status, content_type, body = _get(base_url + path, {**credentials, **accept_header})
            # THEN the bytes are the PDF itself, not its base64 text nor a 400 about the Accept header
            assert (name, status, content_type) == (name, 200, "application/pdf"), body[:300]
            assert body.startswith(b"%PDF-"), (name, body[:40])
