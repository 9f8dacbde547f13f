"""API Gateway's rule for binary answers, as the local server follows it: decoded by the first
Accept type against the API's binary media types, base64 text otherwise."""

from __future__ import annotations

import base64

import pytest

from local.api_gateway import delivered_body
from tests.helpers import BROWSER_ACCEPT as BROWSER

PDF = b"%PDF-1.7 a report"
ANSWER = {"statusCode": 200, "body": base64.b64encode(PDF).decode(), "isBase64Encoded": True}


@pytest.mark.parametrize(
    ("accept", "media_types", "binary"),
    [
        ("application/pdf", ["application/pdf"], True),
        (BROWSER, ["application/pdf"], False),  # a browser's first type is text/html
        ("*/*", ["application/pdf"], False),  # curl's: a request's wildcard does not widen the entry
        (None, ["application/pdf"], False),
        ("text/html, application/pdf", ["application/pdf"], False),  # only the first type counts
        ("application/pdf;q=0.9", ["application/pdf"], True),
        ("image/png", ["image/*"], True),
        (BROWSER, ["*/*"], True),
        ("*/*", ["*/*"], True),
        (None, ["*/*"], True),
    ],
)
def test_a_base64_answer_is_decoded_only_when_the_first_accept_type_is_a_binary_media_type(accept, media_types, binary):
    assert delivered_body(ANSWER, accept, media_types) == (PDF if binary else ANSWER["body"])


def test_a_text_answer_passes_as_it_is_whatever_the_accept():
    answer = {"statusCode": 200, "body": "<p>page</p>", "isBase64Encoded": False}
    assert delivered_body(answer, BROWSER, ["*/*"]) == "<p>page</p>"
