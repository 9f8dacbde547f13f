"""The packaged template (`make package STAGE=prod`): valid, complete, and built from the code's own definitions."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile

import pytest

from tests.deploy.conftest import ROOT, STAGE, deploy_tool, resources_of
from tests.helpers import json_printed_by


def _function_resources(template: dict) -> dict[str, dict]:
    return resources_of(template, "AWS::Serverless::Function")


# -- validity ---------------------------------------------------------------------------------------


# E2533 compares each function's runtime with its end-of-support dates as of the day it runs: a
# fact about the calendar, not about the template, so the suite would fail on a later day. The
# runtime's dates are in the README (Deploy to AWS) instead.
DATE_DEPENDENT_CHECKS = "E2533"


def test_template_passes_cfn_lint_with_no_errors(package_dir):
    result = subprocess.run(
        [
            str(deploy_tool("cfn-lint")),
            "--format",
            "parseable",
            "--ignore-checks",
            DATE_DEPENDENT_CHECKS,
            "--",
            str(package_dir / "sam.json"),
        ],
        capture_output=True,
        text=True,
    )
    errors = [line for line in result.stdout.splitlines() if ":E" in line or line.split(":")[-2:-1] == ["E"]]
    assert not result.returncode & 2, result.stdout  # cfn-lint's exit bit 2 means errors (4: warnings only)
    assert not errors


def _checkov(package_dir) -> list[dict]:
    result = subprocess.run(
        [
            str(deploy_tool("checkov")),
            "--compact",  # not --quiet: the report keeps the skipped checks
            "--skip-download",
            "--output",
            "json",
            "--framework",
            "cloudformation",
            "--file",
            str(package_dir / "sam.json"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},  # offline: no guideline download
    )
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def _resource_skips(template: dict) -> dict[str, dict[str, str]]:
    """logical id -> {check: reason}, from each resource's own `Metadata.checkov.skip`."""
    return {
        name: {skip["id"]: skip["comment"] for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}
        for name, resource in template["Resources"].items()
    }


def test_checkov_fails_nothing_and_skips_only_on_the_resource_each_with_its_reason(package_dir, template):
    """checkov runs with no command-line skips: nothing fails, and each check it skips is skipped by
    the resource it concerns, with a reason (so any scanner reading the template honours it)."""
    assert "Metadata" not in template or "checkov" not in template["Metadata"]  # no template-wide skips
    skips = _resource_skips(template)
    assert all(
        check.startswith("CKV") and len(reason) > 40 for checks in skips.values() for check, reason in checks.items()
    )
    reports = _checkov(package_dir)
    results = [one.get("results", {}) for one in reports]
    failed = [(c["check_id"], c["resource"]) for r in results for c in r.get("failed_checks", [])]
    assert failed == []
    skipped = {(c["check_id"], c["resource"].split(".")[-1]) for r in results for c in r.get("skipped_checks", [])}
    declared = {(check, name) for name, checks in skips.items() for check in checks}
    assert skipped == declared  # every skip is one checkov needed, on that resource
    assert sum(one.get("summary", {}).get("passed", 0) for one in reports) > 50


def test_skip_reasons_say_why_the_check_does_not_apply_to_that_resource(template):
    from app import app
    from deploy.naming import functions

    skips = _resource_skips(template)
    for fn in functions(app):
        reasons = skips[fn.cfn_name]
        if fn.kind == "schedule":  # a scheduled job has its dead-letter queue: nothing to skip
            assert "CKV_AWS_116" not in reasons, fn.name
            assert "DeadLetterQueue" in template["Resources"][fn.cfn_name]["Properties"]
        else:
            assert "synchronously" in reasons["CKV_AWS_116"], fn.name
            assert "recovery sweep" not in reasons["CKV_AWS_116"], fn.name
    assert "CKV_AWS_76" not in skips["RestAPI"]  # access logging is on, not skipped


# -- tables -----------------------------------------------------------------------------------------


