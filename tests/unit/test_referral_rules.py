"""Referral rules: the intake model, its field errors, the summary and the status machine."""

from __future__ import annotations

import copy
import json
from datetime import date
from itertools import product
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.domain.referral_decisions import Amendment, Decision, ReviewDecision
from chalicelib.domain.referral_form import HANDOVER_MAX, ReferralSubmission, public_summary
from chalicelib.domain.referrals import (
    ALLOWED_TRANSITIONS,
    InvalidTransition,
    ReferralStatus,
    awaits_decision,
    check_transition,
    is_decided,
    resumes_to,
)
from chalicelib.domain.validation import field_errors, format_path
from chalicelib.examples import example_referral

TODAY = date(2026, 11, 22)


def validate(data: Any, today: date = TODAY) -> ReferralSubmission:
    return ReferralSubmission.model_validate(data, context={"today": today})


def errors_of(data: Any, model: Any = ReferralSubmission, today: date = TODAY) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data, context={"today": today})
    return field_errors(caught.value)


def paths_of(data: Any, model: Any = ReferralSubmission) -> list[str]:
    return [error["path"] for error in errors_of(data, model)]


@pytest.fixture
def referral() -> dict[str, Any]:
    return example_referral(TODAY)


# --- the example --------------------------------------------------------------------------


def test_example_referral_is_valid(referral):
    # GIVEN the example referral WHEN it is validated THEN it passes
    submission = validate(referral)
    assert len(submission.children) == 2


def test_example_referral_is_valid_on_the_real_date_without_context():
    # GIVEN the example as the OpenAPI document shows it (moved to the service's today)
    # WHEN validated with no "today" in the context (so on the service's today) THEN it passes
    ReferralSubmission.model_validate(example_referral())


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 12, 31), date(2028, 2, 29), date(2039, 7, 15)])
def test_example_referral_is_a_valid_new_referral_on_any_day(today):
    # GIVEN the example asked for on some day WHEN validated as a new referral that day THEN it passes
    ReferralSubmission.model_validate(example_referral(today), context={"today": today})


@pytest.mark.parametrize("today", [date(2030, 1, 1), date(2045, 6, 30)])
def test_example_referral_stays_valid_for_years(referral, today):
    # GIVEN the example, stored as a referral WHEN read back years from now THEN it still passes
    # (as a new referral it is valid until its start date: a start date in the past is refused)
    ReferralSubmission.model_validate(referral, context={"today": today, "stored": True})


def test_example_referral_is_plain_json(referral):
    # GIVEN the example WHEN it goes through JSON THEN nothing is lost
    assert json.loads(json.dumps(referral)) == referral


# --- unknown, missing and mistyped fields -------------------------------------------------


def test_unknown_top_level_field_is_an_error_at_its_name(referral):
    # GIVEN a field the form does not have
    referral["priority"] = "urgent"
    # WHEN validated THEN the error names that field
    assert errors_of(referral) == [{"path": "priority", "message": "Unknown field"}]


def test_unknown_nested_field_is_an_error_at_its_full_path(referral):
    # GIVEN an unknown field inside the first child
    referral["children"][0]["nickname"] = "Mo"
    # WHEN validated THEN the path points inside the list
    assert errors_of(referral) == [{"path": "children[0].nickname", "message": "Unknown field"}]


def test_missing_field_is_reported_as_required(referral):
    # GIVEN a referral without the referrer's email
    del referral["referrer"]["email"]
    # WHEN validated THEN the error says it is required
    assert errors_of(referral) == [{"path": "referrer.email", "message": "This field is required"}]


def test_missing_section_is_reported_as_required(referral):
    # GIVEN a referral without a contact section
    del referral["contact"]
    # WHEN validated THEN the section itself is required
    assert paths_of(referral) == ["contact"]


def test_number_where_a_whole_number_is_expected_is_a_type_error(referral):
    # GIVEN sessions written as a word
    referral["contact"]["frequency"]["sessions"] = "many"
    # WHEN validated THEN the error is at the nested path
    assert errors_of(referral) == [{"path": "contact.frequency.sessions", "message": "Must be a whole number"}]


