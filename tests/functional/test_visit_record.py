"""A visit's record stays true: once its report is submitted or approved the visit cannot be moved,
reassigned or cancelled (409, nothing changes), and the report's author is the worker who first
saved it, until a supervisor hands the draft over."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.examples import example_report
from tests.helpers import approval_path, post_form, wait_for_email
from tests.report_helpers import SUPERVISOR, book_visit, report_of, save, submit, write_and_submit
from tests.visit_helpers import CASEY, ROBIN, add_worker


def _tomorrow_at(hour: int) -> str:
    from chalicelib import clock

    return f"{(clock.now() + timedelta(days=1)).date().isoformat()}T{hour:02d}:00"


def _stored_visit(visit_id: str):
    from chalicelib.storage.visits import visit

    return visit(visit_id)


def _events(visit_id: str) -> list[str]:
    from chalicelib.services.audit import history

    return [event["action"] for event in history("visit", visit_id)]


def _move(client, auth, visit_id):
    body = {"start": _tomorrow_at(14), "end": _tomorrow_at(15)}
    return client.http.patch(f"/v1/visits/{visit_id}", headers=auth("supervisor"), body=json.dumps(body))


def _reassign(client, auth, visit_id, worker_id):
    return client.http.patch(
        f"/v1/visits/{visit_id}", headers=auth("supervisor"), body=json.dumps({"worker_id": worker_id})
    )


def _cancel(client, auth, visit_id, role="supervisor", email=None):
    return client.http.post(
        f"/v1/visits/{visit_id}/cancel",
        headers=auth(role, email),
        body=json.dumps({"cancelled_by": "service", "reason": "Worker unwell"}),
    )


def _hand_over(client, auth, visit_id, worker_id):
    return client.http.post(
        f"/v1/visits/{visit_id}/report/handover",
        headers=auth("supervisor"),
        body=json.dumps({"worker_id": worker_id, "reason": "Casey is on leave; Robin finishes the report."}),
    )


@pytest.fixture
def robin(runtime) -> str:
    return add_worker("Robin Patel", ROBIN)


@pytest.mark.parametrize("change", ["move", "reassign", "cancel"])
def test_a_visit_whose_report_is_submitted_cannot_be_changed_and_nothing_changes(client, auth, visit_id, robin, change):
    # GIVEN a visit whose report waits for approval
    write_and_submit(client, auth, visit_id)
    before = _stored_visit(visit_id)
    # WHEN the supervisor moves, reassigns or cancels it (or its worker cancels it)
    response = {
        "move": lambda: _move(client, auth, visit_id),
        "reassign": lambda: _reassign(client, auth, visit_id, robin),
        "cancel": lambda: _cancel(client, auth, visit_id, "worker", CASEY),
    }[change]()
    # THEN 409, saying why, and the visit is as it was
    assert response.status_code == 409, response.body
    error = response.json_body["error"]
    assert error["code"] == "visit_record_locked"
    assert "submitted" in error["message"] and "Nothing was changed" in error["message"]
    after = _stored_visit(visit_id)
    assert (after.starts_at, after.worker_id, after.status, after.version) == (
        before.starts_at,
        before.worker_id,
        before.status,
        before.version,
    )
    assert _events(visit_id) == ["visit.recorded_past"]


def test_a_visit_whose_report_is_approved_cannot_be_cancelled(client, auth, runtime, visit_id):
    write_and_submit(client, auth, visit_id)
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    assert post_form(client, approval_path(message), {"decision": "approve", "confirmed": "yes"}).status_code == 200
    response = _cancel(client, auth, visit_id)
    assert response.status_code == 409
    assert "approved" in response.json_body["error"]["message"]
    assert _stored_visit(visit_id).status != "CANCELLED"


def test_once_changes_are_requested_the_visit_can_be_moved_again(client, auth, runtime, visit_id):
    write_and_submit(client, auth, visit_id)
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    asked = client.http.post(
        f"/v1/visits/{visit_id}/report/decision",
        headers=auth("supervisor"),
        body=json.dumps({"decision": "request_changes", "comment": "The visit was on another day: move it."}),
    )
    assert asked.status_code == 200, asked.body
    assert _move(client, auth, visit_id).status_code == 200


def test_a_draft_does_not_stop_a_change(client, auth, visit_id):
    assert save(client, auth, visit_id).status_code == 200
    assert _move(client, auth, visit_id).status_code == 200


def test_the_page_refusal_is_a_409_page(client, auth, visit_id):
    """The pages answer the same rule with the service's error page (the visit pages call these services)."""
    from chalicelib.auth import Principal, Role
    from chalicelib.domain.visit_requests import Cancellation
    from chalicelib.services import visit_changes
    from chalicelib.services.visit_guards import VisitRecordLocked
    from chalicelib.web.pages import error_page

    write_and_submit(client, auth, visit_id)
    supervisor = Principal("u-sup", SUPERVISOR, "Priya Shah", frozenset({Role.SUPERVISOR}))
    with pytest.raises(VisitRecordLocked) as refused:
        visit_changes.cancel(supervisor, visit_id, Cancellation(cancelled_by="service", reason="Closed"))
    page = error_page(refused.value, supervisor)
    assert page.status_code == 409
    assert "waiting for approval" in page.body


