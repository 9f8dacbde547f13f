"""People by their names, not their emails: who decided, asked, changed a status or approved a report
is kept by email (the identity) with the name and role the sign-in gave, and the case page, the
report page and the PDF show the name. Records written before names were kept still show the email."""

from __future__ import annotations

import io
import json

from tests.dates import example_referral
from tests.functional.test_audit_page import text_of
from tests.functional.test_referral_pages import Html
from tests.helpers import SAM, SUPERVISOR, approval_path, post_form, session_cookie, submit_referral, wait_for_email
from tests.report_helpers import book_visit, report_of, write_and_submit

PRIYA = "Priya Shah, Supervisor"  # the demo supervisor, as pages name her


def _waiting_referral(client, auth, runtime) -> str:
    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    return referral_id


def _decide_referral(client, auth, referral_id: str, decision: str, comment: str | None = None) -> None:
    body = {"decision": decision, **({"comment": comment} if comment else {})}
    response = client.http.post(
        f"/v1/referrals/{referral_id}/decision", headers=auth("supervisor"), body=json.dumps(body)
    )
    assert response.status_code == 200, response.body


def _approved_report(client, auth, runtime) -> str:
    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    response = client.http.post(
        f"/v1/visits/{visit_id}/report/decision", headers=auth("supervisor"), body=json.dumps({"decision": "approve"})
    )
    assert response.status_code == 200, response.body
    return visit_id


def _pdf_text(client, auth, visit_id: str) -> str:
    from pypdf import PdfReader

    response = client.http.get(
        f"/v1/visits/{visit_id}/report.pdf", headers={**auth("supervisor"), "Accept": "application/pdf"}
    )
    assert response.status_code == 200
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.body)).pages)


def test_the_case_page_names_who_decided_and_who_changed_each_status(client, auth, runtime):
    # GIVEN a referral the supervisor accepted in the app
    referral_id = _waiting_referral(client, auth, runtime)
    _decide_referral(client, auth, referral_id, "accept")
    # WHEN the referrer opens its page
    response = client.http.get(f"/referrals/{referral_id}", headers=auth("referrer"))
    # THEN the decision and the history name the people, with their roles, and no staff email shows
    text = text_of(response)
    assert f"by {PRIYA}" in text
    who = [cell["text"].strip() for cell in Html(response.body).find("td", **{"data-label": "Who"})]
    assert who == ["Sam Okafor, Social worker", "The service (automatic)", PRIYA]
    assert SUPERVISOR not in text


def test_the_referral_json_keeps_the_email_with_the_name_and_role(client, auth, runtime):
    referral_id = _waiting_referral(client, auth, runtime)
    _decide_referral(client, auth, referral_id, "accept")
    body = client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor")).json_body
    assert body["decision"]["decided_by"] == SUPERVISOR
    assert (body["decision"]["decided_by_name"], body["decision"]["decided_by_role"]) == ("Priya Shah", "supervisor")
    first, last = body["history"][0], body["history"][-1]
    assert (first["actor"], first["actor_name"], first["actor_role"]) == (SAM, "Sam Okafor", "referrer")
    assert (last["actor"], last["actor_name"], last["actor_role"]) == (SUPERVISOR, "Priya Shah", "supervisor")


def test_a_question_names_who_asked_it(client, auth, runtime):
    referral_id = _waiting_referral(client, auth, runtime)
    _decide_referral(client, auth, referral_id, "more_info", "Which school does the child attend?")
    text = text_of(client.http.get(f"/referrals/{referral_id}", headers=auth("referrer")))
    assert f"by {PRIYA}" in text and SUPERVISOR not in text


def test_a_decision_through_the_email_link_while_signed_in_names_the_approver(client, auth, runtime):
    referral_id = _waiting_referral(client, auth, runtime)
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    signed_in = {"Cookie": session_cookie("supervisor")}
    decided = post_form(client, approval_path(message), {"decision": "accept", "confirmed": "yes"}, signed_in)
    assert decided.status_code == 200
    text = text_of(client.http.get(f"/referrals/{referral_id}", headers=auth("referrer")))
    assert f"by {PRIYA}" in text and SUPERVISOR not in text


