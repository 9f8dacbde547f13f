"""The periodic case review: the first one falls due a period after the first visit, a supervisor
records it (the API and the case page's form), bad input changes nothing, the daily job reminds
the supervisors once per due day through a Query on the due index, and an overdue review shows on
the supervisor's start page, oldest first."""

from __future__ import annotations

import json
from datetime import date, timedelta

from chalicelib.domain.case_reviews import add_months, example_case_review
from tests.case_helpers import approve_directly, case_with_visits
from tests.helpers import SUPERVISOR, emails_to, post_form, session_cookie


def record(client, headers: dict, referral_id: str, body: dict):
    return client.http.post(f"/v1/referrals/{referral_id}/reviews", headers=headers, body=json.dumps(body))


def run_job(client, today: date):
    from tests.helpers import run_dev_job

    return run_dev_job(client, "case-reviews-due", today)


def schedule(referral_id: str):
    from chalicelib.storage.case_reviews import schedule_of

    return schedule_of(referral_id)


def stored_reviews(referral_id: str) -> list:
    from chalicelib.services.case_reviews import reviews_of_case

    return reviews_of_case(referral_id)


def first_visit_day(days_ago: int) -> date:
    from chalicelib import clock

    return (clock.now() - timedelta(days=days_ago)).date()


def test_the_first_visit_makes_the_first_review_due_three_months_on(client, auth):
    # WHEN the first visit of an accepted referral is recorded
    referral_id, _ = case_with_visits(client, auth, [5, 2])

    # THEN the case's first review is due three months after that visit, and the activation says so
    from chalicelib.services.audit import history

    due = add_months(first_visit_day(5), 3).isoformat()
    assert schedule(referral_id).due_on == due
    (activated,) = [e for e in history("referral", referral_id) if e["action"] == "referral.activated"]
    assert activated["changes"]["case_review_due"] == due


def test_a_supervisor_records_a_review_and_the_next_falls_due_a_period_on(client, auth):
    from chalicelib.services.audit import history, uk_today

    referral_id, _ = case_with_visits(client, auth, [3])

    response = record(client, auth("supervisor"), referral_id, example_case_review())

    assert response.status_code == 201, response.body
    review = response.json_body
    assert review["continues_as_planned"] is False
    assert review["plan_changes"].startswith("Move sessions to Saturday")
    assert review["reviewed_by"] == SUPERVISOR
    assert review["next_review_due"] == add_months(uk_today(), 3).isoformat()
    assert [r["review_id"] for r in stored_reviews(referral_id)] == [review["review_id"]]
    assert schedule(referral_id).due_on == review["next_review_due"]
    (event,) = history("case_review", review["review_id"])
    assert event["action"] == "case_review.recorded"
    assert event["changes"]["referral_id"] == referral_id


def test_bad_review_input_is_a_422_naming_the_field_and_changes_nothing(client, auth):
    referral_id, _ = case_with_visits(client, auth, [3])
    due_before = schedule(referral_id).due_on
    bad_bodies = [
        ({**example_case_review(), "plan_changes": ""}, "plan_changes"),
        ({**example_case_review(), "continues_as_planned": "perhaps"}, "continues_as_planned"),
        ({k: v for k, v in example_case_review().items() if k != "attendance"}, "attendance"),
        ({**example_case_review(), "attendance": "x" * 4001}, "attendance"),
        ({**example_case_review(), "score": 3}, "score"),
    ]
    for body, field in bad_bodies:
        response = record(client, auth("supervisor"), referral_id, body)
        assert response.status_code == 422, (field, response.body)
        assert field in [f["path"] for f in response.json_body["error"]["fields"]]
    assert stored_reviews(referral_id) == []
    assert schedule(referral_id).due_on == due_before


def test_only_an_active_case_is_reviewed(client, auth):
    from tests.visit_helpers import add_referral

    referral_id = add_referral()  # accepted, no visit yet

    response = record(client, auth("supervisor"), referral_id, example_case_review())

    assert response.status_code == 409
    assert "Only an active case is reviewed" in response.json_body["error"]["message"]
    assert stored_reviews(referral_id) == []


def test_only_staff_record_a_review(client, auth):
    referral_id, _ = case_with_visits(client, auth, [3])

    for role in ("referrer", "worker", "hr"):
        assert record(client, auth(role), referral_id, example_case_review()).status_code == 403
    assert stored_reviews(referral_id) == []


