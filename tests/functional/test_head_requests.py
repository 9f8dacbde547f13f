"""HEAD on a page answers as GET would, without the body: through the app, the local server and
API Gateway (which routes only the methods a route declares)."""

from __future__ import annotations

import urllib.request

import pytest

from tests.functional.test_not_found import gateway_event, served  # noqa: F401 - the local server fixture
from tests.helpers import session_cookie


@pytest.mark.parametrize("path", ["/", "/signin", "/referrals"])
def test_head_on_a_page_has_gets_status_and_headers_and_no_body(client, runtime, path):
    headers = {"Cookie": session_cookie("referrer")}
    got = client.http.get(path, headers=headers)
    head = client.http.request("HEAD", path, headers=headers)
    assert head.status_code == got.status_code == 200
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert got.body and head.body == b""


def test_head_is_refused_or_redirected_as_get_is(client, runtime):
    signed_out = client.http.request("HEAD", "/referrals")
    assert signed_out.status_code == 303 and signed_out.headers["Location"].startswith("/signin?next=")
    wrong_role = client.http.request("HEAD", "/hr/clearances", headers={"Cookie": session_cookie("referrer")})
    assert wrong_role.status_code == 403 and wrong_role.body == b""


def test_every_page_read_by_get_declares_head_for_api_gateway(runtime):
    from app import app

    for path, methods in app.routes.items():
        if "GET" in methods and not path.startswith(("/v1", "/dev/")) and path not in ("/health", "/openapi.json"):
            assert "HEAD" in methods, path


def test_head_through_api_gateway_and_the_local_server(runtime, served):  # noqa: F811
    from app import app

    event = gateway_event("HEAD", "/signin", {"Host": "fcs.example"})
    event["resource"] = event["requestContext"]["resourcePath"] = "/signin"
    event["pathParameters"] = None
    answer = app(event, None)
    assert answer["statusCode"] == 200 and answer["body"] == ""
    assert answer["headers"]["Content-Type"].startswith("text/html")

    request = urllib.request.Request(served + "/signin", method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/html")
        assert response.read() == b""


def test_head_on_a_download_sends_its_headers_without_the_file(client, runtime):
    hr = {"Cookie": session_cookie("hr")}
    head = client.http.request("HEAD", "/hr/clearances.csv", headers=hr)
    assert head.status_code == 200 and head.body == b""
    assert head.headers["Content-Disposition"].startswith("attachment;")
