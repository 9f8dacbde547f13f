"""The family reminders: the DynamoDB calls per reminder sent, and the hourly job's AWS calls with
100 and with 10,000 upcoming visits when the same 20 fall in its window. The job reads the window
with a Query on the by-month index, so the visits outside it cost nothing: the ratio stays near 1.

Visits are seeded through the storage layer (a batch write), not the API. `make bench` calls
`reminder_rows()`; run this file alone to see just these figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("FCS_STAGE", "local")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

IN_WINDOW = 20
UPCOMING = (100, 10_000)
RATIO_LIMIT = 1.2


def _seed(upcoming: int, worker_id: str) -> None:
    """`IN_WINDOW` visits starting 30 hours on, each of a case whose mother agreed to email
    reminders; the rest from four days on, every 30 minutes (10,000 reach seven months ahead)."""
    from chalicelib import clock
    from chalicelib.domain.local_time import iso_utc
    from chalicelib.storage.referrals import Referral
    from chalicelib.storage.visits import Visit, new_visit
    from tests.family_helpers import family_case

    now = clock.now().replace(microsecond=0)
    cases = [family_case() for _ in range(IN_WINDOW)]
    starts = [now + timedelta(hours=30, minutes=n) for n in range(IN_WINDOW)]
    starts += [now + timedelta(days=4, minutes=30 * n) for n in range(upcoming - IN_WINDOW)]
    referrer = Referral.get(cases[0]).referrer_id
    with Visit.batch_write() as batch:
        for n, start in enumerate(starts):
            batch.save(
                new_visit(
                    uuid.uuid4().hex,
                    starts_at=iso_utc(start),
                    ends_at=iso_utc(start + timedelta(minutes=90)),
                    referral_id=cases[n % IN_WINDOW],
                    referrer_id=referrer,
                    worker_id=worker_id,
                    zone="Europe/London",
                    venue="Northshire Family Centre, Room 2",
                    participants={"children": [0], "family_members": [0], "labels": ["Maya", "Mother"]},
                    status="SCHEDULED",
                    created_at=clock.iso_now(),
                    created_by="supervisor@familycontact.example",
                    updated_at=clock.iso_now(),
                )
            )


def reminder_rows(counter) -> list[dict]:
    """`counter` is a `scripts.aws_call_counter.CallCounter`, installed."""
    from app import app
    from chalicelib import clock
    from chalicelib.services import family_reminders
    from local.runtime import EmbeddedAws
    from tests.visit_helpers import CASEY, add_worker

    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp(prefix="bench-families-"))).start()
    rows: list[dict] = []
    totals: dict[int, int] = {}
    try:
        for upcoming in UPCOMING:
            runtime.reset()
            _seed(upcoming, add_worker("Casey Evans", CASEY))
            result, calls = counter.measure(family_reminders.send_due, clock.now())
            assert result["sent"] == IN_WINDOW, result
            totals[upcoming] = len(calls)
            by_name = Counter(calls)
            breakdown = ", ".join(f"{name}×{n}" for name, n in sorted(by_name.items()))
            if upcoming == UPCOMING[0]:
                dynamodb = sum(n for name, n in by_name.items() if name.startswith("dynamodb."))
                rows.append(
                    {
                        "figure": "DynamoDB calls per family reminder sent",
                        "value": round(dynamodb / result["sent"], 2),
                        "how": f"family-reminders job, {IN_WINDOW} due: {dynamodb} DynamoDB calls / {result['sent']} sent",
                    }
                )
            rows.append(
                {
                    "figure": f"AWS calls of family-reminders, {upcoming:,} upcoming visits ({IN_WINDOW} due)",
                    "value": len(calls),
                    "how": f"botocore before-call hook around one run: {breakdown}",
                }
            )
        ratio = totals[UPCOMING[1]] / totals[UPCOMING[0]]
        rows.append(
            {
                "figure": f"family-reminders calls, {UPCOMING[1]:,} / {UPCOMING[0]} upcoming visits",
                "value": round(ratio, 2),
                "how": "the two runs above: the window is one Query on the by-month index",
                "limit": f"≤ {RATIO_LIMIT}",
                "failing": ratio > RATIO_LIMIT,
            }
        )
    finally:
        runtime.stop()
    return rows


def main() -> int:
    from scripts.aws_call_counter import print_counted_rows

    return print_counted_rows(reminder_rows)


if __name__ == "__main__":
    sys.exit(main())
