"""The recovery sweep's AWS calls per open review, at 150 and at 15,000 open reviews.

The reviews are written through the storage layer (batch writes) and their executions entered in
the embedded Step Functions as waiting, never started (`tests/sweep_helpers.py`): the steady state
of a busy service, where every open review's workflow runs and the sweep must find that out.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path

SIZES = (150, 15_000)


def sweep_rows(counter) -> list[dict]:
    from app import app
    from chalicelib import clock, jobs
    from local.runtime import EmbeddedAws
    from tests.sweep_helpers import seed_open_referrals, waiting_executions

    rows = []
    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp())).start()
    try:
        for size in SIZES:
            runtime.reset()
            started = time.perf_counter()
            ids = seed_open_referrals(size)
            seeded = time.perf_counter() - started
            with waiting_executions(runtime, ids):
                started = time.perf_counter()
                summary, calls = counter.measure(jobs.run, "recover-workflows", clock.today())
                swept = time.perf_counter() - started
            assert summary["running"] == size and summary["pass_complete"], summary
            kinds = ", ".join(f"{name} {n}" for name, n in sorted(Counter(calls).items()))
            rows.append(
                {
                    "figure": f"recovery sweep AWS calls per open review at {size:,}",
                    "value": round(len(calls) / size, 4),
                    "how": (
                        f"one whole pass, every review's execution waiting: {len(calls)} calls ({kinds}); "
                        f"embedded runtime took {swept:.1f} s to sweep, {seeded:.1f} s to seed"
                    ),
                    "limit": "< 0.1",
                }
            )
    finally:
        runtime.stop()
    return rows
