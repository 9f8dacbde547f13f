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
    from local.server import build_server

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


@pytest.mark.parametrize("path", ["/v1/no-such-thing", "/v1/visits/x/y/z"])
def test_an_unknown_api_path_sent_with_a_bearer_token_gets_the_standard_404_locally(served, path):
    answer = fetch(served + path, {"Accept": "application/json", "Authorization": "Bearer abc.def.ghi"})
    assert answer.code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.read()) == {"error": {"code": "not_found", "message": f"No such page or resource: {path}"}}


def test_a_known_page_is_still_served(served):
    with urllib.request.urlopen(served + "/", timeout=10) as response:
        assert response.status == 200


# -- the catch-all route, as API Gateway invokes it -----------------------------------------------


def gateway_event(method: str, path: str, headers: dict, stage: str = "") -> dict:
    """The event API Gateway sends for a path only the greedy `/{proxy+}` resource takes."""
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{stage}{path}" if stage else path,
            "stage": stage or "prod",
        },
    }


def test_a_browser_asking_api_gateway_for_an_unknown_page_gets_the_404_page(runtime):
    from app import app

    answer = app(gateway_event("GET", "/no/such/page", {"Accept": "text/html", "Host": "fcs.example"}), None)

    assert answer["statusCode"] == 404
    assert answer["headers"]["Content-Type"].startswith("text/html")
    assert "Page not found" in answer["body"] and 'href="/"' in answer["body"]


def test_at_api_gateways_own_url_the_404_pages_links_keep_the_stage(runtime):
    from app import app

    event = gateway_event("GET", "/no/such/page", {"Accept": "text/html", "Host": "x.execute-api.example"}, "api")
    answer = app(event, None)

    assert answer["statusCode"] == 404
    assert 'href="/api/"' in answer["body"] and 'href="/"' not in answer["body"]


def test_an_unknown_api_path_through_api_gateway_gets_the_standard_error_body(runtime):
    from app import app

    answer = app(gateway_event("POST", "/v1/no-such-thing", {"Accept": "application/json"}), None)

    assert answer["statusCode"] == 404
    assert answer["headers"]["Content-Type"] == "application/json"
    assert json.loads(answer["body"])["error"]["code"] == "not_found"


def test_the_catch_all_shadows_no_route_of_the_app(client, auth):
    # The test client routes as the local server does: a one-part unknown path reaches the catch-all.
    unknown = client.http.get("/no-such-page", headers={"Accept": "text/html"})
    assert unknown.status_code == 404 and b"Page not found" in unknown.body
    assert client.http.get("/health").status_code == 200
    assert client.http.get("/").status_code == 200
    assert client.http.get("/audit", headers=auth("admin")).status_code == 200
    assert client.http.get("/referrals/new").status_code == 303  # to sign in: the page, not a 404


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
