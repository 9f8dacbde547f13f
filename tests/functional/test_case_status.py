"""A case's status after acceptance: suspend, resume and close it, with its upcoming visits cancelled
in the status change's transaction (in bounded chunks beyond what one holds), the emails, the
closing letter, and the referrer's request to end a case."""

from __future__ import annotations

import io
import json

import pytest

from tests.aws_calls import calls_made
from tests.helpers import SUPERVISOR, emails_to
from tests.visit_helpers import (
    CASEY,
    REFERRER_EMAIL,
    ROBIN,
    VENUE,
    add_referral,
    add_visit,
    add_worker,
    referral_status,
)


def statuses(referral_id: str) -> dict[str, str]:
    from tests.visit_helpers import visits_of

    return {v.visit_id: v.status for v in visits_of(referral_id)}


def audit_actions(entity: str, entity_id: str) -> list[str]:
    from chalicelib.services.audit import history

    return [event["action"] for event in history(entity, entity_id)]


@pytest.fixture
def case(runtime):
    """An active case with Casey's two past visits (one reported) and three upcoming (two Casey's,
    one Robin's), and one upcoming visit already cancelled."""
    casey, robin = add_worker("Casey Evans", CASEY), add_worker("Robin Hale", ROBIN)
    referral_id = add_referral("ACTIVE")
    visits = {
        "past": add_visit(referral_id, casey, -14),
        "reported": add_visit(referral_id, casey, -7, status="REPORTED"),
        "next": add_visit(referral_id, casey, 3),
        "later": add_visit(referral_id, casey, 10),
        "robins": add_visit(referral_id, robin, 5),
        "cancelled": add_visit(referral_id, robin, 6, status="CANCELLED"),
    }
    runtime.outbox.clear()
    return referral_id, visits


def post(client, auth, path: str, body: dict, role: str = "supervisor"):
    return client.http.post(path, headers=auth(role), body=json.dumps(body))


# -- contract 2: the suspension inside the caller's transaction -----------------------------------


def test_add_suspension_writes_status_and_cancellations_in_the_callers_one_transaction(case, runtime):
    from chalicelib.domain.people import Person
    from chalicelib.services.audit import audited_transaction
    from chalicelib.services.case_status import add_suspension
    from chalicelib.storage.referrals import referral

    referral_id, visits = case
    person = Person(SUPERVISOR, "Priya Shah", "supervisor")
    with calls_made() as calls:
        with audited_transaction(person) as tx:
            finish = add_suspension(tx, referral(referral_id, consistent=True), reason="Police inquiry", actor=person)
    assert calls.count("dynamodb:TransactWriteItems") == 1
    assert referral_status(referral_id) == "SUSPENDED"
    after = statuses(referral_id)
    assert {k for k, v in visits.items() if after[v] == "CANCELLED"} == {"next", "later", "robins", "cancelled"}
    assert after[visits["past"]] == "SCHEDULED" and after[visits["reported"]] == "REPORTED"
    assert "referral.suspended" in audit_actions("referral", referral_id)
    assert audit_actions("visit", visits["next"]) == ["visit.cancelled"]
    assert audit_actions("visit", visits["past"]) == []
    stored = referral(referral_id, consistent=True)
    assert stored.history[-1].to_status == "SUSPENDED" and stored.history[-1].reason == "Police inquiry"

    assert emails_to(runtime.outbox, CASEY) == []  # nothing is sent before the caller's commit
    finish()
    casey_mail = emails_to(runtime.outbox, CASEY)
    assert len(casey_mail) == 1 and casey_mail[0]["subject"].startswith("2 visits cancelled")
    assert len(emails_to(runtime.outbox, ROBIN, "Visit cancelled")) == 1
    referrer = emails_to(runtime.outbox, REFERRER_EMAIL, "Case suspended")
    assert len(referrer) == 1 and "Police inquiry" in referrer[0]["text"]
    assert "3 upcoming visits were cancelled" in referrer[0]["text"]


