"""Log hygiene: each kind of secret, once the service makes or receives it, is caught in any log
line written afterwards, and the finding names the kind and the logger but never the secret."""

from __future__ import annotations

import io
import logging
from email.message import EmailMessage

import pytest

from chalicelib.domain.date_words import long_day
from tests import log_hygiene
from tests.log_hygiene import (
    CHILD_BIRTH_DATE,
    CHILD_NAME,
    EMAIL_BODY,
    HANDOVER_PERSON,
    LINK_ID,
    SESSION_ID,
    TASK_TOKEN,
    Recorder,
    email_fragments,
    find_leaks,
    task_tokens_in,
)

TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAWl3ZcGKq0zlJbO0Ht1GtbX9sY2EXAMPLETASKTOKEN"


@pytest.fixture
def recorder():
    """A recorder fed by the plugin's hooks, alone for this test: the secrets these tests log on
    purpose must not fail the run's own check (`--log-hygiene`)."""
    own, others = Recorder(), list(log_hygiene.LISTENING)
    log_hygiene.LISTENING.clear()
    log_hygiene.listen(own)
    yield own
    log_hygiene.LISTENING[:] = others


@pytest.fixture
def service_log():
    """A logger with a handler of its own, as the Powertools logger has."""
    logger = logging.getLogger("family-contact-test")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger
    logger.removeHandler(handler)


def _only_leak(recorder: Recorder, secret: str):
    recorder.check("tests/unit/test_log_hygiene.py::example")
    assert len(recorder.leaks) == 1, recorder.leaks
    leak = recorder.leaks[0]
    assert secret not in leak.describe()
    return leak


def test_a_task_token_handed_to_a_step_function_handler_is_caught_when_logged(recorder, service_log):
    from chalice.app import LambdaFunction

    def ask_supervisor(event, context):  # a step that logs what it should not
        service_log.info("asking with %s", event)

    LambdaFunction(ask_supervisor, "ask_supervisor", "app.ask_supervisor")({"task_token": TOKEN, "id": "r1"}, None)

    leak = _only_leak(recorder, TOKEN)
    assert (leak.kind, leak.logger) == (TASK_TOKEN, "family-contact-test")
    assert "[task token]" in leak.excerpt


def test_a_task_token_sent_back_to_step_functions_is_caught_when_logged(recorder, service_log):
    import boto3
    from botocore.stub import Stubber

    sfn = boto3.client("stepfunctions", region_name="eu-west-2")
    with Stubber(sfn) as stub:
        stub.add_response("send_task_success", {}, {"taskToken": TOKEN, "output": "{}"})
        sfn.send_task_success(taskToken=TOKEN, output="{}")
    service_log.warning("resumed %s", TOKEN)

    assert _only_leak(recorder, TOKEN).kind == TASK_TOKEN


def test_an_approval_link_id_issued_is_caught_when_logged(runtime, recorder, service_log):
    from types import SimpleNamespace

    from chalicelib.services import approvals

    subject = SimpleNamespace(
        kind="referral",
        decision_labels={"accept": "Accept"},
        check_still_waiting=lambda tx, subject_id: None,  # no item to hold the link to here
    )
    link_id = approvals.issue(
        subject,
        subject_id="r-1",
        case_id="r-1",
        approver_email="supervisor@familycontact.example",
        task_token="not-logged-here",
        summary={},
        purpose="review",
        retire_others=False,
    )
    service_log.info("issued /approve/%s", link_id)

    assert _only_leak(recorder, link_id).kind == LINK_ID


def test_a_session_id_opened_at_sign_in_is_caught_when_logged(runtime, recorder, service_log):
    from chalicelib.auth import Principal, Role
    from chalicelib.services import sessions

    session_id = sessions.open_session(
        Principal("u-hr-1", "hr@familycontact.example", "Jordan Lee", frozenset({Role.HR}))
    )
    service_log.info("cookie set: fcs_session=%s", session_id)

    assert _only_leak(recorder, session_id).kind == SESSION_ID


def test_a_sentence_of_an_email_body_is_caught_but_its_short_words_are_not(recorder, service_log, tmp_path):
    from local.outbox import Outbox

    sentence = "Referral 4f1c2a9e from Northshire Council needs your decision by Friday."
    message = EmailMessage()
    message["To"], message["Subject"] = "supervisor@familycontact.example", "A referral needs your decision"
    message.set_content(f"Hello,\n\n{sentence}\n\nThanks")
    message.add_alternative(f"<p>Hello,</p><p>{sentence}</p>", subtype="html")
    Outbox(tmp_path).record(message.as_string())

    service_log.info("Hello, Thanks")  # common words the email also holds: not a leak
    service_log.info("sent: %s", sentence)

    assert _only_leak(recorder, sentence).kind == EMAIL_BODY


