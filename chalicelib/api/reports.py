"""Visit reports JSON API: save the draft, submit it, decide it in the app (its API route and the
report page's form), read it, and the PDF."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.decisions import decision_routes
from chalicelib.auth import Role
from chalicelib.services import outputs
from chalicelib.web.http import Call, api_route

routes = Blueprint(__name__)

WORKER = frozenset({Role.WORKER})
SUPERVISOR = frozenset({Role.SUPERVISOR})
READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.WORKER, Role.REFERRER})


@api_route(
    routes,
    "/v1/visits/{visit_id}/report",
    "PUT",
    roles=WORKER,
    body="chalicelib.domain.reports:ReportContent",
    example="chalicelib.examples:example_report",
    summary="Save the report's draft (the assigned worker; as often as wanted; incomplete is fine). "
    "Send the ETag you read in If-Match: if the draft was saved elsewhere since, nothing is saved (409)",
    response=outputs.Report,
)
def save_report_draft(call: Call):
    from chalicelib.services import report_writing
    from chalicelib.web.preconditions import stated_revision

    read = stated_revision(call.headers)
    return _with_etag(report_writing.save_draft(call.principal, call.params["visit_id"], call.body, read))


@api_route(
    routes,
    "/v1/visits/{visit_id}/report/submit",
    "POST",
    roles=WORKER,
    summary="Submit the saved draft for approval as a new version (after the visit has started)",
    response=outputs.SubmittedReport,
)
def submit_report(call: Call):
    from chalicelib.services import report_writing

    return report_writing.submit(call.principal, call.params["visit_id"])


@api_route(
    routes,
    "/v1/visits/{visit_id}/report/handover",
    "POST",
    roles=SUPERVISOR,
    body="chalicelib.domain.reports:ReportHandover",
    example="chalicelib.domain.reports:example_handover",
    summary="Hand a saved draft to the worker the visit is now assigned to (a report's author otherwise "
    "never changes); audited",
    response=outputs.Report,
)
def hand_over_report(call: Call):
    from chalicelib.services import report_handover

    return report_handover.hand_over(call.principal, call.params["visit_id"], call.body)


def _view(principal, visit_id: str) -> outputs.Report:
    from chalicelib.services import report_access, report_views

    return report_views.view_for(principal, report_access.load(visit_id))


def _redisplay(principal, visit_id: str, **shown):
    from chalicelib.api.report_pages import detail

    return detail(principal, visit_id, **shown)


def _check_id(visit_id: str) -> None:
    from chalicelib.api.report_pages import check_id

    check_id(visit_id)


decision_routes(
    routes,
    "report",
    api="/v1/visits/{visit_id}/report/decision",
    page="/visits/{visit_id}/report/decision",
    body="chalicelib.domain.reports:ReportDecision",
    example={
        "decision": "request_changes",
        "comment": "Please record the exact words the father used when the session ended, in quotation marks.",
    },
    summary="Decide a submitted report in the app: approve, or request changes with a comment",
    response=outputs.Report,
    answer=_view,
    redisplay=_redisplay,
    check_id=_check_id,
)


@api_route(
    routes,
    "/v1/visits/{visit_id}/report",
    "GET",
    roles=READERS,
    summary="The report with its versions: staff and its worker see all; the referrer only the approved one",
    response=outputs.Report,
)
def get_report(call: Call):
    from chalicelib.services import report_access, report_views

    return _with_etag(
        report_views.view_for(call.principal, report_access.readable(call.principal, call.params["visit_id"]))
    )


def _with_etag(report: outputs.Report):
    """The report, with its draft's revision as the ETag for those who may write it."""
    from chalicelib.web.http import json_response
    from chalicelib.web.preconditions import etag

    if "draft_revision" not in report:
        return report
    return json_response(report, headers={"ETag": etag(report["draft_revision"])})


@api_route(
    routes,
    "/v1/visits/{visit_id}/report.pdf",
    "GET",
    roles=READERS,
    produces="application/pdf",
    summary="The approved report as a court-ready PDF",
)
def report_pdf(call: Call):
    from chalicelib.web import report_pdf as pdf

    return pdf.download(call.principal, call.params["visit_id"])