def test_add_suspension_refuses_a_case_that_is_not_accepted_or_active(runtime):
    from chalicelib.errors import Conflict
    from chalicelib.services.audit import audited_transaction
    from chalicelib.services.case_status import add_suspension
    from chalicelib.storage.referrals import referral

    referral_id = add_referral("CLOSED")
    with pytest.raises(Conflict, match="closed"):
        with audited_transaction(SUPERVISOR) as tx:
            add_suspension(tx, referral(referral_id), reason="x", actor=SUPERVISOR)
    assert referral_status(referral_id) == "CLOSED"


def _suspend_interrupted_after_the_first_chunk(monkeypatch, referral_id: str) -> None:
    """Suspend the case, the function stopping (out of time) after the status change's transaction
    with its first visits: the rest is owed to the recovery sweep."""
    from chalicelib.services import case_status

    real = case_status.audited_transaction
    opened = []

    def failing_second(*args, **kwargs):
        opened.append(1)
        if len(opened) == 2:
            raise RuntimeError("the function ran out of time")
        return real(*args, **kwargs)

    monkeypatch.setattr(case_status, "audited_transaction", failing_second)
    with pytest.raises(RuntimeError):
        case_status.suspend_case(_principal(), referral_id, _suspension("Family moved away for now"))
    monkeypatch.setattr(case_status, "audited_transaction", real)


def test_a_case_with_more_visits_than_one_transaction_is_finished_in_chunks_and_resumes_after_an_interruption(
    runtime, monkeypatch
):
    from chalicelib.services import case_status
    from chalicelib.storage.referrals import owing_cancellations, referral

    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE")
    upcoming = [add_visit(referral_id, worker, day) for day in range(1, 131)]
    _suspend_interrupted_after_the_first_chunk(monkeypatch, referral_id)

    after = statuses(referral_id)
    done = [v for v in upcoming if after[v] == "CANCELLED"]
    assert len(done) == case_status.FIRST_VISITS  # 38 of 130, with the status change
    assert referral(referral_id, consistent=True).cancellations_owed == "owed"
    assert owing_cancellations() == [referral_id]

    from chalicelib import clock, jobs

    with calls_made() as calls:
        summary = jobs.run("recover-workflows", clock.today())["owed_cancellations"]  # the recovery sweep
    assert summary == {"cases": 1, "visits": 130 - len(done), "failed": 0}
    # 92 left: two chunks, the first checking the case is still stopped, the last clearing the marker
    assert calls.count("dynamodb:TransactWriteItems") == 2
    assert set(statuses(referral_id).values()) == {"CANCELLED"}
    assert referral(referral_id, consistent=True).cancellations_owed is None
    assert owing_cancellations() == []
    events = sum(audit_actions("visit", v).count("visit.cancelled") == 1 for v in upcoming)
    assert events == 130  # each visit cancelled once, with its event


def test_resuming_a_case_that_still_owes_cancellations_finishes_them_first(runtime, monkeypatch):
    from chalicelib.domain.case_status import Resumption
    from chalicelib.services import case_status

    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE")
    upcoming = [add_visit(referral_id, worker, day) for day in range(1, 61)]
    monkeypatch.setattr(case_status, "REQUEST_CHUNKS", 0)  # the request leaves the rest to the sweep
    case_status.suspend_case(_principal(), referral_id, _suspension("Police inquiry"))
    assert sum(statuses(referral_id)[v] == "CANCELLED" for v in upcoming) == case_status.FIRST_VISITS

    resumed = case_status.resume_case(_principal(), referral_id, Resumption(reason="Inquiry closed"))
    assert resumed["status"] == "ACTIVE" and resumed["cancellations_owed"] is False
    assert {statuses(referral_id)[v] for v in upcoming} == {"CANCELLED"}  # the suspension's promise kept


def _principal():
    from chalicelib.auth import Principal, Role

    return Principal("u-supervisor-1", SUPERVISOR, "Priya Shah", frozenset({Role.SUPERVISOR}))


def _suspension(reason: str, resume_on=None):
    from chalicelib.domain.case_status import Suspension

    return Suspension(reason=reason, resume_on=resume_on)


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


