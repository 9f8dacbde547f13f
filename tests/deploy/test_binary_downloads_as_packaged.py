"""The report's PDF reaches a browser and curl as bytes through the API as packaged: the function's
answer under the /api stage prefix, delivered by API Gateway's rule with the packaged template's
binary media types."""

from __future__ import annotations

import pytest

from tests.helpers import BROWSER_ACCEPT

PREFIX = "/api"


@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, None], ids=["browser", "no-accept"])
def test_the_pdf_is_delivered_as_bytes_under_the_packaged_binary_media_types(
    template, runtime, client, auth, monkeypatch, accept
):
    from chalice.config import Config
    from chalice.local import LocalGateway

    from app import app
    from local.api_gateway import delivered_body
    from tests.helpers import serve_as_api_gateway, session_cookie
    from tests.report_helpers import book_visit, write_report

    # GIVEN the packaged API's binary media types and an approved report, served under /api
    media_types = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][
        "x-amazon-apigateway-binary-media-types"
    ]
    visit_id = book_visit(client, auth)
    write_report(visit_id)
    serve_as_api_gateway(monkeypatch, PREFIX)
    gateway = LocalGateway(app, Config.create(chalice_stage="local", app_name=app.app_name))
    headers = {"Cookie": session_cookie("supervisor"), **({"Accept": accept} if accept else {})}
    # WHEN the function answers the download and API Gateway hands its answer on
    answer = gateway.handle_request("GET", f"/visits/{visit_id}/report.pdf", headers, None)
    # THEN the browser (or curl) gets the PDF's bytes
    assert answer["statusCode"] == 200, answer["body"][:300]
    assert delivered_body(answer, accept, media_types).startswith(b"%PDF-")
