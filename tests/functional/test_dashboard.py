"""The service dashboard: each referral figure after a scripted month, counted in the decision's
own transaction; the working-day rule across a weekend and a bank holiday; a backfill that gives
the counters kept at write time; the API's answers, its CSV and the page."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest

from tests.dates import early_may_bank_holiday_next_year, uk_moment
from tests.helpers import SUPERVISOR, decide_from_email, referral_awaiting_decision, submit_referral


class ScriptedMonth:
    """Referrals submitted and decided at chosen moments, through the services' own writes."""

    def __init__(self, monkeypatch, client, auth) -> None:
        from chalicelib.services import review

        self.monkeypatch, self.client, self.auth = monkeypatch, client, auth
        monkeypatch.setattr(review, "start", lambda *args, **kwargs: True)  # the review's workflow is not under test

    def at(self, moment: datetime) -> None:
        from chalicelib import clock

        self.monkeypatch.setattr(clock, "now", lambda: moment)

    def submit(self, moment: datetime) -> str:
        from tests.dates import example_referral

        self.at(moment)
        response = submit_referral(self.client, self.auth("referrer"), example_referral())
        assert response.status_code == 201, response.body
        return response.json_body["id"]

    def decide(self, referral_id: str, decision: str, moment: datetime) -> None:
        from chalicelib.domain.people import Person
        from chalicelib.services.audit import audited_transaction
        from chalicelib.services.referral_review import ReferralSubject
        from chalicelib.services.referral_status import load

        subject = ReferralSubject()
        self.at(moment)
        referral = load(referral_id, consistent_read=True)
        subject.begin_review(referral)
        chosen = subject.validate(decision, None if decision == "accept" else "Not for this service")
        person = Person(SUPERVISOR)
        with audited_transaction(person, case_id=referral_id) as tx:
            subject.apply(tx, referral_id, chosen, person, {}, {"submitted_at": referral.created_at})


def _month_of(figures: dict, key: str) -> dict:
    return next(f for f in figures["figures"] if f["key"] == key)


@pytest.fixture
def scripted_may(monkeypatch, client, auth):
    """April and May next year: five referrals received (two on the Friday before the early May
    bank holiday, in April or May as the year falls; one at 00:30 on 1 May, UK time, which is
    still 30 April in UTC), three accepted and one declined, every decision in May. Its
    months, and how many referrals May received."""
    from chalicelib.domain.working_days import is_working_day

    holiday = early_may_bank_holiday_next_year()
    assert not is_working_day(holiday)
    friday_before = holiday - timedelta(days=3)
    month = ScriptedMonth(monkeypatch, client, auth)
    first = month.submit(uk_moment(friday_before, 10))  # decided across the weekend and the bank holiday
    month.decide(first, "accept", uk_moment(holiday + timedelta(days=1), 10))  # Tuesday: within one working day
    second = month.submit(uk_moment(friday_before, 11))
    month.decide(second, "decline", uk_moment(holiday + timedelta(days=2), 11))  # Wednesday: missed
    saturday = holiday + timedelta(days=5)
    third = month.submit(uk_moment(saturday, 9))
    month.decide(third, "accept", uk_moment(saturday + timedelta(days=2), 9))  # the next Monday: within
    tuesday = holiday + timedelta(days=8)
    fourth = month.submit(uk_moment(tuesday, 9))
    month.decide(fourth, "accept", uk_moment(tuesday, 11))  # two hours later
    month.submit(uk_moment(date(holiday.year, 5, 1), 0, 30))  # received, not yet decided
    month.at(uk_moment(date(holiday.year, 6, 2), 12))
    return f"{holiday.year}-04", f"{holiday.year}-05", 5 if friday_before.month == 5 else 3


@pytest.mark.counted
def test_each_referral_figure_after_a_scripted_month(scripted_may, client, auth):
    april, may, received_in_may = scripted_may
    answer = client.http.get(f"/v1/dashboard?from={april}&to={may}", headers=auth("supervisor"))
    assert answer.status_code == 200, answer.body
    figures = answer.json_body
    assert (figures["first_month"], figures["last_month"]) == (april, may)
    received = _month_of(figures, "received")
    assert received["total"] == 5
    assert [m["value"] for m in received["months"]] == [5 - received_in_may, received_in_may]
    assert [m["value"] for m in _month_of(figures, "accepted")["months"]] == [0, 3]
    assert _month_of(figures, "accepted")["total"] == 3
    assert _month_of(figures, "declined")["total"] == 1
    within = _month_of(figures, "decided_within_one_working_day")
    assert within["total"] == 0.75 and within["missed"] and within["target"] == 1.0
    median = _month_of(figures, "median_hours_to_decision")  # 2, 48, 120 and 120 hours: the lower middle
    assert median["total"] == 48 and median["missed"]


def test_a_month_without_decisions_misses_nothing(scripted_may, client, auth):
    june = scripted_may[1][:5] + "06"
    figures = client.http.get(f"/v1/dashboard?from={june}&to={june}", headers=auth("admin")).json_body
    within = _month_of(figures, "decided_within_one_working_day")
    assert within["total"] is None and not within["missed"]
    assert _month_of(figures, "received")["months"] == [{"month": june, "value": 0, "missed": False}]


