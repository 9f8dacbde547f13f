"""Shared fixtures: the embedded AWS runtime, the Chalice test client and demo tokens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from tests import faketime_compat

faketime_compat.install()  # before moto and the service bind time.sleep

# The stage and fake credentials must be set before any project module reads them.
os.environ["FCS_STAGE"] = "local"
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
os.environ["AWS_ACCESS_KEY_ID"] = "embedded"
os.environ["AWS_SECRET_ACCESS_KEY"] = "embedded"
os.environ["POWERTOOLS_METRICS_NAMESPACE"] = "FamilyContact"

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from chalicelib.workflows.registry import Timings  # noqa: E402

# Property tests judge the rules, not the machine: two workers on two busy cores can make drawing
# an input or running one example take seconds, which is no fault of the code under test.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

pytest_plugins = [
    "tests.asl_coverage",
    "tests.aws_calls",
    "tests.email_dates",
    "tests.log_hygiene",
    "tests.run_record",
    "tests.user_pool",
]

# Days compressed into seconds so every timeout path runs inside a test.
FAST_TIMINGS = Timings(
    reminder_seconds=1,
    decision_timeout_seconds=30,
    max_reminders=1,
    escalation_timeout_seconds=1,
    answer_timeout_seconds=1,
)
# Long enough that no timeout fires while a test acts on a waiting execution.
PATIENT_TIMINGS = Timings(
    reminder_seconds=600,
    decision_timeout_seconds=1200,
    max_reminders=1,
    escalation_timeout_seconds=600,
    answer_timeout_seconds=600,
)
# The supervisor's reminder fires at once and escalates: two live links, one per approver.
TWO_LINKS = Timings(
    reminder_seconds=1,
    decision_timeout_seconds=30,
    max_reminders=0,
    escalation_timeout_seconds=600,
    answer_timeout_seconds=600,
)
# Only the answer asked for (the referrer's, the worker's revision) times out: the supervisor's
# links stay valid while the test decides.
ANSWER_TIMES_OUT = Timings(
    reminder_seconds=600,
    decision_timeout_seconds=1200,
    max_reminders=1,
    escalation_timeout_seconds=600,
    answer_timeout_seconds=1,
)


@pytest.fixture(scope="session", autouse=True)
def dev_routes():
    """The local stage's /dev routes and demo sign-in on the app, as the local server adds them
    (`app.py` never does: they are not packaged)."""
    from app import app
    from local.dev_routes import register

    register(app)


@pytest.fixture(autouse=True)
def counters_match_a_backfill(request):
    """A test marked `counted` ends by checking that the dashboard counters its events kept equal
    what the one-off backfill recomputes from the items (`tests.counted`)."""
    if request.node.get_closest_marker("counted") is None:
        yield
        return
    request.getfixturevalue("runtime")  # set up first, so still there when this check runs
    yield
    from tests.counted import assert_counters_match_a_backfill

    assert_counters_match_a_backfill()


@pytest.fixture
def timings() -> Timings:
    return PATIENT_TIMINGS


_started: list = []  # this process's shared runtime, once some test has needed it


@pytest.fixture(scope="session")
def embedded_runtime(tmp_path_factory):
    """The embedded runtime every test of this process shares: moto, the tables, the state
    machines and the signing key are made once; each test gets it emptied (`EmbeddedAws.reset`)."""
    from app import app
    from local.runtime import EmbeddedAws

    runtime = EmbeddedAws(app, tmp_path_factory.mktemp("embedded") / "local-data", timings=PATIENT_TIMINGS)
    _started.append(runtime.start())
    yield runtime
    _started.remove(runtime)
    runtime.stop()


@contextmanager
def shared_runtime_aside() -> Iterator[None]:
    """moto keeps one set of backends per process: code that mocks AWS itself (a stack
    rehearsal, a restart) has the shared runtime step aside meanwhile; it comes back empty."""
    paused = list(_started)
    for runtime in paused:
        runtime.stop()
    try:
        yield
    finally:
        for runtime in paused:
            runtime.start()


@pytest.fixture
def runtime(embedded_runtime, timings):
    """The shared runtime, empty, its state machines waiting as `timings` says."""
    from tests import asl_coverage

    embedded_runtime.reset(timings)
    yield embedded_runtime
    asl_coverage.record(embedded_runtime)  # the executions are forgotten at the next reset
    embedded_runtime.quiesce()


@pytest.fixture(scope="module")
def module_runtime(embedded_runtime):
    """The shared runtime emptied once for a module whose tests read one set of data."""
    from tests import asl_coverage

    embedded_runtime.reset(PATIENT_TIMINGS)
    yield embedded_runtime
    asl_coverage.record(embedded_runtime)
    embedded_runtime.quiesce()


@pytest.fixture(scope="module")
def module_client(module_runtime):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def own_runtime():
    """For a test that starts and stops runtimes of its own."""
    with shared_runtime_aside():
        yield


@pytest.fixture
def client(runtime):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def token(runtime):
    """`token("hr")` or `token(email="...")`: a bearer token for a demo user."""
    from local.tokens import resolve_user, token_for

    def make(role: str | None = None, email: str | None = None) -> str:
        return token_for(resolve_user(role, email))

    return make


@pytest.fixture
def auth(token):
    """`auth("hr")`: headers for a JSON call as that demo user."""

    def make(role: str | None = None, email: str | None = None) -> dict:
        return {"Authorization": f"Bearer {token(role, email)}", "Content-Type": "application/json"}

    return make


@pytest.fixture
def waiting_referral(client, auth, runtime):
    """A referral under review: its id and the path of the link emailed to the duty supervisor."""
    from tests.helpers import referral_awaiting_decision

    return referral_awaiting_decision(client, auth, runtime)