# -- the routes -----------------------------------------------------------------------------------


def test_suspend_by_api_cancels_the_upcoming_visits_in_one_transaction_and_resume_rebooks_nothing(
    client, auth, case, runtime
):
    from tests.dates import iso_days_from_today

    referral_id, visits = case
    body = {"reason": "Police inquiry after the last visit", "resume_on": iso_days_from_today(30)}
    with calls_made() as calls:
        response = post(client, auth, f"/v1/referrals/{referral_id}/suspend", body)
    assert response.status_code == 200, response.body
    assert calls.count("dynamodb:TransactWriteItems") == 1
    assert response.json_body["status"] == "SUSPENDED"
    assert response.json_body["resume_on"] == body["resume_on"]
    assert response.json_body["history"][-1]["reason"] == body["reason"]
    cancelled = {k for k, v in visits.items() if statuses(referral_id)[v] == "CANCELLED"}
    assert cancelled == {"next", "later", "robins", "cancelled"}

    again = post(client, auth, f"/v1/referrals/{referral_id}/suspend", body)
    assert again.status_code == 409 and "suspended" in again.json_body["error"]["message"]

    runtime.outbox.clear()
    resumed = post(client, auth, f"/v1/referrals/{referral_id}/resume", {"reason": "Inquiry closed"})
    assert resumed.status_code == 200, resumed.body
    assert resumed.json_body["status"] == "ACTIVE" and resumed.json_body["resume_on"] is None
    assert statuses(referral_id)[visits["next"]] == "CANCELLED"  # nothing rebooked
    assert emails_to(runtime.outbox, CASEY) == []
    told = emails_to(runtime.outbox, REFERRER_EMAIL, "Case resumed")
    assert len(told) == 1 and "Inquiry closed" in told[0]["text"] and "books new visits" in told[0]["text"]


def test_a_referrer_still_sees_the_visits_of_a_suspended_case(client, auth, case):
    referral_id, visits = case
    assert post(client, auth, f"/v1/referrals/{referral_id}/suspend", {"reason": "Police inquiry"}).status_code == 200
    listed = client.http.get("/v1/visits", headers=auth("referrer")).json_body["visits"]
    assert visits["past"] in {v["id"] for v in listed}


