"""Bench rows of the load run: the local server as `make run` starts it (its own process, a fresh
data folder, a free loopback port) answering concurrent clients, a fixed number of requests each.

Per part of the service: requests sent, errors (any answer but the expected status, or a broken
connection: must be 0) and p50/p95/p99 latency in ms as the clients saw it. Setting up what a
part needs (tokens, an accepted referral, visits that have happened) goes through the API and the
dev routes DESIGN.md section 7 lists, never the server's store directly.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 16
REQUESTS = 40  # per part of the service
VISITS = 8  # the worker's visits that have happened, whose reports are saved in turn
START_TIMEOUT_SECONDS = 60
WORKER = "casey.worker@familycontact.example"  # a demo worker, compliant in the seed
SUPERVISOR = "supervisor@familycontact.example"


# -- the server and its clients ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Connection:
    """One client's keep-alive connection; opened again if the server closed it between requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.http: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, headers: dict | None = None, body: str | None = None):
        if self.http is None:
            self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            self.http.request(method, path, body=body, headers=headers or {})
            response = self.http.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.http.close()
            self.http = None
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.http.close()
            self.http = None
        return response.status, content


def _json(connection: Connection, method: str, path: str, headers: dict | None = None, body=None, expect=200):
    status, content = connection.request(
        method,
        path,
        {"Content-Type": "application/json", **(headers or {})},
        None if body is None else json.dumps(body),
    )
    if status != expect:
        raise RuntimeError(f"set-up call {method} {path.split('/approve/')[0]} answered {status}")
    return json.loads(content)