def _declared_tables(template: dict) -> dict[str, dict]:
    return {
        resource["Properties"]["TableName"]: resource["Properties"]
        for resource in resources_of(template, "AWS::DynamoDB::Table").values()
    }


def _model_table_name(model) -> str:  # noqa: ANN001
    from chalicelib import config
    from deploy.naming import table_suffix

    return f"{config.APP_NAME}-{STAGE}-{table_suffix(model.Meta.table_name, config.stage())}"


def _keys(schema: list[dict]) -> dict[str, str]:
    return {element["KeyType"]: element["AttributeName"] for element in schema}


def test_every_model_has_its_table_with_the_same_keys_indexes_and_ttl(template):
    from chalicelib.storage.tables import all_models

    declared = _declared_tables(template)
    assert set(declared) == {_model_table_name(model) for model in all_models()}
    for model in all_models():
        table, schema = declared[_model_table_name(model)], model._get_schema()
        assert _keys(table["KeySchema"]) == _keys(schema["key_schema"]), model.__name__
        assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == {
            a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]
        }, model.__name__
        indexes = {
            i["IndexName"]: (_keys(i["KeySchema"]), i["Projection"]["ProjectionType"])
            for i in table.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == {
            i["index_name"]: (_keys(i["key_schema"]), i["projection"]["ProjectionType"])
            for i in schema["global_secondary_indexes"]
        }, model.__name__
        ttl = model._ttl_attribute()
        assert table.get("TimeToLiveSpecification") == (
            {"AttributeName": ttl.attr_name, "Enabled": True} if ttl else None
        )


# Tables whose records are only for a while: each has a TTL, so DynamoDB removes what is past it.
TRANSIENT_TABLES = {
    "idempotency": "a claimed Idempotency-Key, for 24 hours",
    "sessions": "a signed-in browser session, for 12 hours",
    "referral-drafts": "a referral form in progress, for 30 days after its last save",
    "owed-callbacks": "a workflow callback to deliver, for at most a year",
    "approval-links": "an emailed decision link, until it expires",
}


def test_every_table_of_transient_records_has_ttl_on_an_attribute_every_item_carries(template):
    from chalicelib.storage.tables import all_models

    declared = _declared_tables(template)
    by_suffix = {_model_table_name(model).split(f"-{STAGE}-", 1)[1]: model for model in all_models()}
    for suffix in TRANSIENT_TABLES:
        model = by_suffix[suffix]
        ttl = model._ttl_attribute()
        assert ttl is not None and not ttl.null, f"{suffix}: the model has no TTL attribute every item must carry"
        assert declared[_model_table_name(model)].get("TimeToLiveSpecification") == {
            "AttributeName": ttl.attr_name,
            "Enabled": True,
        }, suffix


def test_every_table_is_on_demand_encrypted_with_the_rotated_key_recoverable_and_protected(template):
    keys = resources_of(template, "AWS::KMS::Key")
    assert [key["Properties"]["EnableKeyRotation"] for key in keys.values()] == [True]
    for name, table in _declared_tables(template).items():
        assert table["BillingMode"] == "PAY_PER_REQUEST", name
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert table["DeletionProtectionEnabled"] is True, name
        assert table["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Ref": next(iter(keys))},
        }


def test_the_data_is_retained_except_when_the_first_create_fails(template):
    """A failed first create rolls back and deletes its tables, so a retry can create them again
    under the same names; afterwards deleting or replacing them keeps them."""
    data = {
        **resources_of(template, "AWS::DynamoDB::Table"),
        **resources_of(template, "AWS::KMS::Key"),
        **resources_of(template, "AWS::Cognito::UserPool"),
    }
    assert len(data) > 2
    for name, resource in data.items():
        assert resource["DeletionPolicy"] == "RetainExceptOnCreate", name
        assert resource["UpdateReplacePolicy"] == "Retain", name


# -- state machines ---------------------------------------------------------------------------------