def test_number_where_text_is_expected_is_a_type_error(referral):
    # GIVEN a child's first name given as a number
    referral["children"][1]["first_name"] = 42
    # WHEN validated THEN the error says it must be text
    assert errors_of(referral) == [{"path": "children[1].first_name", "message": "Must be text"}]


def test_text_where_a_list_is_expected_is_a_type_error(referral):
    # GIVEN children given as a string
    referral["children"] = "Maya and Leo"
    # WHEN validated THEN the error is at children
    assert errors_of(referral) == [{"path": "children", "message": "Must be a list"}]


def test_unknown_choice_lists_the_allowed_values(referral):
    # GIVEN a contact type the service does not offer
    referral["contact"]["type"] = "overnight"
    # WHEN validated THEN the message lists the choices
    [error] = errors_of(referral)
    assert error["path"] == "contact.type"
    assert "'supervised'" in error["message"] and "'handover'" in error["message"]


def test_body_that_is_not_an_object_is_an_error_at_the_root():
    # GIVEN a JSON list instead of an object WHEN validated THEN the path is the root
    assert errors_of([1, 2]) == [{"path": "", "message": "Must be an object"}]


def test_all_errors_are_reported_together(referral):
    # GIVEN three independent mistakes
    del referral["referrer"]["name"]
    referral["children"][0]["date_of_birth"] = "2025-02-30"
    referral["contact"]["session_length_minutes"] = 10
    # WHEN validated THEN each is reported at its own path
    assert paths_of(referral) == [
        "referrer.name",
        "children[0].date_of_birth",
        "contact.session_length_minutes",
    ]


# --- dates ----------------------------------------------------------------------------------


def test_date_that_does_not_exist_is_an_error_at_its_path(referral):
    # GIVEN 30 February
    referral["children"][0]["date_of_birth"] = "2025-02-30"
    # WHEN validated THEN there is a clear error, not a crash
    [error] = errors_of(referral)
    assert error["path"] == "children[0].date_of_birth"
    assert error["message"].startswith("Enter a real date as YYYY-MM-DD")


def test_child_born_in_the_future_is_rejected(referral):
    # GIVEN a date of birth after today
    referral["children"][1]["date_of_birth"] = "2026-11-23"
    # WHEN validated THEN the error is at that child's date of birth
    assert errors_of(referral) == [
        {
            "path": "children[1].date_of_birth",
            "message": "Date of birth cannot be in the future",
        }
    ]


def test_child_born_today_is_accepted(referral):
    # GIVEN a baby born today WHEN validated THEN it passes
    referral["children"][0]["date_of_birth"] = TODAY.isoformat()
    validate(referral)


def test_child_who_turns_18_on_the_start_date_is_rejected(referral):
    # GIVEN a child whose 18th birthday is the contact start date (2027-01-11)
    referral["children"][0]["date_of_birth"] = "2009-01-11"
    # WHEN validated THEN the error is at that child's date of birth
    [error] = errors_of(referral)
    assert error["path"] == "children[0].date_of_birth"
    assert "18 or older on the start date" in error["message"]


def test_child_who_turns_18_the_day_after_the_start_date_is_accepted(referral):
    # GIVEN a child who is still 17 on the start date WHEN validated THEN it passes
    referral["children"][0]["date_of_birth"] = "2009-01-12"
    validate(referral)


def test_every_child_18_or_over_is_reported(referral):
    # GIVEN two children both too old on the start date
    referral["children"][0]["date_of_birth"] = "2005-03-01"
    referral["children"][1]["date_of_birth"] = "2008-12-31"
    # WHEN validated THEN both are reported
    assert paths_of(referral) == [
        "children[0].date_of_birth",
        "children[1].date_of_birth",
    ]


def test_end_date_before_start_date_is_rejected(referral):
    # GIVEN an end date before the start date
    referral["contact"]["end_date"] = "2027-01-01"
    # WHEN validated THEN the error is at the end date
    assert errors_of(referral) == [{"path": "contact.end_date", "message": "End date must be after the start date"}]


