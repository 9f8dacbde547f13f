"""The /v1 API fuzzed from its own OpenAPI document, once per role, with the app served on loopback.

Schemathesis generates requests from the served `/openapi.json`: the documented examples, valid
requests drawn from the schemas, invalid ones (wrong types, missing fields, values out of bounds,
no token), and its coverage cases (each boundary, each required part left out, methods a path
does not have). Every answer must be no 5xx, a documented status with the documented content type
and headers, a body that matches the documented schema, and an invalid request must be refused.
Ids in paths are real ones (seeded first, so requests reach the rules behind them) or made-up
ones (a clean 404). A run is deterministic (derandomized, no example database).
"""

from __future__ import annotations

import itertools
import json
import os

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import serving

ROLES = ("referrer", "worker", "supervisor", "hr", "admin")
# Examples per operation, id binding and mode: small enough that all five roles take under three
# minutes on two busy cores (`-n 2`). FCS_FUZZ_EXAMPLES=200 makes a deeper run to hunt with.
MAX_EXAMPLES = int(os.environ.get("FCS_FUZZ_EXAMPLES", "6"))
COVERAGE_CASES = 10 * MAX_EXAMPLES  # per operation


@pytest.fixture
def served(runtime, monkeypatch):
    """The app on a free loopback port, as `make run` serves it."""
    with serving(monkeypatch) as base_url:
        yield base_url


@pytest.fixture
def known_ids(client, auth) -> dict[str, str]:
    """Real data for the ids in paths and bodies: a referral under review, an accepted one, a worker,
    a visit of theirs that has taken place with a submitted report, and a clearance kind."""
    from chalicelib.storage.workers import worker_by_email
    from tests.dates import example_referral
    from tests.helpers import submit_referral, wait_for
    from tests.incident_helpers import decided_incident
    from tests.report_helpers import book_visit, write_and_submit
    from tests.visit_helpers import CASEY

    submitted = submit_referral(client, auth("referrer"), example_referral())
    assert submitted.status_code == 201, submitted.body
    referral_id = submitted.json_body["id"]
    visit_id = book_visit(client, auth)
    accepted_referral_id = client.http.get(f"/v1/visits/{visit_id}", headers=auth("supervisor")).json_body[
        "referral_id"
    ]
    write_and_submit(client, auth, visit_id)
    wait_for(lambda: client.http.get("/v1/decisions", headers=auth("supervisor")).json_body["decisions"])
    return {
        "referral_id": referral_id,
        "accepted_referral_id": accepted_referral_id,
        "visit_id": visit_id,
        "worker_id": worker_by_email(CASEY).worker_id,
        "kind": "first_aid",
        "incident_id": decided_incident(visit_id),
        "member": "0",  # the referral's first family member
    }


def _checks():
    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]


def _with_known_ids(case, known_ids: dict[str, str]):
    """A generated body that names a referral or a worker names real ones, so that valid bodies get
    past the lookups to the rules behind them (the guards, the contact plan)."""
    if isinstance(case.body, dict):
        if "referral_id" in case.body:
            case.body["referral_id"] = known_ids["accepted_referral_id"]
        if "worker_id" in case.body:
            case.body["worker_id"] = known_ids["worker_id"]
    return case


def _run(strategy, call, examples: int) -> str | None:
    """Run `call` on up to `examples` cases of `strategy`; the first failure's report, or None."""
    from hypothesis import HealthCheck, Phase, given, settings

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure as found is clear enough
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        call(case)

    try:
        run()
    except (Exception, BaseExceptionGroup) as failure:  # each operation's failure is reported, then the next runs
        return _described(failure)
    return None


def _described(failure: BaseException) -> str:
    """The failure and, for a group (Hypothesis' flaky report, several checks failing), what each
    part of it says: the part is the finding, the group only its wrapping."""
    text = str(failure)
    if isinstance(failure, BaseExceptionGroup):
        text += "".join(f"\n- {type(part).__name__}: {_described(part)}" for part in failure.exceptions)
    return text[:2500]


def _coverage(schema, operation, bound: dict[str, str], call, call_negative) -> list[str]:
    """Schemathesis' coverage cases: each field's boundaries, each required part missing, wrong
    types, methods the path does not have (TRACE, QUERY). Deterministic; the first few of each."""
    failures = []
    cases = schema.iter_coverage_cases(
        operation,
        generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=schema.config.generation_for(operation=operation),
    )
    for case in itertools.islice(cases, COVERAGE_CASES):
        if case.path_parameters and case.path_parameters.keys() == bound.keys():
            case.path_parameters = dict(bound)  # real ids, so the body's checks are reached
        negative = case.meta is not None and case.meta.generation.mode.is_negative
        try:
            (call_negative if negative else call)(case)
        except (Exception, BaseExceptionGroup) as failure:
            failures.append(f"{operation.label} (coverage, {case.method}):\n{_described(failure)}")
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_every_v1_operation_answers_as_documented_for_each_role(served, known_ids, token, role):
    from tests.visit_helpers import CASEY

    schema = schemathesis.openapi.from_url(f"{served}/openapi.json")
    bearer = token("worker", CASEY) if role == "worker" else token(role)
    headers = {"Authorization": f"Bearer {bearer}"}
    checks = _checks()
    failures: list[str] = []

    def with_ids(case):
        return _with_known_ids(case, known_ids)

    def call(case) -> None:
        case.call_and_validate(base_url=served, headers=headers, checks=checks, timeout=30)

    def call_negative(case) -> None:
        # The role's token stands in for whatever the case put in Authorization; a case that
        # leaves the header out (one of the invalid requests) is sent without it.
        sent = {**headers} if "Authorization" in (case.headers or {}) else {}
        case.call_and_validate(base_url=served, headers=sent, checks=[*checks, negative_data_rejection], timeout=30)

    for result in schema.get_all_operations():
        operation = result.ok()
        names = [p.name for p in operation.path_parameters]
        bound = {name: known_ids[name] for name in names}
        if operation.path.endswith("/{referral_id}/visits"):
            bound["referral_id"] = known_ids["accepted_referral_id"]  # only an accepted one is booked
        runs = [
            ("documented example, real ids", example.map(with_ids), 1)
            for example in operation.get_strategies_from_examples(path_parameters=bound)
        ]
        plans = [(GenerationMode.POSITIVE, True), (GenerationMode.NEGATIVE, True)]
        if names:
            plans.append((GenerationMode.POSITIVE, False))  # ids nobody issued: a clean 404
        for mode, real in plans:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=bound if real else {})
            if mode is GenerationMode.POSITIVE and real:
                strategy = strategy.map(with_ids)
            runs.append((f"{mode.value}, {'real' if real else 'made-up'} ids", strategy, MAX_EXAMPLES))
        for what, strategy, examples in runs:
            failure = _run(strategy, call_negative if what.startswith("negative") else call, examples)
            if failure:
                failures.append(f"{operation.label} ({what}):\n{failure}")
        failures += _coverage(schema, operation, bound, call, call_negative)
    assert not failures, f"{len(failures)} operation(s) answered against the document:\n\n" + "\n\n".join(failures)


def test_the_served_document_names_a_schema_for_every_success(served):
    import requests

    document = requests.get(f"{served}/openapi.json", timeout=30).json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert len(success) == 1, f"{method} {path}"
            (content,) = operation["responses"][success[0]]["content"].values()
            assert content["schema"], f"{method} {path} documents no success schema"
            assert json.dumps(content["schema"]) != "{}"
