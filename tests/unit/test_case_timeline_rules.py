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
