"""Scheduled jobs by name: what `@app.schedule` runs daily and `POST /dev/jobs/{name}` runs now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib import import_module

from chalicelib.errors import NotFound

# name -> "module:function"; each function takes `today` and returns a JSON-able summary.
JOBS: dict[str, str] = {
    "recover-workflows": "chalicelib.services.recovery:restart_stranded_workflows",
    "compliance-scan": "chalicelib.services.compliance_scan:run",
    "case-reviews-due": "chalicelib.services.case_reviews:remind_due",
    "family-reminders": "chalicelib.services.family_reminders:run",
    "dashboard-backfill": "chalicelib.services.dashboard_backfill:backfill",
    "dashboard-digest": "chalicelib.services.dashboard_digest:run",
}


def run(name: str, today: date, remaining_ms: Callable[[], int] | None = None) -> dict:
    """Run a job as of `today`. A job that can stop part-way and go on in its next run (the
    recovery sweep) is given `remaining_ms`, its Lambda context's time left in milliseconds."""
    target = JOBS.get(name)
    if target is None:
        raise NotFound(f"No job called '{name}'. Jobs: {', '.join(sorted(JOBS))}.")
    module, _, function = target.partition(":")
    job = getattr(import_module(module), function)
    return job(today=today) if remaining_ms is None else job(today=today, remaining_ms=remaining_ms)
