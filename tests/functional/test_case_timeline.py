"""A case's timeline: everything that happened to a referral, its visits and their reports, in the
order it happened, each naming who acted; the referrer sees only what they may (DESIGN.md
section 3, Case; section 6, `GET /v1/referrals/{id}/timeline`)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from chalicelib.examples import example_report
from tests.dates import example_referral
from tests.functional.test_plain_words import VisibleText
from tests.helpers import SUPERVISOR, shown_as, submit_referral, wait_for, wait_for_email
from tests.report_helpers import book_on, book_visit, save, submit
from tests.visit_helpers import CASEY, REFERRER_EMAIL, add_worker

URGENT_REPORT = {
    **example_report(),
    "safeguarding_concern": True,
    "safeguarding_details": "The father whispered the carer's street name to the child.",
}


def timeline_of(client, headers: dict, referral_id: str, **query) -> dict:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    response = client.http.get(f"/v1/referrals/{referral_id}/timeline{suffix}", headers=headers)
    assert response.status_code == 200, response.body
    return response.json_body


def approve(client, auth, visit_id: str) -> None:
    decide = lambda: client.http.post(  # noqa: E731 - the review may still be issuing its link
        f"/v1/visits/{visit_id}/report/decision", headers=auth("supervisor"), body=json.dumps({"decision": "approve"})
    )
    wait_for(lambda: decide().status_code == 200, what="the report's approval")


def reported(client, auth, referral_id: str, visit_id: str) -> dict:
    """The staff timeline once the service has done the approval's last step: the visit marked as
    reported, then the referrer told."""
    found: dict = {}

    def done() -> bool:
        found.update(timeline_of(client, auth("supervisor"), referral_id))
        return any(e["action"] == "report.referrer_notified" and e["id"] == visit_id for e in found["entries"])

    wait_for(done, what="the referrer told of the approved report")
    return found


def visible_timeline(page) -> str:
    html = page.body.decode()
    section = re.search(r'<section id="timeline".*?</section>', html, re.S)
    assert section, "the page has no timeline"
    return re.sub(r"\s+", " ", VisibleText(section.group(0)).text)


@pytest.fixture
def case(client, auth, runtime) -> dict:
    """A referral submitted by Sam, accepted by the supervisor, a past and an upcoming visit booked
    for Casey, the past visit's report submitted by Casey and approved by the supervisor."""

    referral_id = submit_referral(client, auth(email=REFERRER_EMAIL), example_referral()).json_body["id"]
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    accept = lambda: client.http.post(  # noqa: E731 - the review may still be issuing its link
        f"/v1/referrals/{referral_id}/decision", headers=auth("supervisor"), body=json.dumps({"decision": "accept"})
    )
    wait_for(lambda: accept().status_code == 200, what="the referral's acceptance")
    casey = add_worker("Casey Evans", CASEY)
    past, upcoming = (book_on(client, auth, referral_id, casey, days) for days in (-1, 2))
    assert save(client, auth, past).status_code == 200 and submit(client, auth, past).status_code == 200
    approve(client, auth, past)
    return {"referral_id": referral_id, "past": past, "upcoming": upcoming}


def test_the_timeline_tells_the_case_in_order_and_names_who_did_each_thing(client, auth, case):
    referral_id, past, upcoming = case["referral_id"], case["past"], case["upcoming"]
    # WHEN the supervisor reads the case's timeline
    timeline = reported(client, auth, referral_id, past)
    entries = timeline["entries"]
    assert timeline["view"] == "staff" and timeline["next_cursor"] is None
    # THEN it is in the order things happened
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    steps = [(e["action"], e["id"]) for e in entries]
    order = [
        ("referral.submitted", referral_id),
        ("referral.decided", referral_id),
        ("visit.recorded_past", past),
        ("visit.scheduled", upcoming),
        ("report.submitted", past),
        ("report.decided", past),
        ("visit.reported", past),
    ]
    assert [step for step in steps if step in order] == order
    assert steps.index(("referral.activated", referral_id)) < steps.index(("visit.scheduled", upcoming))
    # AND each names who acted: people by name, the service's own steps as the service
    by = {e["action"]: e for e in entries}
    assert by["referral.submitted"]["by"] == "Sam Okafor"
    assert by["referral.submitted"]["summary"] == "Sam Okafor submitted the referral"
    supervisor = shown_as(SUPERVISOR).split(",")[0]
    assert by["referral.decided"]["summary"] == f"{supervisor} accepted the referral"
    assert by["visit.scheduled"]["summary"].startswith(f"{supervisor} booked the visit on ")
    assert by["report.submitted"]["by"] == "Casey Evans" and by["report.submitted"]["actor"] == CASEY
    assert by["report.decided"]["summary"].startswith(f"{supervisor} approved the report of the visit on ")
    assert by["visit.reported"]["actor"] == "system" and by["visit.reported"]["by"] == "The service"
    assert by["referral.review_started"]["summary"] == "The service started the review of the referral"


