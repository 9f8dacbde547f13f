"""`make deploy` walked for real: deploy/deploy.py itself, running the project's AWS CLI (`awscli`
in `.venv-deploy`) against a local moto server on a free port, with fake credentials.

The CLI packages the zip into the artifact bucket, uploads the template there too and creates the
stack from a change set; deploy.py reads the outputs, then deploys again with PublicBaseUrl set to
the API's address, an update. The server answers as CloudFormation does to a template passed
inline above 51,200 bytes (a ValidationError), so a deploy that stopped passing the template
through the bucket fails here as it would in an account.

moto's CloudFormation does not run the SAM transform and cannot create every resource type: the
packaged template is translated with aws-sam-translator (deploy/translate.py) between the CLI's
`package` and `deploy`, and the types of `MOTO_CANNOT_CREATE` in test_rehearsal.py (Cognito's pool,
client, domain and groups; CloudWatch alarms; metric filters; SNS subscriptions; the API's
deployment and stage; the custom domain and its base path mapping) are stood in for by no-op
resources, as the rehearsal does.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import threading
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy.deploy import TEMPLATE_BODY_LIMIT, UNSET_PUBLIC_BASE_URL, deploy_command
from tests.conftest import shared_runtime_aside
from tests.deploy.conftest import ROOT, STAGE, deploy_tool
from tests.deploy.test_rehearsal import MOTO_CANNOT_CREATE, PARAMETERS, for_moto

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")  # the stand-ins

BUCKET = "family-contact-artifacts"
STACK = f"family-contact-{STAGE}"
REGION = "eu-west-2"
TEMPLATE_ACTIONS = {"CreateStack", "UpdateStack", "CreateChangeSet", "ValidateTemplate"}


def inline_template_limit(app):
    """CloudFormation's own rule, in front of moto (which has none): a TemplateBody over 51,200
    bytes is refused with the ValidationError AWS answers."""

    def checked(environ, start_response):
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            form = urllib.parse.parse_qs(body.decode("utf-8"))
            template = form.get("TemplateBody", [""])[0].encode("utf-8")
            if form.get("Action", [""])[0] in TEMPLATE_ACTIONS and len(template) > TEMPLATE_BODY_LIMIT:
                message = (
                    f"1 validation error detected: Value at 'templateBody' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {TEMPLATE_BODY_LIMIT}"
                )
                error = (
                    '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
                    f"<Error><Type>Sender</Type><Code>ValidationError</Code><Message>{message}</Message></Error>"
                    "<RequestId>template-body-limit</RequestId></ErrorResponse>"
                ).encode()
                start_response("400 Bad Request", [("Content-Type", "text/xml"), ("Content-Length", str(len(error)))])
                return [error]
        return app(environ, start_response)

    return checked


@contextmanager
def change_sets_applied_as_cloudformation_applies_them():
    """moto 5.2's executed change set updates the resources but leaves the stack's template,
    parameters and outputs as they were when the change set was made (no outputs after a create,
    the old PublicBaseUrl after an update). CloudFormation's stack takes all of them from the
    change set: so does moto's here."""
    from moto.cloudformation.models import ChangeSet

    resources_only = ChangeSet.apply

    def apply(change_set) -> None:
        resources_only(change_set)
        stack = change_set.stack
        stack.template = change_set.template
        stack._parse_template()
        stack.parameters = change_set.parameters
        stack.output_map = stack._create_output_map()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ChangeSet, "apply", apply)
        yield


