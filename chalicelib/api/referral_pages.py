"""The referral pages: the form, the list, one referral with its history, and the forms on it
(the referrer's answer and withdrawal, the supervisor's decision). Each handler reads the request,
calls a service and hands the result to `web.referral_views` to render. Heavy modules load on
first use, so this module stays cheap to import."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import form_fields, page_route, redirect

routes = Blueprint(__name__)

REFERRER = frozenset({Role.REFERRER})
READERS = frozenset({Role.REFERRER, Role.SUPERVISOR, Role.ADMIN})
SIZE_ADVICE = " Shorten the longest notes."


@page_route(routes, "/referrals/new", ["GET", "POST"], roles=REFERRER)
def new_referral(request, principal):
    import uuid

    from chalicelib.api import referral_forms as forms
    from chalicelib.errors import Conflict
    from chalicelib.services import referrals
    from chalicelib.web.forms import first_value
    from chalicelib.web.http import check_body_size
    from chalicelib.web.referral_views import blank_referral, form_page

    if request.method == "GET":
        return form_page(principal, blank_referral(principal), str(uuid.uuid4()))
    check_body_size(request, SIZE_ADVICE)
    fields = form_fields(request)
    key = forms.idempotency_key(first_value(fields, forms.IDEMPOTENCY_FIELD))
    action = first_value(fields, forms.ACTION_FIELD) or forms.SUBMIT
    values = forms.parse_referral_form(fields)
    if action in (forms.CONTINUE, forms.CHANGE):
        return forms.check_answers(principal, values, key, action)
    if action != forms.SUBMIT:
        from chalicelib.api.referral_drafts import start_draft

        return start_draft(principal, values, key, action)
    submission, errors = forms.validated(values)
    if submission is None:
        return form_page(principal, values, key, errors=errors, status=422)
    try:
        created = referrals.submit(principal, submission, key)
    except Conflict as exc:
        key, notice = forms.after_conflict(exc, key)
        return form_page(principal, values, key, notice=notice, status=409)
    return redirect(f"/referrals/{created['id']}?done=submitted")


@page_route(routes, "/referrals", ["GET"], roles=READERS)
def referral_list(request, principal):
    from chalicelib.api.queries import ReferralListPageQuery, page_query
    from chalicelib.domain.referrals import ReferralStatus
    from chalicelib.errors import BadRequest
    from chalicelib.services import referrals
    from chalicelib.web.referral_views import LIST_LIMIT, ORDERS, SORTS, list_page

    query = page_query(request, ReferralListPageQuery)
    status = query.status
    sort = query.sort or "submitted"
    order = query.order or "desc"
    if status is not None and status not in ReferralStatus.__members__:
        raise BadRequest(f"There is no status '{status}'. Choose one from the list.")
    if sort not in SORTS or order not in ORDERS:
        raise BadRequest("Sort by 'submitted' or 'updated', in 'desc' or 'asc' order.")
    rows = referrals.list_for(principal, status, LIST_LIMIT)
    search = (query.q or "")[:40]
    if search:
        from chalicelib.domain.referral_reference import human_reference, reference_key

        wanted = reference_key(search)
        rows = [row for row in rows if wanted and reference_key(human_reference(row["id"])).startswith(wanted)]
    rows.sort(key=lambda row: row[SORTS[sort]] or "", reverse=order == "desc")
    drafts = _drafts_of(principal)
    return list_page(principal, rows, status=status, sort=sort, order=order, search=search, drafts=drafts)


def _drafts_of(principal) -> list[dict]:
    from chalicelib.services import referral_drafts

    return referral_drafts.list_for(principal) if Role.REFERRER in principal.roles else []


@page_route(routes, "/referrals/{referral_id}", ["GET"], roles=READERS)
def referral_detail(request, principal, referral_id: str):
    from chalicelib.api.queries import NoticePageQuery, page_query
    from chalicelib.api.referral_forms import check_id
    from chalicelib.services import referrals
    from chalicelib.web.referral_views import DONE_MESSAGES

    check_id(referral_id)
    done = page_query(request, NoticePageQuery).done
    return _detail(principal, referrals.get_for(principal, referral_id), notice=DONE_MESSAGES.get(done or ""))


@page_route(routes, "/referrals/{referral_id}/answer", ["POST"], roles=REFERRER)
def answer_question(request, principal, referral_id: str):
    from pydantic import ValidationError

    from chalicelib.api.referral_forms import check_id
    from chalicelib.domain.referral_decisions import Amendment
    from chalicelib.errors import Conflict
    from chalicelib.services import referrals
    from chalicelib.web.forms import errors_by_path, first_value
    from chalicelib.web.http import check_body_size

    check_body_size(request, SIZE_ADVICE)
    check_id(referral_id)
    answer = first_value(form_fields(request), "answer")
    try:
        amendment = Amendment.model_validate({"answer": answer})
    except ValidationError as exc:
        # The referral is read only to show the form again; the service checks ownership itself.
        referral = referrals.load_own(principal, referral_id)
        return _detail(principal, referral, http_status=422, errors=errors_by_path(exc), typed={"answer": answer})
    try:
        referrals.amend(principal, referral_id, amendment)
    except Conflict as exc:
        return _detail(principal, referrals.load(referral_id), http_status=409, alert=exc.message)
    return redirect(f"/referrals/{referral_id}?done=answered")


@page_route(routes, "/referrals/{referral_id}/withdraw", ["POST"], roles=REFERRER)
def withdraw_referral(request, principal, referral_id: str):
    from pydantic import ValidationError

    from chalicelib.api.referral_forms import WithdrawalForm, check_id
    from chalicelib.errors import Conflict
    from chalicelib.services import referrals
    from chalicelib.web.forms import errors_by_path, first_value
    from chalicelib.web.http import check_body_size

    check_body_size(request, SIZE_ADVICE)
    check_id(referral_id)
    fields = form_fields(request)
    typed = {
        "confirmed": first_value(fields, "withdraw.confirmed") == "yes",
        "reason": first_value(fields, "withdraw.reason"),
    }
    try:
        form = WithdrawalForm.model_validate(typed)
    except ValidationError as exc:
        errors = {f"withdraw.{path}": message for path, message in errors_by_path(exc).items()}
        referral = referrals.load_own(principal, referral_id)
        return _detail(principal, referral, http_status=422, errors=errors, typed={"withdraw": typed})
    try:
        referrals.withdraw(principal, referral_id, form.reason)
    except Conflict as exc:
        return _detail(principal, referrals.load(referral_id), http_status=409, alert=exc.message)
    return redirect(f"/referrals/{referral_id}?done=withdrawn")


def detail(principal, referral_id: str, **shown):
    """The referral's page again, with what the decision form said (`api.referrals` decides)."""
    from chalicelib.services import referrals

    return _detail(principal, referrals.load(referral_id), **shown)


def _detail(principal, referral, **shown):
    from chalicelib.services import case_reviews, case_status, case_timeline, families, referrals, visit_reads
    from chalicelib.services.referral_review import SUBJECT
    from chalicelib.web import case_status_views, timeline_views, visit_views
    from chalicelib.web.referral_views import detail_page

    return detail_page(
        principal,
        referrals.view(referral),
        owner_id=referral.referrer_id,
        decision_labels=SUBJECT.decision_labels,
        visits_panel=visit_views.referral_panel(visit_reads.for_referral(principal, referral)),
        case_status=case_status_views.panel(principal, case_status.case_view(referral), referral.referrer_id),
        case_reviews=case_reviews.panel(principal, referral, typed=(shown.get("typed") or {}).get("review")),
        case_timeline=timeline_views.panel(case_timeline.of_referral(principal, referral)),
        case_family=families.panel(principal, referral, typed=(shown.get("typed") or {}).get("family")),
        **shown,
    )
