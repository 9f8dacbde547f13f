"""The dashboard's report and incident figures: each after a scripted month (reports submitted on
time and late, changes asked for then approved, incidents told in time and not), counted in each
event's own write; the same through the real review workflows; telling the referrer counted once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.dates import early_may_bank_holiday_next_year, uk_moment
from tests.helpers import REFERRER, SUPERVISOR, decide_by_link, wait_for, wait_for_email
from tests.incident_helpers import incident_body, recorded_incident, visit_at
from tests.report_helpers import book_visit, save, submit, write_and_submit
from tests.visit_helpers import CASEY


def _figure(figures: dict, key: str) -> dict:
    return next(f for f in figures["figures"] if f["key"] == key)


class ScriptedMonth:
    """Visits, their reports and incidents at chosen moments, through the services' own writes;
    the decisions written as a decision through a link writes them (its summary as the review issues it)."""

    def __init__(self, monkeypatch, client, auth) -> None:
        from chalicelib.services import review

        self.monkeypatch, self.client, self.auth = monkeypatch, client, auth
        # The review's workflow is not under test: nothing starts, and none is running when a
        # report is sent again (its next run would start).
        monkeypatch.setattr(review, "start", lambda *args, **kwargs: True)
        monkeypatch.setattr(review, "running", lambda *args, **kwargs: False)

    def at(self, moment: datetime) -> None:
        from chalicelib import clock

        self.monkeypatch.setattr(clock, "now", lambda: moment)

    def visit(self, day: date) -> str:
        """A visit from 10:00 to 11:30 UK time on `day`, recorded at noon as having happened."""
        self.at(uk_moment(day, 12))
        return book_visit(self.client, self.auth, days_from_now=0)

    def submit(self, visit_id: str, moment: datetime) -> None:
        self.at(moment)
        saved = save(self.client, self.auth, visit_id)
        assert saved.status_code == 200, saved.body
        submitted = submit(self.client, self.auth, visit_id)
        assert submitted.status_code == 200, submitted.body

    def decide_report(self, visit_id: str, decision: str, moment: datetime) -> None:
        from chalicelib.services.report_review import SUBJECT
        from chalicelib.storage.reports import get_report

        self._decide(SUBJECT, visit_id, decision, "Add the times." if decision != "approve" else None, moment)
        assert get_report(visit_id).status == ("APPROVED" if decision == "approve" else "CHANGES_REQUESTED")

    def record_incident(self, visit_id: str, moment: datetime) -> str:
        self.at(moment)
        return recorded_incident(self.client, self.auth, visit_id, incident_body(visit_id, critical=False))

    def tell_referrer(self, incident_id: str, moment: datetime) -> None:
        from chalicelib.services.incident_review import tell_referrer

        self.at(moment)
        assert tell_referrer({"subject_id": incident_id}) == {"sent": True}

    def decide_incident(self, incident_id: str, moment: datetime) -> None:
        from chalicelib.services.incident_review import SUBJECT

        self._decide(SUBJECT, incident_id, "continue", None, moment)

    def _decide(self, subject, subject_id: str, decision: str, comment: str | None, moment: datetime) -> None:
        from chalicelib.domain.people import Person
        from chalicelib.services.audit import audited_transaction

        self.at(moment)
        item = subject.load(subject_id)
        summary = subject.summary(item)  # as the review's link keeps it
        person = Person(SUPERVISOR)
        with audited_transaction(person, case_id=subject.describe(item).case_id) as tx:
            subject.apply(tx, subject_id, subject.validate(decision, comment), person, {}, summary)


@pytest.fixture
def scripted_may(monkeypatch, client, auth):
    """Around the early May bank holiday next year (its Friday before may fall in April):
    - report A, visit on the Friday before: submitted on the Wednesday after (the 2nd working day),
      approved the Monday after that (the 5th);
    - report B, visit on the Thursday before: submitted on the Wednesday (the 3rd working day: late),
      changes asked for, sent again, approved the next Monday (the 6th: late);
    - report C, visit on the Tuesday after: submitted that day, changes asked for twice, not approved;
    - incident 1 (visit A) recorded on Friday, its referrer told on Tuesday after the bank holiday
      (in time) and decided then; incident 2 (visit C) recorded on Tuesday, told on Thursday (late),
      decided on Wednesday; incident 3 (visit B) recorded, neither told nor decided.
    Its first and last months."""
    holiday = early_may_bank_holiday_next_year()
    friday, thursday, tuesday = holiday - timedelta(days=3), holiday - timedelta(days=4), holiday + timedelta(days=1)
    wednesday, next_monday = holiday + timedelta(days=2), holiday + timedelta(days=7)
    month = ScriptedMonth(monkeypatch, client, auth)
    a, b, c = month.visit(friday), month.visit(thursday), month.visit(tuesday)

    first = month.record_incident(a, uk_moment(friday, 16))
    third = month.record_incident(b, uk_moment(thursday, 12, 30))
    month.submit(a, uk_moment(wednesday, 17))
    month.submit(b, uk_moment(wednesday, 9))
    month.decide_report(b, "request_changes", uk_moment(wednesday, 15))
    month.submit(b, uk_moment(wednesday + timedelta(days=1), 9))
    month.submit(c, uk_moment(tuesday, 14))
    second = month.record_incident(c, uk_moment(tuesday, 14, 30))
    month.tell_referrer(first, uk_moment(tuesday, 9))
    month.decide_incident(first, uk_moment(tuesday, 10))
    month.decide_report(c, "request_changes", uk_moment(tuesday, 16))
    month.submit(c, uk_moment(wednesday, 10))
    month.decide_report(c, "request_changes", uk_moment(wednesday, 11))
    month.decide_incident(second, uk_moment(wednesday, 12))
    month.tell_referrer(second, uk_moment(tuesday + timedelta(days=2), 9))
    month.decide_report(a, "approve", uk_moment(next_monday, 16))
    month.decide_report(b, "approve", uk_moment(next_monday, 16, 30))
    month.at(uk_moment(date(holiday.year, 6, 2), 12))
    assert third
    return f"{friday.year}-{friday.month:02d}", f"{holiday.year}-05"


@pytest.mark.counted
def test_each_report_figure_after_a_scripted_month(scripted_may, client, auth):
    first, may = scripted_may
    answer = client.http.get(f"/v1/dashboard?from={first}&to={may}", headers=auth("supervisor"))
    assert answer.status_code == 200, answer.body
    figures = answer.json_body
    assert [s["key"] for s in figures["sections"]][-2:] == ["reports", "incidents"]
    submitted = _figure(figures, "reports_submitted")
    assert submitted["total"] == 3 and submitted["months"][-1]["value"] == 3  # B's second submission is not new
    on_time = _figure(figures, "reports_submitted_within_two_working_days")
    assert on_time["total"] == pytest.approx(2 / 3) and on_time["missed"] and on_time["target"] == 1.0  # B late
    assert _figure(figures, "reports_approved")["total"] == 2
    approved = _figure(figures, "reports_approved_within_five_working_days")
    assert approved["total"] == 0.5 and approved["missed"]
    assert approved["target_words"].startswith("Every report checked and approved")
    assert _figure(figures, "changes_requested")["total"] == 3


@pytest.mark.counted
def test_each_incident_figure_after_a_scripted_month(scripted_may, client, auth):
    first, may = scripted_may
    figures = client.http.get(f"/v1/dashboard?from={first}&to={may}", headers=auth("admin")).json_body
    recorded = _figure(figures, "incidents_recorded")
    assert recorded["total"] == 3
    assert sum(m["value"] for m in recorded["months"]) == 3
    told = _figure(figures, "incidents_told_within_one_working_day")
    assert told["total"] == 0.5 and told["missed"]
    assert told["target_words"] == "The referrer told of every incident within one working day"
    assert [m["value"] for m in told["months"]][-1] == 0.5
    decided = _figure(figures, "incidents_decided_within_one_working_day")
    assert decided["total"] == 1.0 and not decided["missed"]


def test_a_month_without_reports_or_incidents_shows_none(scripted_may, client, auth):
    june = scripted_may[1][:5] + "06"
    figures = client.http.get(f"/v1/dashboard?from={june}&to={june}", headers=auth("admin")).json_body
    for key in ("reports_submitted_within_two_working_days", "incidents_told_within_one_working_day"):
        assert _figure(figures, key)["total"] is None and not _figure(figures, key)["missed"]
    assert _figure(figures, "reports_submitted")["total"] == 0


def test_the_backfill_reads_each_report_and_incident_once(scripted_may, client):
    result = client.http.post("/dev/jobs/dashboard-backfill", headers={"Content-Type": "application/json"}, body="{}")
    assert result.status_code == 200, result.body
    read = result.json_body["result"]["read"]
    assert (read["reports"], read["incidents"]) == (3, 3)


@pytest.mark.counted
def test_a_report_sent_back_then_approved_through_the_emailed_links_is_counted_in_each_write(client, auth, runtime):
    from chalicelib.services.audit import uk_today
    from tests.helpers import approval_path, post_form

    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    asked = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval")
    sent_back = {"decision": "request_changes", "comment": "Add the times.", "confirmed": "yes"}
    assert post_form(client, approval_path(asked), sent_back).status_code == 200
    wait_for_email(runtime.outbox, CASEY, "Changes requested")
    write_and_submit(client, auth, visit_id)
    again = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval", count=2)
    assert post_form(client, approval_path(again), {"decision": "approve", "confirmed": "yes"}).status_code == 200
    wait_for_email(runtime.outbox, "sam.referrer@council.example", "is ready")
    _settled(runtime)
    month = uk_today().strftime("%Y-%m")
    figures = client.http.get(f"/v1/dashboard?from={month}&to={month}", headers=auth("supervisor")).json_body
    assert _figure(figures, "reports_submitted")["total"] == 1
    assert _figure(figures, "reports_submitted_within_two_working_days")["total"] == 1.0  # the visit was yesterday
    assert _figure(figures, "changes_requested")["total"] == 1
    assert _figure(figures, "reports_approved")["total"] == 1
    assert _figure(figures, "reports_approved_within_five_working_days")["total"] == 1.0


@pytest.mark.counted
def test_an_incident_told_and_decided_through_its_workflow_is_counted_in_each_write(client, auth, runtime):
    from chalicelib.services.audit import uk_today
    from chalicelib.storage.incidents import get_incident

    visit_id = visit_at(client, auth)
    incident_id = recorded_incident(client, auth, visit_id)
    wait_for_email(runtime.outbox, REFERRER, "An incident was recorded")
    wait_for(lambda: get_incident(incident_id).told_at, what="the telling recorded")
    decide_by_link(client, wait_for_email(runtime.outbox, SUPERVISOR, "An incident needs your decision"), "continue")
    wait_for_email(runtime.outbox, REFERRER, "was reviewed")
    _settled(runtime)
    month = uk_today().strftime("%Y-%m")
    figures = client.http.get(f"/v1/dashboard?from={month}&to={month}", headers=auth("supervisor")).json_body
    assert _figure(figures, "incidents_recorded")["total"] == 1
    assert _figure(figures, "incidents_told_within_one_working_day")["total"] == 1.0
    assert _figure(figures, "incidents_decided_within_one_working_day")["total"] == 1.0


@pytest.mark.counted
def test_telling_the_referrer_again_counts_nothing_more_and_costs_no_more_calls(client, auth, runtime, monkeypatch):
    """A retried step that read the incident before the first one's write: it emails again (as it
    did before), but its write, conditional on no telling being kept, counts nothing twice."""
    from chalicelib.domain.monthly_counts import uk_month
    from chalicelib.services import incident_review, review
    from chalicelib.storage.incidents import get_incident
    from chalicelib.storage.monthly_figures import figures_of_months
    from tests.aws_calls import calls_made

    monkeypatch.setattr(review, "start", lambda *args, **kwargs: True)  # the step runs here, not in a workflow
    visit_id = visit_at(client, auth)
    incident_id = recorded_incident(client, auth, visit_id)
    stale = get_incident(incident_id)
    with calls_made() as calls:
        assert incident_review.tell_referrer({"subject_id": incident_id}) == {"sent": True}
    # One read, the email, one write carrying the counters: as many calls as before they were kept.
    assert [call for call in calls if call.startswith("dynamodb:")] == [
        "dynamodb:GetItem",
        "dynamodb:TransactWriteItems",
    ]
    assert len(calls) == 3, calls
    month = uk_month(datetime.fromisoformat(get_incident(incident_id).told_at))
    assert figures_of_months([month])[month]["incidents.told"] == 1
    assert incident_review.tell_referrer({"subject_id": incident_id}) == {"sent": False}
    monkeypatch.setattr(incident_review, "load", lambda *args, **kwargs: stale)
    assert incident_review.tell_referrer({"subject_id": incident_id}) == {"sent": True}
    assert figures_of_months([month])[month]["incidents.told"] == 1


def _settled(runtime) -> None:
    """Every execution of the review workflows has finished: nothing counts after the test reads."""
    import boto3

    sfn = boto3.client("stepfunctions")

    def finished() -> bool:
        for arn in runtime.state_machine_arns.values():
            if sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
                return False
        return True

    wait_for(finished, timeout=30, what="the review workflows to finish")
