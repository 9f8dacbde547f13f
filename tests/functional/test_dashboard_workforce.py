"""The dashboard's workforce figures, as the daily compliance scan leaves them, and the monthly
digest email of the previous month's figures to the admin."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.visit_helpers import HR_EMAIL, add_referral, add_visit, add_worker

ADMIN_EMAIL = "admin@familycontact.example"


def workforce(client, auth) -> dict:
    response = client.http.get("/v1/dashboard", headers=auth("supervisor"))
    assert response.status_code == 200, response.json_body
    return response.json_body["workforce"]


def values(shown: dict) -> dict:
    return {figure["key"]: figure["value"] for figure in shown["figures"]}


def assert_kept_equals_a_recount() -> None:
    """The workforce tally and at-risk marks kept at write time are what the backfill recounts
    from the workers and visits themselves (the section counters' `counted` check, for today's values)."""
    from chalicelib import clock
    from chalicelib.services.dashboard_backfill import backfill
    from chalicelib.storage import monthly_figures

    kept = (monthly_figures.workforce_tally(), monthly_figures.visits_at_risk_from("0000"))
    backfill(clock.today())
    assert (monthly_figures.workforce_tally(), monthly_figures.visits_at_risk_from("0000")) == kept


def scan_today() -> dict:
    from chalicelib import clock
    from chalicelib.services import compliance_scan

    return compliance_scan.run(clock.today())


@pytest.fixture
def staffed(runtime):
    """Four workers as of today: one cleared for years; one with no clearances at all (not
    compliant); one whose first aid expires in 10 days and who has a visit booked in 20 (at risk
    once the scan judges it); one whose first aid expires in 45 days."""
    from chalicelib.domain.workers import NewWorker
    from chalicelib.services import workers
    from tests.dates import days_from_today

    referral = add_referral()
    steady = add_worker("Alex Morgan", "alex@example.org")
    workers.create_worker(NewWorker(name="Billie Shaw", email="billie@example.org"), HR_EMAIL)
    soon = add_worker("Casey Hart", "casey@example.org", first_aid_expires=days_from_today(10))
    add_worker("Dana Price", "dana@example.org", first_aid_expires=days_from_today(45))
    at_risk = add_visit(referral, soon, 20)
    fine = add_visit(referral, steady, 21)
    return {"referral": referral, "at_risk": at_risk, "fine": fine, "steady": steady, "soon": soon}


def test_before_the_first_scan_the_workforce_figures_are_not_known(client, auth):
    shown = workforce(client, auth)
    assert shown["as_of"] is None
    assert [f["key"] for f in shown["figures"]] == [
        "workforce_compliant",
        "clearances_expiring_30",
        "clearances_expiring_60",
        "visits_at_risk",
    ]
    assert all(f["value"] is None and not f["missed"] for f in shown["figures"])


def test_after_a_scan_the_workforce_figures_say_who_is_cleared_what_expires_and_what_is_at_risk(staffed, client, auth):
    from chalicelib import clock

    # WHEN the daily scan runs
    result = scan_today()

    # THEN it flagged the visit of the worker whose first aid ends before it, and saved the figures
    assert result["visits_at_risk"] == 1 and result["workforce_saved"] is True
    shown = workforce(client, auth)
    assert shown["as_of"][:10] == clock.now().isoformat()[:10]
    assert values(shown) == {
        "workforce_compliant": 0.75,  # Billie has no clearances
        "clearances_expiring_30": 1,  # Casey's first aid, in 10 days
        "clearances_expiring_60": 2,  # and Dana's, in 45
        "visits_at_risk": 1,
    }
    cleared = next(f for f in shown["figures"] if f["key"] == "workforce_compliant")
    assert cleared["missed"] is True and cleared["target"] == 1.0
    assert cleared["target_words"] == "Every contact worker cleared"
    assert_kept_equals_a_recount()


def test_a_cancelled_at_risk_visit_and_a_worker_newly_cleared_change_the_next_scan_s_figures(staffed, client, auth):
    from chalicelib.domain.clearance_records import record_model
    from chalicelib.domain.clearances import ClearanceKind
    from chalicelib.services import clearances, workers
    from tests.dates import days_from_today
    from tests.visit_helpers import HR

    scan_today()
    assert values(workforce(client, auth))["visits_at_risk"] == 1

    # WHEN the at-risk visit is cancelled, and HR records Billie's two clearances
    response = client.http.post(
        f"/v1/visits/{staffed['at_risk']}/cancel",
        headers=auth("supervisor"),
        body=json.dumps({"cancelled_by": "service", "reason": "The worker is not cleared on the day."}),
    )
    assert response.status_code == 200, response.json_body
    billie = next(w for w in workers.list_workers()["workers"] if w["name"] == "Billie Shaw")
    issued = days_from_today(-30)
    for kind, body in {
        ClearanceKind.BACKGROUND_CHECK: {"issued_on": issued, "check_type": "enhanced_dbs", "certificate_number": "42"},
        ClearanceKind.FIRST_AID: {"issued_on": issued, "provider": "Red Cross", "level": "Paediatric"},
    }.items():
        record = record_model(kind).model_validate(body)
        clearances.record_clearance(billie["worker_id"], kind, record, HR)

    # THEN the next scan finds every worker cleared today and no visit at risk
    scan_today()
    assert values(workforce(client, auth)) == {
        "workforce_compliant": 1.0,
        "clearances_expiring_30": 1,
        "clearances_expiring_60": 2,
        "visits_at_risk": 0,
    }
    assert_kept_equals_a_recount()


def test_moving_an_at_risk_visit_takes_it_off_the_count(staffed, client, auth):
    from chalicelib.storage import monthly_figures
    from tests.dates import days_from_today

    scan_today()
    assert monthly_figures.visits_at_risk_from(days_from_today(0).isoformat()) == 1
    # WHEN the supervisor reassigns the visit to a worker cleared on its day (which clears the flag)
    response = client.http.patch(
        f"/v1/visits/{staffed['at_risk']}",
        headers=auth("supervisor"),
        body=json.dumps({"worker_id": staffed["steady"]}),
    )
    assert response.status_code == 200, response.json_body
    # THEN it is no longer counted
    assert monthly_figures.visits_at_risk_from(days_from_today(0).isoformat()) == 0
    assert_kept_equals_a_recount()


def test_the_tally_and_marks_kept_at_write_time_equal_a_backfill_s_recount(staffed, client, auth):
    from chalicelib import clock
    from chalicelib.services.dashboard_backfill import backfill
    from chalicelib.storage import monthly_figures

    scan_today()
    before = (monthly_figures.workforce_tally(), monthly_figures.visits_at_risk_from("0000"))
    assert before == ({"workers": 4, "workers.compliant": 3}, 1)
    result = backfill(clock.today())
    assert result["read"]["workers"] == 4 and result["read"]["visits_at_risk"] == 1
    assert (monthly_figures.workforce_tally(), monthly_figures.visits_at_risk_from("0000")) == before
    backfill(clock.today())
    assert (monthly_figures.workforce_tally(), monthly_figures.visits_at_risk_from("0000")) == before


def test_the_dashboard_reads_the_workforce_figures_with_one_call(staffed, client, auth, monkeypatch):
    from botocore.client import BaseClient

    from chalicelib.services import workforce as service

    scan_today()
    calls = []
    real_call = BaseClient._make_api_call

    def recording(self, operation, params):
        calls.append(operation)
        return real_call(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    service.today()
    assert calls == ["GetItem"]


def test_the_scan_reads_the_tally_and_the_marks_never_every_worker(staffed, monkeypatch):
    from botocore.client import BaseClient

    calls = []
    real_call = BaseClient._make_api_call

    def recording(self, operation, params):
        calls.append((operation, params.get("TableName", ""), params.get("IndexName")))
        return real_call(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    scan_today()
    assert "Scan" not in [operation for operation, _, _ in calls]
    assert not [call for call in calls if call[2] == "directory"]
    on_figures = [operation for operation, table, _ in calls if table.endswith("monthly-figures")]
    assert sorted(on_figures) == ["PutItem", "Query", "Query"]


def test_a_scan_whose_snapshot_fails_still_completes_and_the_next_saves_it(staffed, client, auth, monkeypatch):
    from chalicelib.storage import monthly_figures

    real_save = monthly_figures.save_snapshot
    refusing = [True]

    def save_or_refuse(*args, **kwargs):
        if refusing[0]:
            raise RuntimeError("throttled")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(monthly_figures, "save_snapshot", save_or_refuse)
    first = scan_today()
    assert first["workforce_saved"] is False and first["complete"] is True
    assert workforce(client, auth)["as_of"] is None
    refusing[0] = False
    assert scan_today()["workforce_saved"] is True
    assert values(workforce(client, auth))["visits_at_risk"] == 1


def run_scan_job(client) -> dict:
    """The scan as its schedule runs it (through `jobs.run`, in its own function)."""
    response = client.http.post("/dev/jobs/compliance-scan", headers={"Content-Type": "application/json"}, body="{}")
    assert response.status_code == 200, response.body
    return response.json_body["result"]


def test_a_worker_the_scan_finds_expired_today_leaves_the_cleared_share(runtime, client, auth):
    from tests.dates import days_from_today

    # GIVEN two workers recorded 40 days ago, one whose first aid expired yesterday
    add_worker("Alex Morgan", "alex@example.org", recorded_on=days_from_today(-40))
    add_worker("Jo Lane", "jo@example.org", first_aid_expires=days_from_today(-1), recorded_on=days_from_today(-40))

    # WHEN the daily scan runs
    result = run_scan_job(client)

    # THEN it marks Jo expired, and the cleared share drops in the same write
    assert result["became_non_compliant"] == 1
    assert values(workforce(client, auth))["workforce_compliant"] == 0.5
    assert_kept_equals_a_recount()


def test_the_scan_clears_a_flag_its_worker_no_longer_deserves_and_the_count_drops(staffed, client, auth):
    from chalicelib.services import figures
    from chalicelib.services.audit import SYSTEM, audited_transaction
    from chalicelib.storage import visits as store

    # GIVEN a visit of Dana (cleared until 45 days from now) flagged at risk 20 days ahead, as a
    # correction later undone would leave it
    visit = store.visit(add_visit(staffed["referral"], _worker_id("dana@example.org"), 22))
    with audited_transaction(SYSTEM) as tx:
        figures.count_visit_at_risk(tx, visit.visit_id, visit.starts_at, True)
        store.flag_visit_at_risk(
            tx,
            visit,
            reason="First aid certificate expired",
            since=date.fromisoformat(visit.starts_at[:10]),
            now=visit.created_at,
            while_status="SCHEDULED",
            worker_id=visit.worker_id,
        )

    # WHEN the daily scan runs
    run_scan_job(client)

    # THEN Dana's visit is no longer at risk; Casey's is
    assert not store.visit(visit.visit_id).at_risk
    assert values(workforce(client, auth))["visits_at_risk"] == 1
    assert_kept_equals_a_recount()


def _worker_id(email: str) -> str:
    from chalicelib.storage.workers import worker_by_email

    return worker_by_email(email).worker_id


# -- the monthly digest ---------------------------------------------------------------------------


def run_digest(client, day: date) -> dict:
    from tests.helpers import run_dev_job

    return run_dev_job(client, "dashboard-digest", day)


def digests(runtime) -> list[dict]:
    return [m for m in runtime.outbox.messages() if ADMIN_EMAIL in m["to"] and "Service figures" in m["subject"]]


def next_year() -> int:
    from chalicelib import clock

    return clock.today().year + 1


def test_the_digest_goes_once_on_the_first_working_day_and_not_on_the_next(runtime, client):
    from chalicelib.domain.dashboard_digest import first_working_day

    first = first_working_day(next_year(), 3)
    assert run_digest(client, first)["sent"] is True
    assert run_digest(client, first)["sent"] is False  # a re-run, or a second invocation
    assert run_digest(client, first + timedelta(days=1))["sent"] is False
    (message,) = digests(runtime)
    assert message["subject"].startswith(f"Service figures for February {next_year()}")
    assert f"/dashboard?from={next_year()}-02&to={next_year()}-02" in message["text"]


def test_no_digest_before_the_first_working_day_and_a_missed_one_goes_on_the_next_run(runtime, client):
    from chalicelib.domain.dashboard_digest import first_working_day
    from chalicelib.domain.working_days import add_working_days

    first = first_working_day(next_year(), 6)
    if first.day > 1:  # 1 June on a weekend: nothing before the Monday
        assert run_digest(client, date(next_year(), 6, 1))["sent"] is False
    # WHEN nothing ran on the first working day (an outage), the next run sends the digest, once
    later = add_working_days(first, 1)
    result = run_digest(client, later)
    assert result == {"month": f"{next_year()}-05", "first_working_day": False, "sent": True}
    assert run_digest(client, add_working_days(later, 1))["sent"] is False
    assert len(digests(runtime)) == 1


def test_when_1_january_is_a_bank_holiday_the_digest_goes_on_2_january(runtime, client):
    from chalicelib.domain.dashboard_digest import first_working_day

    year = next(y for y in range(next_year(), next_year() + 12) if first_working_day(y, 1) == date(y, 1, 2))
    assert run_digest(client, date(year, 1, 1))["sent"] is False
    assert run_digest(client, date(year, 1, 2))["sent"] is True
    (message,) = digests(runtime)
    assert f"December {year - 1}" in message["subject"]


def test_a_digest_that_failed_is_sent_by_the_next_run(runtime, client, monkeypatch):
    from chalicelib.domain.dashboard_digest import first_working_day
    from chalicelib.domain.working_days import add_working_days
    from chalicelib.services import email

    real_send = email.send

    def refused(to, template, **context):
        if template == "dashboard_digest":
            raise RuntimeError("SES throttled")
        return real_send(to, template, **context)

    first = first_working_day(next_year(), 9)
    monkeypatch.setattr(email, "send", refused)
    assert run_digest(client, first) == {
        "month": f"{next_year()}-08",
        "first_working_day": True,
        "sent": False,
        "failed": True,
    }
    monkeypatch.setattr(email, "send", real_send)
    following = add_working_days(first, 1)
    assert run_digest(client, following)["sent"] is True
    assert run_digest(client, add_working_days(following, 1))["sent"] is False
    assert len(digests(runtime)) == 1


def test_the_digest_lists_missed_targets_first_each_with_its_target_and_says_what_to_do(runtime, client):
    from chalicelib.domain.dashboard_digest import first_working_day
    from chalicelib.domain.workers import NewWorker
    from chalicelib.services import workers

    # GIVEN a worker with no clearances, as the last scan found
    workers.create_worker(NewWorker(name="Billie Shaw", email="billie@example.org"), HR_EMAIL)
    scan_today()

    run_digest(client, first_working_day(next_year(), 4))

    (message,) = digests(runtime)
    text = message["text"]
    assert message["subject"].endswith("1 target missed")
    missed = text.index("Targets missed (1):")
    other = text.index("Other figures:")
    cleared = text.index("- Workers cleared today: 0%. Target: Every contact worker cleared.")
    assert missed < cleared < other
    assert "- Referrals received: 0" in text[other:]
    assert "What to do next:" in text and "agree with the supervisors" in text
    assert "Workers cleared today" in message["html"]