def _machines(template: dict) -> dict[str, dict]:
    from chalicelib.config import APP_NAME

    return {
        resource["Properties"]["StateMachineName"].removeprefix(f"{APP_NAME}-{STAGE}-"): resource["Properties"]
        for resource in resources_of(template, "AWS::StepFunctions::StateMachine").values()
    }


def test_every_workflow_has_its_state_machine_from_its_asl_file(template):
    from chalicelib.workflows.asl import definition_path
    from chalicelib.workflows.registry import WORKFLOWS

    machines = _machines(template)
    assert set(machines) == set(WORKFLOWS)
    for name in WORKFLOWS:
        assert machines[name]["Definition"] == json.loads(definition_path(name).read_text(encoding="utf-8"))
        assert machines[name]["StateMachineType"] == "STANDARD"


def test_every_placeholder_has_a_substitution_in_the_template_and_in_the_local_runtime(template):
    from chalicelib.workflows.asl import definition_path, placeholders, render
    from chalicelib.workflows.registry import WORKFLOWS

    machines = _machines(template)
    for path in sorted((ROOT / "statemachines").glob("*.asl.json")):
        name = path.name.removesuffix(".asl.json")
        needed = placeholders(definition_path(name).read_text(encoding="utf-8"))
        assert needed, name
        assert needed <= set(machines[name]["DefinitionSubstitutions"]), name
        assert needed <= set(WORKFLOWS[name].substitutions("arn:aws:lambda:eu-west-2:1:function:f"))
        render(name, WORKFLOWS[name].substitutions("arn:aws:lambda:eu-west-2:1:function:f"))  # what the runtime runs


def test_substitutions_are_the_registry_timings_and_the_steps_function(template):
    from app import app
    from chalicelib.workflows.registry import STEPS_FUNCTION_PLACEHOLDER, WORKFLOWS
    from deploy.naming import functions

    by_name = {fn.name: fn for fn in functions(app)}
    for name, machine in _machines(template).items():
        entry = WORKFLOWS[name]
        expected = entry.timings.as_substitutions() | {
            STEPS_FUNCTION_PLACEHOLDER: {"Fn::GetAtt": [by_name[entry.steps_function].cfn_name, "Arn"]}
        }
        assert machine["DefinitionSubstitutions"] == expected


def test_state_machines_log_errors_without_execution_data_and_trace(template):
    for name, machine in _machines(template).items():
        assert machine["LoggingConfiguration"]["Level"] == "ERROR", name
        assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False, name
        assert machine["TracingConfiguration"] == {"Enabled": True}, name


# -- functions, roles, logs -------------------------------------------------------------------------


def test_each_function_has_its_own_role_holding_its_policy_file(template):
    from app import app
    from deploy.naming import functions
    from deploy.permissions import policy_file

    roles = set()
    for fn in functions(app):
        resource = template["Resources"][fn.cfn_name]
        role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        roles.add(role)
        policies = template["Resources"][role]["Properties"]["Policies"]
        document = json.loads((ROOT / ".chalice" / policy_file(fn.name, STAGE)).read_text(encoding="utf-8"))
        assert [p["PolicyDocument"] for p in policies] == [document], fn.name
    assert len(roles) == len(functions(app))


def test_policy_files_are_generated_from_the_permissions_map():
    from app import app
    from deploy.naming import PACKAGED_STAGES, functions
    from deploy.permissions import policy, policy_file

    chalice_config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    for stage in PACKAGED_STAGES:
        stage_config = chalice_config["stages"][stage]
        assert stage_config["autogen_policy"] is False
        for fn in functions(app):
            assert stage_config["lambda_functions"][fn.name]["iam_policy_file"] == policy_file(fn.name, stage)
            on_disk = json.loads((ROOT / ".chalice" / policy_file(fn.name, stage)).read_text(encoding="utf-8"))
            assert on_disk == policy(fn.name, stage), f"run `make policies`: {policy_file(fn.name, stage)} is stale"