def test_a_case_suspended_before_its_first_visit_resumes_to_accepted(client, auth, runtime):
    referral_id = add_referral("ACCEPTED")
    assert post(client, auth, f"/v1/referrals/{referral_id}/suspend", {"reason": "Carer unwell"}).status_code == 200
    resumed = post(client, auth, f"/v1/referrals/{referral_id}/resume", {"reason": "Carer recovered"})
    assert resumed.json_body["status"] == "ACCEPTED"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("suspend", {}, "reason"),
        ("suspend", {"reason": "x", "resume_on": "next week"}, "resume_on"),
        ("close", {"reason": "other", "summary": "Ended."}, "other_reason"),
        ("close", {"reason": "bored", "summary": "Ended."}, "reason"),
        ("close", {"reason": "plan_completed"}, "summary"),
        ("resume", {"reason": ""}, "reason"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(client, auth, case, path, body, field):
    referral_id, visits = case
    before = statuses(referral_id)
    response = post(client, auth, f"/v1/referrals/{referral_id}/{path}", body)
    assert response.status_code == 422, response.body
    assert field in [e["path"] for e in response.json_body["error"]["fields"]]
    assert referral_status(referral_id) == "ACTIVE" and statuses(referral_id) == before


@pytest.mark.parametrize(
    ("status", "path", "body"),
    [
        ("ACTIVE", "resume", {"reason": "Ready"}),
        ("CLOSED", "suspend", {"reason": "Police inquiry"}),
        ("CLOSED", "close", {"reason": "plan_completed", "summary": "Done."}),
        ("UNDER_REVIEW", "close", {"reason": "plan_completed", "summary": "Done."}),
        ("DECLINED", "suspend", {"reason": "Police inquiry"}),
    ],
)
def test_the_wrong_state_is_a_409_and_changes_nothing(client, auth, runtime, status, path, body):
    from chalicelib.storage.referrals import referral

    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral(status)
    upcoming = add_visit(referral_id, worker, 4)
    response = post(client, auth, f"/v1/referrals/{referral_id}/{path}", body)
    assert response.status_code == 409, response.body
    assert referral_status(referral_id) == status and statuses(referral_id)[upcoming] == "SCHEDULED"
    assert referral(referral_id, consistent=True).history == []


def test_booking_a_visit_on_a_suspended_case_is_refused(client, auth, runtime):
    from tests.visit_helpers import post_visit

    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("SUSPENDED", plan=("2020-01-06", None))
    from tests.dates import iso_days_from_today

    day = iso_days_from_today(5)
    body = {
        "referral_id": referral_id,
        "worker_id": worker,
        "start": f"{day}T10:00",
        "end": f"{day}T11:00",
        "venue": VENUE,
        "participants": {"children": [0], "family_members": [0]},
    }
    response = post_visit(client, auth("supervisor"), body)
    assert response.status_code == 409
    assert "suspended" in response.json_body["error"]["message"]
    from tests.visit_helpers import visits_of

    assert visits_of(referral_id) == []


def test_closing_cancels_upcoming_visits_and_sends_the_referrer_the_letter(client, auth, case, runtime):
    referral_id, visits = case
    body = {
        "reason": "court_order_ended",
        "summary": "The final order ends supervised contact; the sessions went well.",
    }
    with calls_made() as calls:
        response = post(client, auth, f"/v1/referrals/{referral_id}/close", body)
    assert response.status_code == 200, response.body
    assert calls.count("dynamodb:TransactWriteItems") == 1
    closing = response.json_body["closing"]
    assert closing["reason"] == "court_order_ended" and closing["reason_words"] == "The court order ended"
    assert statuses(referral_id)[visits["past"]] == "SCHEDULED"  # a past visit still owes its report
    assert statuses(referral_id)[visits["robins"]] == "CANCELLED"

    letter_mail = emails_to(runtime.outbox, REFERRER_EMAIL, "Case closed")
    assert len(letter_mail) == 1
    assert [a["filename"] for a in letter_mail[0]["attachments"]] == ["closing-letter.pdf"]
    assert len(emails_to(runtime.outbox, CASEY)) == 1 and len(emails_to(runtime.outbox, ROBIN)) == 1

    pdf = client.http.get(
        f"/v1/referrals/{referral_id}/closing-letter.pdf", headers={**auth("referrer"), "Accept": "application/pdf"}
    )
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.body)
    from chalicelib.domain.referral_reference import human_reference
    from tests.dates import days_from_today, long_day

    assert human_reference(referral_id) in text
    assert "Maya" in text and "Leo" in text and "Robinson" not in text
    assert "Sessions held\n2" in text  # the two past visits; none cancelled, none to come
    assert long_day(days_from_today(-14)) in text and long_day(days_from_today(-7)) in text
    assert "The court order ended" in text and "The final order ends supervised contact" in text
    assert "office@familycontact.example" in text
    assert VENUE not in text


def test_the_letter_is_a_409_until_the_case_closes_and_names_no_address_when_confidential(client, auth, runtime):
    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE", confidential=True)
    add_visit(referral_id, worker, -3)
    path = f"/v1/referrals/{referral_id}/closing-letter.pdf"
    headers = {**auth("supervisor"), "Accept": "application/pdf"}
    assert client.http.get(path, headers=headers).status_code == 409
    closed = post(
        client,
        auth,
        f"/v1/referrals/{referral_id}/close",
        {"reason": "other", "other_reason": "Family moved abroad", "summary": "One session held."},
    )
    assert closed.status_code == 200, closed.body
    text = pdf_text(client.http.get(path, headers=headers).body)
    assert "Family moved abroad" in text and VENUE not in text and "Northshire Family Centre" not in text
    other = client.http.get(
        path, headers={**auth("referrer", "alex.referrer@council.example"), "Accept": "application/pdf"}
    )
    assert other.status_code == 403


