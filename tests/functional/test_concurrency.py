"""Concurrent writers: nothing is created twice and no update is lost; the loser gets a 409 that
says what happened and what to do.

The in-process app keeps the current request on the app object, so two HTTP calls from two
threads would share it. The races are therefore made in two ways: threads calling the services
at once (moto is thread-safe for this), and a forced interleaving, where the competing write runs
exactly between the loser's read and its write (`between_read_and_write`). The second kind fails
every time a write is not conditional in DynamoDB itself.
"""

from __future__ import annotations

import json
import threading
from urllib.parse import urlencode

import pytest

from chalicelib.examples import example_report
from tests.dates import at, example_referral, iso_days_from_today, plan_day
from tests.fault_injection import injected_faults
from tests.helpers import shown_as, submit_referral
from tests.report_helpers import save
from tests.visit_helpers import CASEY, add_referral, add_worker, visits_of

HR_EMAIL = "hr@familycontact.example"


def principal(role: str, email: str | None = None):
    from chalicelib.auth import verify_token
    from local.tokens import resolve_user, token_for

    return verify_token(token_for(resolve_user(role, email)))


@pytest.fixture
def between_read_and_write(monkeypatch):
    """`between_read_and_write(module, "write_fn", competitor)`: the first call of `module.write_fn`
    (the loser's write, after its read) first runs `competitor()` to the end, then itself."""

    def install(module, name: str, competitor):
        original, ran = getattr(module, name), []

        def interleaved(*args, **kwargs):
            if not ran:
                ran.append(True)
                competitor()
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, interleaved)
        return ran

    return install


