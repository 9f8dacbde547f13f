"""Entry of the workflow Lambda functions: route a Task's payload to its step."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.workflows.registry import Workflow

# Throttling and brief outages (`errors.dependency_error` says 503): raised as TransientError so
# the ASL's Retry takes them. Anything else (an address SES rejects, say) goes to the Catch, whose
# RecordFailure step records it on the item and alerts the admin.


class TransientError(Exception):
    """A failure worth retrying; named in every Task's Retry."""


class UnknownStep(Exception):
    pass


def _is_transient(exc: Exception) -> bool:
    from chalicelib.errors import ServiceUnavailable, dependency_error

    return isinstance(dependency_error(exc), ServiceUnavailable)


def run(steps: dict, event: dict) -> Any:
    from chalicelib.observability import logger

    step = steps.get(event.get("step"))
    if step is None:
        raise UnknownStep(f"No step called {event.get('step')!r}")
    logger().set_correlation_id(event.get("execution"))
    logger().info("workflow step", extra={"step": event.get("step"), "execution": event.get("execution")})
    try:
        return step(event)
    except Exception as exc:
        if _is_transient(exc):
            raise TransientError(type(exc).__name__) from exc
        raise


def workflow_handler(entry: Workflow, steps_of: Callable[[str], dict]) -> Callable[[dict, Any], Any]:
    """The Lambda handler of one registered workflow: its Tasks invoke it with a step's payload,
    run by the step of that name in `steps_of(workflow name)` (the services' subjects, which
    `app.py` hands in: this layer sits below them). Named as the entry's `steps_function`, which
    `app.py` registers it under (and Chalice's handler string, `app.<name>`, finds it by)."""

    def handler(event: dict, context: Any) -> Any:
        return run(steps_of(entry.name), event)

    handler.__name__ = handler.__qualname__ = entry.steps_function
    return handler
