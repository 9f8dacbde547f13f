"""The service dashboard: the DynamoDB calls to read 12 months of figures with 100 and with 10,000
referrals (the ratio stays 1: one Query per month, whatever was counted), and the AWS calls each
counted event (a referral's submission and decision, a visit's, a report's, an incident's) adds to
its own write (0: the counters ride in it; an approval that holds a visit reads its referral once,
to count the case's first visit held only once).

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


def extra_calls_row(
    counter, event: str, prepare: Callable[[], Callable[[], object]], *, also: tuple = (), limit: int = 0
) -> dict:
    """The AWS calls a counted event adds to its own write: `prepare()` sets up a fresh event and
    returns the action that makes it; it runs once as the service runs and once with every
    `services.figures.count_*` made to do nothing (and each (module, name) in `also`: what an
    event reads only for its counters). 0 when the counters ride in the event's write."""
    from chalicelib.services import figures

    _, with_counts = counter.measure(prepare())
    swapped = [(figures, name) for name in vars(figures) if name.startswith("count_")] + list(also)
    saved = [(module, name, getattr(module, name)) for module, name in swapped]
    for module, name in swapped:
        setattr(module, name, lambda *args, **kwargs: None)
    try:
        _, without = counter.measure(prepare())
    finally:
        for module, name, function in saved:
            setattr(module, name, function)
    extra = len(with_counts) - len(without)
    return {
        "figure": f"extra AWS calls the dashboard counters add to {event}",
        "value": extra,
        "how": f"{len(with_counts)} calls counted ({', '.join(with_counts)}) - {len(without)} without",
        "limit": str(limit),
        "failing": extra > limit,
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
    """A report's first submission through the API, a request for changes' write, an incident
    recorded through the API, and the referrer told of one (the review's step); a report's approval
    is `visit_events`' (it also holds the visit). `auth(role, email=None)` gives a person's headers.
    Each event is on a visit of its own."""
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
        ("a request for changes to a report", prepare_decision("request_changes", "Add the times.")),
        ("an incident recorded", prepare_incident),
        ("the referrer told of an incident", prepare_telling),
    ]


HOLDING_APPROVAL = "a report approval that holds a visit"


def _first_visit_read() -> dict:
    """The approval that holds a visit reads its referral (one GetItem) to learn whether this is the
    case's first visit held: the one read a counter costs, kept in sight."""
    from chalicelib.services import report_review

    return {"also": ((report_review, "_count_approval"),), "limit": 1}


def visit_events(client, token: str) -> list[tuple[str, Callable[[], Callable[[], object]]]]:
    """A visit booked, moved to another month, cancelled, its report approved with a family member
    attending, and a family member's answer to a reminder: each prepared afresh (its own referral
    and worker), through the API or the service's own write."""
    from chalicelib import clock
    from chalicelib.domain.local_time import to_local
    from chalicelib.domain.people import Person
    from chalicelib.domain.reports import Decision, ReportDecision
    from chalicelib.services import family_links
    from chalicelib.services.audit import SYSTEM, audited_transaction
    from chalicelib.services.report_review import SUBJECT
    from chalicelib.storage import reports as report_store
    from chalicelib.storage.referrals import Referral
    from tests.case_helpers import write_first_version
    from tests.helpers import post_form
    from tests.visit_helpers import add_referral, add_worker

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def local(moment) -> str:
        return to_local(moment).strftime("%Y-%m-%dT%H:%M")

    def case() -> tuple[str, str]:
        """A fresh accepted referral and a worker of its own."""
        referral_id = add_referral(plan=("2020-01-06", None))
        referral = Referral.get(referral_id)
        referral.decided_at, referral.decision = clock.iso_now(), "accept"
        referral.save()
        return referral_id, add_worker("Bench Worker", f"bench.{uuid.uuid4().hex[:8]}@familycontact.example")

    def book(hours_from_now: float, path: str = "/v1/visits", made: tuple[str, str] | None = None) -> tuple[str, str]:
        referral_id, worker = made or case()
        start = clock.now().replace(second=0, microsecond=0) + timedelta(hours=hours_from_now)
        body = {
            "referral_id": referral_id,
            "worker_id": worker,
            "start": local(start),
            "end": local(start + timedelta(minutes=60)),
            "venue": "Northshire Family Centre, Room 2",
            "participants": {"children": [0], "family_members": [0]},
        }
        answer = client.http.post(path, headers=headers, body=json.dumps(body))
        assert answer.status_code == 201, answer.body
        return referral_id, answer.json_body["id"]

    def prepare_booking():
        made = case()
        return lambda: book(24 * 20, made=made)

    def prepare_move():
        _, visit_id = book(24 * 3)
        moved = local(clock.now() + timedelta(days=40))

        def move() -> None:
            answer = client.http.patch(f"/v1/visits/{visit_id}", headers=headers, body=json.dumps({"start": moved}))
            assert answer.status_code == 200, answer.body

        return move

    def prepare_cancel():
        _, visit_id = book(24 * 3)

        def cancel() -> None:
            body = json.dumps({"cancelled_by": "parent", "reason": "Unwell"})
            answer = client.http.post(f"/v1/visits/{visit_id}/cancel", headers=headers, body=body)
            assert answer.status_code == 200, answer.body

        return cancel

    def prepare_approval():
        from chalicelib.examples import example_report

        referral_id, visit_id = book(-48, "/v1/visits/past")
        visit = client.http.get(f"/v1/visits/{visit_id}", headers=headers).json_body
        assert visit["id"] == visit_id
        write_first_version(visit_id, example_report(), approved=False)
        report = report_store.get_report(visit_id)
        summary = SUBJECT.summary(report)
        person = Person("supervisor@familycontact.example")

        def approve() -> None:
            with audited_transaction(person, case_id=referral_id) as tx:
                SUBJECT.apply(tx, visit_id, ReportDecision(decision=Decision.APPROVE), person, {}, summary)

        return approve

    def prepare_answer():
        _, visit_id = book(10)
        from chalicelib.storage.visits import visit as stored_visit

        with audited_transaction(SYSTEM) as tx:
            link_id, _ = family_links.issue(tx, stored_visit(visit_id), 0)

        def answer() -> None:
            assert post_form(client, f"/family/{link_id}", {"answer": "cannot_come"}).status_code == 200

        return answer

    return [
        ("a visit booking", prepare_booking),
        ("a visit moved to another month", prepare_move),
        ("a visit cancellation", prepare_cancel),
        (HOLDING_APPROVAL, prepare_approval),
        ("a family member's answer to a reminder", prepare_answer),
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
            supervisor = token_for(resolve_user("supervisor", None))
            for event, prepare in visit_events(client, supervisor):
                rows.append(
                    extra_calls_row(
                        counter, event, prepare, **(_first_visit_read() if event == HOLDING_APPROVAL else {})
                    )
                )

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