class LocalServer:
    """`python -m local.server` in a subprocess, as `make run` starts it."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.port = _free_port()
        env = {**os.environ, "PORT": str(self.port), "POWERTOOLS_LOG_LEVEL": "ERROR"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.server", "--port", str(self.port), "--data-dir", self.folder.name],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # its access log: one line a request, nothing the table needs
        )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local server stopped at start-up (exit {self.process.returncode})")
            try:
                if Connection(self.port).request("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the local server did not answer /health within a minute")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.folder.cleanup()


# -- one part of the load run -----------------------------------------------------------------------


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_part(port: int, calls: list[tuple], expect: int) -> Outcome:
    """Send `calls` ((method, path, headers, body) each) from CLIENTS concurrent clients."""
    outcome, lock, local, opened = Outcome(), threading.Lock(), threading.local(), []

    def one(call: tuple) -> None:
        if not hasattr(local, "connection"):
            local.connection = Connection(port)
            opened.append(local.connection)
        started = time.perf_counter()
        try:
            status, _ = local.connection.request(*call)
            problem = None if status == expect else f"status {status}"
        except (http.client.HTTPException, OSError) as error:
            problem = type(error).__name__
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            outcome.latencies_ms.append(elapsed)
            if problem:
                outcome.errors.append(problem)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(one, calls))
    outcome.seconds = time.perf_counter() - started
    for connection in opened:
        if connection.http is not None:
            connection.http.close()
    return outcome


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..100) of at least one value."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


# -- preparing each part through the API ------------------------------------------------------------


def _token(connection: Connection, role: str, email: str | None = None) -> dict:
    body = {"role": role, **({"email": email} if email else {})}
    return {"Authorization": f"Bearer {_json(connection, 'POST', '/dev/token', body=body)['token']}"}


def _approval_paths(connection: Connection, at_least: int) -> list[str]:
    """The approval pages the supervisor was emailed (paths only; they hold secrets: never printed)."""
    deadline = time.monotonic() + 30
    while True:
        messages = _json(connection, "GET", "/dev/outbox")["messages"]
        paths = [
            urlsplit(link).path
            for message in messages
            if SUPERVISOR in message["to"] and "needs your decision" in message["subject"]
            for link in message["links"]
            if "/approve/" in link
        ]
        if len(paths) >= at_least or time.monotonic() > deadline:
            return paths
        time.sleep(0.2)


def _visits_that_happened(connection: Connection, referral_id: str, supervisor: dict) -> list[str]:
    """VISITS visits of the demo worker on the days before yesterday, booked by the supervisor."""
    worker_id = next(
        w["worker_id"] for w in _json(connection, "GET", "/v1/workers", supervisor)["workers"] if w["email"] == WORKER
    )
    visit_ids = []
    for days_ago in range(2, VISITS + 2):
        day = (date.today() - timedelta(days=days_ago)).isoformat()
        body = {
            "referral_id": referral_id,
            "worker_id": worker_id,
            "start": f"{day}T07:00",
            "end": f"{day}T08:00",
            "venue": "Northshire Family Centre, Room 2",
            "participants": {"children": [0], "family_members": [0]},
        }
        visit_ids.append(_json(connection, "POST", "/v1/visits/past", supervisor, body, expect=201)["id"])
    return visit_ids


def load_rows() -> list[dict]:
    """Rows as bench.py prints them; a row with `"failing": True` makes `make bench` fail."""
    from chalicelib.examples import example_report

    server = LocalServer()
    outcomes: dict[str, tuple[Outcome, str]] = {}
    started = time.perf_counter()
    try:
        server.wait_until_up()
        setup = Connection(server.port)
        referrer = {**_token(setup, "referrer"), "Content-Type": "application/json"}
        example = _json(setup, "GET", "/openapi.json")["paths"]["/v1/referrals"]["post"]["requestBody"]["content"][
            "application/json"
        ]["example"]
        if example["contact"]["start_date"] < date.today().isoformat():  # the example's start has passed
            example["contact"].update(start_date=date.today().isoformat(), end_date=None)
        referral = json.dumps(example)
        hr = _token(setup, "hr")
        register = [("GET", "/v1/workers", hr, None)] * REQUESTS
        outcomes["HR register (GET /v1/workers)"] = (run_part(server.port, register, 200), "the demo workforce")
        supervisor = _token(setup, "supervisor")
        # The demo referral the seed accepted and booked visits on.
        referral_id = _json(setup, "GET", "/v1/referrals?status=ACTIVE", supervisor)["referrals"][0]["id"]
        visit_ids = _visits_that_happened(setup, referral_id, supervisor)
        worker = {**_token(setup, "worker", WORKER), "Content-Type": "application/json"}
        report = json.dumps(example_report())
        saves = [("PUT", f"/v1/visits/{visit_ids[i % VISITS]}/report", worker, report) for i in range(REQUESTS)]
        outcomes["report save (PUT /v1/visits/{id}/report)"] = (
            run_part(server.port, saves, 200),
            f"drafts of {VISITS} visits that have happened, saved in turn",
        )

        intake = [
            ("POST", "/v1/referrals", {**referrer, "Idempotency-Key": uuid.uuid4().hex}, referral)
            for _ in range(REQUESTS)
        ]
        outcomes["referral intake (POST /v1/referrals)"] = (
            run_part(server.port, intake, 201),
            "a new Idempotency-Key each",
        )

        paths = _approval_paths(setup, REQUESTS)
        pages = [("GET", paths[i % len(paths)], {}, None) for i in range(REQUESTS)] if paths else []
        outcomes["approval page (GET /approve/{link})"] = (
            run_part(server.port, pages, 200) if pages else Outcome(errors=["no approval email"]),
            f"{len(paths)} links from GET /dev/outbox",
        )

    finally:
        server.stop()
    elapsed = time.perf_counter() - started

    rows = []
    for part, (outcome, what) in outcomes.items():
        latencies = outcome.latencies_ms or [0.0]
        how = (
            f"{len(outcome.latencies_ms)} requests from {CLIENTS} concurrent keep-alive clients to `make run`'s "
            f"server on loopback, {what}"
        )
        rows.append(
            {
                "figure": f"load, {part}: errors",
                "value": len(outcome.errors),
                "limit": "= 0",
                "how": how + (f"; errors: {', '.join(sorted(set(outcome.errors)))}" if outcome.errors else ""),
                "failing": bool(outcome.errors) or not outcome.latencies_ms,
            }
        )
        rows.append(
            {
                "figure": f"load, {part}: p50/p95/p99 (ms)",
                "value": "/".join(str(round(percentile(latencies, p))) for p in (50, 95, 99)),
                "limit": "",
                "how": (
                    f"as the clients timed it, mean {round(statistics.fmean(latencies))} ms; "
                    f"{len(outcome.latencies_ms) / max(outcome.seconds, 1e-9):.1f} requests/s served"
                ),
            }
        )
    rows.append(
        {
            "figure": "load run, whole (s)",
            "value": round(elapsed, 1),
            "limit": "",
            "how": "server start, set-up through the API and the four parts above",
        }
    )
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for measured in load_rows():
        print(measured)
