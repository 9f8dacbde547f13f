"""Every handler is traced: each route, workflow step and schedule opens one X-Ray subsegment.

Powertools' real Tracer runs here; only X-Ray itself is replaced, by a provider that keeps the
subsegments it is asked to open. Iterating the app's own handlers covers a new one the day it is added.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from aws_lambda_powertools import Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment
from chalice.app import ScheduledEventConfig

from app import app
from chalicelib import observability


class RecordedSegment(BaseSegment):
    def __init__(self, name: str) -> None:
        self.name = name
        self.annotations: dict = {}
        self.metadata: dict = {}
        self.exceptions: list[BaseException] = []

    def close(self, end_time=None) -> None:
        pass

    def add_subsegment(self, subsegment) -> None:
        pass

    def remove_subsegment(self, subsegment) -> None:
        pass

    def put_annotation(self, key, value) -> None:
        self.annotations[key] = value

    def put_metadata(self, key, value, namespace="default") -> None:
        self.metadata[key] = value

    def add_exception(self, exception, stack, remote=False) -> None:
        self.exceptions.append(exception)


class RecordingProvider(BaseProvider):
    """X-Ray's stand-in: the subsegments opened, in order; annotations go to the innermost open one."""

    def __init__(self) -> None:
        self.segments: list[RecordedSegment] = []
        self._open: list[RecordedSegment] = []

    @contextmanager
    def in_subsegment(self, name=None, **kwargs):
        segment = RecordedSegment(name)
        self.segments.append(segment)
        self._open.append(segment)
        try:
            yield segment
        except BaseException as exc:
            segment.add_exception(exc, [])
            raise
        finally:
            self._open.pop()

    def in_subsegment_async(self, name=None, **kwargs):
        raise NotImplementedError

    def put_annotation(self, key, value) -> None:
        self._open[-1].put_annotation(key, value)

    def put_metadata(self, key, value, namespace="default") -> None:
        self._open[-1].put_metadata(key, value, namespace)

    def patch(self, modules) -> None:
        pass

    def patch_all(self) -> None:
        pass


@pytest.fixture
def xray(monkeypatch) -> RecordingProvider:
    """Tracing on, as in a deployed function, with Powertools' Tracer writing to the recorder."""
    provider = RecordingProvider()
    # Powertools keeps one configuration for every Tracer; this test's provider must not outlive it.
    monkeypatch.setattr(Tracer, "_config", dict(Tracer._default_config))
    tracer = Tracer(service="family-contact", provider=provider, disabled=False, auto_patch=False)
    monkeypatch.setattr(observability, "active_tracer", lambda: tracer)
    return provider


def _example_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", template)


def test_every_route_and_method_is_one_subsegment_annotated_with_its_route(client, xray):
    routes = [(method, path) for path, entries in app.routes.items() for method in entries]
    assert len(routes) > 50  # the whole API and every page, not a sample

    for method, path in routes:
        before = len(xray.segments)
        client.http.request(method, _example_path(path))
        traced = xray.segments[before:]
        assert [segment.name for segment in traced] == ["## api_handler"], (method, path)
        assert traced[0].annotations["Route"] == f"{method} {path}"
        assert traced[0].annotations["Service"] == "family-contact"
        assert "ColdStart" in traced[0].annotations


def test_every_workflow_function_is_traced_under_its_own_name_even_when_its_step_fails(client, xray):
    from chalicelib.workflows.registry import WORKFLOWS

    names = [entry.steps_function for entry in WORKFLOWS.values()]
    assert {function.name for function in app.pure_lambda_functions} >= set(names)

    for name in names:
        with pytest.raises(Exception, match="No step called"):
            client.lambda_.invoke(name, {"step": "no_such_step"})
        segment = xray.segments[-1]
        assert segment.name == f"## {name}"
        assert [type(exc).__name__ for exc in segment.exceptions] == ["UnknownStep"]
        assert segment.metadata == {}  # errors and responses stay out of the trace


def test_every_schedule_is_traced_under_its_own_name(client, xray):
    schedules = [source.name for source in app.event_sources if isinstance(source, ScheduledEventConfig)]
    assert {"recover_workflows", "compliance_scan"} <= set(schedules)
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])

    for name in schedules:
        client.lambda_.invoke(name, event)
        assert xray.segments[-1].name == f"## {name}"
        assert xray.segments[-1].metadata == {}  # the job's summary is not copied into the trace


def test_with_tracing_off_no_tracer_is_made(client, monkeypatch):
    def no_tracer():
        raise AssertionError("a tracer was made with tracing off")

    monkeypatch.setattr(observability, "tracer", no_tracer)
    assert client.http.get("/health").status_code == 200
