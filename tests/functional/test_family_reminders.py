"""The `family-reminders` job: one reminder per family member who agreed, per visit starting within
the lead time, by their channel (texts land in the local outbox as texts); never twice, a moved
visit reminded again; nothing of the other party in what is sent; a refused number recorded on
the family member without failing the others; sends bounded per run."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.dates import example_referral
from tests.family_helpers import MOBILE, MOTHER_EMAIL, family_case, link_ids_in, visit_in
from tests.helpers import session_cookie


def run_job(client) -> dict:
    response = client.http.post(
        "/dev/jobs/family-reminders", headers={"Content-Type": "application/json"}, body=json.dumps({})
    )
    assert response.status_code == 200, response.body
    return response.json_body["result"]


def sent_to(runtime, address: str) -> list[dict]:
    return [m for m in runtime.outbox.messages() if address in m["to"]]


def test_the_job_sends_exactly_once_per_person_per_visit(client, runtime):
    visit_id = visit_in(family_case(channel="email"), 30)

    first, again = run_job(client), run_job(client)

    assert (first["sent"], again["sent"]) == (1, 0)
    (message,) = sent_to(runtime, MOTHER_EMAIL)
    assert message["channel"] == "email" and message["subject"].startswith("Reminder: your family visit")
    assert len(link_ids_in(message["text"])) == 1
    from chalicelib.storage.families import reminders_of

    (reminder,) = reminders_of(visit_id)
    assert reminder.state == "SENT" and reminder.message_id


def test_the_job_skips_those_who_did_not_agree_or_were_not_asked(client, runtime):
    visit_in(family_case(agreed=False), 30)
    visit_in(family_case(agreed=None), 30)

    assert run_job(client)["sent"] == 0
    assert sent_to(runtime, MOTHER_EMAIL) == [] and sent_to(runtime, MOBILE) == []


def test_a_visit_beyond_the_lead_time_waits_for_a_later_run(client, runtime):
    visit_in(family_case(), 60)

    assert run_job(client)["sent"] == 0


def test_texts_and_emails_carry_no_confidential_detail(client, runtime):
    visit_in(family_case(channel="text", confidential=True), 30)
    visit_in(family_case(channel="email", confidential=True), 30)

    assert run_job(client)["sent"] == 2

    (text,) = sent_to(runtime, MOBILE)
    (mail,) = sent_to(runtime, MOTHER_EMAIL)
    assert text["channel"] == "text" and "Casey will meet you" in text["text"]
    referral = example_referral()
    secrets = [
        referral["risks"]["carer_address"],
        referral["contact"]["brought_by"],
        referral["contact"]["collected_by"],
        referral["family_members"][0]["safety_notes"],
        "Evans",  # the worker's surname
        *(child["last_name"] for child in referral["children"]),
    ]
    for message in (text, mail):
        shown = message["text"] + message["html"] + message["subject"]
        assert [s for s in secrets if s and s in shown] == []


def test_a_moved_visit_gets_a_new_reminder_and_its_old_link_dies(client, auth, runtime):
    from chalicelib.domain.local_time import to_local
    from chalicelib.storage.visits import Visit

    visit_id = visit_in(family_case(), 30)
    run_job(client)
    (old_link,) = link_ids_in(sent_to(runtime, MOTHER_EMAIL)[0]["text"])
    starts = datetime.fromisoformat(Visit.get(visit_id, consistent_read=True).starts_at) + timedelta(hours=3)
    moved = client.http.patch(
        f"/v1/visits/{visit_id}",
        headers=auth("supervisor"),
        body=json.dumps({"start": to_local(starts).strftime("%Y-%m-%dT%H:%M")}),
    )
    assert moved.status_code == 200, moved.body

    assert run_job(client)["sent"] == 1

    newest, _ = sent_to(runtime, MOTHER_EMAIL)
    (new_link,) = link_ids_in(newest["text"])
    assert client.http.get(f"/family/{old_link}").status_code == 410
    assert client.http.get(f"/family/{new_link}").status_code == 200


def test_a_refused_number_is_recorded_for_staff_and_the_others_are_still_reminded(client, runtime, monkeypatch):
    from botocore.exceptions import ClientError

    from chalicelib.services import texts

    refused_case = family_case(channel="text")
    visit_in(refused_case, 30)
    visit_in(family_case(channel="email"), 30)
    real_publish = texts.sns_client().publish

    def publish(**kwargs):
        if kwargs["PhoneNumber"] == MOBILE:
            raise ClientError({"Error": {"Code": "InvalidParameter", "Message": "Invalid phone number"}}, "Publish")
        return real_publish(**kwargs)

    monkeypatch.setattr(texts.sns_client(), "publish", publish)

    result = run_job(client)

    assert (result["sent"], result["failed"]) == (1, 1)
    assert len(sent_to(runtime, MOTHER_EMAIL)) == 1
    page = client.http.get(f"/referrals/{refused_case}", headers={"Cookie": session_cookie("supervisor")})
    assert "Could not be delivered by text message: the number was refused (InvalidParameter)" in page.body.decode()
    assert run_job(client)["failed"] == 0  # not tried again for the same visit


@pytest.fixture
def one_send_per_run(monkeypatch):
    from chalicelib import config

    monkeypatch.setenv("FAMILY_REMINDER_MAX_SENDS", "1")
    config.settings.cache_clear()
    yield
    monkeypatch.delenv("FAMILY_REMINDER_MAX_SENDS")
    config.settings.cache_clear()


def test_the_sends_of_one_run_are_bounded(client, runtime, one_send_per_run):
    visit_in(family_case(), 30)
    visit_in(family_case(), 31)

    first, second = run_job(client), run_job(client)

    assert (first["sent"], first["more"]) == (1, True)
    assert (second["sent"], second["more"]) == (1, False)
