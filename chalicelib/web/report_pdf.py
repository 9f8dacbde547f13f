"""The approved visit report as a court-ready PDF (fpdf2): every section, the approval and the
SHA-256 of the approved version, page numbers "Page n of N", and the cautionary note on how the
report may be used. DejaVu Sans is embedded, so every name prints as it is written.

The venue is left out when the referral's address is confidential; nothing else in the report
describes where anyone lives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chalicelib.domain.date_words import when
from chalicelib.domain.reports import (
    ATTENDANCE_LABELS,
    CAUTION,
    SUPERVISION_LABELS,
    Attendance,
    ReportContent,
    SupervisionLevel,
)
from chalicelib.domain.visits import CANCELLED_BY_LABELS, CancelledBy

FONTS = Path(__file__).resolve().parents[1] / "fonts"
FAMILY = "DejaVu"
SECTIONS = (
    ("observations", "Observations"),
    ("child_presentation", "How the child presented"),
    ("interaction_quality", "Quality of the interaction"),
    ("interventions", "Interventions by staff"),
    ("positive_moments", "Positive moments"),
    ("concerns", "Concerns"),
    ("recommendations", "Recommendations"),
)


def _yes_no(flag: bool | None, details: str | None) -> str:
    if flag:
        return f"Yes. {details or ''}".strip()
    return "No" if flag is False else "Not answered"


def render(report: dict[str, Any], visit: dict[str, Any], content: ReportContent) -> bytes:
    """`report`: reference, case_reference, version, sha256, approved_by, approved_at, worker_name, participants,
    children (name, born); `visit`: when, venue (None when confidential), hide_times (the actual
    times are withheld too when the address is confidential)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    class ReportPdf(FPDF):
        def header(self) -> None:
            self.set_font(FAMILY, "B", 9)
            self.cell(
                0,
                6,
                f"Family Contact Service: case {report['case_reference']}, report {report['reference']}",
                align="L",
            )
            self.ln(8)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font(FAMILY, "", 8)
            self.cell(0, 6, f"Confidential. Page {self.page_no()} of {{nb}}", align="C")

    pdf = ReportPdf(format="A4")
    pdf.set_title(f"Supervised contact report {report['reference']}")
    pdf.set_author("Family Contact Service")
    pdf.set_subject("Report of a supervised contact visit")
    pdf.set_creator("Family Contact Service")
    pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.epw

    def heading(text: str, size: int = 12) -> None:
        pdf.ln(2)
        pdf.set_font(FAMILY, "B", size)
        pdf.multi_cell(width, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 10)

    widths: dict[tuple[str, str], float] = {}

    def text(value: str, style: str = "") -> None:
        """Left-aligned text wrapped at word boundaries. fpdf2's own line breaking re-measures the line
        at every character (a 20,000-character section took most of a second); words are measured
        once each here and every line is one cell."""
        pdf.set_font(FAMILY, style, 10)
        space = pdf.get_string_width(" ")
        for paragraph in value.splitlines() or [""]:
            line, used = [], 0.0
            for word in paragraph.split(" "):
                size = widths.get((style, word))
                if size is None:
                    size = widths[(style, word)] = pdf.get_string_width(word)
                if size > width:  # a word wider than the page: let fpdf2 break it by character
                    if line:
                        pdf.cell(width, 5.5, " ".join(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                    pdf.multi_cell(width, 5.5, word, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                    line, used = [], 0.0
                    continue
                if line and used + space + size > width:
                    pdf.cell(width, 5.5, " ".join(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                    line, used = [], 0.0
                used += (space if line else 0.0) + size
                line.append(word)
            pdf.cell(width, 5.5, " ".join(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(label: str, value: str) -> None:
        text(label, "B")
        text(value or "Not recorded")
        pdf.ln(1.5)

    heading("Report of a supervised contact visit", 15)
    field("Case reference", report["case_reference"])
    field("Report reference", f"{report['reference']}, version {report['version']}")
    for child in report["children"]:
        field("Child", f"{child['name']}, born {child['born']}" if child["born"] else child["name"])
    field("Visit", visit["when"])
    if visit.get("venue"):
        field("Venue", visit["venue"])
    field("Contact worker", report["worker_name"])

    heading("Attendance")
    with pdf.table(col_widths=(2, 3), text_align="LEFT", line_height=6) as table:
        header = table.row()
        header.cell("Participant")
        header.cell("Attendance")
        for entry in content.attendance:
            words = ATTENDANCE_LABELS[Attendance(entry.attendance)]
            if entry.minutes_late:
                words += f" by {entry.minutes_late} minutes"
            if entry.cancelled_by:
                words += f", by {CANCELLED_BY_LABELS[CancelledBy(entry.cancelled_by)].lower()}"
            line = table.row()
            line.cell(report["participants"].get(entry.participant, entry.participant))
            line.cell(words)
    pdf.ln(2)
    field("Who brought the child", content.brought_by or "")
    if not visit.get("hide_times"):
        field("Actual times", f"{content.actual_start or '?'} to {content.actual_end or '?'}")
    if content.supervision_level:
        name, meaning = SUPERVISION_LABELS[SupervisionLevel(content.supervision_level)]
        field("Level of supervision", f"{name}: {meaning}")

    heading("What happened")
    for key, title in SECTIONS:
        field(title, getattr(content, key) or "None recorded")
    field("Safeguarding concern", _yes_no(content.safeguarding_concern, content.safeguarding_details))
    field("Critical incident", _yes_no(content.critical_incident, content.critical_incident_details))
    field("Visit ended early", _yes_no(content.ended_early, content.ended_early_reason))

    heading("Approval")
    field("Approved by", f"{report['approved_by']} on {when(report['approved_at'])}")
    field("SHA-256 of the approved version", report["sha256"])

    heading("How this report may be used")
    text(CAUTION)
    return bytes(pdf.output())


def download(principal: Any, visit_id: str):
    """The approved version as a PDF download: the API route and the page's link both answer this."""
    from chalice import Response

    from chalicelib.services import report_views

    return Response(
        body=render(*report_views.pdf_document(principal, visit_id)),
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="visit-report-{visit_id[:8]}.pdf"',
            "Cache-Control": "no-store",
        },
    )
