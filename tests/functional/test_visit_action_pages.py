"""One visit's pages: the visit with its briefing, moving, reassigning and cancelling it from the pages,
and the supervisor's list of visits at risk. Who may see what."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from tests.dates import at, days_from_today, long_day
from tests.helpers import post_form
from tests.report_helpers import write_report
from tests.visit_helpers import CASEY, ROBIN, add_referral, add_worker, post_visit


def text_of(page: str) -> str:
    """What a person reads: the page without its tags, its entities as characters."""
    import html
    import re

    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def bearer(auth, role: str, email: str | None = None) -> dict:
    """Who posts a form (its Content-Type is the form's own)."""
    return {"Authorization": auth(role, email)["Authorization"]}


def book(client, auth, referral_id: str, worker_id: str, day, hhmm: str = "10:00", end: str = "11:00") -> str:
    body = {
        "referral_id": referral_id,
        "worker_id": worker_id,
        "start": at(day, hhmm),
        "end": at(day, end),
        "venue": "Northshire Family Centre, Room 2",
    }
    response = post_visit(client, auth("supervisor"), body)
    assert response.status_code == 201, response.body
    return response.json_body["id"]


def flag_at_risk(visit_id: str, reason: str = "First aid certificate expired") -> None:
    from chalicelib.storage.visits import Visit

    Visit.get(visit_id).update(actions=[Visit.at_risk.set(True), Visit.at_risk_reason.set(reason)])


def stored(visit_id: str):
    from chalicelib.storage.visits import Visit

    return Visit.get(visit_id, consistent_read=True)


@pytest.fixture
def soon():
    return days_from_today(5)


@pytest.fixture
def booked(client, auth, casey, soon) -> str:
    return book(client, auth, add_referral(confidential=True), casey, soon)


# -- the visit's page and its briefing ------------------------------------------------------------


def test_the_assigned_worker_reads_the_briefing_on_the_visits_page(client, auth, booked):
    response = client.http.get(f"/visits/{booked}", headers=auth("worker", CASEY))
    assert response.status_code == 200
    text = text_of(response.body.decode())
    assert "Asthma; carries an inhaler" in text  # the child's needs and communication
    assert "Must not be told the foster carers' address" in text  # the family member's safety notes
    assert "Domestic abuse" in text and "Historic domestic abuse by the father" in text
    assert "Confidential address" in text
    assert "Foster care" in text
    assert "Brings the child Foster carer, Ms Jones" in text  # who brings and collects the child
    assert "Collects the child Foster carer, Ms Jones, or her husband Mr Jones" in text
    # The warning, never the address itself
    assert "12 Elm Row" not in text


def test_another_worker_cannot_open_the_visits_page(client, auth, booked):
    add_worker("Robin Patel", ROBIN)
    assert client.http.get(f"/visits/{booked}", headers=auth("worker", ROBIN)).status_code == 403


def test_a_referrer_cannot_open_the_visits_page_and_never_sees_the_confidential_address(client, auth, booked):
    response = client.http.get(f"/visits/{booked}", headers=auth("referrer"))
    assert response.status_code == 403
    assert "12 Elm Row" not in response.body.decode()


def test_an_unknown_visit_is_the_same_403_for_a_worker_and_a_404_for_a_supervisor(client, auth, casey):
    assert client.http.get("/visits/no-such-visit", headers=auth("worker", CASEY)).status_code == 403
    assert client.http.get("/visits/no-such-visit", headers=auth("supervisor")).status_code == 404


def test_the_briefing_carries_the_last_approved_reports_recommendations(client, auth, casey, soon):
    referral_id = add_referral()
    earlier = book(client, auth, referral_id, casey, days_from_today(-7))
    later = book(client, auth, referral_id, casey, soon)
    content = {"brought_by": "Foster carer (Mrs Okafor)", "recommendations": "Keep the sessions at the family centre."}
    write_report(earlier, "APPROVED", content)
    text = text_of(client.http.get(f"/visits/{later}", headers=auth("worker", CASEY)).body.decode())
    assert "Keep the sessions at the family centre." in text
    assert "Foster carer (Mrs Okafor)" in text
    assert long_day(days_from_today(-7)) in text


def without_handover(referral_id: str) -> None:
    """The referral as one stored before the form asked who brings and collects the child."""
    from chalicelib.storage.referrals import Referral

    referral = Referral.get(referral_id)
    contact = referral.submission["contact"]
    del contact["brought_by"], contact["collected_by"]
    referral.update(actions=[Referral.submission.set(referral.submission)])


def test_the_briefing_keeps_who_brought_the_child_last_time_when_it_differs_from_the_referral(
    client, auth, casey, soon
):
    # GIVEN a referral naming the foster carer, and an approved report saying someone else came
    referral_id = add_referral()
    earlier = book(client, auth, referral_id, casey, days_from_today(-7))
    later = book(client, auth, referral_id, casey, soon)
    write_report(earlier, "APPROVED", {"brought_by": "Grandmother (Mrs Ali)", "recommendations": "None."})

    # WHEN the assigned worker opens the next visit
    text = text_of(client.http.get(f"/visits/{later}", headers=auth("worker", CASEY)).body.decode())

    # THEN the referral's answers come first, and the last visit's as a second line
    assert "Brings the child Foster carer, Ms Jones" in text
    day = long_day(days_from_today(-7))
    assert f"At the last reported visit ({day}) the child was brought by: Grandmother (Mrs Ali)" in text
    assert text.index("Foster carer, Ms Jones") < text.index("Grandmother (Mrs Ali)")


def test_the_briefing_does_not_repeat_who_brought_the_child_when_the_referral_says_the_same(client, auth, casey, soon):
    referral_id = add_referral()
    earlier = book(client, auth, referral_id, casey, days_from_today(-7))
    later = book(client, auth, referral_id, casey, soon)
    write_report(earlier, "APPROVED", {"brought_by": "foster carer,  Ms Jones", "recommendations": "None."})

    text = text_of(client.http.get(f"/visits/{later}", headers=auth("worker", CASEY)).body.decode())

    assert "Brings the child Foster carer, Ms Jones" in text
    assert "the child was brought by" not in text


def test_an_old_referral_without_who_brings_the_child_still_briefs_the_worker(client, auth, casey, soon):
    # GIVEN a referral stored before the form asked who brings and collects the child
    referral_id = add_referral()
    without_handover(referral_id)
    visit = book(client, auth, referral_id, casey, soon)

    # WHEN the assigned worker opens the visit
    response = client.http.get(f"/visits/{visit}", headers=auth("worker", CASEY))

    # THEN the briefing is there and says it is not recorded yet
    assert response.status_code == 200
    text = text_of(response.body.decode())
    assert "Asthma; carries an inhaler" in text
    assert "Not recorded yet: confirm who brings and who collects the child" in text
    assert "Brings the child" not in text


def test_an_old_referral_falls_back_to_who_brought_the_child_last_time(client, auth, casey, soon):
    referral_id = add_referral()
    without_handover(referral_id)
    earlier = book(client, auth, referral_id, casey, days_from_today(-7))
    later = book(client, auth, referral_id, casey, soon)
    write_report(earlier, "APPROVED", {"brought_by": "Foster carer (Mrs Okafor)", "recommendations": "None."})

    text = text_of(client.http.get(f"/visits/{later}", headers=auth("worker", CASEY)).body.decode())

    assert f"At the last reported visit ({long_day(days_from_today(-7))})" in text
    assert "the child was brought by: Foster carer (Mrs Okafor)" in text
    assert "Not recorded yet" not in text


# -- the case page ------------------------------------------------------------------------------------


def test_the_case_page_lists_each_visits_report_and_links_the_approved_one(client, auth, casey):
    referral_id = add_referral("ACTIVE")
    approved = book(client, auth, referral_id, casey, days_from_today(-14))
    draft = book(client, auth, referral_id, casey, days_from_today(-7))
    write_report(approved, "APPROVED", {"recommendations": "Continue."})
    write_report(draft, "DRAFT")
    for role in ("supervisor", "referrer"):
        html = client.http.get(f"/referrals/{referral_id}", headers=auth(role)).body.decode()
        assert f'href="/visits/{approved}/report"' in html and f'href="/visits/{approved}/report.pdf"' in html
        assert f"/visits/{draft}/report" not in html  # only an approved report is linked
    supervisor = text_of(client.http.get(f"/referrals/{referral_id}", headers=auth("supervisor")).body.decode())
    assert "Approved: read it · PDF" in supervisor and "Draft" in supervisor
    referrer = text_of(client.http.get(f"/referrals/{referral_id}", headers=auth("referrer")).body.decode())
    assert "Not approved yet" in referrer and "Draft" not in referrer
    # AND the referrer can follow both links
    assert client.http.get(f"/visits/{approved}/report", headers=auth("referrer")).status_code == 200
    pdf = client.http.get(f"/visits/{approved}/report.pdf", headers={**auth("referrer"), "Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"


def test_the_supervisor_sees_the_visits_actions_the_worker_does_not(client, auth, booked):
    supervisor = client.http.get(f"/visits/{booked}", headers=auth("supervisor")).body.decode()
    assert f'href="/visits/{booked}/cancel?' in supervisor
    worker = client.http.get(f"/visits/{booked}", headers=auth("worker", CASEY)).body.decode()
    assert f"/visits/{booked}/cancel" not in worker


# -- the actions ----------------------------------------------------------------------------------


def test_cancelling_from_the_page_records_who_and_why_and_returns_to_the_week(client, auth, booked, soon):
    back = f"/visits/week?start={soon}"
    response = post_form(
        client,
        f"/visits/{booked}/cancel",
        {"cancelled_by": "carer", "reason": "Maya is unwell.", "next": back},
        headers=bearer(auth, "supervisor"),
    )
    assert response.status_code == 303, response.body
    assert response.headers["Location"] == f"{back}&done=cancelled#visit-{booked}"
    visit = stored(booked)
    assert (visit.status, visit.cancelled_by, visit.cancel_reason) == ("CANCELLED", "carer", "Maya is unwell.")
    week = client.http.get(f"{back}&done=cancelled", headers=auth("supervisor")).body.decode()
    assert "The visit was cancelled." in week


def test_a_cancellation_without_a_reason_is_shown_beside_its_field_and_changes_nothing(client, auth, booked):
    response = post_form(
        client, f"/visits/{booked}/cancel", {"cancelled_by": "parent", "reason": ""}, headers=bearer(auth, "supervisor")
    )
    assert response.status_code == 422
    html = response.body.decode()
    assert 'id="reason-error"' in html
    assert 'value="parent" checked' in html  # what was chosen is kept
    assert stored(booked).status == "SCHEDULED"


def test_moving_keeps_the_length_and_goes_back_to_the_visits_page(client, auth, booked, soon):
    later = soon + timedelta(days=1)
    response = post_form(
        client,
        f"/visits/{booked}/move",
        {"start": at(later, "14:00"), "venue": "Northshire Family Centre, Room 2"},
        headers=bearer(auth, "supervisor"),
    )
    assert response.status_code == 303, response.body
    assert response.headers["Location"] == f"/visits/{booked}?done=moved#visit-{booked}"
    page = client.http.get(f"/visits/{booked}?done=moved", headers=auth("supervisor")).body.decode()
    assert "The visit was moved." in page and "14:00" in text_of(page)
    assert stored(booked).ends_at.startswith(f"{later}T") or "15:00" in text_of(page)


def test_a_move_onto_a_clash_names_the_other_visit_by_day_and_time_and_keeps_what_was_typed(
    client, auth, casey, booked, soon
):
    other = book(client, auth, add_referral(), casey, soon, "14:00", "15:00")
    typed = at(soon, "14:30")
    response = post_form(
        client, f"/visits/{booked}/move", {"start": typed, "venue": "Room 9"}, headers=bearer(auth, "supervisor")
    )
    assert response.status_code == 409
    html = response.body.decode()
    text = text_of(html)
    assert "The visit was not changed" in text
    assert "14:00" in text and other not in text  # the clashing visit by its time, never its id
    assert f'value="{typed}"' in html and 'value="Room 9"' in html
    assert stored(booked).starts_at < stored(other).starts_at


def test_the_worker_picker_says_who_is_compliant_and_who_is_free(client, auth, casey, booked, soon):
    free = add_worker("Robin Patel", ROBIN)
    lapsed = add_worker("Alex Morgan", "alex.morgan@familycontact.example", first_aid_expires=soon - timedelta(days=1))
    busy = add_worker("Jo Busy", "jo.busy@familycontact.example")
    book(client, auth, add_referral(), busy, soon, "10:30", "11:30")
    html = client.http.get(f"/visits/{booked}/reassign", headers=auth("supervisor")).body.decode()
    text = text_of(html)
    day = long_day(soon)
    assert f"Robin Patel Compliant on {day}, free at that time" in text.replace(" — ", " ")
    assert f"Alex Morgan Not compliant on {day}" in text.replace(" — ", " ")
    assert "Jo Busy" in text and "busy: another visit 10:30–11:30" in text
    assert "Casey Evans (assigned now)" in text
    assert text.index("Robin Patel") < text.index("Alex Morgan")  # who can take it comes first
    assert {free, lapsed, busy} <= set(__import__("re").findall(r'name="worker_id" value="([^"]+)"', html))


def test_reassigning_to_a_compliant_worker_clears_the_at_risk_flag(client, auth, booked):
    robin = add_worker("Robin Patel", ROBIN)
    flag_at_risk(booked)
    response = post_form(
        client,
        f"/visits/{booked}/reassign",
        {"worker_id": robin, "next": "/visits/at-risk"},
        headers=bearer(auth, "supervisor"),
    )
    assert response.status_code == 303, response.body
    assert response.headers["Location"] == f"/visits/at-risk?done=reassigned#visit-{booked}"
    visit = stored(booked)
    assert visit.worker_id == robin and not visit.at_risk


def test_reassigning_to_a_non_compliant_worker_is_refused_with_the_reason_once(client, auth, booked, soon):
    lapsed = add_worker("Alex Morgan", "alex.morgan@familycontact.example", first_aid_expires=soon - timedelta(days=1))
    response = post_form(
        client, f"/visits/{booked}/reassign", {"worker_id": lapsed}, headers=bearer(auth, "supervisor")
    )
    assert response.status_code == 409
    text = text_of(response.body.decode())
    assert "The visit was not changed" in text and "will not be compliant" in text
    assert stored(booked).worker_id != lapsed


def test_reassigning_without_choosing_is_a_422_beside_the_picker(client, auth, booked):
    response = post_form(client, f"/visits/{booked}/reassign", {"worker_id": ""}, headers=bearer(auth, "supervisor"))
    assert response.status_code == 422
    assert 'id="worker_id-error"' in response.body.decode()


def test_a_cancelled_visit_cannot_be_moved_and_the_page_says_so(client, auth, booked, soon):
    post_form(
        client,
        f"/visits/{booked}/cancel",
        {"cancelled_by": "carer", "reason": "Ill."},
        headers=bearer(auth, "supervisor"),
    )
    response = post_form(
        client, f"/visits/{booked}/move", {"start": at(soon, "15:00"), "venue": ""}, headers=bearer(auth, "supervisor")
    )
    assert response.status_code == 409
    assert "cancelled, so it cannot be changed" in text_of(response.body.decode())


def test_an_action_returns_only_to_a_visits_page_of_ours(client, auth, booked):
    response = post_form(
        client,
        f"/visits/{booked}/cancel",
        {"cancelled_by": "carer", "reason": "Ill.", "next": "//evil.example/visits/week"},
        headers=bearer(auth, "supervisor"),
    )
    assert response.headers["Location"].startswith(f"/visits/{booked}?done=cancelled")


@pytest.mark.parametrize("action", ["move", "reassign", "cancel"])
def test_only_a_supervisor_opens_or_posts_the_actions(client, auth, booked, action):
    assert client.http.get(f"/visits/{booked}/{action}", headers=auth("supervisor")).status_code == 200
    assert client.http.get(f"/visits/{booked}/{action}", headers=auth("worker", CASEY)).status_code == 403
    assert client.http.get(f"/visits/{booked}/{action}", headers=auth("referrer")).status_code == 403
    posted = post_form(
        client, f"/visits/{booked}/{action}", {"cancelled_by": "carer", "reason": "x"}, headers=bearer(auth, "referrer")
    )
    assert posted.status_code == 403
    assert stored(booked).status == "SCHEDULED"


def test_an_action_posted_from_another_site_is_refused(client, auth, booked):
    headers = {
        **auth("supervisor"),
        "Content-Type": "application/x-www-form-urlencoded",
        "Sec-Fetch-Site": "cross-site",
    }
    body = urlencode({"cancelled_by": "carer", "reason": "x"})
    assert client.http.post(f"/visits/{booked}/cancel", headers=headers, body=body).status_code == 403
    assert stored(booked).status == "SCHEDULED"


# -- the at-risk list -------------------------------------------------------------------------------


def test_the_at_risk_list_shows_booked_visits_at_risk_with_their_actions(client, auth, casey, booked, soon):
    calm = book(client, auth, add_referral(), casey, soon, "14:00", "15:00")
    flag_at_risk(booked)
    cancelled = book(client, auth, add_referral(), casey, soon + timedelta(days=1))
    flag_at_risk(cancelled)
    post_form(
        client,
        f"/visits/{cancelled}/cancel",
        {"cancelled_by": "carer", "reason": "Ill."},
        headers=bearer(auth, "supervisor"),
    )
    response = client.http.get("/visits/at-risk", headers=auth("supervisor"))
    assert response.status_code == 200
    html = response.body.decode()
    assert f'id="visit-{booked}"' in html and f'id="visit-{calm}"' not in html and f'id="visit-{cancelled}"' not in html
    assert "1 visit at risk" in text_of(html)
    assert "First aid certificate expired" in html
    for action in ("move", "reassign", "cancel"):
        assert f'href="/visits/{booked}/{action}?next=/visits/at-risk"' in html
    assert client.http.get("/visits/at-risk", headers=auth("worker", CASEY)).status_code == 403


def test_the_at_risk_email_links_to_the_at_risk_list(client, auth, booked, runtime):
    from chalicelib import clock
    from chalicelib.services.visits_at_risk import notify_at_risk
    from chalicelib.storage.visits import UNSENT, Visit
    from tests.helpers import SUPERVISOR, emails_to

    Visit.get(booked).update(
        actions=[
            Visit.at_risk.set(True),
            Visit.at_risk_reason.set("First aid expired"),
            Visit.at_risk_unsent.set(UNSENT),
        ]
    )
    assert notify_at_risk(clock.today()) == 1
    message = emails_to(runtime.outbox, SUPERVISOR, "at risk")[0]
    assert "/visits/at-risk" in message["text"] and "/visits/at-risk" in message["html"]


def test_a_move_to_a_time_that_has_passed_is_refused_and_changes_nothing(client, auth, booked):
    from chalicelib import clock

    before = stored(booked).starts_at
    yesterday = at(clock.today() - timedelta(days=1), "10:00")
    page = post_form(
        client, f"/visits/{booked}/move", {"start": yesterday, "venue": ""}, headers=bearer(auth, "supervisor")
    )
    assert page.status_code == 422
    assert 'id="start-error"' in page.body.decode() and f'value="{yesterday}"' in page.body.decode()
    api = client.http.patch(f"/v1/visits/{booked}", headers=auth("supervisor"), body=json.dumps({"start": yesterday}))
    assert api.status_code == 422 and api.json_body["error"]["fields"][0]["path"] == "start"
    assert stored(booked).starts_at == before
