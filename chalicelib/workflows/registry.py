"""The workflow registry: every review workflow the service runs, in one place.

An entry names the workflow's ASL file, its timings (each workflow its own), the Chalice Lambda
function its Tasks invoke, the kind of item it reviews, how its executions are named and which
statuses of that item need a running execution (what the recovery sweep looks for). The ASL
renderer, the embedded runtime, configuration, the recovery sweep, `app.py` and the jobs read it.
Pure data: it imports only configuration's naming rule, so everything above may read it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from chalicelib.config import state_machine_arn_variable

# The placeholder of every ASL file that names the Lambda function of its steps.
STEPS_FUNCTION_PLACEHOLDER = "StepsFunctionArn"


@dataclass(frozen=True)
class Timings:
    """Seconds (and a count) of one workflow's waits for people. They reach the ASL file as
    `${Placeholder}` strings, read there with States.StringToJson so the file stays valid JSON."""

    reminder_seconds: int = 24 * 3600  # no decision yet: remind the approver with a fresh link
    decision_timeout_seconds: int = 48 * 3600  # the longest one ask may wait, reminders included
    max_reminders: int = 2  # reminders before the admin is brought in
    escalation_timeout_seconds: int = 72 * 3600  # after escalating: then the review is reported overdue
    answer_timeout_seconds: int = 14 * 24 * 3600  # the author's answer to a question or a change request

    def as_substitutions(self) -> dict[str, str]:
        return {_placeholder(name): str(value) for name, value in asdict(self).items()}


def _placeholder(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))  # reminder_seconds -> ReminderSeconds


@dataclass(frozen=True)
class Workflow:
    name: str  # also the ASL file's name: statemachines/<name>.asl.json
    subject_kind: str  # the kind of item reviewed: its approval links and audit events use it
    steps_function: str  # the `@app.lambda_function(name=...)` its Tasks invoke
    starts_in: str  # the status an item is saved in; its review starts on the request path
    stranded_statuses: tuple[str, ...]  # an item in one of these needs a running execution
    timings: Timings = field(default_factory=Timings)
    # Its timings count working time: weekends and bank holidays do not count (a decision due within
    # one working day). Its own step turns them into calendar time as each wait starts.
    working_time: bool = False

    @property
    def arn_variable(self) -> str:
        """The environment variable that gives a deployed function this state machine's ARN."""
        return state_machine_arn_variable(self.name)

    def execution_name(self, subject_id: str, run: int) -> str:
        """Named after the item, so a repeated start of the same run is harmless."""
        return f"{subject_id}-{run}"

    def substitutions(self, function_arn: str, timings: Timings | None = None) -> dict[str, str]:
        """What fills the ASL file's placeholders, here and in the deployment template."""
        return {**(timings or self.timings).as_substitutions(), STEPS_FUNCTION_PLACEHOLDER: function_arn}


REFERRAL_REVIEW = Workflow(
    name="referral_review",
    subject_kind="referral",
    steps_function="referral_workflow",
    starts_in="SUBMITTED",
    stranded_statuses=("SUBMITTED", "UNDER_REVIEW", "MORE_INFO_REQUESTED"),
)

REPORT_REVIEW = Workflow(
    name="report_review",
    subject_kind="report",
    steps_function="report_workflow",
    starts_in="SUBMITTED",
    # A report waiting for its revision has no running execution once the wait timed out: the
    # worker's resubmission starts the next one.
    stranded_statuses=("SUBMITTED",),
    timings=Timings(answer_timeout_seconds=7 * 24 * 3600),
)

INCIDENT_REVIEW = Workflow(
    name="incident_review",
    subject_kind="incident",
    steps_function="incident_workflow",
    starts_in="REPORTED",
    stranded_statuses=("REPORTED",),
    # Working time: its `schedule_waits` step turns each into calendar time as the wait starts.
    # The decision is due within one working day: then a reminder, and a working day later the
    # admin is brought in; a working day after that the review is reported overdue.
    timings=Timings(
        reminder_seconds=24 * 3600,
        decision_timeout_seconds=48 * 3600,
        max_reminders=1,
        escalation_timeout_seconds=24 * 3600,
    ),
    working_time=True,
)

WORKFLOWS: dict[str, Workflow] = {
    workflow.name: workflow for workflow in (REFERRAL_REVIEW, REPORT_REVIEW, INCIDENT_REVIEW)
}


def workflow(name: str) -> Workflow:
    try:
        return WORKFLOWS[name]
    except KeyError:
        raise KeyError(f"No workflow called {name!r}; the registry has {', '.join(WORKFLOWS)}") from None
