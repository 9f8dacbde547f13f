"""ASL coverage: which states of a definition no execution entered, and the report made of it."""

from __future__ import annotations

from tests.asl_coverage import definitions, missing_states, report, state_names

DEFINITION = {
    "StartAt": "Ask",
    "States": {
        "Ask": {"Type": "Task", "Next": "Route"},
        "Route": {"Type": "Choice", "Choices": [], "Default": "Fan"},
        "Fan": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "Left", "States": {"Left": {"Type": "Succeed"}}}],
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}},
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def test_states_inside_parallel_branches_and_map_processors_count():
    assert state_names(DEFINITION) == {"Ask", "Route", "Fan", "Left", "Each", "Item", "Done"}


def test_missing_states_are_those_never_entered_sorted():
    assert missing_states(DEFINITION, ["Ask", "Route", "Fan", "Left", "Ask"]) == ["Done", "Each", "Item"]


def test_entered_names_unknown_to_the_definition_change_nothing():
    assert missing_states(DEFINITION, ["Ask", "Renamed"]) == ["Done", "Each", "Fan", "Item", "Left", "Route"]


def test_report_counts_per_file_and_names_what_was_never_entered():
    lines, complete = report(
        {"b_review.asl.json": DEFINITION, "a_review.asl.json": DEFINITION},
        {"a_review": set(state_names(DEFINITION)), "b_review": {"Ask", "Route", "Fan", "Left", "Each", "Item"}},
    )
    assert lines == [
        "a_review.asl.json: 7/7 states entered",
        "b_review.asl.json: 6/7 states entered",
        "  never entered: Done",
    ]
    assert not complete


def test_a_file_no_execution_ran_is_reported_with_every_state_missing():
    lines, complete = report({"new_review.asl.json": DEFINITION}, {})
    assert lines[0] == "new_review.asl.json: 0/7 states entered"
    assert not complete


def test_report_is_complete_when_every_state_of_every_file_was_entered():
    assert report({"a_review.asl.json": DEFINITION}, {"a_review": state_names(DEFINITION)}) == (
        ["a_review.asl.json: 7/7 states entered"],
        True,
    )


def test_every_asl_file_is_judged():
    from chalicelib.workflows.asl import STATEMACHINE_DIR

    assert set(definitions()) == {path.name for path in STATEMACHINE_DIR.glob("*.asl.json")}
