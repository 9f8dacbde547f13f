"""Bench rows of visit reports: AWS calls per submission, state transitions of the review's
paths, and the time to render the PDF of a long report as a ratio to `import boto3`."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

PDF_RUNS = 7
LONG_OBSERVATIONS = 20_000
BUNDLE_REPORTS = 26
BUNDLE_REPORT_CHARACTERS = 2_000


def _states(runtime, visit_id: str) -> list[str]:
    import boto3

    arn = runtime.state_machine_arns["report_review"].replace(":stateMachine:", ":execution:") + f":{visit_id}-1"
    events = boto3.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def report_figures(counter, boto3_import_ms: float) -> list[dict]:
    """`counter` is a `scripts.aws_call_counter.CallCounter`, installed; returns rows as bench.py prints them."""
    from chalice.test import Client

    from app import app
    from chalicelib.examples import example_report
    from chalicelib.workflows.registry import Timings
    from local.runtime import EmbeddedAws
    from local.tokens import resolve_user, token_for
    from tests.helpers import approval_path, wait_for, wait_for_email
    from tests.report_helpers import SUPERVISOR, book_visit
    from tests.visit_helpers import CASEY

    rows: list[dict] = []
    patient = Timings(reminder_seconds=600, decision_timeout_seconds=1200)
    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp()), patient).start()
    form = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
    try:
        with Client(app, stage_name="local") as client:

            def auth(role: str, email: str | None = None) -> dict:
                user = resolve_user(role, email)
                return {"Authorization": f"Bearer {token_for(user)}", "Content-Type": "application/json"}

            def done(visit_id: str) -> None:
                import boto3

                arn = runtime.state_machine_arns["report_review"].replace(":stateMachine:", ":execution:")
                sfn = boto3.client("stepfunctions")
                wait_for(lambda: sfn.describe_execution(executionArn=f"{arn}:{visit_id}-1")["status"] != "RUNNING", 30)

            def decide(decision: str, count: int, comment: str = "") -> None:
                link = approval_path(wait_for_email(runtime.outbox, SUPERVISOR, "needs your approval", count=count))
                body = "&".join(
                    f"{k}={v}" for k, v in {"decision": decision, "comment": comment, "confirmed": "yes"}.items()
                )
                client.http.post(link, headers=form, body=body)

            worker = auth("worker", CASEY)
            # Approved the first time, counting the calls of the submission itself.
            first = book_visit(client, auth)
            client.http.put(f"/v1/visits/{first}/report", headers=worker, body=json.dumps(example_report()))
            response, calls = counter.measure(client.http.post, f"/v1/visits/{first}/report/submit", headers=worker)
            assert response.status_code == 200, response.body
            decide("approve", 1)
            done(first)
            rows.append(
                {
                    "figure": "AWS API calls per report submission",
                    "value": len(calls),
                    "limit": "<= 4",
                    "how": "botocore before-call hook, first submission: " + ", ".join(calls),
                }
            )
            approved = _states(runtime, first)

            # One request for changes, then approval.
            second = book_visit(client, auth, days_from_now=-2)
            client.http.put(f"/v1/visits/{second}/report", headers=worker, body=json.dumps(example_report()))
            client.http.post(f"/v1/visits/{second}/report/submit", headers=worker)
            decide("request_changes", 2, "Add+the+times")
            wait_for_email(runtime.outbox, CASEY, "Changes requested")
            _, resubmit = counter.measure(client.http.post, f"/v1/visits/{second}/report/submit", headers=worker)
            decide("approve", 3)
            done(second)
            loop = _states(runtime, second)
            rows.append(
                {
                    "figure": "AWS API calls per report resubmission",
                    "value": len(resubmit),
                    "limit": "<= 4",
                    "how": "same hook, after changes were requested: " + ", ".join(resubmit),
                }
            )
    finally:
        runtime.stop()
    for name, states in (("approved first time", approved), ("one changes-requested loop", loop)):
        rows.append(
            {
                "figure": f"state transitions, report_review {name} path",
                "value": len(states),
                "limit": "",
                "how": "states entered in the execution history: " + " > ".join(states),
            }
        )
    rows += _pdf_rows(boto3_import_ms)
    rows += bundle_rows(boto3_import_ms)
    return rows


def _pdf_rows(boto3_import_ms: float) -> list[dict]:
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.domain.reports import ReportContent
    from chalicelib.examples import example_report
    from chalicelib.web import report_pdf

    sentence = 'Mother said "Come and see the drawing." Maya laughed and showed her. '
    observations = (sentence * (LONG_OBSERVATIONS // len(sentence) + 1))[:LONG_OBSERVATIONS]
    content = ReportContent.model_validate({**example_report(), "observations": observations})
    document = {
        "reference": "4f1c2a9e",
        "case_reference": human_reference("7a7a7a7a" + "0" * 24),
        "version": 3,
        "sha256": "0" * 64,
        "approved_by": "Priya Shah, Supervisor",
        "approved_at": "2026-11-23T14:55:00+00:00",
        "worker_name": "Casey Evans",
        "participants": {"child-0": "Maya", "family-0": "Mother"},
        "children": [{"name": "Maya Robinson", "born": "14 May 2019"}],
    }
    visit = {"when": "23 Nov 2026, 10:00 UTC to 11:30 UTC", "venue": "Family Centre", "hide_times": False}
    times, size = [], 0
    for _ in range(PDF_RUNS):
        started = time.perf_counter()
        pdf = report_pdf.render(document, visit, content)
        times.append(time.perf_counter() - started)
        size = len(pdf)
    median_ms = statistics.median(times) * 1000
    how = f"median of {PDF_RUNS} renders in one process (the first one cold), {LONG_OBSERVATIONS:,} characters of observations, {size:,} bytes"
    return [
        {"figure": "PDF of a long report, median (ms)", "value": round(median_ms, 1), "limit": "", "how": how},
        {
            "figure": "PDF render ratio to import boto3",
            "value": round(median_ms / boto3_import_ms, 2),
            "limit": "<= 1.0",
            "how": "the median above over the boto3 cold import median of this run",
        },
    ]


def bundle_rows(boto3_import_ms: float) -> list[dict]:
    """The court bundle of a case of 26 approved reports, 2,000 characters of observations each,
    rendered as one document: its median time and its ratio to `import boto3`."""
    from chalicelib.domain.case_summary import ReportedSession, summarise
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.domain.reports import ReportContent
    from chalicelib.examples import example_report
    from chalicelib.web import bundle_pdf

    sentence = "Maya showed her mother the drawing and they talked about school. "
    observations = (sentence * (BUNDLE_REPORT_CHARACTERS // len(sentence) + 1))[:BUNDLE_REPORT_CHARACTERS]
    content = ReportContent.model_validate({**example_report(), "observations": observations})
    case_reference = human_reference("7a7a7a7a" + "0" * 24)
    participants = {"child-0": "Maya", "family-0": "Mother"}
    reports = [
        {
            "document": {
                "reference": f"{n:08x}",
                "case_reference": case_reference,
                "version": 1,
                "sha256": f"{n:064x}",
                "approved_by": "Priya Shah, Supervisor",
                "approved_at": "2026-11-23T14:55:00+00:00",
                "worker_name": "Casey Evans",
                "participants": participants,
                "children": [{"name": "Maya Robinson", "born": "14 May 2019"}],
            },
            "visit": {"when": "23 Nov 2026, 10:00 to 11:30", "venue": "Family Centre", "hide_times": False},
            "content": content,
            "day": f"2026-{1 + n // 4:02d}-{1 + 7 * (n % 4):02d}",
        }
        for n in range(BUNDLE_REPORTS)
    ]
    bundle = {
        "case_reference": case_reference,
        "children": ["Maya Robinson"],
        "generated_at": "2026-12-05T10:00:00+00:00",
        "confidential": False,
        "reports": reports,
        "summary": summarise([ReportedSession(r["day"], participants, content) for r in reports]),
    }
    times, size = [], 0
    for _ in range(PDF_RUNS):
        started = time.perf_counter()
        pdf = bundle_pdf.render(bundle)
        times.append(time.perf_counter() - started)
        size = len(pdf)
    median_ms = statistics.median(times) * 1000
    how = (
        f"median of {PDF_RUNS} renders in one process (the first one cold), {BUNDLE_REPORTS} reports of "
        f"{BUNDLE_REPORT_CHARACTERS:,} characters of observations each, {size:,} bytes"
    )
    return [
        {"figure": "court bundle of 26 reports, median (ms)", "value": round(median_ms, 1), "limit": "", "how": how},
        {
            "figure": "court bundle render ratio to import boto3",
            "value": round(median_ms / boto3_import_ms, 2),
            "limit": "<= 3",
            "how": "the median above over the boto3 cold import median of this run",
        },
    ]
