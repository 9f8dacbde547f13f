"""The start page: what the signed-in person can do here."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import page_route, render

routes = Blueprint(__name__)

# (role, link, label): each person sees the links of their roles.
LINKS = (
    (Role.REFERRER, "/referrals/new", "Refer a family"),
    (Role.REFERRER, "/referrals", "My referrals"),
    (Role.SUPERVISOR, "/decisions", "Decisions waiting"),
    (Role.SUPERVISOR, "/referrals", "Referrals"),
    (Role.SUPERVISOR, "/visits/week", "Visits this week"),
    (Role.WORKER, "/visits/mine", "My visits"),
    (Role.HR, "/hr/clearances", "Worker clearances"),
)


@page_route(routes, "/", ["GET"])
def home(request, principal):
    links = []
    if principal is not None:
        seen = set()
        for role, href, label in LINKS:
            if principal.has_any(frozenset({role})) and href not in seen:
                seen.add(href)
                links.append({"href": href, "label": label})
    if any(link["href"] == "/decisions" for link in links):
        from chalicelib.services import decisions

        waiting = len(decisions.waiting(principal))
        for link in links:
            if link["href"] == "/decisions":
                link["label"] = f"Decisions waiting ({waiting})"
    return render("home.html", principal=principal, links=links)
