"""A deploy rehearsal: the packaged template, turned into plain CloudFormation by aws-sam-translator,
created as a stack in moto's CloudFormation. What moto creates is compared with what the code declares.

moto cannot create every resource type. Those are named below with what moto lacks; the
rehearsal stands each in with a no-op resource (so references still resolve) and the test
asserts the list is exactly what the template holds beyond moto, so nothing is dropped silently.
Properties moto's CloudFormation ignores are named too, and checked in the template instead.
"""

from __future__ import annotations

import json
import warnings

import pytest

from tests.conftest import shared_runtime_aside
from tests.deploy.conftest import STAGE

# Resource type -> why the rehearsal cannot create it in moto.
MOTO_CANNOT_CREATE = {
    "AWS::Cognito::UserPool": "moto's CloudFormation has no Cognito resources",
    "AWS::Cognito::UserPoolClient": "moto's CloudFormation has no Cognito resources",
    "AWS::Cognito::UserPoolDomain": "moto's CloudFormation has no Cognito resources",
    "AWS::Cognito::UserPoolGroup": "moto's CloudFormation has no Cognito resources",
    "AWS::CloudWatch::Alarm": "moto's CloudFormation has no CloudWatch alarms",
    "AWS::Logs::MetricFilter": "moto's CloudFormation has no metric filters",
    "AWS::SNS::Subscription": "moto's CloudFormation has no standalone SNS subscriptions",
    "AWS::ApiGateway::Deployment": "moto does not import the API's OpenAPI body, so a deployment finds no methods",
    "AWS::ApiGateway::Stage": "needs the deployment above",
    "AWS::ApiGateway::DomainName": "conditional (custom domain only), and moto has no ACM certificate to use",
    "AWS::ApiGateway::BasePathMapping": "needs the domain above",
    "AWS::ApiGateway::Account": "moto's CloudFormation has no API Gateway account settings",
    "AWS::WAFv2::WebACL": "moto's CloudFormation has no WAF resources",
    "AWS::WAFv2::WebACLAssociation": "moto's CloudFormation has no WAF resources (and the stage is stood in)",
    "AWS::Backup::BackupVault": "moto's CloudFormation has no AWS Backup resources",
    "AWS::Backup::BackupPlan": "moto's CloudFormation has no AWS Backup resources",
    "AWS::Backup::BackupSelection": "moto's CloudFormation has no AWS Backup resources",
    "AWS::SES::ConfigurationSet": "moto's CloudFormation has no SES resources",
    "AWS::SES::ConfigurationSetEventDestination": "moto's CloudFormation has no SES resources",
    "AWS::SNS::TopicPolicy": "moto's CloudFormation has no SNS topic policies",
}
# What moto's CloudFormation does not apply, checked in the template by test_template.py instead.
MOTO_IGNORES = (
    "DynamoDB TimeToLiveSpecification, PointInTimeRecoverySpecification and SSESpecification",
    "StepFunctions Definition/DefinitionSubstitutions (rehearsed as DefinitionString with Fn::Sub, as CloudFormation "
    "substitutes them), LoggingConfiguration and TracingConfiguration",
    "ApiGateway::RestApi takes its name from Name (added), where AWS reads it from the body",
    "Lambda DeadLetterConfig (the scheduled jobs' failure destination)",
)
PARAMETERS = {
    "MailFrom": "Family Contact <no-reply@contact.example.org>",
    "MailIdentity": "contact.example.org",
    "DutySupervisorEmail": "duty@contact.example.org",
    "AdminEmail": "admin@contact.example.org",
    "HrEmail": "hr@contact.example.org",
    "ReplyToEmail": "office@contact.example.org",
    "AlarmEmail": "oncall@contact.example.org",
}
STANDIN = "AWS::CloudFormation::WaitConditionHandle"


def substituted(text: str, substitutions: dict) -> str:
    """DefinitionSubstitutions as CloudFormation applies them, left to moto's Fn::Sub for references
    (moto's Fn::Sub with a variable map would also turn the ASL's `$$.Task.Token` into `$.Task.Token`)."""
    for key, value in substitutions.items():
        if isinstance(value, str):
            replacement = value
        elif "Fn::GetAtt" in value:
            replacement = "${" + ".".join(value["Fn::GetAtt"]) + "}"
        else:
            replacement = "${" + value["Ref"] + "}"
        text = text.replace("${" + key + "}", replacement)
    return text


def for_moto(cloudformation: dict) -> tuple[dict, set[str]]:
    """The template moto can create, and the types stood in for."""
    template = json.loads(json.dumps(cloudformation))
    stood_in = set()
    for resource in template["Resources"].values():
        kind = resource["Type"]
        if kind in MOTO_CANNOT_CREATE:
            stood_in.add(kind)
            resource["Type"] = STANDIN
            resource.pop("Properties", None)
            resource.pop("DependsOn", None)
        elif kind == "AWS::StepFunctions::StateMachine":
            properties = resource["Properties"]
            text = json.dumps(properties.pop("Definition"), indent=1)
            properties["DefinitionString"] = {"Fn::Sub": substituted(text, properties.pop("DefinitionSubstitutions"))}
        elif kind == "AWS::ApiGateway::RestApi":
            resource["Properties"]["Name"] = resource["Properties"]["Body"]["info"]["title"]
    return template, stood_in


