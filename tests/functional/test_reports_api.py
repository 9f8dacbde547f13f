"""Visit reports through the API: who may write and read, every bad input answered and nothing
written, the approved report locked, and the court-ready PDF."""

from __future__ import annotations

import io
import json

import pytest

from chalicelib.examples import example_report
from tests.helpers import approval_path, post_form, wait_for_email
from tests.report_helpers import SUPERVISOR, book_visit, report_of, save, submit, write_and_submit
from tests.visit_helpers import CASEY, ROBIN, add_worker


def _paths(response) -> list[str]:
    return [field["path"] for field in response.json_body["error"].get("fields", [])]


def _versions(visit_id: str) -> list:
    from chalicelib.storage.reports import ReportVersion

    return list(ReportVersion.query(visit_id))


def _approve(client, runtime) -> None:
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    assert post_form(client, approval_path(message), {"decision": "approve", "confirmed": "yes"}).status_code == 200


def test_the_worker_saves_an_incomplete_draft_as_often_as_they_like(client, auth, visit_id):
    first = save(client, auth, visit_id, {"observations": "Arrived at 10:05."})
    second = save(client, auth, visit_id, {"observations": "Arrived at 10:05. Played cards.", "brought_by": "Carer"})
    assert first.status_code == second.status_code == 200
    assert second.json_body["status"] == "DRAFT"
    assert second.json_body["draft"]["brought_by"] == "Carer"
    assert _versions(visit_id) == []


def test_an_incomplete_report_cannot_be_submitted_and_nothing_is_written(client, auth, visit_id):
    save(client, auth, visit_id, {"observations": "Arrived at 10:05.", "safeguarding_concern": True})
    response = submit(client, auth, visit_id)
    assert response.status_code == 422
    paths = _paths(response)
    assert {"attendance", "brought_by", "actual_start", "supervision_level", "safeguarding_details"} <= set(paths)
    assert report_of(client, auth, visit_id)["status"] == "DRAFT"
    assert _versions(visit_id) == []


def test_a_report_cannot_be_submitted_before_the_visit_has_started(client, auth, runtime):
    future = book_visit(client, auth, days_from_now=3)
    assert save(client, auth, future).status_code == 200
    response = submit(client, auth, future)
    assert response.status_code == 409
    assert "has not started" in response.json_body["error"]["message"]
    assert _versions(future) == []


def test_only_the_assigned_worker_writes_and_submits(client, auth, visit_id):
    add_worker("Robin Patel", ROBIN)
    assert save(client, auth, visit_id, email=ROBIN).status_code == 403
    assert save(client, auth, visit_id).status_code == 200
    assert submit(client, auth, visit_id, email=ROBIN).status_code == 403
    supervisor = client.http.put(
        f"/v1/visits/{visit_id}/report", headers=auth("supervisor"), body=json.dumps(example_report())
    )
    assert supervisor.status_code == 403
    assert report_of(client, auth, visit_id)["status"] == "DRAFT"


def test_a_participant_who_is_not_on_the_visit_is_422(client, auth, visit_id):
    body = {**example_report(), "attendance": [{"participant": "family-5", "attendance": "attended"}]}
    response = save(client, auth, visit_id, body)
    assert response.status_code == 422
    assert _paths(response) == ["attendance[0].participant"]
    assert client.http.get(f"/v1/visits/{visit_id}/report", headers=auth("supervisor")).status_code == 404


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"observations": "x" * 20_001}, "observations"),
        ({"actual_start": "25:00"}, "actual_start"),
        ({"supervision_level": "none"}, "supervision_level"),
        ({"safeguarding_concern": "maybe"}, "safeguarding_concern"),
        ({"opinion": "unfit"}, "opinion"),
    ],
)
def test_bad_fields_are_422_at_their_path_and_nothing_is_saved(client, auth, visit_id, change, path):
    response = save(client, auth, visit_id, {**example_report(), **change})
    assert response.status_code == 422
    assert path in _paths(response)
    assert client.http.get(f"/v1/visits/{visit_id}/report", headers=auth("supervisor")).status_code == 404


def test_a_cancelled_visit_needs_no_report(client, auth, visit_id):
    cancelled = client.http.post(
        f"/v1/visits/{visit_id}/cancel",
        headers=auth("supervisor"),
        body=json.dumps({"cancelled_by": "parent", "reason": "Mother unwell"}),
    )
    assert cancelled.status_code == 200, cancelled.body
    response = save(client, auth, visit_id)
    assert response.status_code == 409 and "cancelled" in response.json_body["error"]["message"]


