"""The ASL files: valid per statelint, every placeholder filled, every Task retried and caught."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.workflows.asl import STATEMACHINE_DIR, placeholders, render
from chalicelib.workflows.registry import STEPS_FUNCTION_PLACEHOLDER, WORKFLOWS, Timings

FILES = sorted(STATEMACHINE_DIR.glob("*.asl.json"))


def _states(path: Path) -> dict:
    return json.loads(path.read_text())["States"]


def test_every_workflow_has_its_file_and_every_file_a_workflow():
    assert {p.name.removesuffix(".asl.json") for p in FILES} == set(WORKFLOWS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_committed_file_is_what_its_fragments_build(path):
    # The shared review states live once, in statemachines/fragments/review.json: `make statemachines`.
    from deploy.statemachines import text

    assert path.read_text() == text(path.name.removesuffix(".asl.json")), "run `make statemachines`"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_statelint_accepts_the_file(path):
    statelint = Path(sys.executable).with_name("statelint")
    result = subprocess.run([str(statelint), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_placeholder_has_a_substitution_and_the_result_is_valid_json(path):
    entry = WORKFLOWS[path.name.removesuffix(".asl.json")]
    substitutions = entry.substitutions(f"arn:aws:lambda:eu-west-2:1:function:{entry.steps_function}")
    assert placeholders(path.read_text()) <= set(substitutions)
    json.loads(render(entry.name, substitutions))


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_timing_of_a_workflow_reaches_its_file(name):
    # A timing the file never reads would be configured in vain.
    text = (STATEMACHINE_DIR / f"{name}.asl.json").read_text()
    assert set(Timings().as_substitutions()) | {STEPS_FUNCTION_PLACEHOLDER} <= placeholders(text)


def test_a_missing_substitution_is_an_error_not_a_blank():
    with pytest.raises(KeyError, match=STEPS_FUNCTION_PLACEHOLDER):
        render("referral_review", Timings().as_substitutions())


def test_every_workflow_has_a_lambda_function_of_the_name_its_entry_gives():
    from app import app

    functions = {function.name for function in app.pure_lambda_functions}
    assert {entry.steps_function for entry in WORKFLOWS.values()} <= functions


def test_each_workflow_keeps_its_own_timings():
    from local.runtime import EmbeddedAws

    fast = Timings(reminder_seconds=1)
    embedded = EmbeddedAws(None, Path("unused"), timings={"referral_review": fast})
    assert embedded.timings["referral_review"] == fast
    assert EmbeddedAws(None, Path("unused")).timings == {name: e.timings for name, e in WORKFLOWS.items()}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_task_retries_transient_errors_and_catches_the_rest(path):
    for name, state in _states(path).items():
        if state["Type"] != "Task":
            continue
        assert any("TransientError" in r["ErrorEquals"] for r in state.get("Retry", [])), name
        assert any("States.ALL" in c["ErrorEquals"] for c in state.get("Catch", [])), name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_wait_for_a_person_has_a_timeout(path):
    for name, state in _states(path).items():
        if state.get("Resource", "").endswith(".waitForTaskToken"):
            assert "TimeoutSecondsPath" in state or "TimeoutSeconds" in state, name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_state_is_reachable(path):
    definition = json.loads(path.read_text())
    states = definition["States"]
    seen, todo = set(), [definition["StartAt"]]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        targets = [state.get("Next"), state.get("Default")]
        targets += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
        todo += [t for t in targets if t]
    assert seen == set(states)