def _statements(template: dict):
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                yield name, statement


def test_no_data_action_has_a_star_resource(template):
    from deploy.permissions import DATA_SERVICES, TASK_TOKEN_ACTIONS

    offending = []
    for role, statement in _statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        # A statement of `NotResource` (texts to phone numbers: never a topic) grants no star.
        granted = statement.get("Resource", [])
        resources = granted if isinstance(granted, list) else [granted]
        data = [a for a in actions if a.split(":")[0] in DATA_SERVICES and a not in TASK_TOKEN_ACTIONS]
        if data and "*" in resources:
            offending.append((role, data))
        assert not any(a.endswith(":*") or a == "*" for a in actions), (role, actions)
    assert offending == []


def test_every_log_group_keeps_its_logs_for_a_set_time(template):
    groups = resources_of(template, "AWS::Logs::LogGroup")
    assert len(groups) >= len(_function_resources(template)) + len(_machines(template))
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] >= 365, name


def test_the_zip_leaves_out_what_lambda_ships_and_holds_the_code(package_dir):
    names = zipfile.ZipFile(package_dir / "deployment.zip").namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert {"app.py", "chalicelib", "pynamodb", "jinja2"} <= tops
    assert not {"boto3", "botocore", "s3transfer"} & tops
    assert not any(name.startswith(("tests/", "deploy/", "statemachines/")) for name in names)


def test_every_function_is_traced_actively_and_ships_the_xray_sdk_its_tracer_loads(template, package_dir):
    functions = _function_resources(template)
    assert len(functions) >= 5
    for name, fn in functions.items():
        assert fn["Properties"]["Tracing"] == "Active", name
        assert "POWERTOOLS_TRACE_DISABLED" not in fn["Properties"]["Environment"]["Variables"], name
    assert "POWERTOOLS_TRACE_DISABLED" not in template["Globals"]["Function"]["Environment"]["Variables"]
    tops = {name.split("/", 1)[0] for name in zipfile.ZipFile(package_dir / "deployment.zip").namelist()}
    assert {"aws_xray_sdk", "wrapt"} <= tops


def test_the_zip_holds_the_pages_stylesheet_and_scripts_and_the_api_serves_them(package_dir, template):
    from chalicelib.assets import FOLDER

    names = set(zipfile.ZipFile(package_dir / "deployment.zip").namelist())
    kept = {f"chalicelib/static/{path.name}" for path in FOLDER.iterdir()}
    assert {"chalicelib/static/site.css", "chalicelib/static/report-autosave.js"} <= kept <= names
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert set(paths["/assets/{file_name}"]) == {"get", "head"}


def test_the_zip_holds_no_embedded_runtime_no_dev_routes_and_no_moto(package_dir):
    import ast

    archive = zipfile.ZipFile(package_dir / "deployment.zip")
    names = archive.namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert not {"local", "scripts"} & tops
    assert not [top for top in tops if top == "moto" or top.startswith("moto-")]
    # no module of local/ under another name in the code that ships, nor the old places it lived
    local_modules = {path.name for path in (ROOT / "local").glob("*.py")} - {"__init__.py"}
    code = [name for name in names if name == "app.py" or (name.startswith("chalicelib/") and name.endswith(".py"))]
    assert len(code) > 20
    assert not [name for name in code if name.rsplit("/", 1)[-1] in local_modules | {"dev.py"}]
    assert not [name for name in names if name.startswith("chalicelib/local/")]
    for name in code:  # and what ships never reaches for them
        tree = ast.parse(archive.read(name), filename=name)
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0 and n.module}
        assert not [m for m in imported if m.split(".")[0] in ("local", "moto")], name


# -- API, identity, email, alarms -------------------------------------------------------------------