def test_the_timeline_pages_through_a_long_case_without_missing_or_repeating_an_event(client, auth, case):
    referral_id = case["referral_id"]
    whole = reported(client, auth, referral_id, case["past"])["entries"]
    seen, cursor = [], None
    while True:
        page = timeline_of(client, auth("admin"), referral_id, limit=3, **({"cursor": cursor} if cursor else {}))
        assert len(page["entries"]) <= 3
        seen += page["entries"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole


def test_the_referrer_sees_the_case_without_internal_steps(client, auth, case):
    referral_id, past = case["referral_id"], case["past"]
    staff = reported(client, auth, referral_id, past)
    # WHEN Sam, who made the referral, reads the timeline
    mine = timeline_of(client, auth(email=REFERRER_EMAIL), referral_id)
    actions = [e["action"] for e in mine["entries"]]
    # THEN they see the decision, the visits and the approved report, and none of the steps between
    assert mine["view"] == "referrer"
    assert {"referral.submitted", "referral.decided", "visit.scheduled", "report.decided"} <= set(actions)
    hidden = {"report.submitted", "report.draft_started", "approval_link.issued", "approval_link.retired"}
    assert hidden & {e["action"] for e in staff["entries"]} and not hidden & set(actions)
    assert not any("signed_in_as" in e["changes"] or "approver" in e["changes"] for e in mine["entries"])


def test_another_referrer_and_a_worker_cannot_read_the_timeline(client, auth, case):
    referral_id = case["referral_id"]
    for headers in (auth(email="alex.referrer@council.example"), auth("worker", CASEY)):
        assert client.http.get(f"/v1/referrals/{referral_id}/timeline", headers=headers).status_code == 403


def test_a_cursor_not_issued_by_the_service_is_a_400(client, auth, case):
    response = client.http.get(
        f"/v1/referrals/{case['referral_id']}/timeline?cursor=bm90LW91cnM", headers=auth("supervisor")
    )
    assert response.status_code == 400


# -- what the referrer may not see --------------------------------------------------------------


@pytest.fixture
def confidential_case(client, auth, runtime) -> dict:
    """A referral whose address is confidential, with yesterday's visit (booked for 10:00) and its
    report, which raised a safeguarding concern, approved."""
    from chalicelib.storage.visits import Visit

    visit_id = book_visit(client, auth, confidential=True)
    assert save(client, auth, visit_id, URGENT_REPORT).status_code == 200
    assert submit(client, auth, visit_id).status_code == 200
    approve(client, auth, visit_id)
    referral_id = Visit.get(visit_id).referral_id
    reported(client, auth, referral_id, visit_id)
    return {"referral_id": referral_id, "visit": visit_id}


def test_the_referrer_sees_no_times_venue_or_safeguarding_of_a_confidential_case(client, auth, confidential_case):
    referral_id = confidential_case["referral_id"]
    staff = timeline_of(client, auth("supervisor"), referral_id)
    # GIVEN staff see the visit's times and the urgent alerts
    assert "report.urgent_alerted" in {e["action"] for e in staff["entries"]}
    assert any("10:00" in e["summary"] for e in staff["entries"])
    # WHEN the referrer reads it
    mine = timeline_of(client, auth(email=REFERRER_EMAIL), referral_id)
    text = json.dumps(mine)
    # THEN the visit is named by its day alone, with no times or venue, and no safeguarding detail
    assert {"visit.recorded_past", "report.decided"} <= {e["action"] for e in mine["entries"]}
    assert "10:00" not in text and "11:30" not in text and "T09:00" not in text and "Northshire" not in text
    assert not any({"starts_at", "ends_at", "venue"} & set(e["changes"]) for e in mine["entries"])
    assert "urgent" not in text and "safeguarding" not in text and "whispered" not in text


def test_the_referrer_sees_no_report_before_it_is_approved(client, auth, runtime):
    from chalicelib.storage.visits import Visit

    visit_id = book_visit(client, auth)
    assert save(client, auth, visit_id, URGENT_REPORT).status_code == 200
    assert submit(client, auth, visit_id).status_code == 200
    referral_id = Visit.get(visit_id).referral_id
    staff = timeline_of(client, auth("supervisor"), referral_id)
    mine = timeline_of(client, auth(email=REFERRER_EMAIL), referral_id)
    assert "report" in {e["entity"] for e in staff["entries"]}
    assert "visit" in {e["entity"] for e in mine["entries"]}
    assert "report" not in {e["entity"] for e in mine["entries"]}


# -- on the case page -----------------------------------------------------------------------------


def test_the_case_page_shows_the_timeline_to_staff_and_the_referrers_view_to_the_referrer(
    client, auth, confidential_case
):
    referral_id = confidential_case["referral_id"]
    staff = visible_timeline(client.http.get(f"/referrals/{referral_id}", headers=auth("supervisor")))
    assert "sent the urgent alerts" in staff and "10:00" in staff and "Casey Evans submitted the report" in staff
    mine = visible_timeline(client.http.get(f"/referrals/{referral_id}", headers=auth(email=REFERRER_EMAIL)))
    assert "approved the report of the visit on" in mine
    assert "10:00" not in mine and "urgent" not in mine and "submitted the report" not in mine


# -- the admin's audit page finds the whole case --------------------------------------------------


def test_the_audit_page_finds_a_cases_visits_and_reports_from_its_reference(client, auth, case):
    from urllib.parse import urlencode

    from chalicelib.domain.referral_reference import human_reference

    referral_id, past = case["referral_id"], case["past"]
    reported(client, auth, referral_id, past)
    query = urlencode({"kind": "referral", "id": human_reference(referral_id)})
    response = client.http.get(f"/audit?{query}", headers=auth("admin"))
    text = re.sub(r"\s+", " ", VisibleText(response.body.decode()).text)
    assert response.status_code == 200
    assert "Submitted the referral" in text and "Booked the visit" in text
    assert "Submitted the report" in text and "Decided the report" in text
    assert f'href="/visits/{past}"' in response.body.decode() or f"/visits/{past}/report" in response.body.decode()


# -- every event of a case's items carries the case ------------------------------------------------


def _items_of_case(referral_id: str) -> list[tuple[str, str]]:
    """Every item of the case, found from its own keys and indexes (not through the audit log)."""
    from chalicelib.storage import case_reviews, incidents, reports, visits

    visit_ids = [v.visit_id for v in visits.visits_of_referral(referral_id)]
    return [
        ("referral", referral_id),
        *(("visit", v) for v in visit_ids),
        *(("report", v) for v in reports.reports_of(visit_ids)),
        *(("incident", i.incident_id) for i in incidents.of_referral(referral_id)),
        *(("case_review", r.review_id) for r in case_reviews.reviews_of(referral_id)),
    ]


def _visit_under_way(client, auth, referral_id: str) -> str:
    """A visit of the case that started an hour ago (booked, then moved there in storage: a booking
    cannot start in the past), so an incident can be recorded at it."""
    from chalicelib import clock
    from chalicelib.storage.visits import Visit
    from chalicelib.storage.workers import worker_by_email

    visit = Visit.get(book_on(client, auth, referral_id, worker_by_email(CASEY).worker_id, 5), consistent_read=True)
    start = clock.now().replace(microsecond=0) - timedelta(minutes=60)
    visit.starts_at, visit.ends_at = start.isoformat(), (start + timedelta(minutes=90)).isoformat()
    visit.save()
    return visit.visit_id


def test_every_event_of_a_cases_items_carries_the_case_and_is_in_its_one_query_history(client, auth, case):
    """A whole case's life, every writer in it: a writer that forgets the case fails here (or at
    once: `services.audit.case_of`)."""
    from chalicelib import clock
    from chalicelib.domain.case_reviews import example_case_review
    from chalicelib.services.audit import history
    from chalicelib.storage.audit import events_for, events_of_case
    from tests.incident_helpers import incident_body, recorded_incident

    referral_id, upcoming = case["referral_id"], case["upcoming"]
    reported(client, auth, referral_id, case["past"])
    supervisor = auth("supervisor")

    def post(path: str, body: dict) -> None:
        response = client.http.post(path, headers=supervisor, body=json.dumps(body))
        assert response.status_code in (200, 201), (path, response.body)

    later = (clock.now() + timedelta(days=9)).date().isoformat()
    moved = client.http.patch(
        f"/v1/visits/{upcoming}",
        headers=supervisor,
        body=json.dumps({"start": f"{later}T14:00", "end": f"{later}T15:30"}),
    )
    assert moved.status_code == 200, moved.body
    post(f"/v1/visits/{upcoming}/cancel", {"cancelled_by": "carer", "reason": "Maya is unwell."})
    at = _visit_under_way(client, auth, referral_id)
    incident_id = recorded_incident(client, auth, at, incident_body(at))
    decide = lambda: client.http.post(  # noqa: E731 - the review may still be issuing its link
        f"/v1/incidents/{incident_id}/decision", headers=supervisor, body=json.dumps({"decision": "continue"})
    )
    wait_for(lambda: decide().status_code == 200, what="the incident's decision")
    wait_for(
        lambda: "incident.referrer_notified" in [e["action"] for e in history("incident", incident_id)],
        what="the referrer told of the decision",
    )
    post(f"/v1/referrals/{referral_id}/reviews", example_case_review())
    post(f"/v1/referrals/{referral_id}/suspend", {"reason": "Police inquiry"})
    post(f"/v1/referrals/{referral_id}/resume", {"reason": "Inquiry closed"})
    post(f"/v1/referrals/{referral_id}/close", {"reason": "plan_completed", "summary": "The plan is complete."})

    items = _items_of_case(referral_id)
    assert {kind for kind, _ in items} == {"referral", "visit", "report", "incident", "case_review"}
    by_item = [event for kind, item_id in items for event in events_for(kind, item_id, limit=1000)[0]]
    assert [(e.entity, e.action) for e in by_item if e.case_id != referral_id] == []
    by_case, cursor = [], None
    while True:  # small pages: the cursor is followed across them
        page, cursor = events_of_case(referral_id, limit=7, cursor=cursor)
        by_case += page
        if cursor is None:
            break
    assert {e.event_key for e in by_item} <= {e.event_key for e in by_case}
    assert [e.event_key for e in by_case] == sorted(e.event_key for e in by_case)
    actions = {e.action for e in by_item}
    assert {"visit.rescheduled", "visit.cancelled", "report.decided", "incident.decided"} <= actions
    assert {"case_review.recorded", "referral.suspended", "referral.closed", "approval_link.issued"} <= actions


def test_an_event_of_a_cases_item_without_its_case_is_refused_before_anything_is_written(runtime):
    from chalicelib.services.audit import CaseNotGiven, audited_transaction, new_event
    from chalicelib.storage.audit import events_for

    with pytest.raises(CaseNotGiven):
        new_event("incident", "i-1", SUPERVISOR, "incident.recorded", {})
    with pytest.raises(CaseNotGiven), audited_transaction(SUPERVISOR) as tx:
        tx.record("visit", "v-1", "visit.booked", {})
    assert events_for("visit", "v-1", limit=10)[0] == []
    with pytest.raises(CaseNotGiven):
        new_event("referral", "r-1", SUPERVISOR, "referral.submitted", {}, case_id="r-2")
    # The referral is its own case; what belongs to no case (a worker) carries none.
    assert new_event("referral", "r-1", SUPERVISOR, "referral.submitted").case_id == "r-1"
    assert new_event("worker", "w-1", SUPERVISOR, "created").case_id is None


def test_the_case_page_shows_the_first_events_and_links_to_the_later_ones(client, auth, case, monkeypatch):
    from html import unescape

    from chalicelib.services import case_timeline

    referral_id = case["referral_id"]
    monkeypatch.setattr(case_timeline, "PAGE", 2)
    first = client.http.get(f"/referrals/{referral_id}", headers=auth("supervisor"))
    assert visible_timeline(first).count("Sam Okafor submitted the referral") == 1
    link = re.search(r'href="(/referrals/[0-9a-f]+/timeline\?cursor=[^"]+)"', first.body.decode())
    assert link, "no link to the later events"
    later = client.http.get(unescape(link.group(1)), headers=auth("supervisor"))
    assert later.status_code == 200
    text = visible_timeline(later)
    assert "Later events" in text and "submitted the referral" not in text and "accepted the referral" in text


def test_a_link_issued_before_links_kept_their_case_is_retired_under_its_case(client, auth, runtime):
    """Local data kept across restarts may hold links from before: their item tells their case."""
    from chalicelib.services import approvals
    from chalicelib.storage.approval_links import active_links
    from chalicelib.storage.audit import events_of_case
    from chalicelib.storage.visits import Visit
    from tests.report_helpers import write_and_submit

    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    wait_for_email(runtime.outbox, SUPERVISOR, "report")
    (link,) = active_links("report", visit_id)
    link.update(actions=[type(link).case_id.remove()])  # as a link issued before links kept their case

    approvals.retire_active("report", visit_id, reason="superseded")

    events, _ = events_of_case(Visit.get(visit_id).referral_id, limit=100)
    assert ("report", visit_id, "approval_link.retired") in {(e.entity, e.entity_id, e.action) for e in events}