def test_cross_field_rules_are_reported_with_the_field_errors_in_one_round(referral):
    # GIVEN field errors elsewhere (no phone, no session length, consent not given), an end date
    # before the start, and a child 18 on the start date
    referral["referrer"]["phone"] = ""
    del referral["contact"]["session_length_minutes"]
    referral["consent_confirmed"] = False
    referral["contact"]["end_date"] = "2027-01-01"
    referral["children"][1]["date_of_birth"] = "2009-01-11"
    # WHEN validated THEN every error is reported at once, each once, with its own words
    errors = {e["path"]: e["message"] for e in errors_of(referral)}
    assert set(errors) == {
        "referrer.phone",
        "contact.session_length_minutes",
        "consent_confirmed",
        "contact.end_date",
        "children[1].date_of_birth",
    }
    assert errors["contact.end_date"] == "End date must be after the start date"
    assert "18 or older on the start date" in errors["children[1].date_of_birth"]
    assert errors["contact.session_length_minutes"] == "This field is required"


def test_a_cross_field_rule_is_not_judged_on_a_field_that_failed_its_own_rule(referral):
    # GIVEN a start date in the past (its own error) that would also put the end before it,
    # and a date of birth that is not a date
    referral["contact"]["start_date"] = "2026-01-01"
    referral["contact"]["end_date"] = "2025-12-01"
    referral["children"][0]["date_of_birth"] = "11/01/2009"
    # WHEN validated THEN only the fields' own errors are reported
    assert sorted(paths_of(referral)) == ["children[0].date_of_birth", "contact.start_date"]


def test_end_date_on_the_start_date_is_rejected(referral):
    # GIVEN contact ending the day it starts WHEN validated THEN the end date is wrong
    referral["contact"]["end_date"] = referral["contact"]["start_date"]
    assert paths_of(referral) == ["contact.end_date"]


def test_blank_end_date_means_open_ended(referral):
    # GIVEN an empty end date, as an HTML form sends it WHEN validated THEN there is none
    referral["contact"]["end_date"] = ""
    assert validate(referral).contact.end_date is None


def test_start_date_more_than_two_years_ahead_is_rejected(referral):
    # GIVEN a start date that looks like a typing mistake
    referral["contact"]["start_date"] = "2207-01-11"
    referral["contact"]["end_date"] = None
    # WHEN validated THEN the error is at the start date
    assert paths_of(referral) == ["contact.start_date"]


def test_a_new_referrals_start_date_in_the_past_is_refused_at_the_start_date(referral):
    # GIVEN a new referral whose contact would have started yesterday
    referral["contact"]["start_date"] = "2026-11-21"
    # WHEN validated THEN the error is at the start date, in words
    assert errors_of(referral) == [
        {
            "path": "contact.start_date",
            "message": "Start date cannot be in the past: give today, 22 November 2026, or a later date",
        }
    ]


def test_a_start_date_of_today_is_accepted(referral):
    referral["contact"]["start_date"] = TODAY.isoformat()
    validate(referral)


def test_a_stored_referral_read_back_after_its_start_date_keeps_it(referral):
    # GIVEN a referral stored when its start date was ahead, read after contact began
    referral["contact"]["start_date"] = "2026-10-05"
    # WHEN validated as stored THEN it passes
    ReferralSubmission.model_validate(referral, context={"today": TODAY, "stored": True})


# --- sizes ----------------------------------------------------------------------------------


def test_eleven_children_are_rejected(referral):
    # GIVEN eleven children
    referral["children"] = [copy.deepcopy(referral["children"][0]) for _ in range(11)]
    # WHEN validated THEN the list is too long
    assert errors_of(referral) == [{"path": "children", "message": "Give at most 10 items, not 11"}]


def test_ten_children_are_accepted(referral):
    # GIVEN ten children WHEN validated THEN it passes
    referral["children"] = [copy.deepcopy(referral["children"][0]) for _ in range(10)]
    validate(referral)


def test_no_children_is_rejected(referral):
    # GIVEN an empty list of children
    referral["children"] = []
    # WHEN validated THEN at least one is required
    assert errors_of(referral) == [{"path": "children", "message": "Give at least 1 item"}]


def test_no_family_members_is_rejected(referral):
    # GIVEN nobody to have contact with WHEN validated THEN the list is too short
    referral["family_members"] = []
    assert paths_of(referral) == ["family_members"]


