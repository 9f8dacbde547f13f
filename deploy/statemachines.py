"""`make statemachines`: each `statemachines/<name>.asl.json` built from the shared review states
(`statemachines/fragments/review.json`) and the workflow's own fragment (`fragments/<name>.json`).

The built files are committed, so statelint, cfn-lint, the template and moto read real ASL; a unit
test fails when a committed file is not what its fragments build. A workflow's fragment gives:

- `Comment`, and `FirstStep`: where `LoadTimings` (and, after the author's answer, `ResetReminders`) go;
- `Decisions`: each decision the wait can return, and the state it leads to (anything else fails);
- `AfterReminderCounted` (optional): the state a counted reminder goes to before `RemindOrEscalate`
  (by default `RemindOrEscalate` itself), e.g. one that times each next wait afresh;
- `AuthorWait` (optional): `State` (its name), `Comment`, `OnTimeout` (the state after no answer);
- `States`: its own states. A Task may say only `"Step": "<name>"` (a plain invoke of the steps
  function with the subject and execution); one without `Retry` or `Catch` gets the shared ones.
"""

from __future__ import annotations

import json
import sys

from chalicelib.workflows.asl import STATEMACHINE_DIR
from chalicelib.workflows.registry import WORKFLOWS

FRAGMENTS = STATEMACHINE_DIR / "fragments"
SHARED = FRAGMENTS / "review.json"
# The order keys are written in, so every built file reads alike.
KEY_ORDER = (
    "Type",
    "Comment",
    "Resource",
    "Parameters",
    "HeartbeatSecondsPath",
    "TimeoutSecondsPath",
    "ResultSelector",
    "ResultPath",
    "Retry",
    "Catch",
    "Choices",
    "Default",
    "Error",
    "Cause",
    "Next",
    "End",
)


def _fill(value, names: dict):
    """Replace every `<<Name>>` (a whole key or string) of the shared fragment."""
    if isinstance(value, dict):
        return {_fill(key, names): _fill(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    if isinstance(value, str) and value.startswith("<<") and value.endswith(">>"):
        return names[value[2:-2]]
    return value


def _task(state: dict, shared: dict) -> dict:
    state = dict(state)
    step = state.pop("Step", None)
    if step is not None:
        state["Resource"] = "arn:aws:states:::lambda:invoke"
        state["Parameters"] = {
            "FunctionName": "${StepsFunctionArn}",
            "Payload": {"step": step, "subject_id.$": "$.subject_id", "execution.$": "$$.Execution.Name"},
        }
    state.setdefault("Retry", shared["Retry"])
    state.setdefault("Catch", shared["Catch"])
    return state


def _ordered(state: dict) -> dict:
    rank = {key: i for i, key in enumerate(KEY_ORDER)}
    return dict(sorted(state.items(), key=lambda item: rank.get(item[0], len(rank))))


def build(name: str) -> dict:
    """The definition of one registered workflow, from the shared fragment and its own."""
    shared = json.loads(SHARED.read_text(encoding="utf-8"))
    own = json.loads((FRAGMENTS / f"{WORKFLOWS[name].name}.json").read_text(encoding="utf-8"))
    wait = own.get("AuthorWait")
    names = {
        "FirstStep": own["FirstStep"],
        "AfterReminderCounted": own.get("AfterReminderCounted", "RemindOrEscalate"),
        "Decisions": [
            {"Variable": "$.decision.decision", "StringEquals": decision, "Next": target}
            for decision, target in own["Decisions"].items()
        ],
    }
    states = dict(shared["States"])
    if wait:
        names |= {
            "AuthorWait": wait["State"],
            "AuthorWaitComment": wait["Comment"],
            "AnswerTimedOut": wait["OnTimeout"],
        }
        states |= shared["AuthorWait"]
    states = _fill(states, names)
    clash = states.keys() & own["States"].keys()
    if clash:
        raise ValueError(f"{name}: its own states reuse shared names: {', '.join(sorted(clash))}")
    states |= own["States"]
    built = {
        state_name: _ordered(_task(state, shared) if state["Type"] == "Task" else state)
        for state_name, state in states.items()
    }
    return {"Comment": own["Comment"], "StartAt": "LoadTimings", "States": built}


def text(name: str) -> str:
    return json.dumps(build(name), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    for name in WORKFLOWS:
        path = STATEMACHINE_DIR / f"{name}.asl.json"
        path.write_text(text(name), encoding="utf-8")
        print(path.relative_to(STATEMACHINE_DIR.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