@pytest.fixture(scope="module")
def moto_server():
    """moto's server app (what `moto_server` and ThreadedMotoServer run), on a port the system picks."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    with shared_runtime_aside(), change_sets_applied_as_cloudformation_applies_them():
        server = make_server(
            "127.0.0.1",
            0,
            inline_template_limit(DomainDispatcherApplication(create_backend_app)),
            threaded=True,
            request_handler=MotoRequestHandler,
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            # moto reads a TemplateURL on "localhost" as path-style: http://localhost:<port>/<bucket>/<key>
            yield f"http://localhost:{server.server_port}"
        finally:
            server.shutdown()
            thread.join()


@pytest.fixture(scope="module")
def cli_env(moto_server, tmp_path_factory):
    """The CLI's environment: the local server for every service, fake credentials, no profile."""
    home = tmp_path_factory.mktemp("aws-home")
    with pytest.MonkeyPatch.context() as patch:
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE"):
            patch.delenv(key, raising=False)
        for key, value in {
            "AWS_ENDPOINT_URL": moto_server,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_PAGER": "",
        }.items():
            patch.setenv(key, value)
        yield dict(os.environ)


def aws(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(deploy_tool("aws")), *args], capture_output=True, text=True)


def aws_json(*args: str) -> dict:
    result = aws(*args, "--output", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def translate_for_moto(packaged: Path) -> None:
    """Between `package` and `deploy`: the SAM transform CloudFormation would run, and the stand-ins."""
    translated = packaged.with_name("translated.json")
    subprocess.run(
        [str(deploy_tool("python")), str(ROOT / "deploy" / "translate.py"), str(packaged), str(translated)],
        check=True,
    )
    template, _ = for_moto(json.loads(translated.read_text(encoding="utf-8")))
    packaged.write_text(json.dumps(template, indent=1, sort_keys=True), encoding="utf-8")


@pytest.fixture(scope="module")
def deployed(cli_env, package_dir, tmp_path_factory):
    """`make deploy` with the rehearsal's parameters and no PublicBaseUrl: create, then update."""
    from deploy import deploy

    assert deploy.aws_cli() == str(deploy_tool("aws"))  # the project's CLI, not whatever is on PATH
    folder = tmp_path_factory.mktemp("deploy")
    shutil.copy(package_dir / "sam.json", folder / "sam.json")
    (folder / "deployment.zip").symlink_to(package_dir / "deployment.zip")
    created = aws(
        "s3api", "create-bucket", "--bucket", BUCKET, "--create-bucket-configuration", f"LocationConstraint={REGION}"
    )
    assert created.returncode == 0, created.stderr
    outputs = deploy.deploy(
        STAGE,
        STACK,
        BUCKET,
        [f"{key}={value}" for key, value in PARAMETERS.items()],
        template=folder / "sam.json",
        prepare=translate_for_moto,
    )
    return {"outputs": outputs, "packaged": folder / "packaged.json"}


def test_the_stack_is_created_then_updated_with_its_public_address(deployed):
    stack = aws_json("cloudformation", "describe-stacks", "--stack-name", STACK)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    events = aws_json("cloudformation", "describe-stack-events", "--stack-name", STACK)["StackEvents"]
    own = [e["ResourceStatus"] for e in reversed(events) if e["LogicalResourceId"] == STACK]
    assert "CREATE_COMPLETE" in own and "UPDATE_COMPLETE" in own
    assert own.index("CREATE_COMPLETE") < own.index("UPDATE_COMPLETE")
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    endpoint = deployed["outputs"]["EndpointURL"].rstrip("/")
    assert endpoint.startswith("https://") and endpoint != UNSET_PUBLIC_BASE_URL
    assert parameters["PublicBaseUrl"] == endpoint
    assert deployed["outputs"]["PublicBaseUrl"] == endpoint
    assert {key: parameters[key] for key in PARAMETERS} == PARAMETERS  # kept by the update


def test_every_resource_is_complete_and_only_the_listed_types_are_stood_in(deployed):
    resources = aws_json("cloudformation", "list-stack-resources", "--stack-name", STACK)["StackResourceSummaries"]
    assert resources and all(r["ResourceStatus"].endswith("_COMPLETE") for r in resources)
    kinds = {r["ResourceType"] for r in resources}
    assert not kinds & set(MOTO_CANNOT_CREATE)
    assert {"AWS::DynamoDB::Table", "AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"} <= kinds


def test_the_functions_run_the_zip_the_cli_uploaded_and_read_the_public_address(deployed):
    functions = aws_json("lambda", "list-functions")["Functions"]
    assert functions
    endpoint = deployed["outputs"]["EndpointURL"].rstrip("/")
    for function in functions:
        assert function["Environment"]["Variables"]["PUBLIC_BASE_URL"] == endpoint, function["FunctionName"]
    code = aws_json("lambda", "get-function", "--function-name", functions[0]["FunctionName"])["Code"]
    assert code["Location"]
    keys = [o["Key"] for o in aws_json("s3api", "list-objects-v2", "--bucket", BUCKET)["Contents"]]
    assert any(not key.endswith(".template") for key in keys)  # the zip, under the stack's prefix
    assert all(key.startswith(f"{STACK}/") for key in keys)


def test_the_template_is_too_large_to_pass_inline_and_goes_through_the_bucket(deployed):
    body = deployed["packaged"].read_bytes()
    assert len(body) > TEMPLATE_BODY_LIMIT
    templates = [
        o["Key"]
        for o in aws_json("s3api", "list-objects-v2", "--bucket", BUCKET)["Contents"]
        if o["Key"].endswith(".template")
    ]
    assert templates, "the template was not uploaded to the artifact bucket"
    assert "--s3-bucket" in deploy_command(deployed["packaged"], STACK, BUCKET, [])


def test_a_template_over_the_limit_passed_inline_is_refused_as_cloudformation_refuses_it(deployed):
    command = deploy_command(deployed["packaged"], "family-contact-inline", BUCKET, [])
    at = command.index("--s3-bucket")
    inline = command[:at] + command[at + 2 :]
    at = inline.index("--s3-prefix")
    inline = inline[:at] + inline[at + 2 :]
    refused = aws(*inline, "--parameter-overrides", *(f"{k}={v}" for k, v in PARAMETERS.items()))
    assert refused.returncode != 0
    assert "51,200 bytes must be deployed via an S3 Bucket" in refused.stderr  # the CLI's own check
    # and past the CLI, CloudFormation's (here the local server's): a stack from an inline body
    created = aws(
        "cloudformation", "create-stack", "--stack-name", "family-contact-inline",
        "--template-body", deployed["packaged"].as_uri(), "--capabilities", "CAPABILITY_IAM",
    )  # fmt: skip
    assert created.returncode != 0
    assert f"less than or equal to {TEMPLATE_BODY_LIMIT}" in created.stderr


def test_a_stack_whose_first_create_rolled_back_is_deleted_before_the_retry(cli_env, tmp_path):
    """moto never rolls a create back, so the stack is put in ROLLBACK_COMPLETE as CloudFormation
    leaves a failed first create; deploy.py's check then deletes it through the CLI."""
    from moto.cloudformation.models import cloudformation_backends

    from deploy import deploy

    stack = "family-contact-failed-create"
    template = tmp_path / "topic.json"
    template.write_text(json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}), encoding="utf-8")
    assert (
        aws("cloudformation", "create-stack", "--stack-name", stack, "--template-body", template.as_uri()).returncode
        == 0
    )
    account = aws_json("sts", "get-caller-identity")["Account"]
    backend = cloudformation_backends[account][REGION]
    [failed] = [s for s in backend.stacks.values() if s.name == stack]
    failed.status = "ROLLBACK_COMPLETE"
    assert deploy.stack_status(stack) == "ROLLBACK_COMPLETE"

    deploy.clear_failed_create(stack)

    assert deploy.stack_status(stack) in (None, "DELETE_COMPLETE")
    assert not [s for s in backend.stacks.values() if s.name == stack]


def test_a_stack_that_exists_and_works_is_left_alone(deployed):
    from deploy import deploy

    deploy.clear_failed_create(STACK)

    assert deploy.stack_status(STACK) == "UPDATE_COMPLETE"
