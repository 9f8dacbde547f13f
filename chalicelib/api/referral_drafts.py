"""The referrer's drafts: a referral form saved to come back to later, with its own page.

"Save and come back later", "Add" and "Remove" save the draft and answer with a redirect to its
page (POST, then 303, then GET), so Back and Reload never post the form again. Submitting the
draft creates the referral and removes the draft in one transaction.
"""

from __future__ import annotations

import re

from chalice import Blueprint

from chalicelib.auth import Role
from chalicelib.web.pages import form_fields, page_route, redirect

routes = Blueprint(__name__)

REFERRER = frozenset({Role.REFERRER})
NOTICES = {"saved": "Your draft is saved. You can leave now and continue it later from My referrals."}
_FOCUS = re.compile(r"[A-Za-z0-9_-]{1,80}")  # an input's id, as `web.forms.field_id` writes it


def _draft_page(draft_id: str, action: str, focus: str | None):
    """Where the browser goes after a save: the draft's page, at the input or group just changed."""
    from chalicelib.api.referral_forms import GROUPS, SAVE_DRAFT

    path = f"/referrals/drafts/{draft_id}"
    if action == SAVE_DRAFT:
        return redirect(f"{path}?done=saved")
    if focus:
        return redirect(f"{path}?focus={focus}#{focus}")
    kind = action.partition("_")[2].partition(":")[0]
    return redirect(f"{path}#{GROUPS[kind][0]}")


def start_draft(principal, values: dict, key: str, action: str):
    """The new form's "Save", "Add" or "Remove": the form becomes a draft, shown on its own page."""
    from chalicelib.api import referral_forms as forms
    from chalicelib.errors import Conflict, PayloadTooLarge
    from chalicelib.services import referral_drafts
    from chalicelib.web.referral_views import form_page

    focus = forms.apply_action(values, action)
    forms.check_draft(values)
    try:
        draft = referral_drafts.create(principal, values, key)
    except (Conflict, PayloadTooLarge) as exc:
        return form_page(principal, values, key, notice=exc.message, status=exc.status)
    return _draft_page(draft.draft_id, action, focus)


@page_route(routes, "/referrals/drafts/{draft_id}", ["GET", "POST"], roles=REFERRER)
def referral_draft(request, principal, draft_id: str):
    from chalicelib.api import referral_forms as forms
    from chalicelib.api.queries import DraftPageQuery, page_query
    from chalicelib.errors import Conflict, PayloadTooLarge
    from chalicelib.services import referral_drafts, referrals
    from chalicelib.web.forms import first_value
    from chalicelib.web.referral_views import form_page

    forms.check_draft_id(draft_id)
    if request.method == "GET":
        query = page_query(request, DraftPageQuery)
        draft = referral_drafts.load_own(principal, draft_id)
        focus = query.focus or ""
        return form_page(
            principal,
            draft.values,
            draft.idempotency_key,
            focus=focus if _FOCUS.fullmatch(focus) else None,
            notice=NOTICES.get(query.done or ""),
            draft=referral_drafts.view(draft),
        )
    fields = form_fields(request)
    key = forms.idempotency_key(first_value(fields, forms.IDEMPOTENCY_FIELD))
    action = first_value(fields, forms.ACTION_FIELD) or forms.SUBMIT
    values = forms.parse_referral_form(fields)
    if action in (forms.CONTINUE, forms.CHANGE):
        from chalicelib.api.referral_forms import check_answers

        # Continue keeps what was typed in the draft, as sending it back with errors does.
        draft = _keep(principal, draft_id, values) if action == forms.CONTINUE else _view(_live(principal, draft_id))
        return check_answers(principal, values, key, action, draft)
    if action != forms.SUBMIT:
        draft = referral_drafts.load_own(principal, draft_id)
        focus = forms.apply_action(values, action)
        forms.check_draft(values)
        try:
            referral_drafts.save(principal, draft, values)
        except PayloadTooLarge as exc:
            return form_page(principal, values, key, notice=exc.message, status=exc.status, draft=_view(draft))
        return _draft_page(draft_id, action, focus)
    submission, errors = forms.validated(values)
    if submission is None:
        draft = _keep(principal, draft_id, values)
        return form_page(principal, values, key, errors=errors, status=422, draft=draft)
    try:
        created = referrals.submit(principal, submission, key, draft_id=draft_id)
    except Conflict as exc:
        key, notice = forms.after_conflict(exc, key)
        return form_page(principal, values, key, notice=notice, status=409, draft=_keep(principal, draft_id, values))
    return redirect(f"/referrals/{created['id']}?done=submitted")


@page_route(routes, "/referrals/drafts/{draft_id}/delete", ["POST"], roles=REFERRER)
def delete_draft(request, principal, draft_id: str):
    from chalicelib.api.referral_forms import check_draft_id
    from chalicelib.services import referral_drafts

    check_draft_id(draft_id)
    referral_drafts.delete(principal, draft_id)
    return redirect("/referrals#drafts")


def _view(draft) -> dict | None:
    from chalicelib.services import referral_drafts

    return None if draft is None else referral_drafts.view(draft)


def _live(principal, draft_id: str):
    """The referrer's draft, or None if it has gone (submitted, deleted or expired)."""
    from chalicelib.errors import NotFound
    from chalicelib.services import referral_drafts

    try:
        return referral_drafts.load_own(principal, draft_id)
    except NotFound:
        return None


def _keep(principal, draft_id: str, values: dict) -> dict | None:
    """Save what was typed to the draft, so a form sent back with errors is not lost on leaving;
    the draft as the page shows it, or None if it has gone (the page then starts a new form)."""
    from chalicelib.api.referral_forms import check_draft
    from chalicelib.errors import BadRequest, Conflict, PayloadTooLarge
    from chalicelib.services import referral_drafts

    draft = _live(principal, draft_id)
    if draft is None:
        return None
    try:
        check_draft(values)
        draft = referral_drafts.save(principal, draft, values)
    except (BadRequest, Conflict, PayloadTooLarge):
        pass  # the page still shows what was typed; the draft keeps its last save
    return referral_drafts.view(draft)