def test_a_referrers_end_request_waits_in_the_queue_and_a_supervisor_declines_then_closes(client, auth, case, runtime):
    referral_id, visits = case
    path = f"/v1/referrals/{referral_id}/end-request"
    asked = post(client, auth, path, {"reason": "The court made a final order."}, role="referrer")
    assert asked.status_code == 200, asked.body
    assert asked.json_body["end_request"]["waiting"] is True
    second = post(client, auth, path, {"reason": "Again."}, role="referrer")
    assert second.status_code == 409 and "waiting" in second.json_body["error"]["message"]
    assert post(client, auth, path, {"reason": ""}, role="referrer").status_code == 422

    queue = client.http.get("/v1/decisions", headers=auth("supervisor")).json_body["decisions"]
    rows = [row for row in queue if row["kind"] == "end_request"]
    assert [row["id"] for row in rows] == [referral_id]
    assert rows[0]["url"] == f"/referrals/{referral_id}#case-status"

    decide = f"/v1/referrals/{referral_id}/end-request/decision"
    assert post(client, auth, decide, {"decision": "decline"}).status_code == 422
    declined = post(client, auth, decide, {"decision": "decline", "decline_reason": "The order runs to June."})
    assert declined.status_code == 200, declined.body
    assert declined.json_body["status"] == "ACTIVE" and declined.json_body["end_request"]["outcome"] == "declined"
    told = emails_to(runtime.outbox, REFERRER_EMAIL, "declined")
    assert len(told) == 1 and "The order runs to June." in told[0]["text"]
    assert not [
        r
        for r in client.http.get("/v1/decisions", headers=auth("supervisor")).json_body["decisions"]
        if r["kind"] == "end_request"
    ]

    assert post(client, auth, path, {"reason": "The order has now ended."}, role="referrer").status_code == 200
    closed = post(client, auth, decide, {"decision": "close", "summary": "Closed at the referrer's request."})
    assert closed.status_code == 200, closed.body
    assert closed.json_body["status"] == "CLOSED"
    assert closed.json_body["closing"]["reason"] == "referrer_withdrew"
    assert closed.json_body["end_request"]["outcome"] == "closed"
    assert len(emails_to(runtime.outbox, REFERRER_EMAIL, "Case closed")) == 1
    assert post(client, auth, path, {"reason": "Again"}, role="referrer").status_code == 409


def test_another_referrer_cannot_ask_to_end_a_case(client, auth, case):
    referral_id, _ = case
    response = client.http.post(
        f"/v1/referrals/{referral_id}/end-request",
        headers=auth("referrer", "alex.referrer@council.example"),
        body=json.dumps({"reason": "Not mine"}),
    )
    assert response.status_code == 403


# -- the forms on the case page ---------------------------------------------------------------------


def test_the_suspend_form_keeps_what_was_typed_and_names_the_field_on_error_then_confirms(
    client, supervisor, case, runtime
):
    from tests.helpers import post_form

    referral_id, _ = case
    page = client.http.get(f"/referrals/{referral_id}", headers=supervisor).body.decode()
    assert 'id="suspend-case"' in page and 'id="close-case"' in page and 'id="resume-case"' not in page

    refused = post_form(
        client,
        f"/referrals/{referral_id}/suspend",
        {"suspend.reason": "Police inquiry", "suspend.resume_on": "next Tuesday"},
        supervisor,
    )
    assert refused.status_code == 422
    body = refused.body.decode()
    assert "Police inquiry</textarea>" in body and 'value="next Tuesday"' in body
    assert 'id="suspend-resume_on-error"' in body or "YYYY-MM-DD" in body
    assert referral_status(referral_id) == "ACTIVE"

    done = post_form(client, f"/referrals/{referral_id}/suspend", {"suspend.reason": "Police inquiry"}, supervisor)
    assert done.status_code == 303 and "done=suspended" in done.headers["Location"]
    shown = client.http.get(done.headers["Location"].split("#")[0], headers=supervisor).body.decode()
    assert "The case is suspended" in shown and 'id="resume-case"' in shown and 'id="suspend-case"' not in shown