def test_over_long_notes_are_rejected(referral):
    # GIVEN needs notes one character over the limit
    referral["children"][0]["needs_notes"] = "x" * 4001
    # WHEN validated THEN the message gives the limit
    assert errors_of(referral) == [
        {
            "path": "children[0].needs_notes",
            "message": "Must be at most 4000 characters",
        }
    ]


def test_over_long_name_is_rejected(referral):
    # GIVEN a family member's name of 101 characters
    referral["family_members"][0]["name"] = "A" * 101
    # WHEN validated THEN the error is at the name
    assert paths_of(referral) == ["family_members[0].name"]


def test_whitespace_only_required_text_is_empty(referral):
    # GIVEN an organisation of only spaces
    referral["referrer"]["organisation"] = "   "
    # WHEN validated THEN it counts as empty
    assert errors_of(referral) == [{"path": "referrer.organisation", "message": "This field cannot be empty"}]


def test_surrounding_whitespace_is_stripped(referral):
    # GIVEN a name typed with spaces around it WHEN validated THEN they are removed
    referral["children"][0]["first_name"] = "  Maya "
    assert validate(referral).children[0].first_name == "Maya"


# --- contact details ----------------------------------------------------------------------


def test_invalid_email_is_rejected_with_a_reason(referral):
    # GIVEN an email without an @
    referral["referrer"]["email"] = "amara.example.gov.uk"
    # WHEN validated THEN the message says what is wrong
    [error] = errors_of(referral)
    assert error["path"] == "referrer.email"
    assert error["message"].startswith("Enter a valid email address")


def test_implausible_phone_is_rejected(referral):
    # GIVEN a phone number with letters
    referral["referrer"]["phone"] = "call reception"
    # WHEN validated THEN the error is at the phone
    [error] = errors_of(referral)
    assert error["path"] == "referrer.phone"
    assert "7 to 15 digits" in error["message"]


def test_family_member_with_neither_phone_nor_email_is_rejected(referral):
    # GIVEN a family member with no way to be reached
    referral["family_members"][0]["phone"] = None
    referral["family_members"][0]["email"] = ""
    # WHEN validated THEN the error asks for one of them
    assert errors_of(referral) == [
        {
            "path": "family_members[0].phone",
            "message": "Give a phone number or an email address",
        }
    ]


def test_family_member_with_only_an_email_is_accepted(referral):
    # GIVEN a family member reachable only by email WHEN validated THEN it passes
    del referral["family_members"][0]["phone"]
    validate(referral)


def test_preferred_days_ignore_case_and_repeats(referral):
    # GIVEN days typed in mixed case, one twice
    referral["contact"]["preferred_days"] = ["Monday", "monday", "FRIDAY"]
    # WHEN validated THEN each day appears once
    assert validate(referral).contact.preferred_days == ["monday", "friday"]


def test_who_brings_and_collects_the_child_is_kept_stripped(referral):
    # GIVEN who brings and who collects the child, typed with spaces around
    referral["contact"]["brought_by"] = "  Foster carer, Ms Jones "
    referral["contact"]["collected_by"] = "Grandmother, Mrs Ali"
    # WHEN validated THEN both are kept, stripped
    contact = validate(referral).contact
    assert (contact.brought_by, contact.collected_by) == ("Foster carer, Ms Jones", "Grandmother, Mrs Ali")


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_who_brings_and_collects_the_child_is_optional(referral, blank):
    # GIVEN neither given, as a new form leaves them or as a referral stored before they existed
    referral["contact"]["brought_by"] = blank
    del referral["contact"]["collected_by"]
    # WHEN validated THEN both are None
    contact = validate(referral).contact
    assert (contact.brought_by, contact.collected_by) == (None, None)


@pytest.mark.parametrize("field", ["brought_by", "collected_by"])
def test_who_brings_or_collects_the_child_is_at_most_200_characters(referral, field):
    # GIVEN exactly the limit THEN it passes; one character more THEN the error gives the limit
    referral["contact"][field] = "x" * HANDOVER_MAX
    validate(referral)
    referral["contact"][field] = "x" * (HANDOVER_MAX + 1)
    assert errors_of(referral) == [{"path": f"contact.{field}", "message": "Must be at most 200 characters"}]