def at_once(*calls) -> list:
    """Run the calls in threads released together; each result, or the exception it raised."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        start.wait(10)
        try:
            results[index] = call()
        except Exception as exc:  # the loser's Conflict is a result here
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def conflicts(results: list) -> list:
    from chalicelib.errors import Conflict

    return [r for r in results if isinstance(r, Conflict)]


def successes(results: list) -> list:
    return [r for r in results if not isinstance(r, Exception)]


# -- the same referral twice ------------------------------------------------------------------------


def _referral_count(referrer_id: str) -> int:
    from chalicelib.storage.referrals import Referral

    return sum(1 for _ in Referral.by_referrer.query(referrer_id))


def _submission():
    from chalicelib import clock
    from chalicelib.domain.referral_form import ReferralSubmission

    return ReferralSubmission.model_validate(example_referral(), context={"today": clock.today()})


def test_same_idempotency_key_at_once_creates_one_referral_and_both_get_it(runtime):
    from chalicelib.services import referrals

    sam = principal("referrer", "sam.referrer@council.example")
    submission = _submission()
    before = _referral_count(sam.user_id)
    results = at_once(*[lambda: referrals.submit(sam, submission, "form-7f3a")] * 3)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r["id"] for r in results}) == 1
    assert _referral_count(sam.user_id) == before + 1


@pytest.fixture
def faults(runtime, monkeypatch):
    yield from injected_faults(monkeypatch)


# DynamoDB's answer to a transaction that meets another on the idempotency key's item
IN_FLIGHT = {
    "cancellation_reasons": ["None", "None", "TransactionConflict", "None"],
    "when": lambda body: "-idempotency" in body,
}


def test_a_twin_meeting_the_first_transaction_in_flight_tries_again_and_gets_the_first_referral(runtime, faults):
    from chalicelib.services import referrals

    sam = principal("referrer", "sam.referrer@council.example")
    first = referrals.submit(sam, _submission(), "k-1")
    # GIVEN DynamoDB finds the twin's transaction on the key's item while the first's is writing it
    conflict = faults.inject("dynamodb", "TransactWriteItems", "TransactionCanceledException", times=1, **IN_FLIGHT)
    # WHEN the twin comes
    twin = referrals.submit(sam, _submission(), "k-1")
    # THEN it tried again, found the first's claim and answers its referral; nothing new was made
    assert conflict.answered == 1 and conflict.seen == 2
    assert twin["id"] == first["id"]
    assert _referral_count(sam.user_id) == 1


def test_a_twin_still_in_progress_after_the_wait_is_a_clear_409_not_a_500(client, auth, runtime, faults, monkeypatch):
    from chalicelib.services import referrals

    monkeypatch.setattr(referrals, "IN_PROGRESS_WAIT_SECONDS", 0.2)
    sam_headers = auth("referrer", "sam.referrer@council.example")
    sam = principal("referrer", "sam.referrer@council.example")
    # GIVEN the first request's transaction holds the key's item for longer than the twin waits
    faults.inject("dynamodb", "TransactWriteItems", "TransactionCanceledException", **IN_FLIGHT)
    # WHEN the same request comes over HTTP
    response = submit_referral(client, sam_headers, example_referral(), key="k-2")
    # THEN a 409 that says what is happening and what to do, and nothing saved by it
    assert response.status_code == 409, response.body
    assert response.json_body["error"]["message"] == "The same referral is still being saved. Try again in a moment."
    faults.clear()
    assert _referral_count(sam.user_id) == 0


def test_two_identical_bodies_without_a_key_are_two_referrals(client, auth, runtime):
    """Decided and documented: without an Idempotency-Key each POST is a new referral (two children
    of one family can be referred with near-identical forms, and only the client knows a retry from
    a second referral). The referral form always sends a key, so a double click there is one."""
    sam = auth("referrer", "sam.referrer@council.example")
    first = submit_referral(client, sam, example_referral())
    second = submit_referral(client, sam, example_referral())
    assert first.status_code == second.status_code == 201
    assert first.json_body["id"] != second.json_body["id"]


# -- the same report submitted twice ------------------------------------------------------------


def _versions(visit_id: str) -> list:
    from chalicelib.storage import reports as store

    return store.versions_of(visit_id)


def test_same_report_submitted_twice_at_once_makes_one_version(client, auth, visit_id):
    from chalicelib.services import report_writing

    assert save(client, auth, visit_id).status_code == 200
    casey = principal("worker", CASEY)
    results = at_once(lambda: report_writing.submit(casey, visit_id), lambda: report_writing.submit(casey, visit_id))
    assert len(successes(results)) == 1, results
    assert len(conflicts(results)) == 1, results
    assert [v.version for v in _versions(visit_id)] == [1]


def test_a_submission_that_loses_the_race_says_it_was_already_submitted(client, auth, visit_id, between_read_and_write):
    from chalicelib.services import report_writing

    assert save(client, auth, visit_id).status_code == 200
    casey = principal("worker", CASEY)
    # GIVEN a second tab submits between this submission's read and its write
    between_read_and_write(report_writing, "_write_submission", lambda: report_writing.submit(casey, visit_id))
    # WHEN this submission writes
    response = client.http.post(f"/v1/visits/{visit_id}/report/submit", headers=auth("worker", CASEY))
    # THEN it is a 409 saying it was already submitted, and only one version exists
    assert response.status_code == 409, response.body
    message = response.json_body["error"]["message"]
    assert message.startswith(f"This report was already submitted by {shown_as(CASEY)} (version 1)")
    assert "Nothing more was submitted." in message
    assert [v.version for v in _versions(visit_id)] == [1]


# -- the same series of visits twice --------------------------------------------------------------


def _series_request(worker_id: str):
    from chalicelib.domain.visit_requests import NewSeries

    return NewSeries.model_validate(
        {
            "first_start": at(plan_day(1), "16:00"),
            "length_minutes": 90,
            "repeat": "weekly",
            "sessions": 6,
            "worker_id": worker_id,
            "venue": "Northshire Family Centre, Room 2",
        }
    )


def test_same_series_twice_at_once_books_it_once(runtime):
    from chalicelib.services import visit_booking

    worker_id = add_worker("Casey Evans", CASEY)
    referral_id = add_referral()
    supervisor = principal("supervisor")
    plan = _series_request(worker_id)
    results = at_once(
        lambda: visit_booking.book_series(supervisor, referral_id, plan),
        lambda: visit_booking.book_series(supervisor, referral_id, plan),
    )
    assert len(successes(results)) == 1, results
    assert len(conflicts(results)) == 1, results
    assert len(visits_of(referral_id)) == 6


def test_a_series_that_loses_the_race_names_the_visits_it_clashes_with(client, auth, runtime, between_read_and_write):
    from chalicelib.domain.date_words import when
    from chalicelib.services import visit_booking

    worker_id = add_worker("Casey Evans", CASEY)
    referral_id = add_referral()
    supervisor = principal("supervisor")
    plan = _series_request(worker_id)
    # GIVEN another supervisor books the same plan between this request's checks and its write
    between_read_and_write(visit_booking, "_write", lambda: visit_booking.book_series(supervisor, referral_id, plan))
    # WHEN this request writes
    response = client.http.post(
        f"/v1/referrals/{referral_id}/visits",
        headers=auth("supervisor"),
        body=json.dumps(plan.model_dump(mode="json", exclude_none=True)),
    )
    # THEN nothing more is booked and the 409 names the visits already there
    assert response.status_code == 409, response.body
    error = response.json_body["error"]
    assert error["message"].startswith("6 of the 6 visits cannot be booked, so none were")
    booked = visits_of(referral_id)
    assert len(booked) == 6
    # each by its day and time, never its id
    assert all(when(v.starts_at) in error["message"] and v.visit_id not in error["message"] for v in booked)


# -- one draft edited in two places ---------------------------------------------------------------


def _draft(observations: str) -> dict:
    return {**example_report(), "observations": observations}


def _put_draft(client, auth, visit_id: str, body: dict, if_match: str | None = None):
    headers = auth("worker", CASEY)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.http.put(f"/v1/visits/{visit_id}/report", headers=headers, body=json.dumps(body))


def _stored_draft(visit_id: str) -> dict:
    from chalicelib.storage import reports as store

    return store.get_report(visit_id).draft


def test_a_draft_saved_from_an_old_copy_is_refused_and_the_newer_draft_kept(client, auth, visit_id):
    first = _put_draft(client, auth, visit_id, _draft("First words."))
    assert first.status_code == 200
    assert first.headers["ETag"] == '"1"'
    read = client.http.get(f"/v1/visits/{visit_id}/report", headers=auth("worker", CASEY)).headers["ETag"]
    # GIVEN the tablet saves a newer draft based on what it read
    tablet = _put_draft(client, auth, visit_id, _draft("Written on the tablet."), if_match=read)
    assert tablet.status_code == 200 and tablet.headers["ETag"] == '"2"'
    # WHEN the laptop saves its copy, read before that
    laptop = _put_draft(client, auth, visit_id, _draft("Written on the laptop."), if_match=read)
    # THEN 409, the tablet's draft stands, and the message says what happened and what to do
    assert laptop.status_code == 409, laptop.body
    error = laptop.json_body["error"]
    assert error["code"] == "changed_elsewhere"
    assert error["message"].startswith("This draft was changed elsewhere (saved ")
    assert "save again" in error["message"]
    assert _stored_draft(visit_id)["observations"] == "Written on the tablet."
    # AND stating the current revision saves it
    again = _put_draft(client, auth, visit_id, _draft("Written on the laptop."), if_match='"2"')
    assert again.status_code == 200 and again.json_body["draft_revision"] == 3


def test_two_saves_of_one_draft_revision_at_once_one_wins(client, auth, visit_id):
    from chalicelib.domain.reports import ReportContent
    from chalicelib.services import report_writing

    assert _put_draft(client, auth, visit_id, _draft("Start.")).status_code == 200
    casey = principal("worker", CASEY)
    texts = ["From the tablet.", "From the laptop."]
    results = at_once(
        *[
            (
                lambda text=text: report_writing.save_draft(
                    casey, visit_id, ReportContent.model_validate(_draft(text)), 1
                )
            )
            for text in texts
        ]
    )
    won = successes(results)
    assert len(won) == 1 and len(conflicts(results)) == 1, results
    assert _stored_draft(visit_id)["observations"] == won[0]["draft"]["observations"]
    assert won[0]["draft_revision"] == 2


def test_a_draft_saved_between_this_saves_read_and_write_is_not_overwritten(
    client, auth, visit_id, between_read_and_write
):
    from chalicelib.domain.reports import ReportContent
    from chalicelib.services import report_writing

    assert _put_draft(client, auth, visit_id, _draft("Start.")).status_code == 200
    casey = principal("worker", CASEY)

    def other_tab():
        report_writing.save_draft(casey, visit_id, ReportContent.model_validate(_draft("From the other tab.")))

    # GIVEN another tab saves after this save read the draft (no If-Match: it states nothing)
    between_read_and_write(report_writing, "_write_draft", other_tab)
    response = _put_draft(client, auth, visit_id, _draft("From this tab."))
    # THEN the condition on the revision it read refuses it: the other tab's words stand
    assert response.status_code == 409, response.body
    assert _stored_draft(visit_id)["observations"] == "From the other tab."


def test_if_match_that_is_not_an_etag_is_a_400(client, auth, visit_id):
    response = _put_draft(client, auth, visit_id, _draft("Start."), if_match="yesterday's")
    assert response.status_code == 400
    assert "If-Match" in response.json_body["error"]["message"]


# -- the report page and its autosave --------------------------------------------------------------


def _form_headers(token) -> dict:
    return {"Authorization": f"Bearer {token('worker', CASEY)}", "Content-Type": "application/x-www-form-urlencoded"}


PAGE_FIELDS = {
    "attendance[0].participant": "child-0",
    "attendance[0].attendance": "attended",
    "attendance[1].participant": "family-0",
    "attendance[1].attendance": "attended",
}


def _post_page(client, token, visit_id: str, observations: str, revision: str, action: str):
    fields = {**PAGE_FIELDS, "observations": observations, "draft_revision": revision, "action": action}
    return client.http.post(f"/visits/{visit_id}/report", headers=_form_headers(token), body=urlencode(fields))


def test_the_report_form_carries_the_draft_revision(client, auth, token, visit_id):
    assert _put_draft(client, auth, visit_id, _draft("Start.")).status_code == 200
    page = client.http.get(f"/visits/{visit_id}/report", headers={"Authorization": f"Bearer {token('worker', CASEY)}"})
    assert '<input type="hidden" name="draft_revision" value="1">' in page.body.decode()


def test_saving_an_old_copy_of_the_page_shows_the_typed_text_again_with_the_message(client, auth, token, visit_id):
    assert _put_draft(client, auth, visit_id, _draft("Start.")).status_code == 200
    # GIVEN the draft was saved from another tab after this page was opened at revision 1
    assert _put_draft(client, auth, visit_id, _draft("Other tab."), if_match='"1"').status_code == 200
    # WHEN this page saves
    response = _post_page(client, token, visit_id, "What I typed here.", "1", "save")
    # THEN 409: the page shows what was typed and says the draft was changed elsewhere
    html = response.body.decode()
    assert response.status_code == 409
    assert "What I typed here." in html
    assert "This draft was changed elsewhere" in html
    assert '<input type="hidden" name="draft_revision" value="2">' in html  # saving again is a choice
    assert _stored_draft(visit_id)["observations"] == "Other tab."


def test_autosave_of_an_old_copy_answers_409_json_and_a_fresh_one_the_new_revision(client, auth, token, visit_id):
    assert _put_draft(client, auth, visit_id, _draft("Start.")).status_code == 200
    saved = _post_page(client, token, visit_id, "Autosaved words.", "1", "autosave")
    assert saved.status_code == 200, saved.body
    assert json.loads(saved.body)["draft_revision"] == 2
    stale = _post_page(client, token, visit_id, "From a tab left open.", "1", "autosave")
    assert stale.status_code == 409
    assert json.loads(stale.body)["error"]["code"] == "changed_elsewhere"
    assert _stored_draft(visit_id)["observations"] == "Autosaved words."


def test_a_draft_revision_that_is_not_a_number_is_a_400_page(client, token, visit_id):
    response = _post_page(client, token, visit_id, "Words.", "²", "save")
    assert response.status_code == 400


# -- one clearance renewed by two people ------------------------------------------------------------


# Renewals dated in the last few days: after the certificates `add_worker` recorded, 30 days ago
RENEWED, RENEWED_LATER, BACKGROUND_ISSUED = (iso_days_from_today(days) for days in (-3, -2, -1))


def _first_aid(issued_on: str, provider: str = "Red Cross") -> dict:
    return {"issued_on": issued_on, "provider": provider, "level": "Paediatric"}


def _put_clearance(client, auth, worker_id: str, body: dict, if_match: str | None = None):
    headers = auth("hr")
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.http.put(f"/v1/workers/{worker_id}/clearances/first_aid", headers=headers, body=json.dumps(body))


def _first_aid_on_record(client, auth, worker_id: str) -> dict:
    worker = client.http.get(f"/v1/workers/{worker_id}", headers=auth("hr")).json_body
    return next(c for c in worker["clearances"] if c["kind"] == "first_aid")


def test_a_renewal_from_an_old_read_is_a_409_unless_it_states_the_current_revision(client, auth, runtime):
    worker_id = add_worker("Casey Evans", CASEY)
    read = _first_aid_on_record(client, auth, worker_id)["revision"]
    # GIVEN Jordan renews from what they read
    jordan = _put_clearance(client, auth, worker_id, _first_aid(RENEWED), if_match=f'"{read}"')
    assert jordan.status_code == 200, jordan.body
    # WHEN Alex, who read the same old record, saves another renewal
    alex = _put_clearance(client, auth, worker_id, _first_aid(RENEWED_LATER, "St John"), if_match=f'"{read}"')
    # THEN 409 naming who changed it; Jordan's renewal stands
    assert alex.status_code == 409, alex.body
    message = alex.json_body["error"]["message"]
    assert message.startswith(f"This first aid certificate was changed by {HR_EMAIL}")
    assert "save again" in message
    assert _first_aid_on_record(client, auth, worker_id)["issued_on"] == RENEWED
    # AND with the current revision (the ETag of the last write) Alex's renewal is saved
    again = _put_clearance(
        client, auth, worker_id, _first_aid(RENEWED_LATER, "St John"), if_match=jordan.headers["ETag"]
    )
    assert again.status_code == 200, again.body


def test_two_renewals_of_one_clearance_at_once_one_wins(runtime):
    from chalicelib.domain.clearance_records import record_model
    from chalicelib.domain.clearances import ClearanceKind
    from chalicelib.services import clearances
    from chalicelib.storage.workers import get_clearance

    worker_id = add_worker("Casey Evans", CASEY)
    read = int(get_clearance(worker_id, "first_aid").revision)
    hr = principal("hr")
    model = record_model(ClearanceKind.FIRST_AID)
    results = at_once(
        *[
            (
                lambda day=day: clearances.record_clearance(
                    worker_id, ClearanceKind.FIRST_AID, model.model_validate(_first_aid(day)), hr, read_revision=read
                )
            )
            for day in (RENEWED, RENEWED_LATER)
        ]
    )
    assert len(successes(results)) == 1 and len(conflicts(results)) == 1, results


def test_a_renewal_written_between_this_ones_read_and_write_is_not_lost(client, auth, runtime, between_read_and_write):
    from chalicelib.domain.clearance_records import record_model
    from chalicelib.domain.clearances import ClearanceKind
    from chalicelib.services import clearances

    worker_id = add_worker("Casey Evans", CASEY)
    model = record_model(ClearanceKind.FIRST_AID)

    def colleague():
        clearances.record_clearance(
            worker_id, ClearanceKind.FIRST_AID, model.model_validate(_first_aid(RENEWED)), principal("hr")
        )

    between_read_and_write(clearances, "_write", colleague)
    response = _put_clearance(client, auth, worker_id, _first_aid(RENEWED_LATER, "St John"))
    assert response.status_code == 409, response.body
    assert response.json_body["error"]["code"] == "changed_elsewhere"
    assert _first_aid_on_record(client, auth, worker_id)["issued_on"] == RENEWED


def test_the_hr_form_carries_the_revision_and_tells_a_stale_editor_what_happened(client, auth, runtime):
    worker_id = add_worker("Casey Evans", CASEY)
    hr = {"Authorization": auth("hr")["Authorization"]}
    page = client.http.get(f"/hr/clearances/{worker_id}/first_aid", headers=hr).body.decode()
    read = _first_aid_on_record(client, auth, worker_id)["revision"]
    assert f'<input type="hidden" name="revision" value="{read}">' in page
    # GIVEN a colleague renews while this form is open
    assert _put_clearance(client, auth, worker_id, _first_aid(RENEWED)).status_code == 200
    # WHEN the form is saved with the revision it was rendered with
    fields = {**_first_aid(RENEWED_LATER, "Typed Provider"), "expires_on": "", "revision": str(read)}
    response = client.http.post(
        f"/hr/clearances/{worker_id}/first_aid",
        headers={**hr, "Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode(fields),
    )
    # THEN 409: what was typed is shown again with the message, and the colleague's record stands
    html = response.body.decode()
    assert response.status_code == 409
    assert "This record was changed while you had it open" in html
    assert "Typed Provider" in html
    assert f"changed by {HR_EMAIL}" in html
    assert _first_aid_on_record(client, auth, worker_id)["issued_on"] == RENEWED


def test_another_kind_recorded_between_read_and_write_does_not_refuse_this_one(
    client, auth, runtime, between_read_and_write
):
    from chalicelib.domain.clearance_records import record_model
    from chalicelib.domain.clearances import ClearanceKind
    from chalicelib.services import clearances

    worker_id = add_worker("Casey Evans", CASEY)
    read = _first_aid_on_record(client, auth, worker_id)["revision"]
    background = record_model(ClearanceKind.BACKGROUND_CHECK).model_validate(
        {"issued_on": BACKGROUND_ISSUED, "check_type": "enhanced_dbs", "certificate_number": "0099"}
    )

    def colleague():
        clearances.record_clearance(worker_id, ClearanceKind.BACKGROUND_CHECK, background, principal("hr"))

    # GIVEN a colleague records the background check while this first aid renewal is being written
    between_read_and_write(clearances, "_write", colleague)
    response = _put_clearance(client, auth, worker_id, _first_aid(RENEWED_LATER, "St John"), if_match=f'"{read}"')
    # THEN nothing this writer read changed: both certificates are recorded
    assert response.status_code == 200, response.body
    worker = client.http.get(f"/v1/workers/{worker_id}", headers=auth("hr")).json_body
    issued = {c["kind"]: c.get("issued_on") for c in worker["clearances"]}
    assert issued["first_aid"] == RENEWED_LATER and issued["background_check"] == BACKGROUND_ISSUED