def test_the_job_reminds_once_per_due_day_through_a_query_never_a_scan(client, auth, runtime, monkeypatch):
    from botocore.client import BaseClient

    referral_id, _ = case_with_visits(client, auth, [4])
    due = date.fromisoformat(schedule(referral_id).due_on)
    calls = []
    real_call = BaseClient._make_api_call

    def recording(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append((operation, params.get("IndexName")))
        return real_call(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)

    def reminders() -> list[dict]:
        return [m for m in emails_to(runtime.outbox, SUPERVISOR, "Case review") if referral_id in m["text"]]

    # WHEN the job runs before the reminder window, then on its first day, then again on later days
    assert run_job(client, due - timedelta(days=15))["reminders_sent"] == 0
    assert reminders() == []
    first = run_job(client, due - timedelta(days=14))
    again = run_job(client, due - timedelta(days=14))
    later = run_job(client, due + timedelta(days=3))

    # THEN the supervisors are reminded once for this due day, with the case to open
    assert first["reminders_sent"] == 1
    assert again["reminders_sent"] == later["reminders_sent"] == 0
    assert again["already_reminded"] == later["already_reminded"] == 1
    (message,) = reminders()
    assert "What to do next" in message["text"]
    assert schedule(referral_id).reminded_for == due.isoformat()
    # AND the job read the open schedules through their index, never with a Scan
    assert "Scan" not in [operation for operation, _ in calls]
    assert ("Query", "by_due") in calls

    # WHEN the review is recorded, the next due day is reminded of in its turn
    assert record(client, auth("supervisor"), referral_id, example_case_review()).status_code == 201
    next_due = date.fromisoformat(schedule(referral_id).due_on)
    assert run_job(client, next_due)["reminders_sent"] == 1
    assert len(reminders()) == 2


def test_the_job_takes_an_ended_case_out_of_the_due_index(client, auth, runtime):
    from chalicelib.storage.referrals import Referral

    referral_id, _ = case_with_visits(client, auth, [4])
    due = date.fromisoformat(schedule(referral_id).due_on)
    Referral(referral_id).update(actions=[Referral.status.set("CLOSED")])

    result = run_job(client, due)

    assert result["closed"] == 1 and result["reminders_sent"] == 0
    assert schedule(referral_id).open_review is None
    assert run_job(client, due)["schedules_read"] == result["schedules_read"] - 1


def test_overdue_reviews_show_on_the_supervisors_start_page_oldest_first(client, auth):
    from chalicelib.services.audit import uk_today
    from chalicelib.storage.case_reviews import CaseReviewSchedule

    older, _ = case_with_visits(client, auth, [3])
    newer, _ = case_with_visits(client, auth, [4])
    not_due, _ = case_with_visits(client, auth, [5])
    for referral_id, days_ago in ((newer, 2), (older, 20)):
        due = (uk_today() - timedelta(days=days_ago)).isoformat()
        CaseReviewSchedule(referral_id).update(actions=[CaseReviewSchedule.due_on.set(due)])

    page = client.http.get("/", headers={"Cookie": session_cookie("supervisor")}).body.decode()

    assert "Case reviews overdue" in page
    links = [line for line in page.splitlines() if "#case-reviews" in line]
    joined = "\n".join(links)
    assert joined.index(f"/referrals/{older}#case-reviews") < joined.index(f"/referrals/{newer}#case-reviews")
    assert f"/referrals/{not_due}#case-reviews" not in page
    assert "20 days overdue" in page


def test_the_case_page_form_keeps_what_was_typed_on_error_then_records_the_review(client, auth):
    referral_id, (visit_id,) = case_with_visits(client, auth, [3])
    approve_directly(visit_id)
    cookie = {"Cookie": session_cookie("supervisor")}

    # GIVEN the form starts from the attendance the approved reports record
    page = client.http.get(f"/referrals/{referral_id}", headers=cookie).body.decode()
    assert 'id="case-reviews"' in page
    assert "1 session held, of 1 with an approved report." in page

    # WHEN the supervisor says contact does not continue as planned but gives no changes
    typed = {
        "review.attendance": "All sessions held; mother late once.",
        "review.concerns": "Mother's phone use during sessions.",
        "review.continues_as_planned": "no",
        "review.plan_changes": "",
    }
    refused = post_form(client, f"/referrals/{referral_id}/reviews", typed, cookie)

    # THEN the page says which field and why, keeps what was typed, and nothing is recorded
    assert refused.status_code == 422
    body = refused.body.decode()
    assert "Changes to the plan" in body and "Say what changes in the plan" in body
    assert "Mother&#39;s phone use during sessions." in body
    assert 'value="no" checked' in body
    assert stored_reviews(referral_id) == []

    # WHEN the changes are given
    done = post_form(
        client,
        f"/referrals/{referral_id}/reviews",
        {**typed, "review.plan_changes": "Phones away in sessions."},
        cookie,
    )

    # THEN the review is recorded and listed on the case page
    assert done.status_code == 303
    page = client.http.get(f"/referrals/{referral_id}", headers=cookie).body.decode()
    assert "Phones away in sessions." in page
    assert len(stored_reviews(referral_id)) == 1


def test_the_referrer_sees_no_review_section(client, auth):
    referral_id, _ = case_with_visits(client, auth, [3])

    page = client.http.get(f"/referrals/{referral_id}", headers={"Cookie": session_cookie("referrer")}).body.decode()

    assert 'id="case-reviews"' not in page
    assert f"/referrals/{referral_id}/reviews" not in page


def test_a_reminder_that_could_not_be_sent_is_sent_by_the_next_run(client, auth, runtime, monkeypatch):
    from chalicelib.services import email

    referral_id, _ = case_with_visits(client, auth, [4])
    due = date.fromisoformat(schedule(referral_id).due_on)
    real_send = email.send

    def refused(*args, **kwargs):
        raise RuntimeError("SES is unreachable")

    monkeypatch.setattr(email, "send", refused)
    failed = run_job(client, due)
    monkeypatch.setattr(email, "send", real_send)

    assert failed["reminders_failed"] == 1 and failed["reminders_sent"] == 0
    assert schedule(referral_id).reminded_for is None
    assert run_job(client, due + timedelta(days=1))["reminders_sent"] == 1
    assert schedule(referral_id).reminded_for == due.isoformat()
