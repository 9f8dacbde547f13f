"""Records each whole run's wall time, so `make bench` can report what `make test` costs.

The xdist controller (or a run without workers) writes `build/test-run.json` when the session ends:
seconds from start to finish, how many tests ran and whether the run passed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from chalicelib import clock

RECORD = Path(__file__).resolve().parents[1] / "build" / "test-run.json"
_started: dict[str, float] = {}


def pytest_configure(config):
    _started["at"] = time.monotonic()


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if hasattr(config, "workerinput") or "at" not in _started:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter else {}
    tests = sum(len(stats.get(key, [])) for key in ("passed", "failed", "error", "skipped"))
    whole = not config.args or sorted(config.args) == ["tests"]  # a part of the suite says little
    if not whole:
        return
    RECORD.parent.mkdir(exist_ok=True)
    RECORD.write_text(
        json.dumps(
            {
                "seconds": round(time.monotonic() - _started["at"], 1),
                "passed": int(exitstatus) == 0,
                "tests": tests,
                "finished_on": clock.today().isoformat(),
                "workers": getattr(config.option, "numprocesses", None) or 0,
            }
        ),
        encoding="utf-8",
    )
