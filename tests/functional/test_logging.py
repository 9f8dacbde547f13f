"""Log lines carry ids and outcomes, never personal data, and one correlation id per request."""

from __future__ import annotations

import json

from tests.dates import example_referral
from tests.helpers import approval_path, post_form, submit_referral, wait_for_email


def _personal_values(body: dict) -> set[str]:
    values = {body["referrer"]["name"], body["referrer"]["email"], body["referrer"]["phone"]}
    for child in body["children"]:
        values |= {child["first_name"], child["last_name"], child["date_of_birth"]}
    for member in body["family_members"]:
        values |= {member["name"]} | {member[k] for k in ("phone", "email") if member.get(k)}
    if body["risks"].get("carer_address"):
        values.add(body["risks"]["carer_address"])
    return values


def test_a_whole_referral_review_logs_no_personal_data(client, auth, runtime, capsys, caplog):
    body = example_referral()
    body["risks"].update(confidential_address=True, carer_address="14 Orchard Row, Leeds LS6 2AB")
    # GIVEN a referral submitted, reviewed and accepted
    referral_id = submit_referral(client, auth("referrer"), body).json_body["id"]
    link = approval_path(wait_for_email(runtime.outbox, "supervisor@familycontact.example", "needs your decision"))
    client.http.get(link)
    post_form(client, link, {"decision": "accept", "confirmed": "yes"})
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "accepted")
    # THEN the log names the referral by id and nothing personal
    logs = capsys.readouterr().out + caplog.text
    assert referral_id in logs
    for value in _personal_values(body):
        assert value not in logs, f"personal data in the log: {value!r}"


def test_each_request_gets_a_correlation_id_on_its_log_line_and_reply(client, capsys):
    response = client.http.post(
        "/dev/token",
        headers={"Content-Type": "application/json", "X-Correlation-Id": "support-case-42"},
        body=json.dumps({"role": "hr"}),
    )
    assert response.headers["X-Correlation-Id"] == "support-case-42"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line.get("message") == "request"]
    assert request_lines and request_lines[-1]["correlation_id"] == "support-case-42"
    assert request_lines[-1]["route"] == "POST /dev/token"
