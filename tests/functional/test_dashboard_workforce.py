"""The dashboard's workforce figures, as the daily compliance scan leaves them, and the monthly
digest email of the previous month's figures to the admin."""

from __future__ import annotations

import json

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
