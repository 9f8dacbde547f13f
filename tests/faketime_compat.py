"""Lets the suite run under `faketime` (libfaketime 0.9.10), which the README's date check uses.

`make test` sets FAKETIME_DONT_FAKE_MONOTONIC=1 so that only the calendar moves: with the
monotonic clock moved by days, every timed wait (moto's workflow timers, lock timeouts) sleeps
for good. libfaketime still shifts the absolute deadline `time.sleep` hands to clock_nanosleep,
which the kernel then refuses (EINVAL); a relative wait is left alone, so `time.sleep` waits in
`select` instead. Without faketime nothing changes.
"""

from __future__ import annotations

import os
import select
import time

UNDER_FAKETIME = "faketime" in os.environ.get("LD_PRELOAD", "") and bool(os.environ.get("FAKETIME"))


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:  # select may return early on a signal
        select.select([], [], [], left)


def browser_environment() -> dict[str, str] | None:
    """Chromium's environment: under faketime, the same moved calendar with its monotonic clock
    moved too (Chromium sleeps to absolute deadlines, which the calendar-only mode refuses)."""
    if not UNDER_FAKETIME:
        return None
    kept_for_python = ("FAKETIME_DONT_FAKE_MONOTONIC", "FAKETIME_WAIT_MS")
    return {name: value for name, value in os.environ.items() if name not in kept_for_python}


def install() -> None:
    if UNDER_FAKETIME and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
        time.sleep = _sleep
