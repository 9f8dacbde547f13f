"""Log hygiene: no log line the service writes while the tests run holds a secret or a child's data.

Every line a logging handler writes is captured (the Powertools logger's JSON, stdlib records,
the local server's access log), as formatted by that handler. The secrets are collected where the
service makes or receives them: task tokens from the Lambda events Step Functions sends and the
`SendTask*` calls that answer them, approval link ids from `services.approvals.issue`, session
ids from `services.sessions.open_session`, email bodies from the outbox, and the seeded
children's names and dates of birth and who brings and collects them from `chalicelib.examples`. After each test its lines are
checked against what it and the test before it collected. Under pytest-xdist each worker sends
its findings to the controller. With `--log-hygiene` (as `make test` runs) a finding fails the
run; the report names the kind of secret, the logger and the test, never the secret.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date

import pytest

from tests.worker_output import handed_over

WORKER_KEY = "log_hygiene_leaks"

TASK_TOKEN = "task token"
LINK_ID = "approval link id"
SESSION_ID = "session id"
EMAIL_BODY = "email body"
CHILD_NAME = "child's name"
CHILD_BIRTH_DATE = "child's date of birth"
HANDOVER_PERSON = "who brings or collects the child"
# Names are matched as whole words (`Leo` is not in `Leonard`); everything else as a substring.
WORD_KINDS = frozenset({CHILD_NAME})
# An email line this long is a sentence of that one message, not a word every log shares.
EMAIL_FRAGMENT_CHARS = 40
TASK_TOKEN_KEYS = ("task_token", "taskToken", "TaskToken")
SEND_TASK_CALLS = ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat")
EXCERPT_CHARS = 240


@dataclass(frozen=True)
class Leak:
    kind: str
    logger: str
    test: str
    excerpt: str  # the line with every secret in it replaced by its kind

    def describe(self) -> str:
        return f"{self.kind} in a line of logger '{self.logger}' during {self.test}: {self.excerpt}"


# -- pure: what counts as a secret, and finding them in lines ---------------------------------------


def email_fragments(text: str, html: str = "") -> set[str]:
    """The sentences of an email body worth looking for: each line of its text and of its HTML
    (tags stripped), whitespace collapsed, at least EMAIL_FRAGMENT_CHARS long."""
    lines = text.splitlines() + re.sub(r"<[^>]+>", "\n", html).splitlines()
    collapsed = (" ".join(line.split()) for line in lines)
    return {line for line in collapsed if len(line) >= EMAIL_FRAGMENT_CHARS}


def child_secrets(children: Iterable[Mapping]) -> dict[str, str]:
    """Each child's first, last and full name, and their date of birth as ISO, as the pages write
    it (`14 May 2019`) and as a form would (`14/05/2019`)."""
    found: dict[str, str] = {}
    for child in children:
        first, last = child["first_name"], child["last_name"]
        for name in (first, last, f"{first} {last}"):
            found[name] = CHILD_NAME
        born = date.fromisoformat(str(child["date_of_birth"]))
        for written in (born.isoformat(), f"{born.day} {born:%B %Y}", f"{born:%d/%m/%Y}"):
            found[written] = CHILD_BIRTH_DATE
    return found


def handover_secrets(contact: Mapping) -> dict[str, str]:
    """Who brings and who collects the child, as the referral's contact arrangements give them."""
    return {contact[key]: HANDOVER_PERSON for key in ("brought_by", "collected_by") if contact.get(key)}


def task_tokens_in(event: object) -> set[str]:
    """Task tokens anywhere in a Lambda event (the ASL passes `$$.Task.Token` as `task_token`)."""
    found: set[str] = set()
    if isinstance(event, Mapping):
        for key, value in event.items():
            if key in TASK_TOKEN_KEYS and isinstance(value, str) and value:
                found.add(value)
            else:
                found |= task_tokens_in(value)
    elif isinstance(event, list):
        for value in event:
            found |= task_tokens_in(value)
    return found


def _pattern(secret: str, kind: str) -> re.Pattern:
    escaped = re.escape(secret)
    return re.compile(rf"(?<!\w){escaped}(?!\w)" if kind in WORD_KINDS else escaped)


def find_leaks(lines: Iterable[tuple[str, str]], secrets: Mapping[str, str], test: str) -> list[Leak]:
    """One Leak per (logger, line) holding any of `secrets` ({secret: kind}), the first kind found
    naming it and every secret in the excerpt replaced by its kind."""
    patterns = [(_pattern(secret, kind), kind) for secret, kind in sorted(secrets.items(), key=lambda s: -len(s[0]))]
    leaks = []
    for logger_name, line in lines:
        kinds = [kind for pattern, kind in patterns if pattern.search(line)]
        if not kinds:
            continue
        redacted = line
        for pattern, kind in patterns:
            redacted = pattern.sub(f"[{kind}]", redacted)
        leaks.append(Leak(kinds[0], logger_name, test, redacted[:EXCERPT_CHARS]))
    return leaks


# -- recording: the lines written and the secrets made ---------------------------------------------