@pytest.mark.parametrize("field", ["brought_by", "collected_by"])
def test_who_brings_or_collects_the_child_is_one_line(referral, field):
    # GIVEN a line break in the name WHEN validated THEN the error is at the field
    referral["contact"][field] = "Foster carer\nMs Jones"
    assert paths_of(referral) == [f"contact.{field}"]


# --- legal basis, consent, risks ----------------------------------------------------------


def test_court_order_without_reference_is_rejected(referral):
    # GIVEN a court order with no reference
    referral["legal_basis"]["reference"] = ""
    # WHEN validated THEN the error is at the reference
    assert errors_of(referral) == [{"path": "legal_basis.reference", "message": "Give the court order's reference"}]


def test_court_order_without_any_details_reports_each_missing_field(referral):
    # GIVEN a court order and nothing else about it
    referral["legal_basis"] = {"court_order": True}
    # WHEN validated THEN each detail is reported at its own path
    assert paths_of(referral) == [
        "legal_basis.reference",
        "legal_basis.court",
        "legal_basis.date_made",
    ]


def test_court_order_made_in_the_future_is_rejected(referral):
    # GIVEN an order dated tomorrow WHEN validated THEN the error is at date_made
    referral["legal_basis"]["date_made"] = "2026-11-23"
    assert paths_of(referral) == ["legal_basis.date_made"]


def test_no_court_order_needs_no_order_details(referral):
    # GIVEN no court order and no details WHEN validated THEN it passes
    referral["legal_basis"] = {"court_order": False}
    validate(referral)


def test_consent_not_confirmed_is_rejected(referral):
    # GIVEN consent left unconfirmed
    referral["consent_confirmed"] = False
    # WHEN validated THEN the message says it must be confirmed
    assert errors_of(referral) == [
        {
            "path": "consent_confirmed",
            "message": "Consent and the legal basis for this referral must be confirmed",
        }
    ]


def test_other_risk_without_details_is_rejected(referral):
    # GIVEN "other" risk ticked and no details
    referral["risks"].update(other=True, details=" ")
    # WHEN validated THEN the details are asked for
    assert paths_of(referral) == ["risks.details"]


def test_unticked_risk_boxes_mean_no(referral):
    # GIVEN a form that only sends the ticked boxes WHEN validated THEN the rest are False
    referral["risks"] = {"aggression": True}
    risks = validate(referral).risks
    assert risks.flagged == ["aggression"] and not risks.confidential_address


# --- errors for any input -----------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def _leaf_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaf_paths(v, (*prefix, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaf_paths(v, (*prefix, i))]
    return [prefix]


_LEAVES = _leaf_paths(example_referral(TODAY))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leaf=st.sampled_from(_LEAVES), value=_json)
def test_any_value_in_any_field_gives_field_errors_never_a_crash(leaf, value):
    # GIVEN the example with one field replaced by arbitrary JSON
    data = example_referral(TODAY)
    target = data
    for key in leaf[:-1]:
        target = target[key]
    target[leaf[-1]] = value
    # WHEN validated THEN it passes or fails with well-formed field errors only
    try:
        validate(data)
    except ValidationError as exc:
        for error in field_errors(exc):
            assert isinstance(error["path"], str)
            assert error["message"] and not error["message"].startswith("Value error")


def test_format_path_writes_list_indexes_in_brackets():
    # GIVEN a pydantic location WHEN formatted THEN indexes are bracketed, names dotted
    assert format_path(("children", 0, "date_of_birth")) == "children[0].date_of_birth"
    assert format_path(()) == ""


# --- public summary -------------------------------------------------------------------------


def test_public_summary_never_contains_the_carer_address(referral):
    # GIVEN a referral with a confidential carer's address
    submission = validate(referral)
    # WHEN summarised for the supervisor's email
    text = json.dumps(public_summary(submission, today=TODAY))
    # THEN neither the address nor the free-text risk details appear
    assert "Elm Row" not in text and "NT1 2AB" not in text
    assert "carer_address" not in text
    assert referral["risks"]["details"] not in text


def test_public_summary_leaves_out_surnames_and_contact_details(referral):
    # GIVEN a valid referral WHEN summarised
    text = json.dumps(public_summary(validate(referral), today=TODAY))
    # THEN there are no surnames, phones or emails
    for secret in ("Robinson", "07700 900456", "danielle.robinson@example.com"):
        assert secret not in text