def _born(child: int) -> str:
    """The seeded child's date of birth, as the example gives it on the service's today."""
    from chalicelib.examples import example_referral

    return example_referral()["children"][child]["date_of_birth"]


@pytest.mark.parametrize(
    ("line", "kind", "secret"),
    [
        ("visit for Maya today", CHILD_NAME, "Maya"),
        ("child Leo Robinson added", CHILD_NAME, "Leo Robinson"),
        (f'{{"dob": "{_born(0)}"}}', CHILD_BIRTH_DATE, _born(0)),
        (f"born {long_day(_born(1))}", CHILD_BIRTH_DATE, long_day(_born(1))),
    ],
)
def test_a_seeded_childs_name_or_date_of_birth_is_caught(recorder, service_log, line, kind, secret):
    service_log.info(line)

    assert _only_leak(recorder, secret).kind == kind


def test_who_brings_or_collects_a_seeded_child_is_caught(recorder, service_log):
    from chalicelib.examples import example_referral

    brought_by = example_referral()["contact"]["brought_by"]
    service_log.info("handover: %s", brought_by)

    assert _only_leak(recorder, brought_by).kind == HANDOVER_PERSON


def test_a_name_inside_a_longer_word_is_not_a_childs_name(recorder, service_log):
    service_log.info("Leonard from Mayall Street")  # Leo and Maya, but not as words

    recorder.check("example")
    assert recorder.leaks == []


def test_the_local_servers_access_log_is_checked_under_its_own_logger(recorder):
    from local.server import ACCESS_LOG

    recorder.secret(TOKEN, TASK_TOKEN)
    ACCESS_LOG.info('"GET /somewhere?token=%s HTTP/1.1" 200 -', TOKEN)

    leak = _only_leak(recorder, TOKEN)
    assert leak.logger == ACCESS_LOG.name


def test_a_finding_is_reported_once_per_kind_logger_and_test(recorder, service_log):
    recorder.secret(TOKEN, TASK_TOKEN)
    for _ in range(3):
        service_log.info("token %s", TOKEN)

    _only_leak(recorder, TOKEN)


def test_secrets_of_the_previous_test_are_still_looked_for_then_forgotten(recorder, service_log):
    recorder.secret(TOKEN, TASK_TOKEN)
    recorder.check("first")
    service_log.info("late line from a background thread: %s", TOKEN)
    recorder.check("second")
    service_log.info("much later: %s", TOKEN)
    recorder.check("third")

    assert [leak.test for leak in recorder.leaks] == ["second"]


def test_pure_helpers():
    assert task_tokens_in({"a": [{"task_token": "t1"}], "TaskToken": "t2", "other": "x"}) == {"t1", "t2"}
    assert email_fragments("short\n" + "a much longer sentence that is worth looking for\n") == {
        "a much longer sentence that is worth looking for"
    }
    leaks = find_leaks([("svc", "a b secret-value c")], {"secret-value": LINK_ID}, "t")
    assert leaks[0].excerpt == "a b [approval link id] c"


def test_a_workers_findings_reach_the_controller_and_fail_the_run(monkeypatch):
    from dataclasses import asdict
    from types import SimpleNamespace

    from tests.log_hygiene import WORKER_KEY, Leak

    leak = Leak(TASK_TOKEN, "family-contact", "tests/x.py::test_y", '{"t": "[task token]"}')
    # GIVEN a worker that found a leak in its share of the tests
    worker_recorder = Recorder()
    worker_recorder.leaks.append(leak)
    monkeypatch.setattr(log_hygiene, "RECORDER", worker_recorder)
    worker = SimpleNamespace(workerinput={}, workeroutput={}, getoption=lambda name: True)
    log_hygiene.pytest_sessionfinish(SimpleNamespace(config=worker, exitstatus=pytest.ExitCode.OK), 0)

    # WHEN the controller hears from it
    controller_recorder = Recorder()
    monkeypatch.setattr(log_hygiene, "RECORDER", controller_recorder)
    log_hygiene.pytest_testnodedown(SimpleNamespace(workeroutput=worker.workeroutput), None)
    controller = SimpleNamespace(getoption=lambda name: True)
    session = SimpleNamespace(config=controller, exitstatus=pytest.ExitCode.OK)
    log_hygiene.pytest_sessionfinish(session, 0)

    # THEN it holds the finding, as the worker described it, and the run fails
    assert controller_recorder.leaks == [leak]
    assert asdict(controller_recorder.leaks[0]) == worker.workeroutput[WORKER_KEY]["leaks"][0]
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED
