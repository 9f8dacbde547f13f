"""The start page: each signed-in person's work, by role, with what is waiting for them."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.auth import Principal, Role
from chalicelib.web.pages import page_route, render

routes = Blueprint(__name__)

# The sections of the start page, in order: (role, heading). An admin sees them all.
SECTIONS = (
    (Role.REFERRER, "Your referrals"),
    (Role.WORKER, "Your visits"),
    (Role.SUPERVISOR, "Supervising"),
    (Role.HR, "Worker clearances"),
    (Role.ADMIN, "Administration"),
)


@page_route(routes, "/", ["GET"])
def home(request, principal):
    sections = []
    if principal is not None:
        for role, heading in SECTIONS:
            if role is Role.ADMIN and not principal.is_admin:
                continue
            if principal.has_any(frozenset({role})):
                sections.append({"role": role.value, "heading": heading, **_section(role, principal)})
    return render("home.html", principal=principal, sections=sections)


def _section(role: Role, principal: Principal) -> dict[str, Any]:
    """The links of one role's section, and a line or two saying what is waiting."""
    if role is Role.REFERRER:
        return _referrer(principal)
    if role is Role.WORKER:
        return _worker(principal)
    if role is Role.SUPERVISOR:
        return _supervisor(principal)
    if role is Role.HR:
        return _hr()
    return {
        "links": [
            {"href": "/audit", "label": "Audit log"},
            {"href": "/admin/sessions", "label": "Sign a person out everywhere"},
        ],
        "lines": ["Who changed what, and when, for every referral, visit, report and worker."],
    }


def _referrer(principal: Principal) -> dict[str, Any]:
    """A question a supervisor asked waits for the referrer's answer: said first, with a link to answer it."""
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.domain.referrals import ReferralStatus
    from chalicelib.services import referrals

    asked = referrals.list_for(principal, ReferralStatus.MORE_INFO_REQUESTED.value)
    lines = ["Follow each referral, answer a supervisor's question or withdraw it from its page."]
    if asked:
        count = len(asked)
        lines.insert(
            0,
            f"A supervisor is waiting for your answer to a question about {count} referral{'s' if count != 1 else ''}."
            " The referral lapses if it is not answered.",
        )
    answer_links = [
        {
            "href": f"/referrals/{r['id']}#answer-question",
            "label": f"Answer the question about {human_reference(r['id'])} ("
            + ", ".join(name.split()[0] for name in r["children"] if name)
            + ")",
        }
        for r in asked[:5]
    ]
    return {
        "links": [
            *answer_links,
            {"href": "/referrals/new", "label": "Refer a family"},
            {"href": "/referrals", "label": "My referrals"},
        ],
        "lines": lines,
    }


def _worker(principal: Principal) -> dict[str, Any]:
    from chalicelib.services import visit_access, visit_reads
    from chalicelib.web.visit_views import display

    links = [{"href": "/visits/mine", "label": "My visits"}]
    if visit_access.worker_id_of(principal) is None:
        return {
            "links": links,
            "lines": ["Your sign-in is not linked to a worker record yet. Ask HR to check your work email."],
        }
    mine = visit_reads.mine(principal)
    due = [display(v) for v in mine["reports_due"]]
    upcoming = [display(v) for v in mine["upcoming"]]
    lines = [
        f"Reports due: {len(due)}." if due else "No reports are due.",
        f"Your next visit: {upcoming[0]['when_label']}, {upcoming[0]['who_label']}."
        if upcoming
        else f"You have no visits booked in the next {mine['days_ahead']} days.",
    ]
    return {
        "links": [
            *links,
            *(
                {"href": f"/visits/{v['id']}/report", "label": f"Write the report of {v['when_label']}"}
                for v in due[:5]
            ),
        ],
        "lines": lines,
    }


def _supervisor(principal: Principal) -> dict[str, Any]:
    from chalicelib import clock
    from chalicelib.services import case_reviews, decisions, visit_reads
    from chalicelib.web.visit_views import monday_of

    waiting = len(decisions.waiting(principal))
    week = visit_reads.week(principal, monday_of(clock.today()))
    visits_line = f"This week: {week['count']} visit{'s' if week['count'] != 1 else ''}"
    if week["at_risk"]:
        visits_line += f", {week['at_risk']} at risk"
    if week["reports_due"]:
        visits_line += f", {week['reports_due']} report{'s' if week['reports_due'] != 1 else ''} due"
    return {
        "links": [
            {"href": "/decisions", "label": f"Decisions waiting ({waiting})"},
            {"href": "/referrals", "label": "Referrals"},
            {"href": "/visits/week", "label": "Visits this week"},
            {"href": "/visits/at-risk", "label": "Visits at risk"},
        ],
        "lines": [
            f"{waiting} item{'s' if waiting != 1 else ''} waiting for your decision."
            if waiting
            else "Nothing is waiting for your decision.",
            visits_line + ".",
        ],
        "overdue_reviews": case_reviews.overdue(),
    }


def _hr() -> dict[str, Any]:
    from chalicelib.domain.labels import status_label
    from chalicelib.services import compliance

    data = compliance.dashboard_rows()
    counts = ", ".join(f"{status_label(s).lower()}: {n}" for s, n in data["counts"].items() if n)
    return {
        "links": [
            {"href": "/hr/clearances", "label": "Worker clearances"},
            {"href": "/hr/workers/new", "label": "Add a worker"},
        ],
        "lines": [f"{data['total']} worker{'s' if data['total'] != 1 else ''}" + (f" ({counts})." if counts else ".")],
    }
