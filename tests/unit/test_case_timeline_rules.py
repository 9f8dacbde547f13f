"""The timeline's words and the rule of what the referrer may see of a case (domain.case_timeline)."""

from __future__ import annotations

import pytest

from chalicelib.domain.case_timeline import (
    ACTION_WORDS,
    REFERRER_SEES,
    SERVICE_LABEL,
    action_words,
    referrer_view,
    sentence,
    who,
)

VISIT = "v" * 32


def event(action: str, entity: str = "visit", item_id: str = VISIT, actor: str = "sam@example.org", **changes):
    return {
        "entity": entity,
        "id": item_id,
        "action": action,
        "actor": actor,
        "actor_name": "Sam Patel",
        "changes": changes,
    }


def test_people_are_named_and_the_service_is_the_service():
    assert who("sam@example.org", "Sam Patel") == "Sam Patel"
    assert who("sam@example.org", None) == "sam@example.org"
    assert who("sam@example.org", "  ") == "sam@example.org"
    assert who("system", None) == SERVICE_LABEL == "The service"


def test_a_sentence_names_who_did_what_to_which_item():
    assert sentence(event("visit.scheduled"), "the visit on 14 May 2026, 10:00") == (
        "Sam Patel booked the visit on 14 May 2026, 10:00"
    )


@pytest.mark.parametrize(
    ("entity", "action", "to", "words"),
    [
        ("referral", "referral.decided", "ACCEPTED", "accepted the referral"),
        ("referral", "referral.decided", "DECLINED", "declined the referral"),
        ("referral", "referral.decided", "MORE_INFO_REQUESTED", "asked the referrer for more information"),
        ("report", "report.decided", "APPROVED", "approved the report"),
        ("report", "report.decided", "CHANGES_REQUESTED", "asked for changes to the report"),
    ],
)
def test_a_decision_says_what_was_decided(entity, action, to, words):
    assert action_words(event(action, entity, to=to), "the report") == words


def test_a_refused_link_names_whose_link_it_was():
    refused = event("approval_link.refused", "referral", approver="supervisor@example.org")
    assert action_words(refused, "the referral") == (
        "tried to open the approval link of the referral sent to supervisor@example.org, and was refused"
    )


def test_an_action_no_table_names_still_says_what_and_to_which_item():
    assert action_words(event("incident.payment_made", "incident"), "the incident") == (
        "recorded 'payment made' on the incident"
    )
    assert action_words(event("incident.payment_made", "incident", to="NOWHERE"), "the incident").startswith("recorded")


def test_every_action_the_referrer_may_see_has_words():
    for action in REFERRER_SEES:
        assert action in ACTION_WORDS or action.endswith(".decided")


# -- what the referrer may see ----------------------------------------------------------------------


def test_the_referrer_sees_a_booking_with_its_times_when_the_address_is_not_confidential():
    booked = event("visit.scheduled", starts_at="2026-05-14T09:00:00+00:00", worker_id="w1", referral_id="r1")
    shown = referrer_view(booked, confidential=False, approved_reports=())
    assert shown["changes"] == {"starts_at": "2026-05-14T09:00:00+00:00"}
    assert shown["actor"] == booked["actor"] and shown["action"] == "visit.scheduled"


def test_the_referrer_sees_no_times_or_venue_when_the_address_is_confidential():
    moved = event(
        "visit.rescheduled", starts_at={"from": "a", "to": "b"}, ends_at={"from": "c", "to": "d"}, venue="changed"
    )
    assert referrer_view(moved, confidential=True, approved_reports=())["changes"] == {}


@pytest.mark.parametrize(
    "hidden",
    [
        event("report.submitted", "report", version=1, urgent=True),
        event("report.urgent_alerted", "report", safeguarding_concern=True),
        event("report.draft_saved", "report", sections=3),
        event("approval_link.refused", "referral", approver="x@example.org"),
        event("visit.at_risk", reason="first aid expired"),
        event("referral.review_started", "referral", actor="system"),
        event("incident.recorded", "incident"),  # a kind added later stays hidden until listed
    ],
    ids=lambda e: e["action"],
)
def test_internal_steps_and_safeguarding_are_never_shown_to_the_referrer(hidden):
    assert referrer_view(hidden, confidential=False, approved_reports={VISIT}) is None


def test_a_report_is_shown_to_the_referrer_only_once_approved_and_still_approved():
    approved = event("report.decided", "report", to="APPROVED", comment="Fine", approver="s@example.org")
    changes = event("report.decided", "report", to="CHANGES_REQUESTED", reason="Say who brought the child")
    assert referrer_view(approved, confidential=False, approved_reports={VISIT})["changes"] == {"to": "APPROVED"}
    assert referrer_view(approved, confidential=False, approved_reports=set()) is None
    assert referrer_view(changes, confidential=False, approved_reports={VISIT}) is None


def test_the_referrer_sees_the_reason_of_a_decision_on_their_referral_but_not_who_signed_in():
    decided = event(
        "referral.decided", "referral", "r1", to="DECLINED", reason="Outside our area", signed_in_as="a@example.org"
    )
    shown = referrer_view(decided, confidential=True, approved_reports=())
    assert shown["changes"] == {"to": "DECLINED", "reason": "Outside our area"}


@pytest.mark.parametrize(
    ("decision", "words"),
    [
        ("continue", "Sam Patel decided contact continues as planned after an incident"),
        ("change_conditions", "Sam Patel changed the conditions of contact after an incident"),
        ("suspend", "Sam Patel suspended the case after an incident"),
    ],
)
def test_an_incidents_decision_says_what_was_decided(decision, words):
    assert sentence(event("incident.decided", "incident", decision=decision), "an incident") == words


def test_the_referrer_sees_the_cases_status_changes_with_the_reason_they_were_sent():
    suspended = event(
        "referral.suspended", "referral", **{"from": "ACTIVE", "to": "SUSPENDED", "reason": "Police inquiry"}
    )
    shown = referrer_view(suspended, confidential=False, approved_reports=())
    assert shown["changes"] == {"from": "ACTIVE", "to": "SUSPENDED", "reason": "Police inquiry"}
    assert sentence(suspended, "the referral") == "Sam Patel suspended the case"


def test_the_referrer_sees_that_an_incident_was_recorded_and_its_decision_but_no_detail():
    recorded = event("incident.recorded", "incident", visit_id=VISIT, critical=True)
    decided = event("incident.decided", "incident", decision="suspend", comment="What the child said")
    told = event("incident.referrer_told", "incident", actor="system")
    notified = event("incident.referrer_notified", "incident", actor="system", decision="suspend")
    assert referrer_view(recorded, confidential=False, approved_reports=()) is None
    assert referrer_view(decided, confidential=False, approved_reports=()) is None
    assert referrer_view(told, confidential=False, approved_reports=())["changes"] == {}
    assert referrer_view(notified, confidential=False, approved_reports=())["changes"] == {"decision": "suspend"}


def test_a_case_review_stays_with_staff():
    recorded = event("case_review.recorded", "case_review", continues_as_planned=False)
    assert referrer_view(recorded, confidential=False, approved_reports=()) is None
    assert sentence(recorded, "a case review") == "Sam Patel recorded a case review"
