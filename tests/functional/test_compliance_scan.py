"""The daily compliance scan under moto with a frozen date: reminders, re-runs, the HR digest, marking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.auth import Principal, Role
from chalicelib.domain.clearance_records import FirstAidRecord, record_model
from chalicelib.domain.clearances import ClearanceKind, add_years
from chalicelib.domain.workers import NewWorker

BG = ClearanceKind.BACKGROUND_CHECK
FA = ClearanceKind.FIRST_AID
HR_EMAIL = "hr@familycontact.example"
HR = Principal("u-hr-1", HR_EMAIL, "Jordan Lee", frozenset({Role.HR}))
EXPIRY = date(2031, 6, 15)  # the first aid expiry most tests revolve around
RECORDED_ON = EXPIRY - timedelta(days=400)  # well before any reminder is due
DAY = timedelta(days=1)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def background(issued: date, expires: date | None = None, **extra) -> dict:
    return {
        "issued_on": issued,
        "expires_on": expires,
        "check_type": "enhanced_dbs",
        "certificate_number": "0011223344",
        **extra,
    }


def first_aid(issued: date, expires: date, **extra) -> dict:
    return {"issued_on": issued, "expires_on": expires, "provider": "St John Ambulance", "level": "Paediatric", **extra}


def add_worker(name: str, email: str, certificates: dict, recorded_on: date = RECORDED_ON) -> str:
    """A worker and their certificates, as HR recorded them on `recorded_on`."""
    from chalicelib.services import clearances, workers

    worker = workers.create_worker(NewWorker(name=name, email=email), HR_EMAIL, recorded_on)
    for kind, certificate in certificates.items():
        record = record_model(kind).model_validate(certificate, context={"today": recorded_on})
        clearances.record_clearance(worker["worker_id"], kind, record, HR, recorded_on)
    return worker["worker_id"]


def worker_with_first_aid_expiring(name: str, email: str, expiry: date = EXPIRY, **extra) -> str:
    """Background check good for years; first aid expiring on `expiry`."""
    return add_worker(
        name,
        email,
        {BG: background(RECORDED_ON - days(10)), FA: first_aid(add_years(expiry, -3), expiry, **extra)},
    )


def scan(today: date) -> dict:
    from chalicelib.services import compliance_scan

    return compliance_scan.run(today)


def mail_to(runtime, address: str) -> list[dict]:
    return [m for m in runtime.outbox.messages() if address in m["to"]]


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the service's "today" (the scan itself is always given its day)."""
    from chalicelib import clock

    def freeze(day: date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    return freeze


# -- reminders on the right days --------------------------------------------------------------


def test_reminders_go_out_60_30_7_and_0_days_before_expiry_and_on_no_other_day(runtime):
    # GIVEN a worker whose first aid expires on EXPIRY
    worker_with_first_aid_expiring("Robin Patel", "robin@example.org")

    # WHEN the scan runs every day from 65 days before expiry to 3 days after
    reminder_days = {}
    day = EXPIRY - days(65)
    while day <= EXPIRY + days(3):
        before = len(mail_to(runtime, "robin@example.org"))
        scan(day)
        new = mail_to(runtime, "robin@example.org")[: len(mail_to(runtime, "robin@example.org")) - before]
        if new:
            reminder_days[(EXPIRY - day).days] = [m["subject"] for m in new]
        day += DAY

    # THEN exactly one reminder went on each of the days 60, 30, 7 and 0 before expiry, and none otherwise
    assert reminder_days == {
        60: ["Your first aid certificate expires in 60 days"],
        30: ["Your first aid certificate expires in 30 days"],
        7: ["Your first aid certificate expires in 7 days"],
        0: ["Your first aid certificate expires today"],
    }


def test_reminder_says_when_it_expires_and_what_to_do_next(runtime):
    # GIVEN a worker whose first aid expires in 7 days
    worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    # WHEN the scan runs 7 days before expiry
    scan(EXPIRY - days(7))
    # THEN the email names the date, the consequence and the next steps, in text and HTML
    (message,) = mail_to(runtime, "robin@example.org")
    assert "Dear Robin Patel" in message["text"]
    assert "15 June 2031" in message["text"]
    assert "cannot be assigned to supervise contact visits" in message["text"]
    assert "What to do next" in message["text"] and HR_EMAIL in message["text"]
    assert "15 June 2031" in message["html"] and "What to do next" in message["html"]


def test_nothing_is_sent_when_no_clearance_falls_due(runtime):
    # GIVEN a worker whose certificates all run for years yet
    worker_with_first_aid_expiring("Casey Evans", "casey@example.org", expiry=EXPIRY + days(600))
    # WHEN the scan runs on an ordinary day
    result = scan(EXPIRY)
    # THEN no email at all goes out: no reminder and no empty digest
    assert runtime.outbox.messages() == []
    assert result["reminders"]["sent"] == 0
    assert result["digest"] == {"sent": False, "entries": 0, "failed": False}


# -- each reminder once ---------------------------------------------------------------------------


def test_a_second_run_the_same_day_sends_nothing_twice(runtime):
    # GIVEN a reminder and a digest already sent today
    worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    first = scan(EXPIRY - days(30))
    assert first["reminders"]["sent"] == 1 and first["digest"]["sent"] is True
    sent = len(runtime.outbox.messages())

    # WHEN the job runs again the same day
    second = scan(EXPIRY - days(30))

    # THEN no email goes out, and the summary says why
    assert len(runtime.outbox.messages()) == sent
    assert second["reminders"] == {"sent": 0, "already_sent": 1, "failed": 0}
    assert second["digest"]["sent"] is False


def test_a_rerun_after_a_half_failed_run_sends_only_the_missing_reminders(runtime, monkeypatch):
    # GIVEN three workers due a 7-day reminder, and an email service that refuses one of them
    for name in ("Ann", "Ben", "Cat"):
        worker_with_first_aid_expiring(f"{name} Worker", f"{name.lower()}@example.org")
    from chalicelib.services import email

    real_send = email.send

    def flaky_send(to, template, **context):
        if to == "ben@example.org":
            raise ConnectionError("SES unreachable")
        return real_send(to, template, **context)

    monkeypatch.setattr(email, "send", flaky_send)
    failed = scan(EXPIRY - days(7))
    assert failed["reminders"] == {"sent": 2, "already_sent": 0, "failed": 1}
    assert failed["complete"] is False

    # WHEN the email service recovers and the job is re-run
    monkeypatch.setattr(email, "send", real_send)
    rerun = scan(EXPIRY - days(7))

    # THEN only the missing reminder goes, and each worker has exactly one
    assert rerun["reminders"] == {"sent": 1, "already_sent": 2, "failed": 0}
    assert rerun["complete"] is True
    for address in ("ann@example.org", "ben@example.org", "cat@example.org"):
        assert len(mail_to(runtime, address)) == 1
    # AND each run's digest reported what that run sent
    digests = mail_to(runtime, HR_EMAIL)
    assert [d["subject"].split(": ", 1)[1] for d in digests] == [
        "0 no longer compliant, 0 other changes, 1 reminder sent",
        "0 no longer compliant, 3 other changes, 2 reminders sent",
    ]
    assert "Ben Worker" in digests[0]["text"] and "Ann Worker" not in digests[0]["text"].split("Reminders sent")[1]


def test_a_reminder_claimed_by_a_run_that_died_is_retried_only_once_the_claim_is_stale(runtime):
    # GIVEN a run that claimed a reminder and died before sending it (the claim is fresh)
    from chalicelib import clock
    from chalicelib.services.compliance_scan import CLAIM_STALE_AFTER
    from chalicelib.storage.workers import SENDING, ComplianceLedger, reminder_key

    worker_id = worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    today = EXPIRY - days(30)
    claim = ComplianceLedger(
        reminder_key(worker_id, "first_aid", EXPIRY, 30),
        entry_type="reminder",
        day=today.isoformat(),
        state=SENDING,
        claim_id="the-dead-run",
        claimed_at=clock.now().isoformat(timespec="seconds"),
    )
    claim.save()

    # WHEN the scan runs while that claim may still belong to a live run
    assert scan(today)["reminders"] == {"sent": 0, "already_sent": 1, "failed": 0}
    assert mail_to(runtime, "robin@example.org") == []

    # AND again once the claim is older than any run can live
    stale = clock.now() - CLAIM_STALE_AFTER - timedelta(minutes=1)
    claim.update(actions=[ComplianceLedger.claimed_at.set(stale.isoformat(timespec="seconds"))])
    result = scan(today)

    # THEN the reminder goes exactly once
    assert result["reminders"]["sent"] == 1
    assert len(mail_to(runtime, "robin@example.org")) == 1


def test_missed_days_are_caught_up_with_the_latest_reminder_only(runtime):
    # GIVEN a scan that last completed 40 days before expiry, then did not run for 35 days
    worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    scan(EXPIRY - days(40))

    # WHEN it next runs 5 days before expiry (the 30- and 7-day reminders were missed)
    result = scan(EXPIRY - days(5))

    # THEN the worker gets the most urgent one, once, and not the stale 30-day one
    assert result["reminders"]["sent"] == 1
    assert [m["subject"] for m in mail_to(runtime, "robin@example.org")] == [
        "Your first aid certificate expires in 5 days"
    ]
    scan(EXPIRY - days(4))
    assert len(mail_to(runtime, "robin@example.org")) == 1


def test_a_renewal_applied_for_pauses_reminders(runtime):
    # GIVEN a worker who has applied to renew, recorded before the 30-day reminder
    worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    from chalicelib.services import clearances, workers

    (worker,) = workers.list_workers(today=EXPIRY - days(40))["workers"]
    record = FirstAidRecord.model_validate(
        first_aid(add_years(EXPIRY, -3), EXPIRY, renewal_applied_on=EXPIRY - days(35)),
        context={"today": EXPIRY - days(35)},
    )
    clearances.record_clearance(worker["worker_id"], FA, record, HR, EXPIRY - days(35))

    # WHEN the scan runs on the 30-, 7- and 0-day marks
    results = [scan(EXPIRY - days(n)) for n in (30, 7, 0)]

    # THEN no reminder goes out
    assert mail_to(runtime, "robin@example.org") == []
    assert all(r["reminders"]["sent"] == 0 for r in results)


def test_a_renewed_certificate_gets_no_reminder_for_the_old_expiry(runtime):
    # GIVEN a first aid certificate renewed 20 days before it would have expired
    worker_id = worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    from chalicelib.services import clearances

    renewed_on = EXPIRY - days(20)
    record = FirstAidRecord.model_validate(
        first_aid(renewed_on, add_years(renewed_on, 3)), context={"today": renewed_on}
    )
    clearances.record_clearance(worker_id, FA, record, HR, renewed_on)

    # WHEN the scan runs on the old certificate's 7-day and expiry days
    scan(EXPIRY - days(7))
    scan(EXPIRY)

    # THEN the worker hears nothing about the old expiry
    assert mail_to(runtime, "robin@example.org") == []


# -- marking and the HR digest ---------------------------------------------------------------------


def test_digest_lists_who_became_non_compliant_other_changes_and_reminders_in_one_email(runtime):
    # GIVEN, recorded long before, a first aid that expired yesterday, a background check expiring
    # in 7 days and a first aid expiring in 30 days
    today = EXPIRY
    add_worker(
        "Alex Morgan",
        "alex@example.org",
        {BG: background(RECORDED_ON - days(10)), FA: first_aid(add_years(today - DAY, -3), today - DAY)},
    )
    add_worker(
        "Bea Turner",
        "bea@example.org",
        {
            BG: background(add_years(today + days(7), -3), today + days(7)),
            FA: first_aid(RECORDED_ON - days(5), add_years(RECORDED_ON - days(5), 3)),
        },
    )
    worker_with_first_aid_expiring("Cal Reid", "cal@example.org", expiry=today + days(30))

    # WHEN the scan runs
    result = scan(today)

    # THEN HR gets exactly one digest naming each change and each reminder
    (digest,) = mail_to(runtime, HR_EMAIL)
    assert digest["subject"] == ("Clearances on 15 June 2031: 1 no longer compliant, 2 other changes, 2 reminders sent")
    text = digest["text"]
    non_compliant = text.split("No longer compliant")[1].split("Other status changes")[0]
    assert "Alex Morgan: Valid -> Expired. First aid certificate expired on 14 June 2031" in non_compliant
    other = text.split("Other status changes")[1].split("Reminders sent")[0]
    assert "Bea Turner: Valid -> Expiring." in other and "Cal Reid: Valid -> Expiring." in other
    reminders = text.split("Reminders sent")[1]
    assert "Bea Turner: background check expires 22 June 2031 (7 days before)" in reminders
    assert "Cal Reid: first aid certificate expires 15 July 2031 (30 days before)" in reminders
    assert "Alex Morgan" not in reminders
    assert "/hr/clearances" in text and "What to do next" in text
    assert "Alex Morgan" in digest["html"] and "/hr/clearances" in digest["html"]
    assert result["became_non_compliant"] == 1 and result["status_changes"] == 3


def test_a_worker_who_became_non_compliant_is_marked_with_the_day_and_an_audit_event(runtime):
    # GIVEN a worker whose first aid expired yesterday, last judged (when it was recorded) valid
    worker_id = add_worker(
        "Alex Morgan",
        "alex@example.org",
        {BG: background(RECORDED_ON - days(10)), FA: first_aid(add_years(EXPIRY - DAY, -3), EXPIRY - DAY)},
    )
    # WHEN the scan runs
    scan(EXPIRY)
    # THEN the worker's record says non-compliant since today, and the audit log says who and why
    from chalicelib.services import audit, workers

    worker = workers.load_worker(worker_id)
    assert (worker.compliance_status, worker.compliance_as_of, worker.non_compliant_since) == (
        "EXPIRED",
        EXPIRY.isoformat(),
        EXPIRY.isoformat(),
    )
    (event,) = [e for e in audit.history("worker", worker_id) if e["action"] == "compliance_changed"]
    assert event["actor"] == "system"
    assert event["changes"]["from"] == "VALID" and event["changes"]["to"] == "EXPIRED"
    # AND the assignment guard refuses the worker from that day on
    assert workers.worker_compliant_on(worker_id, EXPIRY) == (False, ["first_aid expired on 2031-06-14"])
    assert workers.worker_compliant_on(worker_id, EXPIRY - DAY) == (True, [])


def test_the_end_of_a_renewal_grace_period_marks_the_worker_expired(runtime):
    # GIVEN a renewal applied for before expiry: the worker stays assignable for the grace period
    worker_id = worker_with_first_aid_expiring("Jamie Clarke", "jamie@example.org", renewal_applied_on=RECORDED_ON)
    from chalicelib.services import workers

    grace_end = EXPIRY + days(workers.policy().renewal_grace_days)
    scan(EXPIRY + DAY)
    assert workers.load_worker(worker_id).compliance_status == "RENEWAL_IN_PROGRESS"

    # WHEN the scan runs on the last day of grace and the day after
    scan(grace_end)
    last_day = workers.load_worker(worker_id).compliance_status
    result = scan(grace_end + DAY)

    # THEN the worker is marked expired only once the grace period is over
    assert last_day == "RENEWAL_IN_PROGRESS"
    assert workers.load_worker(worker_id).compliance_status == "EXPIRED"
    assert result["became_non_compliant"] == 1
    assert "Jamie Clarke: Renewal in progress -> Expired" in mail_to(runtime, HR_EMAIL)[0]["text"]


def test_a_digest_that_failed_is_sent_by_the_rerun_without_repeating_reminders(runtime, monkeypatch):
    # GIVEN a run whose reminder went but whose HR digest was refused
    worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    from chalicelib.services import email

    real_send = email.send

    def no_hr(to, template, **context):
        if template == "clearance_digest":
            raise ConnectionError("SES unreachable")
        return real_send(to, template, **context)

    monkeypatch.setattr(email, "send", no_hr)
    failed = scan(EXPIRY - days(60))
    assert failed["digest"]["failed"] is True and failed["complete"] is False

    # WHEN the job is re-run the next day with email working
    monkeypatch.setattr(email, "send", real_send)
    rerun = scan(EXPIRY - days(59))

    # THEN HR gets the digest of yesterday's reminder, and the worker no second reminder
    (digest,) = mail_to(runtime, HR_EMAIL)
    assert "Robin Patel: first aid certificate expires" in digest["text"]
    assert len(mail_to(runtime, "robin@example.org")) == 1
    assert rerun["complete"] is True


# -- how it reads ----------------------------------------------------------------------------------


def test_the_scan_queries_only_the_expiry_months_of_its_window_and_never_scans(runtime, monkeypatch):
    # GIVEN workers expiring inside the window and far outside it
    worker_with_first_aid_expiring("In Window", "in@example.org", expiry=EXPIRY + days(10))
    worker_with_first_aid_expiring("Far Future", "far@example.org", expiry=EXPIRY + days(600))
    from botocore.client import BaseClient

    calls = []
    real_call = BaseClient._make_api_call

    def recording(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append((operation, params.get("IndexName"), params.get("ExpressionAttributeValues")))
        return real_call(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)

    # WHEN the scan runs
    result = scan(EXPIRY)

    # THEN it never scans, queries the expiry index once per month in the window, and reads only the
    # clearance inside it
    operations = [operation for operation, _, _ in calls]
    assert "Scan" not in operations
    month_queries = [c for c in calls if c[0] == "Query" and c[1] == "by_expiry_month"]
    assert len(month_queries) == len(result["months_read"]) == 4  # May to August 2031
    assert result["months_read"] == ["2031-05", "2031-06", "2031-07", "2031-08"]
    assert result["clearances_read"] == 1 and result["workers_read"] == 1


# -- how it is run ---------------------------------------------------------------------------------


def test_the_daily_schedule_runs_the_scan_as_of_today(runtime, frozen):
    # GIVEN a worker due a 30-day reminder today
    worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    frozen(EXPIRY - days(30))
    from chalice.test import Client

    from app import app

    # WHEN the scheduled function fires
    with Client(app, stage_name="local") as client:
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        response = client.lambda_.invoke("compliance_scan", event)

    # THEN it ran the scan for today and the reminder went
    assert response.payload["as_of"] == (EXPIRY - days(30)).isoformat()
    assert response.payload["reminders"]["sent"] == 1
    assert len(mail_to(runtime, "robin@example.org")) == 1


def test_dev_jobs_runs_the_scan_as_of_the_day_given(runtime, client):
    # GIVEN a worker due a reminder on the expiry day
    worker_with_first_aid_expiring("Robin Patel", "robin@example.org")
    # WHEN the local job route runs the scan as of that day
    response = client.http.post(
        "/dev/jobs/compliance-scan",
        headers={"Content-Type": "application/json"},
        body=f'{{"today": "{EXPIRY.isoformat()}"}}',
    )
    # THEN the summary says what it did
    assert response.status_code == 200
    assert response.json_body["result"]["reminders"]["sent"] == 1
    assert [m["subject"] for m in mail_to(runtime, "robin@example.org")] == ["Your first aid certificate expires today"]
