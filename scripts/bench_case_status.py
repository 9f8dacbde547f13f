"""The case's status: the AWS calls to suspend a case with N upcoming visits (POST
/v1/referrals/{id}/suspend), its visits shared between two workers. Up to 38 visits go in the status
change's own transaction (with the dashboard's counters of them); beyond that each 47 more are one
more transaction, so the calls grow by
chunks, not by visits (each worker's email is one call per chunk).

`make bench` calls `suspension_rows()`; run this file alone to see just these figures.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("FCS_STAGE", "local")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

UPCOMING = (0, 1, 40, 130)


def suspension_rows(counter) -> list[dict]:
    """`counter` is a `scripts.aws_call_counter.CallCounter`, installed."""
    from chalice.test import Client

    from app import app
    from local.runtime import EmbeddedAws
    from local.tokens import resolve_user, token_for
    from tests.visit_helpers import add_referral, add_visit, add_worker

    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp(prefix="bench-case-status-"))).start()
    rows: list[dict] = []
    try:
        workers = (
            add_worker("Casey Evans", "casey.worker@familycontact.example"),
            add_worker("Robin Patel", "robin.worker@familycontact.example"),
        )
        headers = {
            "Authorization": f"Bearer {token_for(resolve_user('supervisor', None))}",
            "Content-Type": "application/json",
        }
        body = json.dumps({"reason": "Police inquiry after the last visit"})
        with Client(app, stage_name="local") as client:
            for count in UPCOMING:
                referral_id = add_referral("ACTIVE")
                for day in range(count):
                    add_visit(referral_id, workers[day % 2], day + 1)
                path = f"/v1/referrals/{referral_id}/suspend"
                response, calls = counter.measure(client.http.post, path, headers=headers, body=body)
                assert response.status_code == 200, response.json_body
                breakdown = ", ".join(f"{name}×{n}" for name, n in sorted(Counter(calls).items()))
                rows.append(
                    {
                        "figure": f"AWS API calls to suspend a case with {count} upcoming visits",
                        "value": len(calls),
                        "how": f"botocore before-call hook around POST /v1/referrals/{{id}}/suspend: {breakdown}",
                    }
                )
    finally:
        runtime.stop()
    return rows


def main() -> int:
    from scripts.aws_call_counter import print_counted_rows

    return print_counted_rows(suspension_rows)


if __name__ == "__main__":
    sys.exit(main())