def test_public_summary_gives_first_names_ages_and_risk_flags(referral):
    # GIVEN a valid referral WHEN summarised on a fixed day
    summary = public_summary(validate(referral), today=TODAY)
    # THEN it shows first names with ages, the contact type and the flags
    assert summary["children"] == [
        {"first_name": "Maya", "age": 7},
        {"first_name": "Leo", "age": 10},
    ]
    assert summary["contact"]["type"] == "supervised"
    assert summary["risks"]["domestic_abuse"] is True
    assert summary["confidential_address"] is True


# --- status machine -----------------------------------------------------------------------

S = ReferralStatus
ALLOWED = [
    (S.SUBMITTED, S.UNDER_REVIEW),
    (S.UNDER_REVIEW, S.MORE_INFO_REQUESTED),
    (S.UNDER_REVIEW, S.ACCEPTED),
    (S.UNDER_REVIEW, S.DECLINED),
    (S.MORE_INFO_REQUESTED, S.UNDER_REVIEW),
    (S.MORE_INFO_REQUESTED, S.LAPSED),
    (S.SUBMITTED, S.WITHDRAWN),
    (S.UNDER_REVIEW, S.WITHDRAWN),
    (S.MORE_INFO_REQUESTED, S.WITHDRAWN),
    (S.ACCEPTED, S.ACTIVE),
    (S.ACCEPTED, S.CLOSED),
    (S.ACTIVE, S.CLOSED),
    (S.ACCEPTED, S.SUSPENDED),
    (S.ACTIVE, S.SUSPENDED),
    (S.SUSPENDED, S.ACTIVE),
    (S.SUSPENDED, S.ACCEPTED),
    (S.SUSPENDED, S.CLOSED),
]
DENIED = [pair for pair in product(S, S) if pair not in ALLOWED]


def test_allowed_transitions_are_exactly_the_designed_ones():
    # GIVEN the table WHEN flattened THEN it holds the designed moves and no others
    table = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == set(ALLOWED)
    assert set(ALLOWED_TRANSITIONS) == set(S)


@pytest.mark.parametrize(("current", "new"), ALLOWED)
def test_designed_transition_is_allowed(current, new):
    # GIVEN a designed move WHEN checked THEN nothing is raised
    check_transition(current, new)


@pytest.mark.parametrize(("current", "new"), DENIED)
def test_any_other_transition_is_refused(current, new):
    # GIVEN a move outside the design WHEN checked THEN InvalidTransition is raised
    with pytest.raises(InvalidTransition) as caught:
        check_transition(current, new)
    assert (caught.value.current, caught.value.new) == (current, new)


def test_a_closed_case_is_never_suspended_or_resumed():
    # GIVEN a closed case WHEN it would be suspended or made active again THEN both are refused
    for new in (S.SUSPENDED, S.ACTIVE):
        with pytest.raises(InvalidTransition, match="closed cannot become"):
            check_transition(S.CLOSED, new)


def _entry(from_status, to_status):
    from types import SimpleNamespace

    return SimpleNamespace(from_status=from_status, to_status=to_status)


def test_a_suspended_case_resumes_to_the_status_it_was_suspended_from():
    # GIVEN histories WHEN resumed THEN back to ACTIVE after visits, ACCEPTED if none was ever booked
    active = [_entry("UNDER_REVIEW", "ACCEPTED"), _entry("ACCEPTED", "ACTIVE"), _entry("ACTIVE", "SUSPENDED")]
    assert resumes_to(active) is S.ACTIVE
    never_visited = [_entry("UNDER_REVIEW", "ACCEPTED"), _entry("ACCEPTED", "SUSPENDED")]
    assert resumes_to(never_visited) is S.ACCEPTED
    twice = [
        *never_visited,
        _entry("SUSPENDED", "ACCEPTED"),
        _entry("ACCEPTED", "ACTIVE"),
        _entry("ACTIVE", "SUSPENDED"),
    ]
    assert resumes_to(twice) is S.ACTIVE


def test_refused_transition_explains_itself_in_words():
    # GIVEN a declined referral WHEN it is withdrawn THEN the message reads as a sentence
    with pytest.raises(InvalidTransition, match="declined cannot become withdrawn"):
        check_transition("DECLINED", "WITHDRAWN")