def test_the_backfill_gives_the_counters_kept_at_write_time_and_twice_the_same(scripted_may, client, auth):
    from chalicelib import clock, jobs
    from chalicelib.storage.monthly_figures import figures_of_months

    april, may, received_in_may = scripted_may
    months = [april, may] if received_in_may < 5 else [may]
    kept = figures_of_months(months)
    assert sum(values.get("referrals.received", 0) for values in kept.values()) == 5
    result = client.http.post("/dev/jobs/dashboard-backfill", headers={"Content-Type": "application/json"}, body="{}")
    assert result.status_code == 200, result.body
    read = {
        "referrals": 5,
        "reports": 0,
        "incidents": 0,
        "visits": 0,
        "reminders": 0,
        "workers": 0,
        "visits_at_risk": 0,
    }
    assert result.json_body["result"] == {"read": read, "months": months}
    assert figures_of_months(months) == {month: {**kept[month], **_zeros(kept[month])} for month in months}
    jobs.run("dashboard-backfill", clock.today())
    assert figures_of_months(months) == {month: {**kept[month], **_zeros(kept[month])} for month in months}


def _zeros(kept: dict) -> dict:
    """The referral figures the backfill writes as 0 where the month counted none."""
    from chalicelib.domain.dashboard import COUNTERS as REFERRAL_FIGURES

    return {figure: 0 for figure in REFERRAL_FIGURES if figure not in kept}


@pytest.mark.counted
def test_a_decision_through_the_emailed_link_is_counted_in_its_own_write(client, auth, runtime):
    from chalicelib.services.audit import uk_today

    referral_awaiting_decision(client, auth, runtime)
    decide_from_email(client, runtime, "accept")
    month = uk_today().strftime("%Y-%m")
    figures = client.http.get(f"/v1/dashboard?to={month}", headers=auth("supervisor")).json_body
    assert len(_month_of(figures, "received")["months"]) == 12
    assert _month_of(figures, "received")["months"][-1]["value"] == 1
    assert _month_of(figures, "accepted")["total"] == 1
    assert _month_of(figures, "decided_within_one_working_day")["total"] == 1.0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13", "from"),
        ("to=May", "to"),
        ("from=2027-05&to=2027-04", "to"),
        ("from=2020-01&to=2027-01", "from"),
    ],
)
def test_a_bad_month_range_is_a_422_naming_the_field(client, auth, query, field):
    answer = client.http.get(f"/v1/dashboard?{query}", headers=auth("admin"))
    assert answer.status_code == 422
    assert [f["path"] for f in answer.json_body["error"]["fields"]] == [field]


@pytest.mark.parametrize("role", ["referrer", "worker", "hr"])
def test_only_admins_and_supervisors_read_the_dashboard(client, auth, role):
    assert client.http.get("/v1/dashboard", headers=auth(role)).status_code == 403
    assert client.http.get("/v1/dashboard.csv", headers=auth(role)).status_code == 403


def test_the_csv_has_a_row_per_figure_and_month_then_the_range(scripted_may, client, auth):
    _, scripted_may, received_in_may = scripted_may
    answer = client.http.get(f"/v1/dashboard.csv?from={scripted_may}&to={scripted_may}", headers=auth("supervisor"))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert f"dashboard-{scripted_may}-to-{scripted_may}.csv" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.body.decode() if isinstance(answer.body, bytes) else answer.body)))
    by_figure = {(row["figure"], row["part"], row["month"]): row for row in rows}
    assert by_figure[("received", "", scripted_may)]["value"] == str(received_in_may)
    assert by_figure[("decided_within_one_working_day", "", "all")] == {
        "section": "referrals",
        "figure": "decided_within_one_working_day",
        "part": "",
        "month": "all",
        "value": "0.75",
        "target": "1.0",
        "missed": "yes",
    }


def test_the_page_shows_each_figure_with_its_table_and_a_missed_target_in_words(scripted_may, client, auth, supervisor):
    _, scripted_may, _ = scripted_may
    page = client.http.get(f"/dashboard?from={scripted_may}&to={scripted_may}", headers=supervisor)
    assert page.status_code == 200
    html = page.body.decode()
    figures = client.http.get(f"/v1/dashboard?from={scripted_may}&to={scripted_may}", headers=auth("supervisor"))
    each = len(figures.json_body["figures"])
    assert html.count('class="dashboard-figure"') == html.count('class="dashboard-chart"') == each >= 5
    assert "Target missed" in html and "75%" in html and "Up to 48 hours" in html
    assert "style=" not in html


def test_the_page_keeps_a_bad_month_and_says_why(client, supervisor):
    page = client.http.get("/dashboard?from=2026-13", headers=supervisor)
    assert page.status_code == 422
    html = page.body.decode()
    assert 'value="2026-13"' in html and "Must be a month written as YYYY-MM" in html


def test_the_home_page_links_supervisors_to_the_dashboard(client, supervisor, sam):
    assert 'href="/dashboard"' in client.http.get("/", headers=supervisor).body.decode()
    assert 'href="/dashboard"' not in client.http.get("/", headers=sam).body.decode()


def test_json_of_the_dashboard_is_the_declared_shape(client, auth):
    from chalicelib.services import outputs

    answer = client.http.get("/v1/dashboard", headers=auth("supervisor"))
    outputs.adapter(outputs.Dashboard).validate_python(json.loads(answer.body))
