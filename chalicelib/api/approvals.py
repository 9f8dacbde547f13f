"""The pages behind approval links: GET/HEAD show and change nothing; POST decides."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.web.pages import form_fields, page_route, render

routes = Blueprint(__name__)


def _page(page, principal, method: str):
    return render("approval.html", page.status_code, principal, page=page, method=method)


@page_route(routes, "/approve/{link_id}", ["GET", "HEAD", "POST"])
def approval(request, principal, link_id: str):
    from chalicelib.services import approvals

    if request.method == "POST":
        fields = form_fields(request)
        first = lambda name: (fields.get(name) or [""])[0]  # noqa: E731
        page = approvals.decide(
            link_id, first("decision") or None, first("comment").strip() or None, confirmed=first("confirmed") == "yes"
        )
    else:
        page = approvals.open_link(link_id, record_view=request.method == "GET")
    return _page(page, principal, request.method)
