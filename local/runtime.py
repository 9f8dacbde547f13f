"""The embedded AWS runtime: moto in-process, the real ASL files, Lambda calls routed to Chalice handlers.

One adapter replaces what moto cannot do without Docker (run Lambda code): every invocation,
from a state machine Task or a direct `invoke`, is dispatched to the Chalice handler of that
name in this process. Two small fidelity fixes sit beside it: sent email is kept in the outbox,
and DynamoDB writes are serialised as the real service serialises conflicting writes.
Nothing else is reimplemented.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from chalicelib import config
from chalicelib.workflows.asl import render
from chalicelib.workflows.registry import WORKFLOWS, Timings
from local.outbox import Outbox

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
ACCOUNT_ID = "123456789012"
WORKFLOW_ROLE = "family-contact-workflows"

# The outbox of the running runtime; moto's SES backend hands every accepted message to it.
_outbox: Outbox | None = None
_handlers: dict[str, Callable[[dict, Any], Any]] = {}


def _function_name(name_or_arn: str) -> str:
    # arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    return name_or_arn.split(":")[6] if name_or_arn.startswith("arn:") else name_or_arn


def _invoke_in_process(original: Callable) -> Callable:
    def invoke(self, function_name, qualifier, body, headers, response_headers):  # noqa: ANN001
        name = _function_name(function_name)
        handler = _handlers.get(name)
        if handler is None:
            return original(self, function_name, qualifier, body, headers, response_headers)
        from chalice.local import LambdaContext

        event = json.loads(body) if body else {}
        try:
            result = handler(event, LambdaContext(name, 512, max_runtime_ms=60_000))
        except Exception as exc:  # reported the way Lambda reports an unhandled error
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
        return json.dumps(result).encode()

    invoke.embedded = True  # type: ignore[attr-defined]
    return invoke


def _record_sent_email(original: Callable) -> Callable:
    def send_raw_email(self, source, destinations, raw_data):  # noqa: ANN001
        message = original(self, source, destinations, raw_data)
        if _outbox is not None:
            _outbox.record(raw_data)
        return message

    send_raw_email.embedded = True  # type: ignore[attr-defined]
    return send_raw_email


def _record_sent_text(original: Callable) -> Callable:
    def publish(self, message, arn, phone_number=None, *args, **kwargs):  # noqa: ANN001
        message_id = original(self, message, arn, phone_number, *args, **kwargs)
        if _outbox is not None and phone_number:
            _outbox.record_text(phone_number, message)
        return message_id

    publish.embedded = True  # type: ignore[attr-defined]
    return publish


# moto rolls a failed TransactWriteItems back by restoring whole-table copies taken when it
# began, which would erase a write another thread committed meanwhile. DynamoDB itself
# serialises conflicting writes, so the embedded one does too: one lock for every call.
# moto also applies a transaction one item after another, where a read could see half of it
# (a link used, its item not yet changed); DynamoDB never shows a read half a transaction, so
# reads take the same lock.
_dynamodb_lock = threading.RLock()
DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
DYNAMODB_READS = ("get_item", "query", "scan")


def _serialised(call: Callable) -> Callable:
    def locked(*args, **kwargs):
        with _dynamodb_lock:
            return call(*args, **kwargs)

    locked.embedded = True  # type: ignore[attr-defined]
    return locked


def _heartbeat_hears_an_early_answer(original: Callable) -> Callable:
    """moto sets up a Task's heartbeat wait only once its Lambda has returned, and a callback sent
    before that (a supervisor deciding from the email while the step that sent it is still
    returning) never reaches that wait: the execution sleeps until the heartbeat times out. Step
    Functions takes a callback from the moment the token exists, so the wait starts by hearing
    one that already came."""

    def setup_heartbeat_endpoint(self, heartbeat_seconds):  # noqa: ANN001
        endpoint = original(self, heartbeat_seconds)
        if self.get_outcome() is not None:
            endpoint.notify()
        return endpoint

    setup_heartbeat_endpoint.embedded = True  # type: ignore[attr-defined]
    return setup_heartbeat_endpoint


def _patch_moto() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.dynamodb.models import DynamoDBBackend
    from moto.ses.models import SESBackend
    from moto.sns.models import SNSBackend
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint

    if not getattr(CallbackEndpoint.setup_heartbeat_endpoint, "embedded", False):
        CallbackEndpoint.setup_heartbeat_endpoint = _heartbeat_hears_an_early_answer(
            CallbackEndpoint.setup_heartbeat_endpoint
        )

    for name in DYNAMODB_WRITES + DYNAMODB_READS:
        call = getattr(DynamoDBBackend, name)
        if not getattr(call, "embedded", False):
            setattr(DynamoDBBackend, name, _serialised(call))

    if not getattr(LambdaSimpleBackend.invoke, "embedded", False):
        LambdaSimpleBackend.invoke = _invoke_in_process(LambdaSimpleBackend.invoke)
    if not getattr(SESBackend.send_raw_email, "embedded", False):
        SESBackend.send_raw_email = _record_sent_email(SESBackend.send_raw_email)
    if not getattr(SNSBackend.publish, "embedded", False):
        SNSBackend.publish = _record_sent_text(SNSBackend.publish)


def chalice_handlers(app) -> dict[str, Callable]:
    """Deployed function name -> handler, for every `@app.lambda_function` of the app."""
    return {config.function_name(fn.name): fn for fn in app.pure_lambda_functions}


class EmbeddedAws:
    """Start moto, create the service's tables, email identity and state machines; stop it all."""

    def __init__(self, app, data_dir: Path, timings: Timings | Mapping[str, Timings] | None = None) -> None:
        """`timings`: the registry's own by default; one `Timings` for every workflow, or one per
        workflow name (tests compress days into seconds this way, without editing the ASL)."""
        self.app = app
        self.data_dir = Path(data_dir)
        self.timings = self._timings_for(timings)
        self.outbox = Outbox(self.data_dir / "outbox")
        self.state_machine_arns: dict[str, str] = {}
        self._mock = None

    @staticmethod
    def _timings_for(timings: Timings | Mapping[str, Timings] | None) -> dict[str, Timings]:
        return {
            name: (timings if isinstance(timings, Timings) else (timings or {}).get(name, entry.timings))
            for name, entry in WORKFLOWS.items()
        }

    def start(self) -> EmbeddedAws:
        global _outbox
        from moto import mock_aws

        for key, value in {
            "AWS_ACCESS_KEY_ID": "embedded",
            "AWS_SECRET_ACCESS_KEY": "embedded",
            "AWS_SESSION_TOKEN": "embedded",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-2"),
            "MOTO_ACCOUNT_ID": ACCOUNT_ID,
        }.items():
            os.environ[key] = value
        os.environ.pop("AWS_PROFILE", None)
        self._mock = mock_aws(config=MOTO_CONFIG)
        self._mock.start()
        _patch_moto()
        _handlers.clear()
        _handlers.update(chalice_handlers(self.app))
        _outbox = self.outbox
        self._create_tables()
        self._create_email_identity()
        self._create_state_machines()
        self._create_local_signing_key()
        config.settings.cache_clear()
        _serialise_ast_parsing()
        return self

    def stop(self) -> None:
        global _outbox
        if self._mock is not None:
            self._stop_executions()
        _outbox = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for entry in WORKFLOWS.values():  # ARNs of machines that no longer exist
            os.environ.pop(entry.arn_variable, None)
        _reset_cached_clients()

    def reset(self, timings: Timings | Mapping[str, Timings] | None = None) -> EmbeddedAws:
        """Make a running runtime as good as new, far cheaper than a restart: every execution
        ended and forgotten, every table and the outbox emptied, the state machines rendered with
        `timings`. Tests share one runtime per process this way."""
        self.quiesce()
        self.forget_executions()
        self._empty_tables()
        self.outbox.clear()
        wanted = self._timings_for(timings)
        if wanted != self.timings:
            self.timings = wanted
            self._render_state_machines()
        config.settings.cache_clear()
        return self

    def quiesce(self, timeout: float = 10.0) -> None:
        """Stop every running execution and wait until each has ended, so that none acts on
        whatever runs next. An execution still starting is stopped once it has started."""
        import logging

        # moto logs each woken wait as a failed task, at ERROR: noise about an execution we ended.
        moto_states = logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component")
        level = moto_states.level
        moto_states.setLevel(logging.CRITICAL)
        try:
            self._stop_all_executions(timeout)
        finally:
            moto_states.setLevel(level)

    def _stop_all_executions(self, timeout: float) -> None:
        import time

        deadline = time.monotonic() + timeout
        while running := [e for e in self._executions() if _is_running(e)]:
            for execution in running:
                worker = getattr(execution, "exec_worker", None)
                env = getattr(worker, "env", None)
                if env is not None:
                    worker.stop(stop_date=_utc_now(), cause="embedded runtime reset", error=None)
                    # A stop alone leaves a wait for a task token asleep until its timeout.
                    for endpoint in list(env.callback_pool_manager._pool.values()):
                        endpoint.interrupt_all()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(running)} execution(s) did not stop within {timeout}s")
            time.sleep(0.01)

    def forget_executions(self) -> None:
        for machine in self._state_machines():
            machine.executions.clear()

    def _state_machines(self) -> list:
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        backend = stepfunctions_parser_backends[ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]]
        return [m for m in backend.state_machines if m.arn in set(self.state_machine_arns.values())]

    def _executions(self) -> list:
        return [e for machine in self._state_machines() for e in machine.executions]

    def _empty_tables(self) -> None:
        from collections import defaultdict

        from moto.dynamodb.models import dynamodb_backends

        from chalicelib.storage.tables import all_models

        backend = dynamodb_backends[ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]]
        with _dynamodb_lock:
            for model in all_models():
                backend.tables[model.Meta.table_name].items = defaultdict(dict)

    def _stop_executions(self) -> None:
        """Executions still waiting would otherwise wake later and act on whatever runs next."""
        import boto3

        sfn = boto3.client("stepfunctions")
        for arn in self.state_machine_arns.values():
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn, statusFilter="RUNNING"):
                for execution in page["executions"]:
                    try:
                        sfn.stop_execution(executionArn=execution["executionArn"], cause="embedded runtime stopped")
                    except Exception:  # noqa: BLE001 - moto cannot stop an execution still starting; it ends with the mock
                        continue

    # -- resources -------------------------------------------------------------------------

    def _create_tables(self) -> None:
        from chalicelib.storage.tables import all_models

        for model in all_models():
            if not model.exists():
                model.create_table(billing_mode="PAY_PER_REQUEST", wait=False)

    def _create_email_identity(self) -> None:
        from email.utils import parseaddr

        import boto3

        sender = parseaddr(os.environ.get("MAIL_FROM", config.settings().mail_from))[1]
        sesv2 = boto3.client("sesv2")
        sesv2.create_email_identity(EmailIdentity=sender.split("@", 1)[1])
        # The configuration set every email names, as the deployment declares it.
        configuration_set = config.settings().ses_configuration_set
        if configuration_set not in sesv2.list_configuration_sets()["ConfigurationSets"]:
            sesv2.create_configuration_set(ConfigurationSetName=configuration_set)

    def _create_state_machines(self) -> None:
        import boto3

        iam = boto3.client("iam")
        role_arn = iam.create_role(
            RoleName=WORKFLOW_ROLE,
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "states.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        sfn = boto3.client("stepfunctions")
        for name, entry in WORKFLOWS.items():
            arn = sfn.create_state_machine(
                name=f"{config.APP_NAME}-{config.stage()}-{name}",
                definition=self._definition(name),
                roleArn=role_arn,
                type="STANDARD",
            )["stateMachineArn"]
            self.state_machine_arns[name] = arn
            os.environ[entry.arn_variable] = arn

    def _render_state_machines(self) -> None:
        import boto3

        sfn = boto3.client("stepfunctions")
        for name, arn in self.state_machine_arns.items():
            sfn.update_state_machine(stateMachineArn=arn, definition=self._definition(name))

    def _definition(self, name: str) -> str:
        entry = WORKFLOWS[name]
        region = os.environ["AWS_DEFAULT_REGION"]
        function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{config.function_name(entry.steps_function)}"
        return render(name, entry.substitutions(function_arn, self.timings[name]))

    def _create_local_signing_key(self) -> None:
        """Tokens of the local stage are signed by a key kept in the data folder (survives restarts)."""
        private_path = self.data_dir / "local-signing-key.pem"
        public_path = self.data_dir / "local-signing-key.pub.pem"
        if not private_path.exists():
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            private_path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
            public_path.write_bytes(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
            private_path.chmod(0o600)
        os.environ["LOCAL_JWT_PRIVATE_KEY_PATH"] = str(private_path)
        os.environ["LOCAL_JWT_PUBLIC_KEY_PATH"] = str(public_path)


def _serialise_ast_parsing() -> None:
    """`ast.parse` one thread at a time. CPython 3.11 counts the depth of the syntax tree it builds
    in one counter per process, not per thread (fixed in 3.12): two parses at once, say moto reading
    an execution's JSONPath while a request's template is compiled, can fail either with "AST
    constructor recursion depth mismatch". Here executions and requests share one process; on
    Lambda each handles one event at a time. `ast.literal_eval` parses through `ast.parse` too."""
    import ast
    import sys

    if sys.version_info >= (3, 12) or getattr(ast.parse, "serialised", False):
        return
    parse, lock = ast.parse, threading.Lock()

    def serialised_parse(*args, **kwargs):
        with lock:
            return parse(*args, **kwargs)

    serialised_parse.serialised = True
    ast.parse = serialised_parse


def _is_running(execution) -> bool:
    status = getattr(execution, "exec_status", None)
    return status is None or getattr(status, "value", status) == "RUNNING"


def _utc_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _reset_cached_clients() -> None:
    """Clients made under one mock must not outlive it."""
    from chalicelib.services import email, texts
    from chalicelib.storage import base
    from chalicelib.storage.tables import all_models, models_sharing_a_table
    from chalicelib.workflows import executions

    for cached in (base.connection, email.ses_client, executions.sfn_client, texts.sns_client):
        cached.cache_clear()
    for model in all_models() + models_sharing_a_table():
        model._connection = None
    config.settings.cache_clear()


def current_outbox() -> Outbox:
    if _outbox is None:
        raise RuntimeError("The embedded runtime is not running")
    return _outbox
