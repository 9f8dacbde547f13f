"""The report page without JavaScript: save, submit, errors beside their fields with what was typed
kept, the autosave answer, the supervisor's decision form and the referrer's view."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.helpers import approval_path, post_form, wait_for_email
from tests.report_helpers import SUPERVISOR, book_visit, report_of, write_and_submit
from tests.visit_helpers import CASEY, ROBIN, add_worker

COMPLETE = {
    "attendance[0].participant": "child-0",
    "attendance[0].attendance": "attended",
    "attendance[1].participant": "family-0",
    "attendance[1].attendance": "late",
    "attendance[1].minutes_late": "10",
    "brought_by": "The foster carer",
    "actual_start": "10:05",
    "actual_end": "11:30",
    "supervision_level": "full",
    "observations": 'Mother said "Hello, love." Maya hugged her.',
    "child_presentation": "Smiling.",
    "interaction_quality": "Warm.",
    "safeguarding_concern": "no",
    "critical_incident": "no",
    "ended_early": "no",
}


def _headers(token: str, form: bool = False) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    return {**headers, "Content-Type": "application/x-www-form-urlencoded"} if form else headers


def _post(client, token, visit_id: str, fields: dict, action: str, extra: dict | None = None):
    return client.http.post(
        f"/visits/{visit_id}/report",
        headers={**_headers(token, form=True), **(extra or {})},
        body=urlencode({**fields, "action": action}),
    )


def test_the_worker_gets_a_form_with_one_row_per_participant(client, token, visit_id):
    page = client.http.get(f"/visits/{visit_id}/report", headers=_headers(token("worker", CASEY)))
    assert page.status_code == 200
    body = page.body.decode()
    assert 'name="attendance[0].participant" value="child-0"' in body
    assert 'name="attendance[1].participant" value="family-0"' in body
    assert "Maya" in body and "Save draft" in body and "Submit for approval" in body


def test_save_draft_keeps_an_incomplete_report_and_says_so(client, auth, token, visit_id):
    saved = _post(client, token("worker", CASEY), visit_id, {"observations": "Arrived 10:05."}, "save")
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/visits/{visit_id}/report?done=saved"
    assert report_of(client, auth, visit_id)["draft"] == {"observations": "Arrived 10:05."}
    page = client.http.get(saved.headers["Location"], headers=_headers(token("worker", CASEY)))
    assert b"Your draft is saved" in page.body and b"Arrived 10:05." in page.body


def test_an_incomplete_submission_shows_each_error_beside_its_field_and_keeps_what_was_typed(
    client, auth, token, visit_id
):
    fields = {k: v for k, v in COMPLETE.items() if k not in ("brought_by", "actual_end")}
    fields["observations"] = "Exactly what was typed <b>here</b>."
    response = _post(client, token("worker", CASEY), visit_id, fields, "submit")
    assert response.status_code == 422
    body = response.body.decode()
    assert 'id="brought_by-error"' in body and "Say who brought the child" in body
    assert 'id="actual_end-error"' in body
    assert "Exactly what was typed &lt;b&gt;here&lt;/b&gt;." in body
    assert report_of(client, auth, visit_id)["status"] == "DRAFT"


def test_a_complete_form_submits(client, auth, token, runtime, visit_id):
    response = _post(client, token("worker", CASEY), visit_id, COMPLETE, "submit")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("?done=submitted")
    assert report_of(client, auth, visit_id)["status"] == "SUBMITTED"
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")


def test_autosave_answers_json_and_refuses_bad_input_without_saving(client, auth, token, visit_id):
    json_accept = {"Accept": "application/json"}
    saved = _post(client, token("worker", CASEY), visit_id, {"brought_by": "Carer"}, "autosave", json_accept)
    assert saved.status_code == 200
    assert saved.headers["Content-Type"] == "application/json"
    assert "saved_at" in saved.json_body
    bad = _post(client, token("worker", CASEY), visit_id, {"actual_start": "25:99"}, "autosave", json_accept)
    assert bad.status_code == 422 and bad.json_body["error"]["fields"][0]["path"] == "actual_start"
    assert report_of(client, auth, visit_id)["draft"] == {"brought_by": "Carer"}


def test_another_worker_and_a_referrer_cannot_open_a_draft(client, token, visit_id):
    add_worker("Robin Patel", ROBIN)
    # Another worker learns nothing of the report, not even whether there is one yet.
    assert client.http.get(f"/visits/{visit_id}/report", headers=_headers(token("worker", ROBIN))).status_code == 403
    _post(client, token("worker", CASEY), visit_id, {"brought_by": "Carer"}, "save")
    assert client.http.get(f"/visits/{visit_id}/report", headers=_headers(token("worker", ROBIN))).status_code == 403
    assert client.http.get(f"/visits/{visit_id}/report", headers=_headers(token("referrer"))).status_code == 404
    posted = _post(client, token("worker", ROBIN), visit_id, COMPLETE, "submit")
    assert posted.status_code == 403


def test_the_supervisor_reads_the_submitted_version_and_decides_on_the_page(client, auth, token, runtime, visit_id):
    write_and_submit(client, auth, visit_id)
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")  # the review has asked: its wait is live
    supervisor = token("supervisor")
    page = client.http.get(f"/visits/{visit_id}/report", headers=_headers(supervisor))
    assert page.status_code == 200
    assert b"bus was late" in page.body and b"Record my decision" in page.body
    missing = client.http.post(
        f"/visits/{visit_id}/report/decision",
        headers=_headers(supervisor, form=True),
        body=urlencode({"decide.decision": "request_changes", "decide.comment": ""}),
    )
    assert missing.status_code == 422 and b"Say what the worker should change" in missing.body
    done = client.http.post(
        f"/visits/{visit_id}/report/decision",
        headers=_headers(supervisor, form=True),
        body=urlencode({"decide.decision": "request_changes", "decide.comment": "Add times."}),
    )
    assert done.status_code == 303
    worker_page = client.http.get(f"/visits/{visit_id}/report", headers=_headers(token("worker", CASEY)))
    assert b"The supervisor asked for changes" in worker_page.body and b"Add times." in worker_page.body


def test_the_referrer_reads_the_approved_report_and_downloads_its_pdf_from_the_page(client, auth, token, runtime):
    visit_id = book_visit(client, auth, confidential=True)
    write_and_submit(client, auth, visit_id)
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    post_form(client, approval_path(message), {"decision": "approve", "confirmed": "yes"})
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "is ready")
    referrer = _headers(token("referrer"))
    page = client.http.get(f"/visits/{visit_id}/report", headers=referrer)
    assert page.status_code == 200
    body = page.body.decode()
    assert "bus was late" in body and "Download the report as a PDF" in body
    # the venue and the actual times stay hidden: the address is confidential
    assert "Northshire Family Centre" not in body and "Actual times" not in body
    assert "Save draft" not in body and "Record my decision" not in body
    pdf = client.http.get(f"/visits/{visit_id}/report.pdf", headers={**referrer, "Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.body[:5] == b"%PDF-"