class Recorder:
    """What this process saw: lines since the last check, and the secrets of this and the last test."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lines: list[tuple[str, str]] = []
        self.secrets: dict[str, str] = {}
        self.earlier_secrets: dict[str, str] = {}
        self.static: dict[str, str] = {}
        self.leaks: list[Leak] = []
        self.lines_checked = 0

    def line(self, logger_name: str, text: str) -> None:
        with self.lock:
            self.lines.append((logger_name, text))

    def secret(self, value: str, kind: str) -> None:
        if value:
            with self.lock:
                self.secrets[value] = kind

    def check(self, test: str) -> None:
        """Judge the lines written since the last check; the secrets of this test stay known for the next."""
        with self.lock:
            lines, self.lines = self.lines, []
            known = {**self.static, **self.earlier_secrets, **self.secrets}
            self.earlier_secrets, self.secrets = self.secrets, {}
            self.lines_checked += len(lines)
        seen = {(leak.kind, leak.logger, leak.test) for leak in self.leaks}
        for leak in find_leaks(dict.fromkeys(lines), known, test):
            if (leak.kind, leak.logger, leak.test) not in seen:  # one finding per kind, logger and test
                seen.add((leak.kind, leak.logger, leak.test))
                self.leaks.append(leak)


RECORDER = Recorder()
# The recorders the hooks below feed: RECORDER when `--log-hygiene` is on, and a unit test's own.
LISTENING: list[Recorder] = []


def _line(logger_name: str, text: str) -> None:
    for recorder in LISTENING:
        recorder.line(logger_name, text)


def _secret(value: str, kind: str) -> None:
    for recorder in LISTENING:
        recorder.secret(value, kind)


def _capture_handled_lines() -> None:
    """Every line any logging handler writes, as that handler formats it."""
    real_handle = logging.Handler.handle

    @functools.wraps(real_handle)
    def handle(self, record):  # noqa: ANN001
        handled = real_handle(self, record)
        if handled and LISTENING:
            try:
                text = self.format(record)
            except Exception:  # noqa: BLE001 - a record the handler cannot format was not written either
                text = str(record.msg)
            _line(record.name, text)
        return handled

    logging.Handler.handle = handle


def _returning(kind: str, original):
    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        value = original(*args, **kwargs)
        _secret(value, kind)
        return value

    return wrapper


def _record_task_tokens_sent() -> None:
    from botocore.client import BaseClient

    real_call = BaseClient._make_api_call

    def calling(self, operation_name, api_params):  # noqa: ANN001
        if operation_name in SEND_TASK_CALLS:
            _secret(api_params.get("taskToken", ""), TASK_TOKEN)
        return real_call(self, operation_name, api_params)

    BaseClient._make_api_call = calling


def _record_task_tokens_received() -> None:
    from chalice import app as chalice_app

    real_invoke = chalice_app.LambdaFunction.__call__

    def invoked(self, event, context):  # noqa: ANN001
        for token in task_tokens_in(event):
            _secret(token, TASK_TOKEN)
        return real_invoke(self, event, context)

    chalice_app.LambdaFunction.__call__ = invoked


def _record_email_bodies() -> None:
    from local.outbox import Outbox

    real_record = Outbox.record

    def recorded(self, raw_message: str):  # noqa: ANN001
        from email import policy
        from email.parser import Parser

        message = Parser(policy=policy.default).parsestr(raw_message)
        text, html = (message.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
        for fragment in email_fragments(text.get_content() if text else "", html.get_content() if html else ""):
            _secret(fragment, EMAIL_BODY)
        return real_record(self, raw_message)

    Outbox.record = recorded


_installed = False


def install() -> None:
    """Put the hooks in place, once per process; they feed whichever recorders are LISTENING."""
    global _installed
    if _installed:
        return
    from chalicelib.services import approvals, sessions

    _capture_handled_lines()
    approvals.issue = _returning(LINK_ID, approvals.issue)
    sessions.open_session = _returning(SESSION_ID, sessions.open_session)
    _record_task_tokens_sent()
    _record_task_tokens_received()
    _record_email_bodies()
    _installed = True


def listen(recorder: Recorder) -> None:
    from chalicelib import examples

    install()
    # the children, and who brings and collects them, as the demo data seeds them and the tests submit them
    referral = examples.example_referral()
    recorder.static = {**child_secrets(referral["children"]), **handover_secrets(referral["contact"])}
    LISTENING.append(recorder)


# -- pytest hooks -----------------------------------------------------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--log-hygiene",
        action="store_true",
        help="fail the run if a log line holds a task token, link or session id, email body or child's data (make test sets it)",
    )


def pytest_configure(config):
    # The hooks go in first, whether or not this run checks: a fixture that patches the same
    # functions later (the outbox's email-date check) then wraps them instead of undoing them.
    install()
    if config.getoption("log_hygiene"):
        listen(RECORDER)


def pytest_runtest_logfinish(nodeid, location):
    if RECORDER in LISTENING:
        RECORDER.check(nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    found = handed_over(node, WORKER_KEY)
    RECORDER.leaks += [Leak(**leak) for leak in found.get("leaks", [])]
    RECORDER.lines_checked += found.get("lines_checked", 0)


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if not config.getoption("log_hygiene"):
        return
    RECORDER.check("the end of the run")
    if hasattr(config, "workerinput"):
        config.workeroutput[WORKER_KEY] = {
            "leaks": [asdict(leak) for leak in RECORDER.leaks],
            "lines_checked": RECORDER.lines_checked,
        }
        return
    if RECORDER.leaks and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput") or not config.getoption("log_hygiene"):
        return
    terminalreporter.section("Log hygiene: secrets and children's data in log lines")
    for leak in RECORDER.leaks:
        terminalreporter.line(leak.describe(), red=True)
    if RECORDER.leaks:
        terminalreporter.line("FAILED: no log line may hold a secret or a child's data", red=True, bold=True)
    else:
        terminalreporter.line(
            f"none of {RECORDER.lines_checked} log lines held a task token, link or session id, email body or child's data"
        )