def test_transition_accepts_stored_status_strings():
    # GIVEN statuses as stored strings WHEN checked THEN they are understood
    check_transition("SUBMITTED", "UNDER_REVIEW")


@pytest.mark.parametrize("status", list(S))
def test_decided_and_awaiting_decision_are_exclusive(status):
    # GIVEN any status WHEN classified THEN it is not both decided and awaiting a decision
    assert not (is_decided(status) and awaits_decision(status))


def test_accepted_declined_active_suspended_and_closed_are_decided():
    # GIVEN the statuses after a decision WHEN asked THEN they are decided
    assert {s for s in S if is_decided(s)} == {
        S.ACCEPTED,
        S.DECLINED,
        S.ACTIVE,
        S.SUSPENDED,
        S.CLOSED,
    }


def test_withdrawal_is_allowed_exactly_while_awaiting_a_decision():
    # GIVEN every status WHEN withdrawal is tried THEN only those awaiting a decision allow it
    withdrawable = {s for s in S if S.WITHDRAWN in ALLOWED_TRANSITIONS[s]}
    assert withdrawable == {s for s in S if awaits_decision(s)}


# --- review decision and amendment --------------------------------------------------------


def test_accept_needs_no_comment():
    # GIVEN an accept with no comment WHEN validated THEN it leads to ACCEPTED
    decision = ReviewDecision.model_validate({"decision": "accept"})
    assert decision.new_status is S.ACCEPTED


@pytest.mark.parametrize(
    ("decision", "status"),
    [("decline", S.DECLINED), ("more_info", S.MORE_INFO_REQUESTED)],
)
def test_decline_and_more_info_with_a_comment_lead_to_their_status(decision, status):
    # GIVEN a decision with its comment WHEN validated THEN the new status follows
    model = ReviewDecision.model_validate({"decision": decision, "comment": "Why?"})
    assert model.new_status is status


def test_decline_without_a_reason_is_rejected():
    # GIVEN a decline without a comment WHEN validated THEN a reason is asked for
    assert errors_of({"decision": "decline"}, ReviewDecision) == [
        {"path": "comment", "message": "Give the reason for declining this referral"}
    ]


def test_more_info_with_a_blank_question_is_rejected():
    # GIVEN a more-info request whose question is only spaces
    data = {"decision": "more_info", "comment": "   "}
    # WHEN validated THEN the question is asked for
    assert errors_of(data, ReviewDecision) == [{"path": "comment", "message": "Write the question for the referrer"}]


def test_over_long_decision_comment_is_rejected():
    # GIVEN a comment of 2001 characters WHEN validated THEN the comment is too long
    data = {"decision": Decision.DECLINE, "comment": "x" * 2001}
    assert paths_of(data, ReviewDecision) == ["comment"]


def test_unknown_decision_is_rejected():
    # GIVEN a decision the supervisor cannot make WHEN validated THEN it is an error
    assert paths_of({"decision": "maybe"}, ReviewDecision) == ["decision"]


def test_amendment_needs_an_answer():
    # GIVEN an empty answer WHEN validated THEN it cannot be empty
    assert errors_of({"answer": ""}, Amendment) == [{"path": "answer", "message": "This field cannot be empty"}]


def test_over_long_amendment_is_rejected():
    # GIVEN an answer over 4000 characters WHEN validated THEN the answer is too long
    assert paths_of({"answer": "x" * 4001}, Amendment) == ["answer"]


def test_amendment_with_unknown_field_is_rejected():
    # GIVEN an attempt to change other fields through an amendment WHEN validated THEN refused
    assert paths_of({"answer": "Yes", "children": []}, Amendment) == ["children"]


def test_a_start_date_exactly_two_years_ahead_is_accepted_and_a_day_later_is_not(referral):
    # GIVEN today 2026-11-22: two years ahead is 2028-11-22, across the leap day of 2028
    referral["contact"]["end_date"] = None
    referral["contact"]["start_date"] = "2028-11-22"
    validate(referral)
    referral["contact"]["start_date"] = "2028-11-23"
    assert paths_of(referral) == ["contact.start_date"]
