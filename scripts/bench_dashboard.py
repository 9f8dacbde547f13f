"""The service dashboard: the DynamoDB calls to read 12 months of figures with 100 and with 10,000
referrals (the ratio stays 1: one Query per month, whatever was counted), and the AWS calls each
counted event (a referral's submission and decision, a report's, an incident's) adds to its own
write (0: the counters ride in it).

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


def report_events(client, auth) -> list[tuple[str, Callable[[], Callable[[], object]]]]:
    """A report's first submission through the API, its approval's and a request for changes'
    writes, an incident recorded through the API, and the referrer told of one (the review's step).
    `auth(role, email=None)` gives a person's headers. Each event is on a visit of its own."""
    from chalicelib.domain.people import Person
    from chalicelib.services import incident_review, review
    from chalicelib.services.audit import audited_transaction
    from chalicelib.services.report_review import SUBJECT
    from chalicelib.storage.visits import Visit
    from tests.incident_helpers import incident_body, record_incident
    from tests.report_helpers import book_on, save, submit
    from tests.visit_helpers import CASEY, add_referral, add_worker

    worker_id = add_worker("Casey Evans", CASEY)
    days_ago = iter(range(1, 1000))

    def visit(running: bool = False) -> str:
        """A visit that has taken place (or, `running`, started an hour ago: an incident may be recorded)."""
        from chalicelib import clock

        visit_id = book_on(client, auth, add_referral(plan=("2020-01-06", None)), worker_id, -next(days_ago))
        if running:
            moved = Visit.get(visit_id, consistent_read=True)
            start = clock.now().replace(microsecond=0) - timedelta(minutes=60)
            moved.starts_at, moved.ends_at = start.isoformat(), (start + timedelta(minutes=90)).isoformat()
            moved.save()
        return visit_id

    def submitted() -> str:
        visit_id = visit()
        assert save(client, auth, visit_id).status_code == 200
        return visit_id

    def prepare_submission():
        visit_id = submitted()

        def send() -> None:
            answer = submit(client, auth, visit_id)
            assert answer.status_code == 200, answer.body

        return send

    def prepare_decision(decision: str, comment: str | None):
        def prepare():
            visit_id = submitted()
            assert submit(client, auth, visit_id).status_code == 200
            report = SUBJECT.load(visit_id)
            summary, case_id = SUBJECT.summary(report), SUBJECT.describe(report).case_id
            person = Person("supervisor@familycontact.example")

            def decide() -> None:
                with audited_transaction(person, case_id=case_id) as tx:
                    SUBJECT.apply(tx, visit_id, SUBJECT.validate(decision, comment), person, {}, summary)

            return decide

        return prepare

    def prepare_incident():
        visit_id = visit(running=True)

        def record() -> None:
            answer = record_incident(client, auth, visit_id, incident_body(visit_id, critical=False))
            assert answer.status_code == 201, answer.body

        return record

    def prepare_telling():
        visit_id = visit(running=True)
        started, review.start = review.start, lambda *args, **kwargs: True  # the step runs here, not in a workflow
        try:
            answer = record_incident(client, auth, visit_id, incident_body(visit_id, critical=False))
        finally:
            review.start = started
        assert answer.status_code == 201, answer.body
        incident_id = answer.json_body["incident_id"]
        return lambda: incident_review.tell_referrer({"subject_id": incident_id})

    return [
        ("a report's first submission", prepare_submission),
        ("a report's approval", prepare_decision("approve", None)),
        ("a request for changes to a report", prepare_decision("request_changes", "Add the times.")),
        ("an incident recorded", prepare_incident),
        ("the referrer told of an incident", prepare_telling),
    ]


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

            def auth(role: str, email: str | None = None) -> dict:
                return {
                    "Authorization": f"Bearer {token_for(resolve_user(role, email))}",
                    "Content-Type": "application/json",
                }

            for event, prepare in report_events(client, auth):
                rows.append(extra_calls_row(counter, event, prepare))
    finally:
        runtime.stop()
    return rows


def main() -> int:
    from scripts.aws_call_counter import print_counted_rows

    return print_counted_rows(dashboard_rows)


if __name__ == "__main__":
    sys.exit(main())
