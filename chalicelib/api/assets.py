"""`GET /assets/<name>`: the pages' stylesheet and scripts (`chalicelib/assets.py`)."""

from __future__ import annotations

from chalice import Blueprint, Response

routes = Blueprint(__name__)

# The name carries a hash of the content, so what it names never changes: keep it for a year.
CACHE_FOREVER = "public, max-age=31536000, immutable"


@routes.route("/assets/{file_name}", methods=["GET", "HEAD"])
def asset(file_name: str) -> Response:
    """No session is read: an asset is the same for everyone, and costs no AWS call."""
    from chalicelib.api.not_found import page_not_found
    from chalicelib.assets import asset_served_as

    request = routes.current_request
    found = asset_served_as(file_name)
    if found is None:
        return page_not_found(request)
    return Response(
        body="" if request.method == "HEAD" else found.body,
        status_code=200,
        headers={
            "Content-Type": found.content_type,
            "Cache-Control": CACHE_FOREVER,
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )
