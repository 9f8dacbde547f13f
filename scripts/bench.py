"""`make bench`: the figures we hold ourselves to (DESIGN.md section 10), each with how it was measured.

Counts and ratios, not timed tests: AWS API calls are counted with a botocore event hook,
state transitions are read from execution histories, import cost is a ratio to boto3's.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.aws_call_counter import CallCounter  # noqa: E402 - after the path

os.environ.setdefault("FCS_STAGE", "local")
# The table is the output: the service's own log lines and metrics stay quiet here.
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

IMPORT_RUNS = 7
ROUND_TRIPS = 5
ROWS: list[dict] = []
FAILING: list[str] = []  # figures that must hold for `make bench` to pass


def row(figure: str, value, how: str, limit: str = "") -> None:
    ROWS.append({"figure": figure, "value": value, "limit": limit, "how": how})
    print(f"  measured: {figure} = {value}", file=sys.stderr, flush=True)


# -- cold import -----------------------------------------------------------------------------------


def _import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {**os.environ, "FCS_STAGE": "prod", "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def bench_cold_import() -> None:
    app_times, boto_times = [], []
    for _ in range(IMPORT_RUNS):  # interleaved so machine noise hits both alike
        app_times.append(_import_seconds("app"))
        boto_times.append(_import_seconds("boto3"))
    app_ms, boto_ms = statistics.median(app_times) * 1000, statistics.median(boto_times) * 1000
    how = f"median of {IMPORT_RUNS} fresh interpreters each, interleaved, stage prod"
    row("cold import of app.py (ms)", round(app_ms, 1), how)
    row("cold import of boto3 (ms)", round(boto_ms, 1), how)
    row("import ratio app / boto3", round(app_ms / boto_ms, 2), "the two medians above", "<= 1.3")


# -- the test suite --------------------------------------------------------------------------------

TEST_RUN_LIMIT_SECONDS = 600


def bench_test_run() -> None:
    """What the last whole `make test` cost, as tests/run_record.py wrote it (the suite is too
    long to run again here)."""
    record_path = ROOT / "build" / "test-run.json"
    if not record_path.exists():
        row(
            "make test wall time (s)",
            "none",
            "no whole run recorded yet: run make test",
            f"<= {TEST_RUN_LIMIT_SECONDS}",
        )
        return
    record = json.loads(record_path.read_text(encoding="utf-8"))
    outcome = "passed" if record["passed"] else "FAILED"
    how = (
        f"the last whole run, {outcome}: {record.get('tests', 0)} tests on {record['workers']} workers, "
        f"recorded {record['finished_on']}"
    )
    row("make test wall time (s)", record["seconds"], how, f"<= {TEST_RUN_LIMIT_SECONDS}")
    if record["seconds"] > TEST_RUN_LIMIT_SECONDS:
        FAILING.append("make test wall time (s)")


# -- deployment ------------------------------------------------------------------------------------


def _handler_import_seconds(handler: str) -> float:
    code = f"import time; t = time.perf_counter(); from app import {handler}; print(time.perf_counter() - t)"
    env = {**os.environ, "FCS_STAGE": "prod", "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def bench_deployment() -> None:
    """The Lambda zip `make package` builds, and the cold import of each deployed function's handler."""
    from deploy.naming import functions
    from deploy.package import package

    with tempfile.TemporaryDirectory() as folder:
        zip_path = package("prod", Path(folder)) / "deployment.zip"
        size = zip_path.stat().st_size
    row(
        "deployment zip (MB)",
        round(size / 1_000_000, 1),
        "chalice package --stage prod, boto3/botocore/s3transfer left to Lambda's runtime",
    )
    from app import app

    for fn in functions(app):
        handler = "app" if fn.kind == "api" else fn.name
        times, boto_times = [], []
        for _ in range(IMPORT_RUNS):
            times.append(_handler_import_seconds(handler))
            boto_times.append(_import_seconds("boto3"))
        ratio = statistics.median(times) / statistics.median(boto_times)
        row(
            f"cold import of the {fn.name} handler / boto3",
            round(ratio, 2),
            f"`from app import {handler}`, median of {IMPORT_RUNS} fresh interpreters, interleaved with boto3",
            "<= 1.3",
        )


# -- AWS API calls ---------------------------------------------------------------------------------


def _execution_states(runtime, name: str) -> list[str]:
    import boto3

    arn = runtime.state_machine_arns["referral_review"].replace(":stateMachine:", ":execution:") + f":{name}"
    events = boto3.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


# The floor: one transaction (the referral, its reference, its audit event and the claimed
# Idempotency-Key) and one StartExecution.
INTAKE_CALLS_LIMIT = 2