@pytest.fixture(scope="module")
def stack(translated, package_dir):
    import boto3
    from moto import mock_aws

    template, stood_in = for_moto(translated)
    with shared_runtime_aside(), mock_aws(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Tried to parse", category=UserWarning)  # the stand-ins
        s3 = boto3.client("s3", region_name="eu-west-2")
        bucket, key = "rehearsal-artifacts", "deployment.zip"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        s3.put_object(Bucket=bucket, Key=key, Body=(package_dir / "deployment.zip").read_bytes())
        cloudformation = boto3.client("cloudformation", region_name="eu-west-2")
        cloudformation.create_stack(
            StackName=f"family-contact-{STAGE}",
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
        yield {
            "status": cloudformation.describe_stacks(StackName=f"family-contact-{STAGE}")["Stacks"][0],
            "resources": cloudformation.list_stack_resources(StackName=f"family-contact-{STAGE}")[
                "StackResourceSummaries"
            ],
            "stood_in": stood_in,
            "translated": translated,
        }


def test_the_stack_reaches_create_complete(stack):
    assert stack["status"]["StackStatus"] == "CREATE_COMPLETE"
    assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in stack["resources"])


def test_only_the_listed_resource_types_are_stood_in_and_each_is_in_the_template(stack):
    kinds = {resource["Type"] for resource in stack["translated"]["Resources"].values()}
    assert stack["stood_in"] == set(MOTO_CANNOT_CREATE) & kinds
    assert set(MOTO_CANNOT_CREATE) - kinds <= {"AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping"}


def test_the_stack_creates_every_table_with_the_keys_and_indexes_the_models_declare(stack):
    import boto3

    from chalicelib import config
    from chalicelib.storage.tables import all_models
    from deploy.naming import table_suffix

    dynamodb = boto3.client("dynamodb", region_name="eu-west-2")
    names = set(dynamodb.list_tables()["TableNames"])
    for model in all_models():
        name = f"{config.APP_NAME}-{STAGE}-{table_suffix(model.Meta.table_name, config.stage())}"
        assert name in names
        table, schema = dynamodb.describe_table(TableName=name)["Table"], model._get_schema()
        keys = lambda elements: {e["KeyType"]: e["AttributeName"] for e in elements}  # noqa: E731
        assert keys(table["KeySchema"]) == keys(schema["key_schema"]), name
        assert {i["IndexName"]: keys(i["KeySchema"]) for i in table.get("GlobalSecondaryIndexes", [])} == {
            i["index_name"]: keys(i["key_schema"]) for i in schema["global_secondary_indexes"]
        }, name
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table.get("DeletionProtectionEnabled") is True


def test_the_stack_creates_every_state_machine_with_its_file_after_substitution(stack):
    import boto3

    from chalicelib.workflows.asl import render
    from chalicelib.workflows.registry import WORKFLOWS
    from deploy.naming import state_machine_name

    sfn = boto3.client("stepfunctions", region_name="eu-west-2")
    lambda_client = boto3.client("lambda", region_name="eu-west-2")
    machines = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    assert set(machines) == {state_machine_name(name, STAGE) for name in WORKFLOWS}
    for name, entry in WORKFLOWS.items():
        from chalicelib import config

        steps_arn = lambda_client.get_function(FunctionName=f"{config.APP_NAME}-{STAGE}-{entry.steps_function}")[
            "Configuration"
        ]["FunctionArn"]
        created = json.loads(
            sfn.describe_state_machine(stateMachineArn=machines[state_machine_name(name, STAGE)])["definition"]
        )
        assert created == json.loads(render(name, entry.substitutions(steps_arn)))


def test_every_function_is_created_with_the_state_machine_arns_it_reads(stack):
    import boto3

    from chalicelib.workflows.registry import WORKFLOWS

    lambda_client = boto3.client("lambda", region_name="eu-west-2")
    sfn = boto3.client("stepfunctions", region_name="eu-west-2")
    arns = {m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    functions = lambda_client.list_functions()["Functions"]
    assert len(functions) >= 1 + len(WORKFLOWS)
    for function in functions:
        variables = function["Environment"]["Variables"]
        assert {variables[entry.arn_variable] for entry in WORKFLOWS.values()} <= arns, function["FunctionName"]
        assert variables["MAIL_FROM"] == PARAMETERS["MailFrom"]
        assert variables["JWKS_URL"].endswith("/.well-known/jwks.json")


def test_the_stack_creates_the_failed_jobs_queue(stack):
    import boto3

    from chalicelib import config

    sqs = boto3.client("sqs", region_name="eu-west-2")
    url = sqs.get_queue_url(QueueName=f"{config.APP_NAME}-{STAGE}-failed-jobs")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod"])["Attributes"]
    assert attributes["MessageRetentionPeriod"] == str(14 * 24 * 3600)


def test_the_stack_creates_the_dashboard(stack):
    import boto3

    names = [
        d["DashboardName"]
        for d in boto3.client("cloudwatch", region_name="eu-west-2").list_dashboards()["DashboardEntries"]
    ]
    assert names == [f"family-contact-{STAGE}"]
