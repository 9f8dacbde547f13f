"""One visit as its own page shows it: the visit, its worker and report, and the briefing the assigned
worker reads before it (the children's needs, interpreters, safety notes, risks, who brings and
collects the child, the confidential-address warning, the last approved report's recommendations).

Only the assigned worker and staff who schedule (supervisor, admin) may open it: the briefing holds
what the referral says about the family, which no other worker needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.auth import Principal
from chalicelib.domain.labels import PLACEMENT_LABELS, risk_words
from chalicelib.domain.referral_reference import human_reference
from chalicelib.domain.reports import ReportStatus
from chalicelib.errors import Forbidden, NotFound
from chalicelib.services.visit_access import SEE_ALL, load, worker_id_of
from chalicelib.services.visit_views import view
from chalicelib.storage import referrals as referral_store
from chalicelib.storage import reports as report_store
from chalicelib.storage import visits as store
from chalicelib.storage.workers import worker_names

if TYPE_CHECKING:
    from chalicelib.storage.visits import Visit

NOT_YOURS = "Only the worker assigned to this visit, or a supervisor, may open its page."
# Earlier visits read back for the last approved report's recommendations: enough for weeks of
# cancellations, and bounded so a long case costs the same to brief.
EARLIER_VISITS_READ = 12
EARLIEST = "2000-01-01"  # before any visit: the lower bound of "every visit before this one"


def visit_page(principal: Principal, visit_id: str) -> dict[str, Any]:
    """The visit, its worker's name, its referral's reference and children, its report's status,
    and the briefing. Anyone but staff gets the same 403 for a visit that is not theirs or none."""
    try:
        visit = load(visit_id)
    except NotFound:
        if principal.has_any(SEE_ALL):
            raise
        raise Forbidden(NOT_YOURS) from None
    if not principal.has_any(SEE_ALL) and worker_id_of(principal) != visit.worker_id:
        raise Forbidden(NOT_YOURS)
    referral = referral_store.referral(visit.referral_id)
    submission = (referral.submission if referral else None) or {}
    report = report_store.get_report(visit.visit_id)
    return {
        "visit": view(visit),
        "worker_name": worker_names({visit.worker_id}).get(visit.worker_id, "A worker who has left"),
        "referral": {
            "id": visit.referral_id,
            "reference": human_reference(visit.referral_id),
            "children": [c.get("first_name", "") for c in submission.get("children") or []],
        },
        "report_status": ReportStatus(report.status).label if report else None,
        "briefing": briefing(visit, submission),
    }


def briefing(visit: Visit, submission: dict[str, Any]) -> dict[str, Any]:
    """What the worker needs to know before the visit, from the referral and the last approved report."""
    chosen = visit.participants or {}
    children = submission.get("children") or []
    family = submission.get("family_members") or []
    risks = submission.get("risks") or {}
    last = last_approved_report(visit)
    return {
        "children": [
            {
                "name": children[i].get("first_name", ""),
                "placement": PLACEMENT_LABELS.get(children[i].get("placement_type"), "Not given"),
                "needs": children[i].get("needs_notes"),
                "interpreter": children[i].get("interpreter_language"),
            }
            for i in chosen.get("children") or range(len(children))
            if i < len(children)
        ],
        "family": [
            {
                "name": family[i].get("name", ""),
                "relationship": family[i].get("relationship", ""),
                "interpreter": family[i].get("interpreter_language"),
                "safety_notes": family[i].get("safety_notes"),
            }
            for i in chosen.get("family_members") or range(len(family))
            if i < len(family)
        ],
        "risks": risk_words(risks),
        "risk_details": risks.get("details"),
        "confidential_address": bool(visit.confidential_address),
        "handover": handover(submission.get("contact") or {}, last),
        "last_report": last,
    }


def handover(contact: dict[str, Any], last: dict[str, Any] | None) -> dict[str, Any]:
    """Who brings and who collects the child, as the referral says (None where it does not: a
    referral made before the form asked), and who brought the child to the last reported visit
    when that was someone else, or when the referral does not say."""
    brought_by, collected_by = contact.get("brought_by"), contact.get("collected_by")
    last_brought_by = (last or {}).get("brought_by")
    same = (
        brought_by
        and last_brought_by
        and " ".join(brought_by.split()).casefold() == " ".join(last_brought_by.split()).casefold()
    )
    return {
        "brought_by": brought_by,
        "collected_by": collected_by,
        "last_brought_by": None if same else last_brought_by,
        "last_day": (last or {}).get("day"),
    }


def last_approved_report(visit: Visit) -> dict[str, Any] | None:
    """The day, recommendations and who brought the child, of the latest approved report of an
    earlier visit of the same referral; None before the first."""
    from chalicelib.domain.date_words import day_of

    earlier = [
        v
        for v in store.visits_of_referral(visit.referral_id, EARLIEST, visit.starts_at)
        if v.starts_at < visit.starts_at and v.visit_id != visit.visit_id
    ]
    for other in reversed(earlier[-EARLIER_VISITS_READ:]):
        report = report_store.get_report(other.visit_id)
        if report is None or report.approved_version is None:
            continue
        content = report_store.get_version(other.visit_id, int(report.approved_version)).content or {}
        return {
            "visit_id": other.visit_id,
            "day": day_of(other.starts_at),
            "recommendations": content.get("recommendations"),
            "brought_by": content.get("brought_by"),
        }
    return None
