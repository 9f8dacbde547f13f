"""The report page: the worker writes (saving a draft, autosaving, submitting), the supervisor
reads and decides, the referrer reads the approved report. Each handler reads the request, calls
a service and hands the result to `web.report_views`. Heavy modules load on first use."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import form_fields, html_response, page_route, redirect

routes = Blueprint(__name__)

READERS = frozenset({Role.WORKER, Role.SUPERVISOR, Role.ADMIN, Role.REFERRER})
WORKER = frozenset({Role.WORKER})
SIZE_ADVICE = " Shorten the longest section."
ACTIONS = ("save", "submit", "autosave")


@page_route(routes, "/visits/{visit_id}/report", ["GET", "POST"], roles=READERS)
def report_page(request, principal, visit_id: str):
    from chalicelib.web.report_views import DONE_MESSAGES

    check_id(visit_id)
    if request.method == "GET":
        from chalicelib.api.queries import NoticePageQuery, page_query

        done = page_query(request, NoticePageQuery).done
        return _page(principal, visit_id, notice=DONE_MESSAGES.get(done or ""))
    return _write(request, principal, visit_id)


def _write(request, principal, visit_id: str):
    import json

    from pydantic import ValidationError

    from chalicelib.domain.date_words import when
    from chalicelib.domain.reports import ReportContent
    from chalicelib.domain.validation import field_errors
    from chalicelib.errors import BadRequest, Conflict, Forbidden, ValidationFailed
    from chalicelib.services import report_writing
    from chalicelib.web.forms import FormError, first_value, nest
    from chalicelib.web.http import check_body_size

    if Role.WORKER not in principal.roles:
        raise Forbidden("Only the worker assigned to this visit may write its report.")
    check_body_size(request, SIZE_ADVICE)
    fields = form_fields(request)
    action = first_value(fields, "action") or "save"
    if action not in ACTIONS:
        raise BadRequest("That button is not part of this form. Reload the page and try again.")
    read_revision = _read_revision(first_value(fields, "draft_revision"))
    try:
        values = nest({name: v for name, v in fields.items() if name not in ("action", "draft_revision")})
    except FormError as exc:
        raise BadRequest(f"{exc} Reload the page and try again.") from exc
    attendance = values.get("attendance")
    if isinstance(attendance, list):  # a row whose attendance is not chosen yet is not recorded yet
        values["attendance"] = [row for row in attendance if not isinstance(row, dict) or row.get("attendance")]
    try:
        content = ReportContent.model_validate(values)
        saved = report_writing.save_draft(principal, visit_id, content, read_revision)
        if action == "submit":
            report_writing.submit(principal, visit_id)
    except (ValidationError, ValidationFailed, Conflict) as exc:
        if isinstance(exc, ValidationError):
            exc = ValidationFailed(f"{exc.error_count()} field(s) need attention.", fields=field_errors(exc))
            errors = errors_by_path_of(exc.fields)
        elif isinstance(exc, ValidationFailed):
            errors = errors_by_path_of(exc.fields)
        else:
            errors = {}
        if action == "autosave":
            return html_response(json.dumps(exc.body()), exc.status, {"Content-Type": "application/json"})
        alert = exc.message if isinstance(exc, Conflict) else None
        status = 409 if isinstance(exc, Conflict) else 422
        return _page(principal, visit_id, values=values, errors=errors, alert=alert, http_status=status)
    if action == "autosave":
        body = json.dumps(
            {
                "saved_at": saved["draft_saved_at"],
                "saved_at_text": when(saved["draft_saved_at"]),
                "draft_revision": saved["draft_revision"],
            }
        )
        return html_response(body, 200, {"Content-Type": "application/json"})
    return redirect(f"/visits/{visit_id}/report?done={'submitted' if action == 'submit' else 'saved'}")


@page_route(routes, "/visits/{visit_id}/report.pdf", ["GET"], roles=READERS)
def report_pdf_download(request, principal, visit_id: str):
    """The PDF link on the page, for the signed-in session (the API route takes a bearer token)."""
    from chalicelib.web import report_pdf

    check_id(visit_id)
    return report_pdf.download(principal, visit_id)


def detail(principal, visit_id: str, **shown):
    """The report's page again, with what the decision form said (`api.reports` decides)."""
    return _page(principal, visit_id, **shown)


def _read_revision(posted: str) -> int | None:
    """The draft revision the form was rendered with (none from a page older than the field)."""
    import re

    from chalicelib.errors import BadRequest

    if not posted:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", posted):
        raise BadRequest("The form's draft version is not one of ours. Reload the page and try again.")
    return int(posted)


def errors_by_path_of(fields: list[dict]) -> dict[str, str]:
    """Field errors as the form shows them: one message beside each input."""
    shown: dict[str, str] = {}
    for error in fields:
        shown.setdefault(error["path"], error["message"])
    return shown


def check_id(visit_id: str) -> None:
    import re

    from chalicelib.errors import NotFound

    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", visit_id):
        raise NotFound("No visit with that id.")


def _page(principal, visit_id: str, **shown):
    from chalicelib.services import report_views
    from chalicelib.services.report_review import SUBJECT
    from chalicelib.web.report_views import report_page

    return report_page(
        principal, **report_views.page(principal, visit_id), decision_labels=SUBJECT.decision_labels, **shown
    )
