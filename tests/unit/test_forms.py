"""Flat HTML form fields to the nested data the input models take, and errors back to the inputs."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from chalicelib.domain.referral_form import ReferralSubmission
from chalicelib.examples import example_referral
from chalicelib.web.forms import (
    FormError,
    error_summary,
    errors_by_path,
    field_id,
    first_value,
    flatten,
    indexes,
    nest,
    parse_path,
    without_indexes,
)

TODAY = date(2026, 11, 1)


def test_dotted_names_become_nested_objects():
    fields = {"referrer.name": ["Sam"], "contact.frequency.sessions": ["2"], "contact.frequency.per": ["week"]}

    assert nest(fields) == {"referrer": {"name": "Sam"}, "contact": {"frequency": {"sessions": "2", "per": "week"}}}


def test_indexed_names_become_a_list_in_index_order_whatever_order_they_came_in():
    fields = {
        "children[2].first_name": ["Zara"],
        "children[0].first_name": ["Maya"],
        "children[2].last_name": ["Robinson"],
        "children[1].first_name": ["Leo"],
    }

    assert nest(fields) == {
        "children": [{"first_name": "Maya"}, {"first_name": "Leo"}, {"first_name": "Zara", "last_name": "Robinson"}]
    }


def test_gaps_in_the_indexes_close_up():
    fields = {"children[7].first_name": ["Zara"], "children[3].first_name": ["Maya"]}

    assert nest(fields) == {"children": [{"first_name": "Maya"}, {"first_name": "Zara"}]}


def test_ten_or_more_items_sort_by_number_not_by_text():
    fields = {f"children[{i}].first_name": [f"C{i}"] for i in (10, 2, 1, 0)}

    assert [c["first_name"] for c in nest(fields)["children"]] == ["C0", "C1", "C2", "C10"]


def test_blank_values_are_left_out_but_their_item_still_exists():
    fields = {
        "referrer.team": [""],
        "referrer.name": ["  "],
        "children[0].first_name": ["Maya"],
        "children[1].first_name": [""],
        "children[1].needs_notes": [""],
    }

    assert nest(fields) == {"referrer": {}, "children": [{"first_name": "Maya"}, {}]}


def test_values_are_passed_on_as_typed():
    # Trimming and blank-to-None belong to the model, so what the form re-shows is what was typed.
    assert nest({"referrer.name": ["  Sam Okafor "]}) == {"referrer": {"name": "  Sam Okafor "}}


def test_ticked_checkbox_is_true_and_unticked_one_false():
    fields = {"risks.domestic_abuse": ["on"], "consent_confirmed": ["yes"]}

    nested = nest(fields, checkboxes=["risks.domestic_abuse", "risks.aggression", "consent_confirmed"])

    assert nested == {"risks": {"domestic_abuse": True, "aggression": False}, "consent_confirmed": True}


@pytest.mark.parametrize(
    ("posted", "expected"), [("on", True), ("TRUE", True), ("1", True), ("off", False), ("no", False)]
)
def test_checkbox_values_a_browser_or_script_may_send(posted, expected):
    assert nest({"consent_confirmed": [posted]}, checkboxes=["consent_confirmed"]) == {"consent_confirmed": expected}


def test_a_checkbox_value_that_is_not_yes_or_no_is_left_for_the_model_to_reject():
    nested = nest({"consent_confirmed": ["maybe"]}, checkboxes=["consent_confirmed"])
    assert nested == {"consent_confirmed": "maybe"}

    with pytest.raises(ValidationError) as caught:
        ReferralSubmission.model_validate({**example_referral(TODAY), **nested}, context={"today": TODAY})
    assert errors_by_path(caught.value) == {"consent_confirmed": "Must be true or false"}


def test_multi_value_input_keeps_every_non_blank_value_in_order():
    fields = {"contact.preferred_days": ["tuesday", "", "thursday"]}

    assert nest(fields, multi=["contact.preferred_days"]) == {"contact": {"preferred_days": ["tuesday", "thursday"]}}


def test_multi_value_input_with_nothing_chosen_is_an_empty_list():
    assert nest({}, multi=["contact.preferred_days"]) == {"contact": {"preferred_days": []}}


def test_a_repeated_single_value_input_takes_the_first_value():
    assert nest({"referrer.name": ["Sam", "Alex"]}) == {"referrer": {"name": "Sam"}}


@pytest.mark.parametrize(
    "name",
    [
        "children[x].first_name",
        "children[-1].name",
        "children[1000].name",
        "a..b",
        ".a",
        "a.",
        "a[0",
        "1abc",
        "a b",
        "",
    ],
)
def test_a_name_that_is_not_a_path_is_a_form_error(name):
    with pytest.raises(FormError):
        nest({name: ["value"]})


@pytest.mark.parametrize(
    "fields",
    [
        {"children": ["Maya"], "children[0].first_name": ["Leo"]},
        {"children[0].first_name": ["Leo"], "children": ["Maya"]},
        {"referrer": ["Sam"], "referrer.name": ["Sam"]},
        {"children.first_name": ["Leo"], "children[0].last_name": ["Robinson"]},
        {"children[0]": ["Maya"], "children[0].first_name": ["Leo"]},
        {"children[0].name": ["Maya"], "children[00].name": ["Leo"]},
    ],
    ids=["value-then-list", "list-then-value", "value-and-object", "object-and-list", "item-as-value", "same-index"],
)
def test_names_that_contradict_each_other_are_a_form_error(fields):
    with pytest.raises(FormError):
        nest(fields)


def test_parse_path_splits_names_and_indexes():
    assert parse_path("children[0].first_name") == ["children", 0, "first_name"]
    assert parse_path("grid[1][2].x") == ["grid", 1, 2, "x"]


def test_a_complete_form_validates_to_the_same_referral_as_the_json_api_takes():
    example = example_referral(TODAY)
    fields = {
        "referrer.name": [example["referrer"]["name"]],
        "referrer.email": [example["referrer"]["email"]],
        "referrer.phone": [example["referrer"]["phone"]],
        "referrer.organisation": [example["referrer"]["organisation"]],
        "referrer.team": [example["referrer"]["team"]],
        "family_members[0].name": ["Danielle Robinson"],
        "family_members[0].relationship": ["Mother"],
        "family_members[0].phone": ["07700 900456"],
        "family_members[0].email": ["danielle.robinson@example.com"],
        "family_members[0].interpreter_language": [""],
        "family_members[0].safety_notes": [example["family_members"][0]["safety_notes"]],
        "contact.type": ["supervised"],
        "contact.frequency.sessions": ["1"],
        "contact.frequency.per": ["week"],
        "contact.session_length_minutes": ["90"],
        "contact.preferred_days": ["tuesday", "thursday"],
        "contact.preferred_times": ["After school, 16:00-18:00"],
        "contact.brought_by": [example["contact"]["brought_by"]],
        "contact.collected_by": [example["contact"]["collected_by"]],
        "contact.start_date": ["2027-01-11"],
        "contact.end_date": ["2027-07-09"],
        "legal_basis.court_order": ["yes"],
        "legal_basis.reference": ["NS26C00412"],
        "legal_basis.court": ["Northshire Family Court"],
        "legal_basis.date_made": ["2026-09-15"],
        "risks.domestic_abuse": ["on"],
        "risks.details": [example["risks"]["details"]],
        "risks.confidential_address": ["on"],
        "risks.carer_address": ["12 Elm Row, Northtown NT1 2AB"],
        "consent_confirmed": ["on"],
        "funding_reference": ["PO-2026-0457"],
    }
    # The children arrive in reverse order, with blank optional inputs.
    for index, child in reversed(list(enumerate(example["children"]))):
        for key, value in child.items():
            fields[f"children[{index}].{key}"] = ["" if value is None else value]
    checkboxes = [f"risks.{f}" for f in ("domestic_abuse", "substance_misuse", "mental_health", "abduction_risk")]
    checkboxes += ["risks.aggression", "risks.other", "risks.confidential_address", "consent_confirmed"]

    nested = nest(fields, checkboxes=checkboxes, multi=["contact.preferred_days"])
    from_form = ReferralSubmission.model_validate(nested, context={"today": TODAY})

    assert from_form == ReferralSubmission.model_validate(example, context={"today": TODAY})


def test_errors_are_keyed_by_the_input_name_they_belong_to():
    body = example_referral(TODAY)
    body["children"][1]["date_of_birth"] = "2030-01-01"
    body["contact"]["preferred_days"] = ["tuesday", "someday", "caturday"]
    body["referrer"]["phone"] = "call me"

    with pytest.raises(ValidationError) as caught:
        ReferralSubmission.model_validate(body, context={"today": TODAY})
    errors = errors_by_path(caught.value)

    assert set(errors) == {"referrer.phone", "children[1].date_of_birth", "contact.preferred_days"}
    assert errors["children[1].date_of_birth"] == "Date of birth cannot be in the future"
    # Two bad days: one message, shown beside the day checkboxes, not repeated.
    assert errors["contact.preferred_days"].startswith("Must be one of")
    assert errors["contact.preferred_days"].count("Must be one of") == 1


def test_an_error_on_a_whole_group_keeps_the_groups_path():
    body = example_referral(TODAY)
    body["children"] = []

    with pytest.raises(ValidationError) as caught:
        ReferralSubmission.model_validate(body, context={"today": TODAY})

    assert errors_by_path(caught.value) == {"children": "Give at least 1 item"}


def test_error_summary_links_each_error_to_its_input_id():
    summary = error_summary({"children[1].date_of_birth": "Date of birth cannot be in the future"})

    assert summary == [
        {
            "path": "children[1].date_of_birth",
            "id": "children-1-date_of_birth",
            "label": "children[1].date_of_birth",
            "message": "Date of birth cannot be in the future",
        }
    ]


def test_error_summary_names_each_input_with_the_labeller_given():
    summary = error_summary({"contact.end_date": "End date must be after the start date"}, label=str.upper)

    assert summary[0]["label"] == "CONTACT.END_DATE"


def test_paths_split_into_layout_and_indexes():
    assert without_indexes("children[1].first_name") == "children.first_name"
    assert indexes("children[1].first_name") == [1]
    assert indexes("contact.start_date") == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("children[0].first_name", "children-0-first_name"),
        ("contact.frequency.sessions", "contact-frequency-sessions"),
        ("consent_confirmed", "consent_confirmed"),
        ("", "form"),
    ],
)
def test_field_id_is_safe_in_a_fragment_and_a_selector(path, expected):
    assert field_id(path) == expected


def test_first_value_of_a_missing_input_is_blank():
    assert first_value({"a": ["1", "2"]}, "a") == "1"
    assert first_value({"a": []}, "a") == ""
    assert first_value({}, "a") == ""


@pytest.mark.parametrize("name", [".".join(["a"] * 500), "a" + "[1]" * 500, "children[0]" + ".x" * 8, "n" * 201])
def test_a_name_nested_too_deep_or_too_long_is_a_form_error_not_a_recursion(name):
    with pytest.raises(FormError) as raised:
        nest({name: ["1"]})
    assert len(str(raised.value)) < 120


def test_flatten_gives_the_fields_that_nest_reads_back():
    values = {
        "referrer": {"name": "Sam", "team": None},
        "children": [{"first_name": "Maya", "needs_notes": 'Two\nlines & "quotes"'}, {"first_name": "Leo"}],
        "contact": {"preferred_days": ["tuesday", "thursday"], "frequency": {"sessions": "1"}},
        "risks": {"other": True, "aggression": False},
        "consent_confirmed": True,
    }

    fields = flatten(values)

    assert ("children[1].first_name", "Leo") in fields
    assert [value for name, value in fields if name == "contact.preferred_days"] == ["tuesday", "thursday"]
    assert ("risks.other", "on") in fields and all(name != "risks.aggression" for name, _ in fields)
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    nested = nest(
        grouped, checkboxes=("risks.other", "risks.aggression", "consent_confirmed"), multi=("contact.preferred_days",)
    )
    assert nested == {**values, "referrer": {"name": "Sam"}}
