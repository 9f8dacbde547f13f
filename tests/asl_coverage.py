"""ASL coverage: which states of each `statemachines/*.asl.json` the tests' executions entered.

Every test that started the embedded runtime hands it to `record` before the runtime stops;
the states entered are read from the executions' histories. Under pytest-xdist each worker
sends what it saw to the controller, which prints the report. With `--asl-coverage` (as
`make test` runs) a state that no execution entered fails the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from chalicelib.workflows.asl import STATEMACHINE_DIR
from tests.worker_output import handed_over, merge_names, sorted_names

WORKER_KEY = "asl_coverage_entered"

# workflow name -> names of the states some execution entered, in this process
_entered: dict[str, set[str]] = {}


# -- pure: what a definition holds and what was missed ----------------------------------------------


def state_names(definition: dict) -> set[str]:
    """Every state of a definition, with those inside Parallel branches and Map processors."""
    names: set[str] = set()
    for name, state in definition.get("States", {}).items():
        names.add(name)
        for inner in [*state.get("Branches", []), state.get("ItemProcessor"), state.get("Iterator")]:
            if inner:
                names |= state_names(inner)
    return names


def missing_states(definition: dict, entered: Iterable[str]) -> list[str]:
    """The states of the definition that no execution entered, sorted."""
    return sorted(state_names(definition) - set(entered))


def report(definitions: dict[str, dict], entered: dict[str, set[str]]) -> tuple[list[str], bool]:
    """Lines of the report (one per file, then its states never entered) and whether all were entered."""
    lines, complete = [], True
    for file_name, definition in sorted(definitions.items()):
        names = state_names(definition)
        missing = missing_states(definition, entered.get(workflow_of(file_name), set()))
        complete = complete and not missing
        lines.append(f"{file_name}: {len(names) - len(missing)}/{len(names)} states entered")
        if missing:
            lines.append(f"  never entered: {', '.join(missing)}")
    return lines, complete


def workflow_of(file_name: str) -> str:
    return file_name.removesuffix(".asl.json")


def definitions(directory: Path = STATEMACHINE_DIR) -> dict[str, dict]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.asl.json"))}


# -- recording from a running embedded runtime ------------------------------------------------------


def record(runtime) -> None:
    """Read the states every execution of this runtime entered. Call it before `runtime.stop()`."""
    import boto3

    sfn = boto3.client("stepfunctions")
    for workflow, arn in runtime.state_machine_arns.items():
        seen = _entered.setdefault(workflow, set())
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
            for execution in page["executions"]:
                history = sfn.get_paginator("get_execution_history").paginate(
                    executionArn=execution["executionArn"], includeExecutionData=False
                )
                for events in history:
                    seen.update(
                        e["stateEnteredEventDetails"]["name"]
                        for e in events["events"]
                        if "stateEnteredEventDetails" in e
                    )


# -- pytest hooks -----------------------------------------------------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--asl-coverage",
        action="store_true",
        help="fail the run if a state of a statemachines/*.asl.json file was never entered (make test sets it)",
    )


def pytest_configure(config):
    _entered.clear()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist controller: take what a worker recorded."""
    merge_names(_entered, handed_over(node, WORKER_KEY))


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if hasattr(config, "workerinput"):  # an xdist worker: the controller judges
        config.workeroutput[WORKER_KEY] = sorted_names(_entered)
        return
    if not config.getoption("asl_coverage"):
        return
    _, complete = report(definitions(), _entered)
    if not complete and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput"):
        return
    enforced = config.getoption("asl_coverage")
    if not (any(_entered.values()) or enforced):
        return
    lines, complete = report(definitions(), _entered)
    terminalreporter.section("ASL coverage: states the tests' executions entered")
    for line in lines:
        terminalreporter.line(line, red=line.startswith("  never"))
    if not enforced:
        terminalreporter.line("(not enforced: --asl-coverage, as make test runs, fails on a state never entered)")
    elif not complete:
        terminalreporter.line("FAILED: every state of every ASL file must be entered by some test", red=True, bold=True)