def bench_referral_paths() -> None:
    from chalice.test import Client

    from app import app
    from chalicelib.examples import example_referral
    from chalicelib.workflows.registry import Timings
    from local.runtime import EmbeddedAws
    from local.tokens import resolve_user, token_for
    from tests.helpers import approval_path, wait_for, wait_for_email

    counter = CallCounter()
    counter.install()
    runtime = EmbeddedAws(
        app, Path(tempfile.mkdtemp()), Timings(reminder_seconds=600, decision_timeout_seconds=1200)
    ).start()
    supervisor = "supervisor@familycontact.example"
    form = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
    try:
        with Client(app, stage_name="local") as client:
            referrer = {
                "Authorization": f"Bearer {token_for(resolve_user('referrer', None))}",
                "Content-Type": "application/json",
            }
            body = json.dumps(example_referral())

            def execution_done(referral_id: str) -> None:
                import boto3

                arn = runtime.state_machine_arns["referral_review"].replace(":stateMachine:", ":execution:")
                sfn = boto3.client("stepfunctions")
                wait_for(
                    lambda: sfn.describe_execution(executionArn=f"{arn}:{referral_id}-1")["status"] != "RUNNING",
                    30,
                    what="execution end",
                )

            intake_counts, get_counts, post_counts, trips, paths = [], [], [], [], {}
            for index in range(ROUND_TRIPS):
                started = time.perf_counter()
                headers = {**referrer, "Idempotency-Key": f"bench-{index}"}
                response, calls = counter.measure(client.http.post, "/v1/referrals", headers=headers, body=body)
                referral_id = response.json_body["id"]
                intake_counts.append(calls)
                link = approval_path(wait_for_email(runtime.outbox, supervisor, "needs your decision", count=index + 1))
                _, calls = counter.measure(client.http.get, link)
                get_counts.append(calls)
                decision = {"decision": "accept", "confirmed": "yes"}
                _, calls = counter.measure(client.http.post, link, headers=form, body=urlencode(decision))
                post_counts.append(calls)
                execution_done(referral_id)
                trips.append(time.perf_counter() - started)
                paths.setdefault("accept", _execution_states(runtime, f"{referral_id}-1"))

            # The decline path, and a question answered before acceptance, for their transition counts.
            asked = ROUND_TRIPS
            decline = {"decision": "decline", "comment": "Out of area", "confirmed": "yes"}
            referral_id = client.http.post("/v1/referrals", headers=referrer, body=body).json_body["id"]
            asked += 1
            link = approval_path(wait_for_email(runtime.outbox, supervisor, "needs your decision", count=asked))
            client.http.post(link, headers=form, body=urlencode(decline))
            execution_done(referral_id)
            paths["decline"] = _execution_states(runtime, f"{referral_id}-1")

            # One decision taken in the app instead of through the emailed link.
            supervisor_api = {
                "Authorization": f"Bearer {token_for(resolve_user('supervisor', None))}",
                "Content-Type": "application/json",
            }
            referral_id = client.http.post("/v1/referrals", headers=referrer, body=body).json_body["id"]
            asked += 1
            wait_for_email(runtime.outbox, supervisor, "needs your decision", count=asked)
            response, in_app_calls = counter.measure(
                client.http.post,
                f"/v1/referrals/{referral_id}/decision",
                headers=supervisor_api,
                body=json.dumps({"decision": "accept"}),
            )
            assert response.status_code == 200, response.body
            execution_done(referral_id)
            paths["in-app accept"] = _execution_states(runtime, f"{referral_id}-1")

            question = {"decision": "more_info", "comment": "Who brings the children?", "confirmed": "yes"}
            referral_id = client.http.post("/v1/referrals", headers=referrer, body=body).json_body["id"]
            asked += 1
            link = approval_path(wait_for_email(runtime.outbox, supervisor, "needs your decision", count=asked))
            client.http.post(link, headers=form, body=urlencode(question))
            wait_for_email(runtime.outbox, "sam.referrer@council.example", "More information needed")
            client.http.post(
                f"/v1/referrals/{referral_id}/amendments",
                headers=referrer,
                body=json.dumps({"answer": "The foster carer, Saturdays."}),
            )
            asked += 1
            link = approval_path(wait_for_email(runtime.outbox, supervisor, "needs your decision", count=asked))
            client.http.post(link, headers=form, body=urlencode({"decision": "accept", "confirmed": "yes"}))
            execution_done(referral_id)
            paths["more-information-then-accept"] = _execution_states(runtime, f"{referral_id}-1")
    finally:
        runtime.stop()

    def describe(samples: list[list[str]]) -> tuple[int, str]:
        worst = max(samples, key=len)
        return len(worst), ", ".join(worst)

    value, calls = describe(intake_counts)
    row(
        "AWS API calls per referral intake",
        value,
        f"botocore before-call hook, worst of {ROUND_TRIPS}, each with an Idempotency-Key: {calls}",
        f"<= {INTAKE_CALLS_LIMIT}",
    )
    if value > INTAKE_CALLS_LIMIT:
        FAILING.append("AWS API calls per referral intake")
    value, calls = describe(get_counts)
    row("AWS API calls per approval page GET", value, f"same hook: {calls}", "<= 2")
    value, calls = describe(post_counts)
    row("AWS API calls per approval decision POST", value, f"same hook: {calls}", "<= 4")
    row("AWS API calls per in-app decision", len(in_app_calls), f"same hook: {', '.join(in_app_calls)}", "<= 4")
    for name, states in paths.items():
        row(
            f"state transitions, referral_review {name} path",
            len(states),
            "states entered in the execution history: " + " > ".join(states),
        )
    row(
        "workflow round trip, median (ms)",
        round(statistics.median(trips) * 1000),
        f"embedded runtime, {ROUND_TRIPS} runs: submit, supervisor email, GET link, POST accept, execution end",
    )