# -- who writes the report -----------------------------------------------------------------------


def test_after_a_reassignment_before_any_save_the_new_worker_writes_the_report(client, auth, visit_id, robin):
    assert _reassign(client, auth, visit_id, robin).status_code == 200
    assert save(client, auth, visit_id).status_code == 403  # Casey is no longer on the visit
    assert save(client, auth, visit_id, email=ROBIN).status_code == 200
    assert submit(client, auth, visit_id, email=ROBIN).status_code == 200
    assert report_of(client, auth, visit_id)["worker_name"] == "Robin Patel"


def test_after_a_mid_draft_reassignment_the_new_worker_cannot_overwrite_the_draft(client, auth, visit_id, robin):
    # GIVEN Casey saved a draft, then the visit was given to Robin
    assert save(client, auth, visit_id, {"observations": "Casey's notes."}).status_code == 200
    assert _reassign(client, auth, visit_id, robin).status_code == 200
    # WHEN Robin saves (without If-Match) or submits
    saved = save(client, auth, visit_id, {"observations": "Robin's notes."}, email=ROBIN)
    submitted = submit(client, auth, visit_id, email=ROBIN)
    # THEN 409: the draft is Casey's, and a supervisor may hand it over
    assert saved.status_code == submitted.status_code == 409
    assert "Casey Evans" in saved.json_body["error"]["message"]
    assert "hand" in saved.json_body["error"]["message"]
    report = report_of(client, auth, visit_id)
    assert report["draft"]["observations"] == "Casey's notes."
    assert report["worker_name"] == "Casey Evans"
    # and Robin may not read Casey's draft either
    assert client.http.get(f"/v1/visits/{visit_id}/report", headers=auth("worker", ROBIN)).status_code == 409


def test_the_author_keeps_the_draft_but_cannot_submit_a_visit_given_to_another(client, auth, visit_id, robin):
    assert save(client, auth, visit_id).status_code == 200
    assert _reassign(client, auth, visit_id, robin).status_code == 200
    assert save(client, auth, visit_id, {**example_report(), "positive_moments": "More."}).status_code == 200
    refused = submit(client, auth, visit_id)
    assert refused.status_code == 409
    assert "hand" in refused.json_body["error"]["message"]
    assert report_of(client, auth, visit_id)["status"] == "DRAFT"


def test_a_supervisor_hands_a_saved_draft_to_the_visits_new_worker(client, auth, visit_id, robin):
    assert save(client, auth, visit_id, {**example_report(), "observations": "Casey's notes."}).status_code == 200
    assert _reassign(client, auth, visit_id, robin).status_code == 200
    handed = _hand_over(client, auth, visit_id, robin)
    assert handed.status_code == 200, handed.body
    assert handed.json_body["worker_name"] == "Robin Patel"
    # the same request again changes nothing more
    assert _hand_over(client, auth, visit_id, robin).status_code == 200
    from chalicelib.services.audit import history

    assert [e["action"] for e in history("report", visit_id)].count("report.handed_over") == 1
    # Robin now writes on from Casey's draft; Casey no longer may
    read = client.http.get(f"/v1/visits/{visit_id}/report", headers=auth("worker", ROBIN))
    assert read.status_code == 200 and read.json_body["draft"]["observations"] == "Casey's notes."
    assert save(client, auth, visit_id, email=CASEY).status_code == 403
    assert save(client, auth, visit_id, email=ROBIN).status_code == 200
    assert submit(client, auth, visit_id, email=ROBIN).status_code == 200


def test_a_handover_is_refused_clearly_and_changes_nothing(client, auth, visit_id, robin):
    nothing = _hand_over(client, auth, visit_id, robin)
    assert nothing.status_code == 409 and "Nothing has been saved" in nothing.json_body["error"]["message"]
    assert save(client, auth, visit_id).status_code == 200
    not_on_visit = _hand_over(client, auth, visit_id, robin)
    assert not_on_visit.status_code == 422
    assert [f["path"] for f in not_on_visit.json_body["error"]["fields"]] == ["worker_id"]
    unknown = _hand_over(client, auth, visit_id, "no-such-worker")
    assert unknown.status_code == 422
    as_worker = client.http.post(
        f"/v1/visits/{visit_id}/report/handover", headers=auth("worker", CASEY), body=json.dumps({"worker_id": robin})
    )
    assert as_worker.status_code == 403
    assert report_of(client, auth, visit_id)["worker_name"] == "Casey Evans"


def test_a_submitted_report_cannot_be_handed_over(client, auth, visit_id, robin):
    write_and_submit(client, auth, visit_id)
    response = _hand_over(client, auth, visit_id, robin)
    assert response.status_code == 409
    assert report_of(client, auth, visit_id)["worker_name"] == "Casey Evans"


def test_a_future_visits_draft_moves_with_a_handover(client, auth, robin):
    visit = book_visit(client, auth, days_from_now=2)
    assert save(client, auth, visit).status_code == 200
    assert _reassign(client, auth, visit, robin).status_code == 200
    assert _hand_over(client, auth, visit, robin).status_code == 200
    assert save(client, auth, visit, email=ROBIN).status_code == 200
