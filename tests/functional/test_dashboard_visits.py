"""The dashboard's visit figures after scripted events, each counted in the transaction of its
event and in the UK month of the visit's start: visits booked, moved across months and within one,
cancelled by different people (one late, and a case's suspension), a report approved with a
no-show and the time from acceptance to the case's first visit held, reminders sent and answered,
an answer changed and changed back. Every scenario ends with the counters equal to a backfill's."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from tests.family_helpers import MOTHER_EMAIL, family_case, link_ids_in
from tests.helpers import SUPERVISOR, approval_path, post_form, wait_for, wait_for_email
from tests.report_helpers import book_on, write_and_submit
from tests.visit_helpers import CASEY, add_referral, add_worker, post_visit


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months_ahead(today: date, count: int) -> date:
    index = today.year * 12 + today.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _local(moment: datetime) -> str:
    from chalicelib.domain.local_time import to_local

    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _book(client, auth, referral_id: str, worker_id: str, start: str, minutes: int = 60, members=(0,)) -> str:
    end = (datetime.fromisoformat(start) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")
    body = {
        "referral_id": referral_id,
        "worker_id": worker_id,
        "start": start,
        "end": end,
        "venue": "Northshire Family Centre, Room 2",
        "participants": {"children": [0], "family_members": list(members)},
    }
    response = post_visit(client, auth("supervisor"), body)
    assert response.status_code == 201, response.body
    return response.json_body["id"]


def _dashboard(client, auth, first: str, last: str) -> dict[str, dict]:
    answer = client.http.get(f"/v1/dashboard?from={first}&to={last}", headers=auth("supervisor"))
    assert answer.status_code == 200, answer.body
    return {figure["key"]: figure for figure in answer.json_body["figures"]}


def _by_month(figure: dict) -> dict[str, float | int | None]:
    return {m["month"]: m["value"] for m in figure["months"]}


def _parts(figure: dict) -> dict[str, int]:
    return {part["key"]: part["total"] for part in figure["parts"]}


def _referral(decided: datetime | None = None) -> str:
    """An accepted referral written directly (`add_referral`, which counts it received), decided
    at `decided` if given, with the counters its decision would have kept."""
    from chalicelib.domain import monthly_counts, referral_figures
    from chalicelib.storage import monthly_figures
    from chalicelib.storage.base import transaction
    from chalicelib.storage.referrals import Referral

    referral_id = add_referral(plan=("2020-01-06", None))
    referral = Referral.get(referral_id, consistent_read=True)
    submitted = datetime.fromisoformat(referral.created_at)
    counts = {}
    if decided is not None:
        referral.decided_at, referral.decision = decided.isoformat(timespec="seconds"), "accept"
        referral.save()
        monthly_counts.merge(
            counts, referral_figures.decision_counts(True, submitted, datetime.fromisoformat(referral.decided_at))
        )
    with transaction() as tx:
        monthly_figures.add_counts(tx, counts)
    return referral_id


def _casey() -> str:
    from chalicelib.storage.workers import worker_by_email

    known = worker_by_email(CASEY)
    return known.worker_id if known else add_worker("Casey Evans", CASEY)


@pytest.mark.counted
def test_visits_booked_moved_and_cancelled_count_in_the_month_of_each_visits_start(client, auth, runtime):
    from chalicelib import clock

    today, now = clock.today(), clock.now()
    worker, referral_id = _casey(), _referral()
    later, latest = _months_ahead(today, 2), _months_ahead(today, 3)
    first = _book(client, auth, referral_id, worker, f"{later + timedelta(days=1)}T10:00")
    second = _book(client, auth, referral_id, worker, f"{later + timedelta(days=8)}T10:00")
    third = _book(client, auth, referral_id, worker, f"{later + timedelta(days=15)}T10:00")
    soon_start = now.replace(second=0, microsecond=0) + timedelta(hours=6)
    soon = _book(client, auth, referral_id, worker, _local(soon_start), minutes=30)

    supervisor = auth("supervisor")
    moved = client.http.patch(  # to the month after: leaves `later`, joins `latest`
        f"/v1/visits/{third}", headers=supervisor, body=json.dumps({"start": f"{latest + timedelta(days=2)}T10:00"})
    )
    assert moved.status_code == 200, moved.body
    within = client.http.patch(  # within its month: nothing changes
        f"/v1/visits/{second}", headers=supervisor, body=json.dumps({"start": f"{later + timedelta(days=20)}T10:00"})
    )
    assert within.status_code == 200, within.body
    for visit_id, by in ((first, "parent"), (soon, "carer")):
        cancelled = client.http.post(
            f"/v1/visits/{visit_id}/cancel",
            headers=supervisor,
            body=json.dumps({"cancelled_by": by, "reason": "Unwell"}),
        )
        assert cancelled.status_code == 200, cancelled.body

    soon_month = _month(datetime.fromisoformat(_local(soon_start)).date())
    figures = _dashboard(client, auth, _month(today), _month(latest))
    booked = _by_month(figures["visits_booked"])
    assert figures["visits_booked"]["total"] == 4
    assert booked[_month(later)] == 2 + (soon_month == _month(later))
    assert booked[_month(latest)] == 1
    assert booked[soon_month] >= 1
    cancelled = figures["visits_cancelled"]
    assert cancelled["total"] == 2
    assert _parts(cancelled) == {"parent": 1, "carer": 1, "child": 0, "service": 0, "other": 0}
    assert _by_month(cancelled)[_month(later)] == 1 + (soon_month == _month(later))
    late = figures["late_cancellations"]  # only the carer's, six hours before
    assert late["total"] == 1 and _by_month(late)[soon_month] == 1


@pytest.mark.counted
def test_a_suspended_case_counts_its_cancelled_visits_as_the_services(client, auth, runtime):
    from chalicelib import clock

    today = clock.today()
    worker, referral_id = _casey(), _referral()
    later = _months_ahead(today, 2)
    series = client.http.post(
        f"/v1/referrals/{referral_id}/visits",
        headers=auth("supervisor"),
        body=json.dumps(
            {
                "worker_id": worker,
                "first_start": f"{later}T10:00",
                "length_minutes": 60,
                "repeat": "weekly",
                "sessions": 6,
                "venue": "Northshire Family Centre, Room 2",
            }
        ),
    )
    assert series.status_code == 201, series.body
    suspended = client.http.post(
        f"/v1/referrals/{referral_id}/suspend",
        headers=auth("supervisor"),
        body=json.dumps({"reason": "Police inquiry"}),
    )
    assert suspended.status_code == 200, suspended.body

    figures = _dashboard(client, auth, _month(today), _month(_months_ahead(today, 4)))
    assert figures["visits_booked"]["total"] == 6
    assert figures["visits_cancelled"]["total"] == 6
    assert _parts(figures["visits_cancelled"])["service"] == 6
    assert figures["late_cancellations"]["total"] == 0


def _approve(client, runtime, count: int = 1) -> None:
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval", count=count)
    assert post_form(client, approval_path(message), {"decision": "approve", "confirmed": "yes"}).status_code == 200


def _attendance(child: str, family: str) -> dict:
    from chalicelib.examples import example_report

    entry = {"participant": "family-0", "attendance": family}
    if family == "late":
        entry["minutes_late"] = 10
    return {**example_report(), "attendance": [{"participant": "child-0", "attendance": child}, entry]}


def _reported(visit_id: str) -> bool:
    from chalicelib.storage.visits import Visit

    return Visit.get(visit_id, consistent_read=True).status == "REPORTED"


@pytest.mark.counted
def test_an_approved_report_holds_the_visit_counts_its_no_shows_and_the_days_to_the_first_visit(client, auth, runtime):
    from chalicelib import clock
    from chalicelib.storage.referrals import Referral

    referral_id = _referral(decided=clock.now() - timedelta(days=9, hours=12))
    worker = _casey()
    missed = book_on(client, auth, referral_id, worker, -3)  # the family did not come
    held = book_on(client, auth, referral_id, worker, -2)
    again = book_on(client, auth, referral_id, worker, -1)

    write_and_submit(client, auth, missed, _attendance("attended", "no_show"))
    _approve(client, runtime)
    wait_for(lambda: _reported(missed))
    write_and_submit(client, auth, held, _attendance("no_show", "late"))
    _approve(client, runtime, count=2)
    wait_for(lambda: _reported(held))
    write_and_submit(client, auth, again, _attendance("attended", "attended"))
    _approve(client, runtime, count=3)
    wait_for(lambda: _reported(again))

    stored = Referral.get(referral_id, consistent_read=True)
    assert stored.first_visit_held_id == held
    months = sorted({_month((clock.now() - timedelta(days=days)).date()) for days in (0, 1, 2, 3)})
    figures = _dashboard(client, auth, months[0], months[-1])
    assert figures["visits_held"]["total"] == 2
    assert figures["no_shows"]["total"] == 2
    assert _parts(figures["no_shows"]) == {"child": 1, "family_member": 1}
    first_visit = figures["median_days_to_first_visit"]  # about 7.5 days: the bucket "up to 10"
    assert first_visit["total"] == 10 and first_visit["target"] is None

    result = client.http.post("/dev/jobs/dashboard-backfill", headers={"Content-Type": "application/json"}, body="{}")
    assert result.status_code == 200, result.body
    read = result.json_body["result"]["read"]
    assert read == {**read, "referrals": 1, "visits": 3, "reports": 3, "reminders": 0, "incidents": 0}
    assert _dashboard(client, auth, months[0], months[-1]) == figures  # the backfill keeps what was counted


def _run_reminders(client) -> dict:
    response = client.http.post(
        "/dev/jobs/family-reminders", headers={"Content-Type": "application/json"}, body=json.dumps({})
    )
    assert response.status_code == 200, response.body
    return response.json_body["result"]


def _answer(client, link_id: str, chosen: str) -> None:
    answered = post_form(client, f"/family/{link_id}", {"answer": chosen})
    assert answered.status_code == 200, answered.body


@pytest.mark.counted
def test_reminders_sent_and_answers_changed_count_as_they_stand(client, auth, runtime):
    from chalicelib import clock

    now = clock.now().replace(second=0, microsecond=0)
    referral_id, worker = family_case(channel="email"), _casey()
    tonight = _book(client, auth, referral_id, worker, _local(now + timedelta(hours=10)))
    tomorrow = _book(client, auth, referral_id, worker, _local(now + timedelta(hours=36)))
    assert _run_reminders(client)["sent"] == 2
    messages = [m for m in runtime.outbox.messages() if MOTHER_EMAIL in m["to"]]
    links = {}
    for message in messages:
        (link_id,) = link_ids_in(message["text"])
        links[_visit_of(link_id)] = link_id

    _answer(client, links[tonight], "coming")
    _answer(client, links[tonight], "cannot_come")  # ten hours before: late
    _answer(client, links[tonight], "coming")  # changed back: no longer late, confirmed again
    _answer(client, links[tomorrow], "cannot_come")  # 36 hours before: not late
    _answer(client, links[tomorrow], "cannot_come")  # the same answer again changes nothing

    months = sorted({_month((now + timedelta(hours=h)).date()) for h in (0, 10, 36, 48)})
    figures = _dashboard(client, auth, months[0], months[-1])
    assert figures["reminders_sent"]["total"] == 2
    assert figures["reminders_confirmed"]["total"] == 1
    assert figures["reminders_confirmed_share"]["total"] == 0.5
    assert figures["late_cancellations"]["total"] == 0

    _answer(client, links[tonight], "cannot_come")
    figures = _dashboard(client, auth, months[0], months[-1])
    assert figures["late_cancellations"]["total"] == 1
    assert figures["reminders_confirmed"]["total"] == 0


def _visit_of(link_id: str) -> str:
    from chalicelib.domain.link_ids import hash_link
    from chalicelib.storage.families import FamilyLink

    return FamilyLink.get(hash_link(link_id), consistent_read=True).visit_id


def test_the_visits_section_follows_the_referrals_on_the_dashboard(client, auth):
    answer = client.http.get("/v1/dashboard", headers=auth("admin"))
    sections = list(dict.fromkeys(figure["section"] for figure in answer.json_body["figures"]))
    assert sections[:2] == ["referrals", "visits"]


def test_a_series_too_long_for_one_write_with_its_counters_is_a_422_naming_the_sessions(client, auth):
    from chalicelib import clock

    worker, referral_id = _casey(), _referral()
    body = {
        "worker_id": worker,
        "first_start": f"{clock.today() + timedelta(days=7)}T10:00",
        "length_minutes": 60,
        "repeat": "fortnightly",
        "sessions": 40,  # 19 months: 40 visits, their events and 19 counters do not fit in one write
        "venue": "Northshire Family Centre, Room 2",
    }
    answer = client.http.post(f"/v1/referrals/{referral_id}/visits", headers=auth("supervisor"), body=json.dumps(body))
    assert answer.status_code == 422, answer.body
    assert [f["path"] for f in answer.json_body["error"]["fields"]] == ["sessions"]
    assert "book at most" in answer.json_body["error"]["fields"][0]["message"]
    body["sessions"] = 30
    assert (
        client.http.post(
            f"/v1/referrals/{referral_id}/visits", headers=auth("supervisor"), body=json.dumps(body)
        ).status_code
        == 201
    )