def bench_clearance_scan() -> None:
    try:
        from scripts.bench_clearances import scan_read_counts
    except ImportError:
        return
    for measured in scan_read_counts():
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))


def bench_reports() -> None:
    from scripts.bench_reports import report_figures

    counter = CallCounter()
    counter.install()
    boto3_ms = next(r["value"] for r in ROWS if r["figure"] == "cold import of boto3 (ms)")
    for measured in report_figures(counter, boto3_ms):
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))


def bench_incidents() -> None:
    from scripts.bench_incidents import incident_figures

    counter = CallCounter()
    counter.install()
    for measured in incident_figures(counter):
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))


def bench_visits() -> None:
    from scripts.bench_visits import change_rows, visit_rows

    counter = CallCounter()
    counter.install()
    for measured in change_rows(counter) + visit_rows():
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))


def bench_case_status() -> None:
    from scripts.bench_case_status import suspension_rows

    counter = CallCounter()
    counter.install()
    for measured in suspension_rows(counter):
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))


def bench_recovery() -> None:
    from scripts.bench_recovery import sweep_rows

    counter = CallCounter()
    counter.install()
    for measured in sweep_rows(counter):
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))


def bench_load() -> None:
    from scripts.bench_load import load_rows

    for measured in load_rows():
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))
        if measured.get("failing"):
            FAILING.append(measured["figure"])


def bench_timeline() -> None:
    from scripts.bench_timeline import timeline_rows

    for measured in timeline_rows():
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))


def bench_families() -> None:
    from scripts.bench_families import reminder_rows

    counter = CallCounter()
    counter.install()
    for measured in reminder_rows(counter):
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))
        if measured.get("failing"):
            FAILING.append(measured["figure"])


def bench_dashboard() -> None:
    from scripts.bench_dashboard import dashboard_rows

    counter = CallCounter()
    counter.install()
    for measured in dashboard_rows(counter):
        row(measured["figure"], measured["value"], measured["how"], measured.get("limit", ""))
        if measured.get("failing"):
            FAILING.append(measured["figure"])


def main() -> int:
    from chalicelib.observability import logger

    # Made now at ERROR: a test client later applies the stage's INFO level to the environment.
    logger().setLevel("ERROR")
    print(
        "Measuring… (about six minutes: four of them the recovery sweep over 15,000 open reviews)",
        file=sys.stderr,
        flush=True,
    )
    bench_cold_import()
    bench_deployment()
    bench_test_run()
    bench_referral_paths()
    bench_reports()
    bench_incidents()
    bench_clearance_scan()
    bench_visits()
    bench_case_status()
    bench_recovery()
    bench_load()
    bench_timeline()
    bench_families()
    bench_dashboard()
    width = max(len(r["figure"]) for r in ROWS)
    print(f"\n{'figure':<{width}} | {'value':>8} | {'limit':<7} | how it was measured")
    print(f"{'-' * width}-|-{'-' * 8}-|-{'-' * 7}-|-{'-' * 40}")
    for r in ROWS:
        print(f"{r['figure']:<{width}} | {r['value']!s:>8} | {r['limit']:<7} | {r['how']}")
    if FAILING:
        print(f"\nFAILED: {', '.join(FAILING)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
