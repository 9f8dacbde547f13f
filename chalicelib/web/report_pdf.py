"""The approved visit report as a court-ready PDF (fpdf2): every section, the approval and the
SHA-256 of the approved version, page numbers "Page n of N", and the cautionary note on how the
report may be used. DejaVu Sans is embedded, so every name prints as it is written.

The venue is left out when the referral's address is confidential; nothing else in the report
describes where anyone lives.
"""

from __future__ import annotations

from collections.abc import Callable
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


def new_pdf(header_line: Callable[[], str], *, title: str, subject: str) -> Any:
    """An A4 fpdf2 document with DejaVu Sans embedded, `header_line()` at the top of every page (read
    as each page starts, so a bundle can change it between reports) and "Confidential. Page n of N"
    at the foot."""
    from fpdf import FPDF

    class ServicePdf(FPDF):
        def header(self) -> None:
            self.set_font(FAMILY, "B", 9)
            self.cell(0, 6, header_line(), align="L")
            self.ln(8)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font(FAMILY, "", 8)
            self.cell(0, 6, f"Confidential. Page {self.page_no()} of {{nb}}", align="C")

    pdf = ServicePdf(format="A4")
    pdf.set_title(title)
    pdf.set_author("Family Contact Service")
    pdf.set_subject(subject)
    pdf.set_creator("Family Contact Service")
    pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=18)
    return pdf


class Writer:
    """Headings, wrapped text and labelled fields on one document, measuring each word once."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.width = pdf.epw
        self._widths: dict[tuple[str, str], float] = {}

    def heading(self, text: str, size: int = 12) -> None:
        from fpdf.enums import XPos, YPos

        pdf = self.pdf
        pdf.ln(2)
        pdf.set_font(FAMILY, "B", size)
        pdf.multi_cell(self.width, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 10)

    def text(self, value: str, style: str = "", size: int = 10) -> None:
        """Left-aligned text wrapped at word boundaries. fpdf2's own line breaking re-measures the line
        at every character (a 20,000-character section took most of a second); words are measured
        once each here and every line is one cell."""
        from fpdf.enums import XPos, YPos

        pdf, width, widths = self.pdf, self.width, self._widths
        pdf.set_font(FAMILY, style, size)
        space = pdf.get_string_width(" ")
        for paragraph in value.splitlines() or [""]:
            line, used = [], 0.0
            for word in paragraph.split(" "):
                size_of = widths.get((f"{style}{size}", word))
                if size_of is None:
                    size_of = widths[(f"{style}{size}", word)] = pdf.get_string_width(word)
                if size_of > width:  # a word wider than the page: let fpdf2 break it by character
                    if line:
                        pdf.cell(width, 5.5, " ".join(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                    pdf.multi_cell(width, 5.5, word, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                    line, used = [], 0.0
                    continue
                if line and used + space + size_of > width:
                    pdf.cell(width, 5.5, " ".join(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                    line, used = [], 0.0
                used += (space if line else 0.0) + size_of
                line.append(word)
            pdf.cell(width, 5.5, " ".join(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(self, label: str, value: str) -> None:
        self.text(label, "B")
        self.text(value or "Not recorded")
        self.pdf.ln(1.5)


def render(report: dict[str, Any], visit: dict[str, Any], content: ReportContent) -> bytes:
    """`report`: reference, case_reference, version, sha256, approved_by, approved_at, worker_name, participants,
    children (name, born); `visit`: when, venue (None when confidential), hide_times (the actual
    times are withheld too when the address is confidential)."""
    pdf = new_pdf(
        lambda: f"Family Contact Service: case {report['case_reference']}, report {report['reference']}",
        title=f"Supervised contact report {report['reference']}",
        subject="Report of a supervised contact visit",
    )
    pdf.add_page()
    write_report(Writer(pdf), report, visit, content)
    return bytes(pdf.output())


def write_report(out: Writer, report: dict[str, Any], visit: dict[str, Any], content: ReportContent) -> None:
    """One approved report, from its title to the caution on how it may be used (the report's PDF,
    and each report of a court bundle). With `visit["hide_times"]` neither the venue nor the actual
    times are written."""
    pdf, heading, field = out.pdf, out.heading, out.field
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
    out.text(CAUTION)


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
