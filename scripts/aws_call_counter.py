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
