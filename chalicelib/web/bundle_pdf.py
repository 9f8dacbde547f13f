"""The court bundle as one PDF (fpdf2): a cover, an index of the reports (date, worker, the SHA-256
of the approved version, first page), the case's cumulative summary, then every approved report
as its own PDF prints it, with page numbers "Page n of N" across the bundle.

Each report goes through `report_pdf.write_report`, so the confidentiality rule is the report's:
when the address is confidential no page names the venue or a time of arrival or departure.
"""

from __future__ import annotations

import math
from typing import Any

from chalicelib.domain.case_summary import CaseSummary, by_whom, incident_line, participant_line
from chalicelib.domain.date_words import long_day, when
from chalicelib.web.report_pdf import FAMILY, Writer, new_pdf, write_report

INDEX_ROW_HEIGHT = 12.0  # the report's line and its hash's line
# Rows one index page holds with room to spare: the first page also carries the heading.
INDEX_ROWS_PER_PAGE = 17

ABOUT = (
    "This bundle holds every report of the case that a supervisor of the service approved, in the "
    "order of the visits, each exactly as approved. The SHA-256 printed with each report is the one "
    "recorded when it was approved: a copy of the approved version whose hash differs has been changed. "
    "The summary counts what the approved reports, the cancelled visits and the incidents of the case record."
)
CONFIDENTIAL = (
    "The address of a party is confidential: no page of this bundle names the venue of a visit or any "
    "time of arrival or departure."
)


def index_pages(reports: int) -> int:
    return max(1, math.ceil(reports / INDEX_ROWS_PER_PAGE))


def render(bundle: dict[str, Any]) -> bytes:
    """`bundle` as `services.case_bundle.bundle_document` gives it."""
    from fpdf.enums import XPos, YPos

    reports = bundle["reports"]
    running = {"header": f"Family Contact Service: court bundle, case {bundle['case_reference']}"}
    pdf = new_pdf(
        lambda: running["header"],
        title=f"Court bundle, case {bundle['case_reference']}",
        subject="The approved reports of a supervised contact case",
    )
    out = Writer(pdf)
    first_pages: list[int] = []

    pdf.add_page()
    _cover(out, bundle)

    def index(pdf: Any, _outline: Any) -> None:
        out.heading("Index of reports", 14)
        widths = (12, 42, 0, 28)
        widths = (widths[0], widths[1], out.width - widths[0] - widths[1] - widths[3], widths[3])
        pdf.set_font(FAMILY, "B", 9)
        for width, title in zip(widths, ("No.", "Report date", "Contact worker", "First page"), strict=True):
            pdf.cell(width, 6, title)
        pdf.ln(7)
        for n, (report, first) in enumerate(zip(reports, first_pages, strict=True), start=1):
            if n > 1 and (n - 1) % INDEX_ROWS_PER_PAGE == 0:
                pdf.add_page()
            pdf.set_font(FAMILY, "", 9)
            pdf.cell(widths[0], 6, str(n))
            pdf.cell(widths[1], 6, long_day(report["day"]))
            pdf.cell(widths[2], 6, report["document"]["worker_name"][:60])
            pdf.cell(widths[3], 6, str(first), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FAMILY, "", 7)
            pdf.cell(widths[0], 5, "")
            pdf.cell(0, 5, f"SHA-256 {report['document']['sha256']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)

    pdf.add_page()
    pdf.insert_toc_placeholder(index, pages=index_pages(len(reports)))
    _summary(out, bundle["summary"])
    for report in reports:
        document = report["document"]
        running["header"] = (
            f"Family Contact Service: court bundle, case {bundle['case_reference']}, report {document['reference']}"
        )
        pdf.add_page()
        first_pages.append(pdf.page_no())
        write_report(out, document, report["visit"], report["content"])
        _incidents(out, report)
    return bytes(pdf.output())


INCIDENTS_NOTE = (
    "Recorded by the service about this visit; not part of the approved report above, and not covered by its SHA-256."
)


def _incidents(out: Writer, report: dict[str, Any]) -> None:
    """The visit's incidents after its report, as the reader may read them: staff whole; the referrer
    only a decided incident's decision. Times go when the report hides them."""
    incidents = report.get("incidents") or []
    if not incidents:
        return
    out.heading(f"Incidents at this visit ({len(incidents)})")
    out.text(INCIDENTS_NOTE, size=9)
    for incident in incidents:
        out.pdf.ln(2)
        if incident.get("summary") is None:  # the referrer's view: that it happened, and the decision
            out.field("Incident", f"Recorded at the visit of {incident['visit_day']}")
        else:
            occurred = incident["visit_day"] if report["visit"]["hide_times"] else when(incident["occurred_at"])
            out.field("Incident", f"{occurred}{' (critical)' if incident['critical'] else ''}")
            out.field("What happened", incident["summary"])
            out.field("Who was present", incident["present"])
            ended = f"Yes: {incident['ended_early_reason']}" if incident["ended_early"] else "No"
            out.field("Visit ended early", ended)
            out.field("Immediate actions", incident["immediate_actions"])
        decision = incident.get("decision_label")
        detail = incident.get("decision_detail")
        out.field("Decision", f"{decision}{': ' + detail if detail else ''}" if decision else "Not yet decided")


def _cover(out: Writer, bundle: dict[str, Any]) -> None:
    reports = bundle["reports"]
    out.heading("Court bundle", 18)
    out.heading("Supervised contact: the approved reports of the case", 13)
    out.field("Case reference", bundle["case_reference"])
    out.field("Children", ", ".join(bundle["children"]) or "Not recorded")
    count = len(reports)
    out.field(
        "Reports",
        f"{count} approved report{'s' if count != 1 else ''}, from {long_day(reports[0]['day'])} "
        f"to {long_day(reports[-1]['day'])}",
    )
    out.field("Prepared", f"{when(bundle['generated_at'])} by the Family Contact Service")
    out.heading("About this bundle")
    out.text(ABOUT)
    if bundle["confidential"]:
        out.pdf.ln(2)
        out.text(CONFIDENTIAL, "B")


def _summary(out: Writer, summary: CaseSummary) -> None:
    out.heading("Summary of the case", 14)
    out.field(
        "Sessions held",
        f"{summary.sessions_held} of the {summary.sessions_reported} sessions with an approved report "
        "(a session is held when at least one participant came)",
    )
    out.field(
        "Attendance and lateness",
        "\n".join(participant_line(t) for t in summary.participants) or "No attendance recorded",
    )
    out.field("Visits cancelled, by whom", by_whom(summary.visits_cancelled_by))
    out.field("Attendance cancelled in a report, by whom", by_whom(summary.attendance_cancelled_by))
    concerns = "\n".join(f"{long_day(c.day)}: {c.details}" for c in summary.concerns)
    out.field(
        f"Safeguarding concerns recorded ({len(summary.concerns)})",
        concerns or "No safeguarding concern was recorded in an approved report.",
    )
    out.field("Incidents", incident_line(summary))


def download(principal: Any, referral_id: str, incidents: list | None = None):
    """The bundle as a PDF download: the API route and the case page's link both answer this."""
    from chalice import Response

    from chalicelib.services import case_bundle

    bundle = case_bundle.bundle_document(principal, referral_id, incidents)
    return Response(
        body=render(bundle),
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="court-bundle-{bundle["case_reference"]}.pdf"',
            "Cache-Control": "no-store",
        },
    )
