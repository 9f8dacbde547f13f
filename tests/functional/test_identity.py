"""One identity rule: an email is normalised once, at sign-in, and compared exactly everywhere, so
a look-alike address (a long s 'ſ' in place of an 's') is another person."""

from __future__ import annotations

import json

from tests.helpers import post_form, session_cookie
from tests.report_helpers import report_of, save, submit
from tests.visit_helpers import CASEY, REFERRER_EMAIL

LOOK_ALIKE = CASEY.replace("s", "\u017f", 1)  # "caſey.worker@…": another mailbox


def test_a_look_alike_address_neither_reads_nor_submits_another_workers_report(client, auth, visit_id):
    # GIVEN Casey's draft, complete and ready to submit
    assert LOOK_ALIKE != CASEY and LOOK_ALIKE.casefold() == CASEY.casefold()
    assert save(client, auth, visit_id).status_code == 200
    impostor = auth("worker", LOOK_ALIKE)
    # WHEN someone signed in with the look-alike address reads, saves or submits it
    read = client.http.get(f"/v1/visits/{visit_id}/report", headers=impostor)
    saved = client.http.put(f"/v1/visits/{visit_id}/report", headers=impostor, body=json.dumps({"observations": "x"}))
    submitted = submit(client, auth, visit_id, email=LOOK_ALIKE)
    # THEN each is refused, and the report is still Casey's unsent draft
    assert (read.status_code, saved.status_code, submitted.status_code) == (403, 403, 403)
    report = report_of(client, auth, visit_id)
    assert report["status"] == "DRAFT" and report["versions"] == []
    assert report["draft"]["observations"] != "x"


def test_the_same_address_in_another_letter_case_is_the_same_person(client, auth, visit_id):
    assert save(client, auth, visit_id).status_code == 200
    assert submit(client, auth, visit_id, email=CASEY.upper()).status_code == 200


def test_signing_a_look_alike_out_everywhere_leaves_the_real_person_signed_in(client):
    sam = session_cookie("referrer", REFERRER_EMAIL)
    admin = session_cookie("admin")
    look_alike = REFERRER_EMAIL.replace("s", "\u017f", 1)
    post_form(client, "/admin/sessions", {"email": look_alike}, {"Cookie": admin})
    assert client.http.get("/referrals", headers={"Cookie": sam}).status_code == 200
