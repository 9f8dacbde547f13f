"""The closing letter: a PDF for the referrer when their case closes (fpdf2, the fonts of the report
PDF), attached to the closing email and downloadable from the case page.

It says which case (reference, the children's first names), the dates of the first and last visits
held, how many sessions were held, why the case closed, the closing summary, and how to reach the
service. It never names a venue or an address: when the referral flags a confidential address
nothing in it may say where anyone was, and no letter needs one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.auth import Principal, Role
from chalicelib.config import settings
from chalicelib.domain import date_words
from chalicelib.domain.case_status import closing_reason_words
from chalicelib.domain.referral_reference import human_reference
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.domain.visits import VisitStatus
from chalicelib.errors import Conflict, Forbidden
from chalicelib.storage import visits as visit_store

if TYPE_CHECKING:
    from chalicelib.storage.referrals import Referral

FONTS = Path(__file__).resolve().parents[1] / "fonts"
FAMILY = "DejaVu"
STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})


def facts(referral: Referral) -> dict[str, Any]:
    """What the letter says, from the referral and its visits (one Query of the case's visits): a
    session held is a visit that was not cancelled and had started when the case closed."""
    closed_at = referral.closed_at or referral.updated_at
    held = [
        v
        for v in visit_store.visits_of_referral(referral.referral_id)
        if v.status != VisitStatus.CANCELLED and v.starts_at <= closed_at
    ]
    children = [c.get("first_name", "") for c in (referral.submission or {}).get("children", [])]
    return {
        "reference": human_reference(referral.referral_id),
        "children": [name for name in children if name],
        "closed_on": date_words.day_of(closed_at),
        "first_visit": date_words.day_of(held[0].starts_at) if held else None,
        "last_visit": date_words.day_of(held[-1].starts_at) if held else None,
        "sessions_held": len(held),
        "reason": closing_reason_words(referral.closing_reason or "", referral.closing_other_reason),
        "summary": referral.closing_summary or "",
        "contact_email": settings().reply_to,
        "contact_site": settings().public_base_url,
    }


def render(letter: dict[str, Any]) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.set_title(f"Closing letter, case {letter['reference']}")
    pdf.set_author("Family Contact Service")
    pdf.set_creator("Family Contact Service")
    pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.epw

    def line(value: str, style: str = "", size: int = 10) -> None:
        pdf.set_font(FAMILY, style, size)
        pdf.multi_cell(width, 6, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(label: str, value: str) -> None:
        line(label, "B")
        line(value)
        pdf.ln(1.5)

    line("Family Contact Service", "B", 9)
    pdf.ln(2)
    line(f"Closing letter: case {letter['reference']}", "B", 15)
    pdf.ln(2)
    line(
        f"The supervised contact case of {', '.join(letter['children']) or 'the children'} closed on "
        f"{letter['closed_on']}. This letter records how it ended, for the child's file."
    )
    pdf.ln(2)
    field("Case reference", letter["reference"])
    field("Children", ", ".join(letter["children"]) or "Not recorded")
    field("First visit", letter["first_visit"] or "No visit took place")
    field("Last visit", letter["last_visit"] or "No visit took place")
    field("Sessions held", str(letter["sessions_held"]))
    field("Why the case closed", letter["reason"])
    field("Closing summary", letter["summary"])
    field(
        "Contact the service",
        f"Email {letter['contact_email']}, or open the case at {letter['contact_site']}. "
        "Quote the case reference in every message.",
    )
    return bytes(pdf.output())


def render_for(referral: Referral) -> bytes:
    return render(facts(referral))


def letter_of(principal: Principal, referral_id: str) -> tuple[bytes, str]:
    """The closed case's letter and its file name: the owner referrer and staff only; 409 if the
    case is not closed."""
    from chalicelib.services.referral_status import load

    referral = load(referral_id, consistent_read=True)
    if not principal.has_any(STAFF) and not (
        Role.REFERRER in principal.roles and referral.referrer_id == principal.user_id
    ):
        raise Forbidden("Only the referrer of this case and the service's staff may read its closing letter.")
    if referral.status != ReferralStatus.CLOSED:
        label = ReferralStatus(referral.status).label
        raise Conflict(f"This case is {label}: a closing letter exists only once the case is closed.")
    return render_for(referral), f"closing-letter-{human_reference(referral_id)}.pdf"