def test_local_only_routes_are_absent_from_the_packaged_api(template):
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert not [path for path in paths if path == "/dev" or path.startswith("/dev/")]
    # the hosted sign-in redirect (HEAD answers as GET); the demo form also takes a POST
    assert set(paths["/signin"]) == {"get", "head"}
    assert "/signin/callback" in paths
    # signing out is a POST; GET only shows the button
    assert set(paths["/signout"]) == {"get", "head", "post"}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_packaged_stage_registers_a_local_only_route(stage):
    code = (
        "import json, sys\n"
        "from app import app\n"
        "from chalicelib.web.openapi import document\n"
        "routes = {path: {m: e.view_function.__module__ for m, e in methods.items()} for path, methods in app.routes.items()}\n"
        "local = sorted(m for m in sys.modules if m == 'local' or m.startswith('local.'))\n"
        "print(json.dumps({'routes': routes, 'local': local, 'openapi': sorted(document()['paths'])}))\n"
    )
    seen = json_printed_by(code, stage)
    routes = seen["routes"]
    assert not [path for path in routes if path.startswith("/dev")]
    assert not [path for path in seen["openapi"] if path.startswith("/dev")]
    modules = {module for methods in routes.values() for module in methods.values()}
    assert not [module for module in modules if module.split(".")[0] == "local"]
    assert seen["local"] == []  # app.py imports nothing of the local runtime or its routes
    assert set(routes["/signin"].values()) == {"chalicelib.api.signin"}


def test_unknown_paths_answer_the_service_404_not_missing_authentication_token(template):
    responses = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][
        "x-amazon-apigateway-gateway-responses"
    ]
    for kind in ("MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND"):
        assert responses[kind]["statusCode"] == "404"
        body = responses[kind]["responseTemplates"]["application/json"].replace("$context.path", "/x")
        assert json.loads(body)["error"]["code"] == "not_found"


