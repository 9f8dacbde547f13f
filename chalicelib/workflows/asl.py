"""The state machine definitions and the `${...}` substitutions that make one ASL file run anywhere.

The registry's substitutions fill `DefinitionSubstitutions` in the deployment template and are
applied here by the embedded runtime, so local runs, tests and AWS execute identical definitions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from chalicelib.workflows.registry import workflow

STATEMACHINE_DIR = Path(__file__).resolve().parents[2] / "statemachines"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def definition_path(name: str) -> Path:
    return STATEMACHINE_DIR / f"{workflow(name).name}.asl.json"


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def render(name: str, substitutions: dict[str, str]) -> str:
    """The ASL file with every `${Name}` filled; a missing value is an error, not a blank."""
    text = definition_path(name).read_text(encoding="utf-8")
    missing = placeholders(text) - substitutions.keys()
    if missing:
        raise KeyError(f"{name}: no substitution for {', '.join(sorted(missing))}")
    rendered = PLACEHOLDER.sub(lambda m: substitutions[m.group(1)], text)
    json.loads(rendered)  # fail here, not inside the interpreter, if a value broke the JSON
    return rendered
