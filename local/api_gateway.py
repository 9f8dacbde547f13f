"""API Gateway's rule for the binary answers of a Lambda proxy integration, which the local server
follows so that what a browser or curl gets locally is what it gets deployed.

The function answers base64 with `isBase64Encoded` (Chalice does for `app.api.binary_types`). API
Gateway decodes it only when the first media type of the request's `Accept` matches one of the
API's binaryMediaTypes, where an entry may hold wildcards (`*/*`, `image/*`) but the request's own
do not widen it (`Accept: */*` is no match for `application/pdf`). Otherwise the client gets the
base64 text. A request without `Accept` is matched by `*/*` alone.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable


def first_accept_type(accept: str | None) -> str:
    """The first media type the `Accept` header names, without its parameters ("" for none)."""
    return (accept or "").split(",")[0].split(";")[0].strip().lower()


def is_binary_for(accept: str | None, binary_media_types: Iterable[str]) -> bool:
    """Whether API Gateway treats the answer to a request with this `Accept` as binary."""
    wanted = first_accept_type(accept)
    kind, _, _ = wanted.partition("/")
    for entry in (t.strip().lower() for t in binary_media_types):
        if entry == "*/*" or (wanted and (entry == wanted or entry == f"{kind}/*")):
            return True
    return False


def delivered_body(answer: dict, accept: str | None, binary_media_types: Iterable[str]) -> bytes | str:
    """The body the client receives for the function's `answer` (a proxy integration's response)."""
    body = answer.get("body") or ""
    if answer.get("isBase64Encoded") and is_binary_for(accept, binary_media_types):
        return base64.b64decode(body)
    return body
