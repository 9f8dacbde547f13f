"""The service dashboard: the DynamoDB calls to read 12 months of figures with 100 and with 10,000
referrals (the ratio stays 1: one Query per month, whatever was counted), and the AWS calls a
counted submission and a counted decision add to their own write (0: the counters ride in it).

Referrals and their counters are seeded through the storage layer (batch writes), not the API.
`make bench` calls `dashboard_rows()`; run this file alone to see just these figures.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("FCS_STAGE", "local")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

REFERRALS = (100, 10_000)
RATIO_LIMIT = 1.05


def _seed(referrals: int) -> None:
    """`referrals` decided referrals spread over the last 12 months, and the counters they make."""
    from chalicelib import clock
    from chalicelib.domain import monthly_counts, referral_figures
    from chalicelib.domain.dashboard import COUNTERS
    from chalicelib.storage import monthly_figures
    from chalicelib.storage.referrals import Referral

    now = clock.now().replace(microsecond=0)
    counts: dict[tuple[str, str], int] = {}
    with Referral.batch_write() as batch:
        for n in range(referrals):
            # From 3 to about 330 days ago: inside the 12 months read, each decided up to 49 hours later.
            submitted = now - timedelta(days=3, minutes=(n * 470_000) // referrals)
            decided = submitted + timedelta(hours=n % 50)
            accepted = n % 4 != 0
            batch.save(
                Referral(
                    uuid.uuid4().hex,
                    referrer_id="bench-referrer",
                    referrer_email="referrer@familycontact.example",
                    status="ACCEPTED" if accepted else "DECLINED",
                    created_at=submitted.isoformat(timespec="seconds"),
                    updated_at=decided.isoformat(timespec="seconds"),
                    submission={},
                    decision="accept" if accepted else "decline",
                    decided_at=decided.isoformat(timespec="seconds"),
                )
            )
            monthly_counts.merge(counts, referral_figures.submitted_counts(submitted))
            monthly_counts.merge(counts, referral_figures.decision_counts(accepted, submitted, decided))
    monthly_figures.set_figures(counts, COUNTERS, sorted({month for month, _ in counts}))


def extra_calls_row(counter, event: str, prepare: Callable[[], Callable[[], object]]) -> dict:
    """The AWS calls a counted event adds to its own write: `prepare()` sets up a fresh event and
    returns the action that makes it; it runs once as the service runs and once with every
    `services.figures.count_*` made to do nothing. 0 when the counters ride in the event's write."""
    from chalicelib.services import figures

    _, with_counts = counter.measure(prepare())
    names = [name for name in vars(figures) if name.startswith("count_")]
    saved = {name: getattr(figures, name) for name in names}
    for name in names:
        setattr(figures, name, lambda *args, **kwargs: None)
    try:
        _, without = counter.measure(prepare())
    finally:
        for name, function in saved.items():
            setattr(figures, name, function)
    extra = len(with_counts) - len(without)
    return {
        "figure": f"extra AWS calls the dashboard counters add to {event}",
        "value": extra,
        "how": f"{len(with_counts)} calls counted ({', '.join(with_counts)}) - {len(without)} without",
        "limit": "0",
        "failing": extra != 0,
    }


def _referral_events(client, token: str) -> list[tuple[str, Callable[[], Callable[[], object]]]]:
    """A referral's submission through the API, and its acceptance's write."""
    from chalicelib.domain.people import Person
    from chalicelib.services.audit import audited_transaction
    from chalicelib.services.referral_review import ReferralSubject
    from chalicelib.services.referral_status import load
    from tests.dates import example_referral

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def submit() -> str:
        answer = client.http.post("/v1/referrals", headers=headers, body=json.dumps(example_referral()))
        assert answer.status_code == 201, answer.body
        return answer.json_body["id"]

    def prepare_submission():
        return submit

    def prepare_decision():
        referral = load(submit(), consistent_read=True)
        subject = ReferralSubject()
        subject.begin_review(referral)
        person = Person("supervisor@familycontact.example")

        def decide() -> None:
            with audited_transaction(person, case_id=referral.referral_id) as tx:
                chosen = subject.validate("accept", None)
                subject.apply(tx, referral.referral_id, chosen, person, {}, {"submitted_at": referral.created_at})

        return decide

    return [("a referral submission", prepare_submission), ("a referral decision", prepare_decision)]


def dashboard_rows(counter) -> list[dict]:
    """`counter` is a `scripts.aws_call_counter.CallCounter`, installed."""
    from chalice.test import Client

    from app import app
    from chalicelib.services import dashboard
    from local.runtime import EmbeddedAws
    from local.tokens import resolve_user, token_for

    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp(prefix="bench-dashboard-"))).start()
    rows: list[dict] = []
    totals: dict[int, int] = {}
    try:
        for referrals in REFERRALS:
            runtime.reset()
            _seed(referrals)
            view, calls = counter.measure(dashboard.figures, None, None)
            assert sum(m["value"] for m in view["figures"][0]["months"]) == referrals, view["figures"][0]
            dynamodb = [name for name in calls if name.startswith("dynamodb.")]
            totals[referrals] = len(dynamodb)
            breakdown = ", ".join(f"{name}×{n}" for name, n in sorted(Counter(calls).items()))
            rows.append(
                {
                    "figure": f"DynamoDB calls to read 12 months of the dashboard, {referrals:,} referrals",
                    "value": len(dynamodb),
                    "how": f"botocore before-call hook around dashboard.figures: {breakdown}",
                }
            )
        ratio = totals[REFERRALS[1]] / totals[REFERRALS[0]]
        rows.append(
            {
                "figure": f"dashboard reads, {REFERRALS[1]:,} / {REFERRALS[0]} referrals",
                "value": round(ratio, 2),
                "how": "the two reads above: one Query per month of the counters",
                "limit": f"≤ {RATIO_LIMIT}",
                "failing": ratio > RATIO_LIMIT,
            }
        )
        runtime.reset()
        token = token_for(resolve_user("referrer", None))
        with Client(app, stage_name="local") as client:
            for event, prepare in _referral_events(client, token):
                rows.append(extra_calls_row(counter, event, prepare))
    finally:
        runtime.stop()
    return rows


def main() -> int:
    from scripts.aws_call_counter import print_counted_rows

    return print_counted_rows(dashboard_rows)


if __name__ == "__main__":
    sys.exit(main())
