"""The pages behind approval links: GET/HEAD show and change nothing; POST decides."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.web.pages import form_fields, page_route, render

routes = Blueprint(__name__)


def item_page(page) -> str | None:  # noqa: ANN001 - an approvals.LinkPage
    """Where the item is read in full, once decided or to read it before deciding: its subject's page."""
    if page.link is None or page.subject is None:
        return None
    return page.subject.page.format(id=page.link.subject_id)


# Any link id gets the "this link does not work" page: only its hash is ever looked up.
@page_route(routes, "/approve/{link_id}", ["GET", "HEAD", "POST"], check_ids=False)
def approval(request, principal, link_id: str):
    from chalicelib.services import decisions

    if request.method == "POST":
        fields = form_fields(request)
        first = lambda name: (fields.get(name) or [""])[0]  # noqa: E731
        page = decisions.decide_link(
            link_id,
            principal,
            first("decision") or None,
            first("comment").strip() or None,
            confirmed=first("confirmed") == "yes",
        )
    else:
        page = decisions.open_link(link_id, principal, record_view=request.method == "GET")
    return render(
        "approval.html", page.status_code, principal, page=page, method=request.method, item_url=item_page(page)
    )
