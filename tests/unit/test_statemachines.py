"""The ASL files: valid per statelint, every placeholder filled, every Task retried and caught."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.workflows.asl import STATEMACHINE_DIR, WORKFLOWS, Timings, placeholders, render

FILES = sorted(STATEMACHINE_DIR.glob("*.asl.json"))


def _states(path: Path) -> dict:
    return json.loads(path.read_text())["States"]


def test_every_workflow_has_its_file_and_every_file_a_workflow():
    assert {p.name.removesuffix(".asl.json") for p in FILES} == set(WORKFLOWS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_statelint_accepts_the_file(path):
    statelint = Path(sys.executable).with_name("statelint")
    result = subprocess.run([str(statelint), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_placeholder_has_a_substitution_and_the_result_is_valid_json(path):
    workflow = path.name.removesuffix(".asl.json")
    known = set(Timings().as_substitutions()) | set(WORKFLOWS[workflow])
    assert placeholders(path.read_text()) <= known
    substitutions = {
        **Timings().as_substitutions(),
        **{k: f"arn:aws:lambda:eu-west-2:1:function:{v}" for k, v in WORKFLOWS[workflow].items()},
    }
    json.loads(render(workflow, substitutions))


def test_a_missing_substitution_is_an_error_not_a_blank():
    with pytest.raises(KeyError, match="ReferralWorkflowFunctionArn"):
        render("referral_review", Timings().as_substitutions())


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