def test_a_referral_recorded_before_names_were_kept_still_shows_who_by_email(client, auth, runtime):
    from chalicelib.storage.referrals import Referral

    # GIVEN a decided referral whose records hold only emails, as older ones do
    referral_id = _waiting_referral(client, auth, runtime)
    _decide_referral(client, auth, referral_id, "accept")
    referral = Referral.get(referral_id, consistent_read=True)
    for entry in referral.history:
        entry.actor_name = entry.actor_role = None
    referral.decided_by_name = referral.decided_by_role = None
    referral.save()
    # WHEN its page is opened THEN it renders, naming each person by their email
    response = client.http.get(f"/referrals/{referral_id}", headers=auth("supervisor"))
    assert response.status_code == 200
    text = text_of(response)
    assert f"by {SUPERVISOR}" in text
    who = [cell["text"].strip() for cell in Html(response.body).find("td", **{"data-label": "Who"})]
    assert who == [SAM, "The service (automatic)", SUPERVISOR]
    history = client.http.get(f"/v1/referrals/{referral_id}", headers=auth("supervisor")).json_body["history"]
    assert history[-1]["actor_name"] is None and history[-1]["actor_role"] is None


def test_the_report_pdf_and_page_name_the_approver(client, auth, runtime):
    # GIVEN a report the supervisor approved in the app
    visit_id = _approved_report(client, auth, runtime)
    # THEN the PDF says who approved it by name and role, not by email
    text = _pdf_text(client, auth, visit_id)
    assert f"Approved by {PRIYA} on" in text.replace("\n", " ")
    assert SUPERVISOR not in text
    # AND the report's page names the approver and each step's author
    page = text_of(client.http.get(f"/visits/{visit_id}/report", headers=auth("supervisor")))
    assert f"by {PRIYA} on" in page and "Casey Evans, Contact worker" in page
    assert SUPERVISOR not in page
    # AND the JSON keeps the email beside the name
    approved = report_of(client, auth, visit_id)["approved"]
    assert (approved["by"], approved["by_name"], approved["by_role"]) == (SUPERVISOR, "Priya Shah", "supervisor")


def test_a_report_approved_before_names_were_kept_still_has_its_pdf(client, auth, runtime):
    from chalicelib.storage.reports import Report

    # GIVEN an approved report whose approver is recorded by email alone
    visit_id = _approved_report(client, auth, runtime)
    Report(visit_id).update(actions=[Report.approved_by_name.remove(), Report.approved_by_role.remove()])
    # THEN its PDF still renders and names the approver by email
    assert f"Approved by {SUPERVISOR} on" in _pdf_text(client, auth, visit_id).replace("\n", " ")


def test_a_token_without_a_name_shows_the_email(client, auth, runtime):
    # GIVEN a referrer whose sign-in carries no name
    nameless = "jo.bloggs@council.example"
    token = client.http.post(
        "/dev/token",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"role": "referrer", "email": nameless}),
    ).json_body
    assert token["name"] is None
    headers = {"Authorization": f"Bearer {token['token']}", "Content-Type": "application/json"}
    referral_id = submit_referral(client, headers, example_referral()).json_body["id"]
    # THEN the history names them by their email
    entry = client.http.get(f"/v1/referrals/{referral_id}", headers=headers).json_body["history"][0]
    assert (entry["actor"], entry["actor_name"]) == (nameless, nameless)
    assert f"{nameless}, Social worker" in text_of(client.http.get(f"/referrals/{referral_id}", headers=headers))


def test_the_dev_token_gives_the_demo_users_names_and_a_name_for_someone_new(client):
    from chalicelib.auth import verify_token

    demo = client.http.post(
        "/dev/token", headers={"Content-Type": "application/json"}, body=json.dumps({"role": "supervisor"})
    ).json_body
    assert demo["name"] == "Priya Shah" and verify_token(demo["token"]).name == "Priya Shah"
    new = client.http.post(
        "/dev/token",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"role": "hr", "email": "kim.new@familycontact.example", "name": "  Kim   Ode "}),
    ).json_body
    assert new["name"] == "Kim Ode" and verify_token(new["token"]).name == "Kim Ode"
    blank = client.http.post(
        "/dev/token",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"role": "hr", "email": "kim.new@familycontact.example", "name": "   "}),
    )
    assert blank.status_code == 422
