"""A case's timeline: the DynamoDB calls to read its first page for a case of 10 visits and of 100
(each visit with three events, each reported visit's report with four). A page is one Query of the
audit log's by-case index and one BatchGet of the visits it names, whatever the case's length.
`make bench` may call `timeline_rows()`; run this file alone to see just these figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("FCS_STAGE", "local")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

from scripts.bench_clearances import DynamoDBReads  # noqa: E402

CASE_SIZES = (10, 100)


def _seed_case(visits: int) -> str:
    """A referral with `visits` past visits, each with its events, every other one with a report."""
    from datetime import timedelta

    from chalicelib import clock
    from chalicelib.services.audit import new_event
    from chalicelib.storage.visits import Visit
    from tests.report_helpers import write_report
    from tests.visit_helpers import add_referral

    referral_id = add_referral("ACTIVE")
    start = clock.now() - timedelta(days=7 * visits)
    for n in range(visits):
        starts = start + timedelta(days=7 * n)
        visit_id = f"{referral_id[:24]}{n:08d}"
        Visit(
            visit_id,
            referral_id=referral_id,
            referrer_id="u-referrer-1",
            worker_id="w" * 32,
            starts_at=starts.isoformat(),
            ends_at=(starts + timedelta(hours=1)).isoformat(),
            zone="Europe/London",
            month=f"{starts:%Y-%m}",
            venue="Family Centre",
            status="SCHEDULED",
            created_at=starts.isoformat(),
            created_by="supervisor@familycontact.example",
            updated_at=starts.isoformat(),
        ).save()
        for action in ("visit.scheduled", "visit.rescheduled", "visit.reported"):
            new_event("visit", visit_id, "supervisor@familycontact.example", action, {}, case_id=referral_id).save()
        if n % 2 == 0:
            write_report(visit_id)
            for action in ("report.draft_started", "report.submitted", "report.decided", "report.referrer_notified"):
                new_event(
                    "report", visit_id, "casey.worker@familycontact.example", action, {}, case_id=referral_id
                ).save()
    return referral_id


def timeline_calls() -> dict[int, dict]:
    from app import app
    from chalicelib.auth import Principal, Role
    from chalicelib.services import case_timeline
    from local.runtime import EmbeddedAws

    counter = DynamoDBReads()
    counter.install()
    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp(prefix="bench-timeline-"))).start()
    supervisor = Principal(
        "u-supervisor-1", "supervisor@familycontact.example", "Priya Shah", frozenset({Role.SUPERVISOR})
    )
    measured: dict[int, dict] = {}
    try:
        for size in CASE_SIZES:
            referral_id = _seed_case(size)
            counter.calls.clear()
            counter.active = True
            page = case_timeline.timeline(supervisor, referral_id)
            counter.active = False
            measured[size] = {"calls": dict(counter.calls), "entries": len(page["entries"])}
    finally:
        counter.uninstall()
        runtime.stop()
    return measured


def timeline_rows() -> list[dict]:
    rows = []
    for size, found in timeline_calls().items():
        calls = found["calls"]
        rows.append(
            {
                "figure": f"DynamoDB calls for a timeline page, case of {size} visits",
                "value": sum(calls.values()),
                "how": "botocore hook around case_timeline.timeline as a supervisor: "
                + ", ".join(f"{name}×{n}" for name, n in sorted(calls.items()))
                + f" ({found['entries']} entries)",
            }
        )
    return rows


if __name__ == "__main__":
    for measured in timeline_rows():
        print(f"{measured['figure']}: {measured['value']}  ({measured['how']})")