def test_an_approved_report_is_read_only(client, auth, runtime, visit_id):
    write_and_submit(client, auth, visit_id)
    _approve(client, runtime)
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "is ready")
    assert save(client, auth, visit_id).status_code == 409
    assert submit(client, auth, visit_id).status_code == 409
    again = client.http.post(
        f"/v1/visits/{visit_id}/report/decision",
        headers=auth("supervisor"),
        body=json.dumps({"decision": "request_changes", "comment": "Too late"}),
    )
    assert again.status_code == 409
    assert len(_versions(visit_id)) == 1


def test_a_request_for_changes_needs_its_comment(client, auth, visit_id):
    write_and_submit(client, auth, visit_id)
    response = client.http.post(
        f"/v1/visits/{visit_id}/report/decision",
        headers=auth("supervisor"),
        body=json.dumps({"decision": "request_changes"}),
    )
    assert response.status_code == 422 and _paths(response) == ["comment"]
    assert report_of(client, auth, visit_id)["status"] == "SUBMITTED"


def test_the_referrer_reads_only_approved_reports_of_their_own_referrals(client, auth, runtime, visit_id):
    write_and_submit(client, auth, visit_id)
    path = f"/v1/visits/{visit_id}/report"
    assert client.http.get(path, headers=auth("referrer")).status_code == 404  # submitted, not approved
    _approve(client, runtime)
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "is ready")
    own = client.http.get(path, headers=auth("referrer"))
    assert own.status_code == 200
    assert [v["version"] for v in own.json_body["versions"]] == [1]
    assert "draft" not in own.json_body and "history" not in own.json_body
    other = client.http.get(path, headers=auth("referrer", "alex.referrer@council.example"))
    assert other.status_code == 403
    assert client.http.get(path, headers=auth("hr")).status_code == 403


def test_the_approved_report_as_a_court_ready_pdf(client, auth, runtime):
    from pypdf import PdfReader

    from chalicelib.domain.referral_reference import human_reference

    # GIVEN a report with a non-ASCII name, on a referral whose carer's address is confidential
    visit_id = book_visit(client, auth, confidential=True)
    body = {
        **example_report(),
        "brought_by": "Zoë Ní Bhriain and Łucja Wójcik, the foster carers",
        "actual_start": "09:47",
        "actual_end": "11:13",
        "observations": "Long. " * 3000,
    }
    write_and_submit(client, auth, visit_id, body)
    _approve(client, runtime)
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "is ready")
    # WHEN the referrer downloads it
    response = client.http.get(
        f"/v1/visits/{visit_id}/report.pdf", headers={**auth("referrer"), "Accept": "application/pdf"}
    )
    # THEN it is a PDF whose text holds every section, the hash, page numbers and the caution
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    digest = report_of(client, auth, visit_id)["approved"]["sha256"]
    for section in ("Attendance", "Observations", "How the child presented", "Safeguarding concern", "Approved by"):
        assert section in text
    assert digest in text.replace("\n", "")
    assert "Zoë Ní Bhriain and Łucja Wójcik" in text
    assert "Maya Robinson" in text and "Participant" in text  # the child, and the attendance table
    assert reader.metadata.title.startswith("Supervised contact report")
    # the case it belongs to, by the reference people use for it, on every page
    reference = human_reference(report_of(client, auth, visit_id)["referral_id"])
    assert "Case reference" in text and all(reference in page for page in pages)
    assert reader.metadata.author == "Family Contact Service"
    assert (
        len(pages) > 1 and f"Page 1 of {len(pages)}" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    )
    assert "How this report may be used" in text and "disclosed only as the court directs" in text.replace("\n", " ")
    # AND nothing of where the carer lives or when anyone arrived or left: not the address, not the
    # venue, neither the booked nor the actual times
    assert "Elm Row" not in text and "Northshire Family Centre" not in text
    assert "Actual times" not in text and "09:47" not in text and "11:13" not in text
    assert "times withheld" in text


def test_no_pdf_before_approval(client, auth, visit_id):
    write_and_submit(client, auth, visit_id)
    pdf = {"Accept": "application/pdf"}
    assert (
        client.http.get(f"/v1/visits/{visit_id}/report.pdf", headers={**auth("supervisor"), **pdf}).status_code == 409
    )
    assert client.http.get(f"/v1/visits/{visit_id}/report.pdf", headers={**auth("referrer"), **pdf}).status_code == 404


def test_the_worker_sees_the_supervisors_comment_and_every_version(client, auth, runtime, visit_id):
    write_and_submit(client, auth, visit_id)
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    post_form(
        client, approval_path(message), {"decision": "request_changes", "comment": "Add the times.", "confirmed": "yes"}
    )
    wait_for_email(runtime.outbox, CASEY, "Changes requested")
    mine = report_of(client, auth, visit_id, role="worker")
    assert mine["status"] == "CHANGES_REQUESTED" and mine["changes_comment"] == "Add the times."
    assert [h["to"] for h in mine["history"]] == ["DRAFT", "SUBMITTED", "CHANGES_REQUESTED"]
