"""Unknown addresses: pages get the service's own 404 page, the JSON API its standard error body."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest


@pytest.fixture
def served(runtime):
    from app import app
    from chalicelib.local.server import build_server

    server = build_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server.server_address[1]}"
    finally:
        server.server.shutdown()
        server.server.server_close()


def fetch(url: str, headers: dict | None = None):
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10)
    return answer.value


def test_an_unknown_page_gets_the_services_404_page_with_its_header_and_a_way_home(served):
    answer = fetch(served + "/no/such/page?x=1", {"Accept": "text/html"})
    body = answer.read().decode()
    assert answer.code == 404
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "<header" in body and "Family Contact Service" in body
    assert "Page not found" in body and 'href="/"' in body


def test_an_unknown_api_path_gets_the_standard_error_body(served):
    answer = fetch(served + "/v1/no-such-thing", {"Accept": "application/json"})
    assert answer.code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.read()) == {
        "error": {"code": "not_found", "message": "No such page or resource: /v1/no-such-thing"}
    }


def test_a_known_page_is_still_served(served):
    with urllib.request.urlopen(served + "/", timeout=10) as response:
        assert response.status == 200


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "BREW"])
def test_a_method_the_server_has_no_handler_for_is_405_in_the_standard_error_shape(served, method):
    request = urllib.request.Request(served + "/v1/visits", method=method, headers={"Accept": "application/json"})
    answer = fetch_request(request)
    assert answer.code == 405
    assert answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.read())["error"]["code"] == "method_not_allowed"


def fetch_request(request: urllib.request.Request):
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=10)
    return answer.value
