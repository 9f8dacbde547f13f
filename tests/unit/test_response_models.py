"""The output types OpenAPI documents success bodies with: tight enough to catch a wrong shape,
real types that routes name (never a string) and that load no pydantic until a schema is built,
and the return types of the service functions whose results the routes answer."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.services import outputs
from chalicelib.services.outputs import Report, SubmittedReport, Visit, WorkerList, adapter
from chalicelib.web.http import ROUTES, json_response
from tests.helpers import json_printed_by


def _visit(**changes) -> dict:
    visit = {
        "id": "845b200caac74f19b6fde8b768934442",
        "referral_id": "91ac63c475ee4397a7124f80421d37c1",
        "worker_id": "aa93a77b279c451c8dfe4e8eb23d385d",
        "series_id": None,
        "status": "SCHEDULED",
        "status_label": "Scheduled",
        "date": "2027-01-12",
        "start": "2027-01-12T16:00",
        "end": "2027-01-12T17:30",
        "starts_at": "2027-01-12T16:00:00+00:00",
        "ends_at": "2027-01-12T17:30:00+00:00",
        "zone": "Europe/London",
        "venue": "Northshire Family Centre, Room 2",
        "participants": {"children": [0, 1], "family_members": [0], "labels": ["Maya", "Leo", "Mother"]},
        "outside_plan": False,
        "at_risk": False,
        "at_risk_reason": None,
        "confidential_address": False,
        "cancellation": None,
        "report_needed": False,
        "version": 1,
    }
    return {**visit, **changes}


def test_a_visit_as_the_api_answers_it_matches_its_model():
    adapter(Visit).validate_python(_visit())


def test_a_visit_redacted_for_a_referrer_has_null_venue_and_times():
    adapter(Visit).validate_python(_visit(start=None, end=None, starts_at=None, ends_at=None, venue=None))


@pytest.mark.parametrize(
    "wrong",
    [
        {"status": "BOOKED"},  # not a visit status
        {"version": "one"},
        {"participants": {"children": [0]}},  # labels and family members are always given
        {"surname": "Evans"},  # no key beyond the documented ones
    ],
)
def test_a_visit_of_another_shape_is_refused(wrong):
    with pytest.raises(ValidationError):
        adapter(Visit).validate_python(_visit(**wrong))


def test_a_visit_without_a_documented_key_is_refused():
    body = _visit()
    del body["at_risk"]
    with pytest.raises(ValidationError):
        adapter(Visit).validate_python(body)


def test_a_report_for_the_referrer_leaves_out_the_draft_and_history():
    adapter(Report).validate_python(
        {
            "visit_id": "v1",
            "referral_id": "r1",
            "worker_name": "Casey Evans",
            "status": "APPROVED",
            "status_label": "Approved",
            "participants": {"child-0": "Maya"},
            "approved": {
                "version": 1,
                "sha256": "a" * 64,
                "by": "supervisor@example.org",
                "by_name": "Priya Shah",
                "by_role": "supervisor",
                "at": "2027-01-13T09:00:00",
            },
            "versions": [],
        }
    )


def test_a_submitted_report_carries_a_sha256_of_its_content():
    submitted = {
        "visit_id": "v1",
        "status": "SUBMITTED",
        "status_label": "Submitted",
        "version": 1,
        "sha256": "0" * 64,
        "submitted_at": "2027-01-13T09:00:00+00:00",
    }
    adapter(SubmittedReport).validate_python(submitted)
    with pytest.raises(ValidationError):
        adapter(SubmittedReport).validate_python({**submitted, "sha256": "not a hash"})


def test_a_worker_list_names_its_next_page_or_null():
    adapter(WorkerList).validate_python({"workers": [], "next_cursor": None, "as_of": "2027-01-12"})
    with pytest.raises(ValidationError):
        adapter(WorkerList).validate_python({"workers": [], "as_of": "2027-01-12"})


def test_every_json_v1_route_names_an_output_model_and_every_file_route_none():
    import app  # noqa: F401 - registers the routes

    for spec in ROUTES:
        if not spec.path.startswith("/v1"):
            continue
        if spec.produces == "application/json":
            assert spec.response is not None, f"{spec.method} {spec.path} documents no success body"
        else:
            assert spec.response is None, f"{spec.method} {spec.path} answers a file, not JSON"


def test_every_route_names_its_output_type_itself_and_each_type_describes_itself():
    import app  # noqa: F401 - registers the routes

    named = [spec for spec in ROUTES if spec.response is not None]
    assert named
    for spec in named:
        assert isinstance(spec.response, type), f"{spec.method} {spec.path} names {spec.response!r}, not a type"
        assert adapter(spec.response).json_schema(mode="serialization")["additionalProperties"] is False


def test_the_app_and_its_output_types_load_without_pydantic():
    loaded = json_printed_by(
        "import json, sys\nimport app\nfrom chalicelib.services import outputs\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic')))",
        "prod",
    )
    assert loaded == []


# -- each route answers what its service function says it returns ----------------------------------


class _Reading:
    """A function's source, with what its parameters stand for when it was reached from a caller."""

    def __init__(self, fn: Callable, bound: dict[str, tuple[ast.expr, _Reading]] | None = None):
        self.fn = fn
        self.tree = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
        self.bound = bound or {}

    def returned(self) -> list[ast.expr]:
        """What the function's own `return`s give (not those of functions nested in it)."""
        found: list[ast.expr] = []
        pending = list(self.tree.body)
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Return) and node.value is not None:
                found.append(node.value)
            elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                pending.extend(ast.iter_child_nodes(node))
        return found

    def named(self, name: str) -> Any:
        """What `name` is inside the function: a local import, a closure variable or a global."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        module = importlib.import_module(node.module)
                        if hasattr(module, alias.name):
                            return getattr(module, alias.name)
                        return importlib.import_module(f"{node.module}.{alias.name}")
        seen = inspect.getclosurevars(self.fn)
        for space in (seen.nonlocals, seen.globals):
            if name in space:
                return space[name]
        raise AssertionError(f"{self.fn.__qualname__}: cannot tell what {name!r} is")

    def assigned(self, name: str) -> ast.expr:
        values = [
            node.value
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        ]
        assert len(values) == 1, f"{self.fn.__qualname__}: {name!r} is not assigned once"
        return values[0]


def _answered_by(expr: ast.expr, reading: _Reading) -> Callable:
    """The service function whose result `expr` is: called directly, passed through `json_response`
    (headers added) or a route helper, or a name assigned from such a call. A body built in the
    route itself (a dict literal, a reshaped result) has none: the route should call one that builds it."""
    if isinstance(expr, ast.Name):
        if expr.id in reading.bound:
            argument, caller = reading.bound[expr.id]
            return _answered_by(argument, caller)
        return _answered_by(reading.assigned(expr.id), reading)
    if isinstance(expr, ast.Call):
        if isinstance(expr.func, ast.Name):
            callee = reading.named(expr.func.id)
        elif isinstance(expr.func, ast.Attribute) and isinstance(expr.func.value, ast.Name):
            callee = getattr(reading.named(expr.func.value.id), expr.func.attr)
        else:
            callee = None
        if inspect.isfunction(callee):
            if callee.__module__.startswith("chalicelib.services."):
                return callee
            if callee is json_response:
                return _answered_by(expr.args[0], reading)
            parameters = list(inspect.signature(callee).parameters)
            bound = {name: (argument, reading) for name, argument in zip(parameters, expr.args, strict=False)}
            bound |= {keyword.arg: (keyword.value, reading) for keyword in expr.keywords if keyword.arg}
            helper = _Reading(callee, bound)
            sources = {_answered_by(answer, helper) for answer in helper.returned()}
            assert len(sources) == 1, f"{callee.__qualname__} answers the results of {sources}"
            return sources.pop()
    raise AssertionError(f"{reading.fn.__qualname__} builds its body itself: {ast.unparse(expr)}")


def _route_answers(fn: Callable) -> Callable:
    reading = _Reading(fn)
    sources = {_answered_by(answer, reading) for answer in reading.returned()}
    assert len(sources) == 1, f"{fn.__qualname__} answers the results of {sources}"
    return sources.pop()


def _return_type(fn: Callable) -> Any:
    """The return annotation, evaluated where the function was written (`outputs` named as well, so
    a module that imports it only for type checking is read the same)."""
    annotation = fn.__annotations__.get("return")
    if isinstance(annotation, str):
        return eval(annotation, {**fn.__globals__, "outputs": outputs})
    return annotation


def test_every_json_v1_route_answers_what_its_service_function_returns():
    from app import app

    checked = []
    for spec in ROUTES:
        if not spec.path.startswith("/v1") or spec.response is None:
            continue
        route = inspect.unwrap(app.routes[spec.path][spec.method].view_function)
        service = _route_answers(route)
        returns = _return_type(service)
        where = f"{spec.method} {spec.path}: {service.__module__}.{service.__qualname__}"
        assert returns is spec.response, f"{where} returns {returns!r}, the route declares {spec.response.__name__}"
        checked.append(spec)
    assert len(checked) > 20


def _reshaped_here(call):
    from chalicelib.services import visit_reads

    return {"visits": visit_reads.list_for(call.principal, call.query)}


def _with_headers(body):
    return json_response(body, headers={"ETag": '"1"'})


def _read_then_passed_on(call):
    from chalicelib.services import visit_reads

    found = visit_reads.get_for(call.principal, call.params["visit_id"])
    return _with_headers(found)


def test_the_check_follows_a_body_through_helpers_and_refuses_one_shaped_in_the_route():
    from chalicelib.services import visit_reads

    assert _route_answers(_read_then_passed_on) is visit_reads.get_for
    with pytest.raises(AssertionError, match="builds its body itself"):
        _route_answers(_reshaped_here)
