"""Scheduled jobs by name: what `@app.schedule` runs daily and `POST /dev/jobs/{name}` runs now."""

from __future__ import annotations

from datetime import date
from importlib import import_module

from chalicelib.errors import NotFound

# name -> "module:function"; each function takes `today` and returns a JSON-able summary.
JOBS: dict[str, str] = {
    "recover-workflows": "chalicelib.services.recovery:restart_stranded_workflows",
    "compliance-scan": "chalicelib.services.compliance_scan:run",
}


def run(name: str, today: date) -> dict:
    target = JOBS.get(name)
    if target is None:
        raise NotFound(f"No job called '{name}'. Jobs: {', '.join(sorted(JOBS))}.")
    module, _, function = target.partition(":")
    return getattr(import_module(module), function)(today=today)
