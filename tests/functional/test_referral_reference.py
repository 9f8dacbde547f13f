"""One short human reference per referral (`FCS-7K3Q-9D`): on the list, the referral's page, every
email and the approval page, and found by searching the list."""

from __future__ import annotations

import re
import threading

import pytest

from chalicelib.domain.referral_reference import human_reference, reference_key
from tests.dates import example_referral
from tests.functional.test_concurrency import at_once, principal, successes
from tests.functional.test_plain_words import VisibleText
from tests.functional.test_referral_pages import referral_id, submit_form
from tests.helpers import (
    SAM,
    SUPERVISOR,
    approval_path,
    decide_from_email,
    emails_to,
    recorded,
    submit_referral,
    wait_for_email,
)

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


def test_the_referral_json_carries_its_reference(client, auth):
    created = submit_referral(client, auth("referrer"), example_referral()).json_body
    assert created["reference"] == human_reference(created["id"])
    listed = client.http.get("/v1/referrals", headers=auth("referrer")).json_body["referrals"]
    assert {r["id"]: r["reference"] for r in listed}[created["id"]] == created["reference"]


@pytest.mark.parametrize("key", [None, "form-7f3a"], ids=["without a key", "with a key"])
def test_a_referral_whose_first_draw_is_taken_gets_another_reference(client, auth, monkeypatch, key):
    from chalicelib.services import referrals

    # The last id is the repeat's candidate, which its transaction never writes.
    ids = iter(["4f1c2a9e" + "0" * 24, "4f1c2a9e" + "1" * 24, "7a7a7a7a" + "2" * 24, "9b9b9b9b" + "3" * 24])
    monkeypatch.setattr(referrals, "_new_referral_id", lambda: next(ids))
    first = submit_referral(client, auth("referrer"), example_referral()).json_body
    second = submit_referral(client, auth("referrer"), example_referral(), key=key)

    assert second.status_code == 201, second.json_body
    assert second.json_body["id"] == "7a7a7a7a" + "2" * 24
    assert second.json_body["reference"] != first["reference"]
    # The key (if any) was claimed by the write that succeeded: the same request again answers it.
    if key:
        again = submit_referral(client, auth("referrer"), example_referral(), key=key)
        assert again.status_code == 201 and again.json_body["id"] == second.json_body["id"]


def test_referrals_submitted_at_once_never_share_a_reference_even_when_the_draws_collide(runtime, monkeypatch):
    """Every reference is drawn twice (ids in pairs share their first 30 bits), and the first two
    draws go to two referrals: one holds the reference, the other draws again. Every referral is
    written once, with a reference of its own."""
    from chalicelib import clock
    from chalicelib.domain.referral_form import ReferralSubmission
    from chalicelib.services import referrals
    from chalicelib.storage.referral_references import ReferenceClaim
    from chalicelib.storage.referrals import Referral

    draws, lock = [], threading.Lock()

    def colliding_id() -> str:
        with lock:
            n = len(draws)
            draws.append(n)
        return f"{(n // 2) << 2:08x}" + f"{n:024x}"

    monkeypatch.setattr(referrals, "_new_referral_id", colliding_id)
    sam = principal("referrer", SAM)
    submission = ReferralSubmission.model_validate(example_referral(), context={"today": clock.today()})

    results = at_once(*[lambda: referrals.submit(sam, submission, None)] * 6)

    assert len(successes(results)) == 6, results
    assert len({r["reference"] for r in results}) == 6
    assert len(draws) > 6  # at least the first pair collided
    for r in results:
        assert ReferenceClaim.get(reference_key(r["reference"])).referral_id == r["id"]
    assert {r.referral_id for r in Referral.by_referrer.query(sam.user_id)} == {r["id"] for r in results}
