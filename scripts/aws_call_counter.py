"""Counting the AWS API calls one operation makes: the bench's measure of cost per operation."""

from __future__ import annotations

import threading


class CallCounter:
    """Counts AWS API calls made on one thread, through a hook on every botocore session."""

    def __init__(self) -> None:
        self.thread: int | None = None
        self.calls: list[str] = []

    def __call__(self, model, **_kwargs) -> None:
        if threading.get_ident() == self.thread:
            self.calls.append(f"{model.service_model.service_name}.{model.name}")

    def install(self) -> None:
        import botocore.handlers

        # Every session created from now on (boto3's and each PynamoDB connection's) calls it.
        botocore.handlers.BUILTIN_HANDLERS.append(("before-call", self))

    def measure(self, action, *args, **kwargs):
        self.calls, self.thread = [], threading.get_ident()
        try:
            result = action(*args, **kwargs)
        finally:
            self.thread = None
        return result, list(self.calls)


def print_counted_rows(rows_of) -> int:
    """Run one bench file alone: `rows_of(counter)` with a counter installed, each row printed; 1 if
    a row says it is failing (`"failing": True`)."""
    counter = CallCounter()
    counter.install()
    rows = rows_of(counter)
    width = max((len(row["figure"]) for row in rows), default=0)
    for row in rows:
        print(f"{row['figure']:<{width}} {row['value']!s:>8} {row.get('limit', ''):<7} {row['how']}")
    return 1 if any(row.get("failing") for row in rows) else 0
