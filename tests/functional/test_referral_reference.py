"""One short human reference per referral (`FCS-7K3Q-9D`): on the list, the referral's page, every
email and the approval page, and found by searching the list."""

from __future__ import annotations

import re

from chalicelib.domain.referral_reference import human_reference, reference_key
from tests.functional.test_plain_words import VisibleText
from tests.functional.test_referral_pages import referral_id, submit_form
from tests.helpers import SAM, SUPERVISOR, approval_path, decide_from_email, emails_to, recorded, wait_for_email

SHAPE = re.compile(r"FCS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}")


def text_of(response) -> str:
    return " ".join(VisibleText(response.body.decode()).text.split())


def test_the_reference_is_short_stable_and_forgiving_to_type():
    ref = human_reference("4f1c2a9e8b7d4e6fa0c1d2e3f4a5b6c7")
    assert SHAPE.fullmatch(ref) and ref == human_reference("4f1c2a9e8b7d4e6fa0c1d2e3f4a5b6c7")
    assert reference_key(ref.lower().replace("-", " ")) == reference_key(ref)


def test_the_reference_is_shown_everywhere_and_found_by_search(client, runtime, sam):
    rid = referral_id(submit_form(client, sam))
    ref = human_reference(rid)
    other = referral_id(submit_form(client, sam, key="1f1c2b1e-3d4a-4c5b-9e8f-0a1b2c3d4e5f"))

    assert ref in text_of(client.http.get("/referrals", headers=sam))
    assert ref in text_of(client.http.get(f"/referrals/{rid}", headers=sam))
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", count=2)
    (request,) = [m for m in emails_to(runtime.outbox, SUPERVISOR, "needs your decision") if ref in m["text"]]
    assert f"Review referral {ref}" in text_of(client.http.get(approval_path(request)))

    # searching by the reference, typed loosely, finds that referral only
    found = text_of(client.http.get(f"/referrals?q={ref.lower().replace('-', '+')}", headers=sam))
    assert ref in found and human_reference(other) not in found

    # every email carries the reference
    recorded(decide_from_email(client, runtime, "accept"))
    wait_for_email(runtime.outbox, SAM, "accepted")
    for message in runtime.outbox.messages():
        assert SHAPE.search(message["text"]), message["subject"]