def test_the_close_form_needs_words_for_other_and_keeps_the_summary(client, supervisor, case):
    from tests.helpers import post_form

    referral_id, _ = case
    refused = post_form(
        client,
        f"/referrals/{referral_id}/close",
        {"close.reason": "other", "close.other_reason": "", "close.summary": "Twelve sessions held."},
        supervisor,
    )
    assert refused.status_code == 422
    body = refused.body.decode()
    assert "Say in a few words why the case is closing" in body and "Twelve sessions held.</textarea>" in body
    assert '<option value="other" selected>' in body
    assert referral_status(referral_id) == "ACTIVE"


def test_a_referrer_asks_to_end_on_the_page_and_the_request_is_a_row_of_the_decisions_page(
    client, sam, supervisor, case
):
    from tests.helpers import post_form

    referral_id, _ = case
    page = client.http.get(f"/referrals/{referral_id}", headers=sam).body.decode()
    assert 'id="ask-to-end"' in page and 'id="suspend-case"' not in page
    empty = post_form(client, f"/referrals/{referral_id}/end-request", {"end.reason": ""}, sam)
    assert empty.status_code == 422 and 'id="ask-to-end"' in empty.body.decode()
    asked = post_form(client, f"/referrals/{referral_id}/end-request", {"end.reason": "Final order made."}, sam)
    assert asked.status_code == 303
    again = client.http.get(f"/referrals/{referral_id}", headers=sam).body.decode()
    assert 'id="ask-to-end"' not in again and "waiting for a supervisor" in again

    queue = client.http.get("/decisions", headers=supervisor).body.decode()
    assert f'data-kind="end_request" data-id="{referral_id}"' in queue
    assert "Request to end the case of Maya, Leo" in queue
    case_page = client.http.get(f"/referrals/{referral_id}", headers=supervisor).body.decode()
    assert 'id="decide-end-request"' in case_page
    assert '<option value="referrer_withdrew" selected>' in case_page


def test_suspending_a_case_retires_the_family_links_of_its_visits_soon_to_come(runtime):
    from chalicelib.services import case_status
    from chalicelib.storage.families import active_links_of
    from tests.family_helpers import issue_link

    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE")
    tomorrow = add_visit(referral_id, worker, 1)
    issue_link(tomorrow)  # the reminder went out: its link is live until the visit starts

    case_status.suspend_case(_principal(), referral_id, _suspension("Police inquiry"))

    assert statuses(referral_id)[tomorrow] == "CANCELLED"
    assert list(active_links_of(tomorrow)) == []
    assert "family_link.retired" in audit_actions("visit", tomorrow)


def test_the_recovery_sweep_finishing_a_suspension_takes_its_visits_at_risk_off_the_count(runtime, monkeypatch):
    from chalicelib import clock, jobs
    from chalicelib.services import case_status, compliance_scan
    from chalicelib.storage import monthly_figures
    from tests.dates import days_from_today

    # GIVEN a case with a visit a day for 60 days, whose worker's first aid runs out after the 40th:
    # the visits the first chunk of a suspension cancels are not at risk, some later ones are
    worker = add_worker("Casey Evans", CASEY, first_aid_expires=days_from_today(40))
    referral_id = add_referral("ACTIVE")
    for day in range(1, 61):
        add_visit(referral_id, worker, day)
    compliance_scan.run(clock.today())
    at_risk = monthly_figures.visits_at_risk_from("0000")
    assert at_risk > 0 and case_status.FIRST_VISITS < 40
    _suspend_interrupted_after_the_first_chunk(monkeypatch, referral_id)
    assert monthly_figures.visits_at_risk_from("0000") == at_risk  # all in the chunks still owed

    # WHEN the recovery sweep cancels the visits the case still owes
    summary = jobs.run("recover-workflows", clock.today())["owed_cancellations"]

    # THEN every visit is cancelled and none is counted at risk any more
    assert summary["failed"] == 0 and set(statuses(referral_id).values()) == {"CANCELLED"}
    assert monthly_figures.visits_at_risk_from("0000") == 0