def test_the_stages_throttling_answers_429_in_the_service_error_body_with_retry_after(template):
    throttled = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][
        "x-amazon-apigateway-gateway-responses"
    ]["THROTTLED"]
    assert throttled["statusCode"] == "429"
    assert throttled["responseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"
    error = json.loads(throttled["responseTemplates"]["application/json"])["error"]
    assert error["code"] == "too_many_requests"
    assert "try again" in error["message"]


def test_a_browser_gets_the_404_page_from_the_apps_catch_all_route(template):
    """Gateway responses have one fixed Content-Type each, so pages and the API cannot both get
    their own 404 from them: the greedy `/{proxy+}` route, matched after every declared route,
    sends every method of an unknown path to the app, which answers a page or JSON."""
    from chalicelib.api.not_found import METHODS

    definition = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    catch_all = definition["paths"]["/{proxy+}"]
    assert {method.lower() for method in METHODS} <= set(catch_all)
    for method in METHODS:
        integration = catch_all[method.lower()]["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        assert "APIHandler" in json.dumps(integration["uri"])
    declared = [path for path in definition["paths"] if path != "/{proxy+}"]
    assert "/referrals/{referral_id}" in declared and "/referrals/drafts/{draft_id}" in declared


def test_api_stage_throttles_a_flood(template):
    settings = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert any(
        s["ResourcePath"] == "/*"
        and s["HttpMethod"] == "*"
        and s["ThrottlingRateLimit"] > 0
        and s["ThrottlingBurstLimit"] > 0
        for s in settings
    )


def test_identity_has_the_five_role_groups_a_client_and_hosted_sign_in(template):
    groups = {g["Properties"]["GroupName"] for g in resources_of(template, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"referrer", "worker", "supervisor", "hr", "admin"}
    assert resources_of(template, "AWS::Cognito::UserPoolClient")
    assert resources_of(template, "AWS::Cognito::UserPoolDomain")
    for existing in ("ExistingUserPoolId", "ExistingUserPoolClientId", "ExistingCognitoDomain"):
        assert existing in template["Parameters"]


def test_the_user_pool_declares_the_name_and_its_id_tokens_carry_it(template):
    (pool,) = resources_of(template, "AWS::Cognito::UserPool").values()
    declared = {a["Name"]: a for a in pool["Properties"]["Schema"]}
    assert set(declared) == {"name", "given_name", "family_name"}
    assert all(a["Mutable"] and not a["Required"] for a in declared.values())
    (client,) = resources_of(template, "AWS::Cognito::UserPoolClient").values()
    assert {"email", "name", "given_name", "family_name"} <= set(client["Properties"]["ReadAttributes"])
    assert "profile" in client["Properties"]["AllowedOAuthScopes"]


def test_every_function_reads_its_settings_from_the_template(template):
    from chalicelib.workflows.registry import WORKFLOWS

    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    needed = {"JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "COGNITO_DOMAIN", "PUBLIC_BASE_URL", "MAIL_FROM"}
    needed |= {"DUTY_SUPERVISOR_EMAIL", "ADMIN_EMAIL", "HR_EMAIL", "REPLY_TO_EMAIL"} | {
        w.arn_variable for w in WORKFLOWS.values()
    }
    assert needed <= set(variables)
    for parameter in (
        "MailFrom",
        "MailIdentity",
        "DutySupervisorEmail",
        "AdminEmail",
        "HrEmail",
        "ReplyToEmail",
        "AlarmEmail",
        "CustomDomainName",
        "CertificateArn",
    ):
        assert parameter in template["Parameters"]
    for fn in _function_resources(template).values():
        assert fn["Properties"]["Environment"]["Variables"]["FCS_STAGE"] == STAGE


def test_alarms_cover_each_machine_each_function_the_api_and_the_failure_step(template):
    from app import app
    from deploy.naming import functions

    alarms = resources_of(template, "AWS::CloudWatch::Alarm").values()
    watched = {
        (
            a["Properties"]["Namespace"],
            a["Properties"]["MetricName"],
            json.dumps(a["Properties"]["Dimensions"], sort_keys=True),
        )
        for a in alarms
        if "MetricName" in a["Properties"]  # not the metric-math alarms (a table's throttles)
    }
    for machine in resources_of(template, "AWS::StepFunctions::StateMachine"):
        for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
            assert (
                "AWS/States",
                metric,
                json.dumps([{"Name": "StateMachineArn", "Value": {"Ref": machine}}]),
            ) in watched
    for fn in functions(app):
        for metric in ("Errors", "Throttles"):
            assert (
                "AWS/Lambda",
                metric,
                json.dumps([{"Name": "FunctionName", "Value": {"Ref": fn.cfn_name}}]),
            ) in watched
    assert any(ns == "AWS/ApiGateway" and metric == "5XXError" for ns, metric, _ in watched)
    assert any(metric == "WorkflowFailures" for _, metric, _ in watched)
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    subscription = next(iter(resources_of(template, "AWS::SNS::Subscription").values()))
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


def test_the_failure_filter_matches_what_the_failure_step_logs():
    import inspect

    from chalicelib.services import review
    from deploy.template import WORKFLOW_FAILURE_MESSAGE

    assert f'logger().error(\n        "{WORKFLOW_FAILURE_MESSAGE}"' in inspect.getsource(review.record_failure)


def test_the_local_server_answers_an_unknown_path_as_the_deployed_api_does(template):
    import threading
    import urllib.error
    import urllib.request

    from app import app
    from local.server import build_server

    server = build_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    try:
        port = server.server.server_address[1]
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/no/such/thing?x=1", timeout=10)
        assert answer.value.code == 404
        local_body = json.loads(answer.value.read())
    finally:
        server.server.shutdown()
        server.server.server_close()
    responses = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][
        "x-amazon-apigateway-gateway-responses"
    ]
    deployed = responses["MISSING_AUTHENTICATION_TOKEN"]["responseTemplates"]["application/json"]
    assert local_body == json.loads(deployed.replace("$context.path", "/v1/no/such/thing"))
