"""The state machine definitions and the `${...}` substitutions that make one ASL file run anywhere.

The same map fills `DefinitionSubstitutions` in the deployment template and is applied here by
the embedded runtime, so local runs, tests and AWS execute identical definitions.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

STATEMACHINE_DIR = Path(__file__).resolve().parents[2] / "statemachines"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")

# workflow name -> the Chalice lambda_function whose ARN its Tasks invoke
WORKFLOWS: dict[str, dict[str, str]] = {
    "referral_review": {"ReferralWorkflowFunctionArn": "referral_workflow"},
}


@dataclass(frozen=True)
class Timings:
    """Seconds, as strings: ASL reads them with States.StringToJson so the file stays valid JSON."""

    ReviewReminderSeconds: int = 24 * 3600
    ReviewTimeoutSeconds: int = 48 * 3600
    ReviewMaxReminders: int = 2
    EscalationTimeoutSeconds: int = 72 * 3600
    AmendmentTimeoutSeconds: int = 14 * 24 * 3600

    def as_substitutions(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}


def definition_path(workflow: str) -> Path:
    return STATEMACHINE_DIR / f"{workflow}.asl.json"


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def render(workflow: str, substitutions: dict[str, str]) -> str:
    """The ASL file with every `${Name}` filled; a missing value is an error, not a blank."""
    text = definition_path(workflow).read_text(encoding="utf-8")
    missing = placeholders(text) - substitutions.keys()
    if missing:
        raise KeyError(f"{workflow}: no substitution for {', '.join(sorted(missing))}")
    rendered = PLACEHOLDER.sub(lambda m: substitutions[m.group(1)], text)
    json.loads(rendered)  # fail here, not inside the interpreter, if a value broke the JSON
    return rendered
