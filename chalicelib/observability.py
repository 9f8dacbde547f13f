"""Structured logging and metrics (Powertools). Log lines carry ids and outcomes, never personal data."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.config import APP_NAME

if TYPE_CHECKING:  # imported lazily: Powertools' Logger and Metrics cost cold-start time
    from aws_lambda_powertools import Logger, Metrics


class _CurrentStdout:
    """Writes to whatever `sys.stdout` is at the time: the logger is made once and may outlive
    the stream it first saw (a test's output capture replaces it)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@lru_cache(maxsize=1)
def logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=APP_NAME, stream=_CurrentStdout())


@lru_cache(maxsize=1)
def metrics() -> Metrics:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace="FamilyContact", service=APP_NAME)


def count(name: str, value: int = 1) -> None:
    """Emit one EMF count metric immediately (no handler decorator needed to flush it)."""
    from aws_lambda_powertools.metrics import MetricUnit

    m = metrics()
    m.add_metric(name=name, unit=MetricUnit.Count, value=value)
    m.flush_metrics(raise_on_empty_metrics=False)
