"""`make run` starts quietly: the banner is the first thing on the terminal, then the requests.

Starting seeds demo data through the service's own code, which logs and emits metrics as in AWS;
those lines go to the data folder's `start-up.log`, not above the banner."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 90


def _wait_for(process: subprocess.Popen, lines: list[str], text: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"the server stopped before printing {text!r}: {lines}")
        lines.append(line.rstrip("\n"))
        if text in line:
            return
    raise AssertionError(f"no {text!r} within {START_TIMEOUT_SECONDS}s: {lines}")


def test_the_banner_comes_first_and_the_seeding_logs_go_to_the_start_up_log(tmp_path):
    port = free_port()
    # as a person's shell starts it: none of the test session's stage, credentials or log settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FCS_", "POWERTOOLS_", "LOCAL_JWT_"))}
    env.update(PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "local.server", "--port", str(port), "--data-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        _wait_for(process, lines, "Press Ctrl-C to stop")
        printed = [line for line in lines if line.strip()]
        assert printed[0] == f"Family Contact Service is running at http://127.0.0.1:{port}", lines
        assert not [line for line in lines if line.lstrip().startswith("{")], lines  # no JSON log or EMF line
        assert any(f"outbox:  {tmp_path / 'outbox'}" in line for line in lines)
        assert any(f"sign in: http://127.0.0.1:{port}/signin" in line for line in lines)

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=30) as answer:
            assert answer.status == 200
        _wait_for(process, lines, '"GET /health HTTP/1.1" 200')  # requests are still logged after it
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=60)
    assert "Stopped. Data saved." in rest
    logged = (tmp_path / "start-up.log").read_text(encoding="utf-8")
    assert '"message":"visits scheduled"' in logged  # the seeding's own log lines, kept
    assert '"_aws"' not in logged  # no metrics for demo data
