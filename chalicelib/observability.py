"""Structured logging and metrics (Powertools). Log lines carry ids and outcomes, never personal data."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.config import APP_NAME

if TYPE_CHECKING:  # imported lazily: Powertools' Logger and metrics cost cold-start time
    from aws_lambda_powertools import Logger


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


NAMESPACE = "FamilyContact"


def count(name: str, value: int = 1) -> None:
    """Emit one EMF count metric now, on its own line (Powertools' `single_metric`): no shared
    metric set to flush, and no handler decorator needed. Silent when POWERTOOLS_METRICS_DISABLED."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():
        return
    with single_metric(
        name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE, default_dimensions={"service": APP_NAME}
    ):
        pass
