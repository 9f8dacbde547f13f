"""The merge template: everything beside Chalice's functions, API and schedules.

Built from the code's own definitions, so nothing here is written twice: a table per PynamoDB
model of `all_models()` (keys, indexes and TTL from the model), a state machine per workflow of
the registry (its ASL file and the registry's substitutions), alarms per function Chalice
packages and per state machine. `chalice package --merge-template` merges it into its template.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import config
from chalicelib.workflows.asl import definition_path
from deploy import naming

LOG_RETENTION_DAYS = 365
API_THROTTLE_RATE = 50  # requests per second, steady
API_THROTTLE_BURST = 100
ROLE_GROUPS = ("referrer", "worker", "supervisor", "hr", "admin")

# checkov checks this template does not meet, each with its reason (kept in the template's Metadata).
CHECKOV_SKIPS = {
    "CKV_AWS_116": "Workflow steps are invoked synchronously by Step Functions, which retries and catches "
    "failures itself; schedules are re-run by the recovery sweep. A dead-letter queue would hold nothing.",
    "CKV_AWS_117": "The functions call only regional AWS APIs (DynamoDB, SES, Step Functions); a VPC would "
    "add NAT costs and cold-start time without isolating anything more.",
    "CKV_AWS_115": "Concurrency is limited at the API stage (throttling) instead of per function, so the "
    "workflow steps never starve behind a reserved pool.",
    "CKV_AWS_173": "Lambda environment variables hold names, ARNs and addresses only, no secrets; AWS encrypts "
    "them at rest with its own key.",
    "CKV_AWS_120": "Pages and the API answer per user; caching responses at the stage would serve one "
    "user's page to another.",
    "CKV_AWS_76": "Access logging needs the account-wide API Gateway CloudWatch role, which one service "
    "must not set for a whole account; execution errors reach the Lambda logs and the 5xx alarm.",
}


def _sub(text: str) -> dict:
    return {"Fn::Sub": text}


# -- parameters and conditions ----------------------------------------------------------------------


def parameters() -> dict:
    def text(description: str, default: str | None = None, **extra: Any) -> dict:
        spec: dict[str, Any] = {"Type": "String", "Description": description, **extra}
        if default is not None:
            spec["Default"] = default
        return spec

    email_pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    return {
        "MailFrom": text("The From header of every email, e.g. 'Family Contact <no-reply@example.org>'."),
        "MailIdentity": text("The SES identity (a verified domain or address) MailFrom sends as.", MinLength=3),
        "DutySupervisorEmail": text("Who is asked to decide referrals.", AllowedPattern=email_pattern),
        "AdminEmail": text(
            "Who is told of escalations, overdue reviews and workflow failures.", AllowedPattern=email_pattern
        ),
        "HrEmail": text("Who receives the daily clearance digest.", AllowedPattern=email_pattern),
        "ReplyToEmail": text(
            "The monitored inbox that replies to the service's emails reach (their Reply-To).",
            AllowedPattern=email_pattern,
        ),
        "AlarmEmail": text("Who the alarms wake (an SNS email subscription).", AllowedPattern=email_pattern),
        "PublicBaseUrl": text(
            "The URL people reach the service at, without a trailing slash. Empty: https://<CustomDomainName> "
            "if set, else the first deploy leaves it empty and `make deploy` sets it to the API's URL.",
            "",
        ),
        "CustomDomainName": text("Optional custom domain for the pages and API, e.g. contact.example.org.", ""),
        "CertificateArn": text("ACM certificate ARN for CustomDomainName (in us-east-1 for an edge API).", ""),
        "CognitoDomainPrefix": text(
            "Prefix of the hosted sign-in domain <prefix>.auth.<region>.amazoncognito.com.", ""
        ),
        "ExistingUserPoolId": text("Use this Cognito user pool instead of creating one.", ""),
        "ExistingUserPoolClientId": text("The app client of ExistingUserPoolId.", ""),
        "ExistingCognitoDomain": text(
            "The hosted sign-in URL of ExistingUserPoolId, e.g. https://x.auth.eu-west-2.amazoncognito.com.", ""
        ),
    }


def conditions() -> dict:
    return {
        "CreateUserPool": {"Fn::Equals": [{"Ref": "ExistingUserPoolId"}, ""]},
        "HasCustomDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "CustomDomainName"}, ""]}]},
        "HasPublicBaseUrl": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PublicBaseUrl"}, ""]}]},
    }


def public_base_url() -> dict:
    return {
        "Fn::If": [
            "HasPublicBaseUrl",
            {"Ref": "PublicBaseUrl"},
            {"Fn::If": ["HasCustomDomain", _sub("https://${CustomDomainName}"), "https://localhost"]},
        ]
    }


def _pool_id() -> dict:
    return {"Fn::If": ["CreateUserPool", {"Ref": "UserPool"}, {"Ref": "ExistingUserPoolId"}]}


def environment(stage: str, workflows: dict) -> dict:
    """What every function reads (SAM Globals): addresses, the JWT settings, the state machines."""
    from chalicelib.workflows.registry import WORKFLOWS

    variables = {
        "PUBLIC_BASE_URL": public_base_url(),
        "MAIL_FROM": {"Ref": "MailFrom"},
        "DUTY_SUPERVISOR_EMAIL": {"Ref": "DutySupervisorEmail"},
        "ADMIN_EMAIL": {"Ref": "AdminEmail"},
        "HR_EMAIL": {"Ref": "HrEmail"},
        "REPLY_TO_EMAIL": {"Ref": "ReplyToEmail"},
        "JWT_AUDIENCE": {"Fn::If": ["CreateUserPool", {"Ref": "UserPoolClient"}, {"Ref": "ExistingUserPoolClientId"}]},
        "COGNITO_DOMAIN": {
            "Fn::If": [
                "CreateUserPool",
                _sub("https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"),
                {"Ref": "ExistingCognitoDomain"},
            ]
        },
    }
    issuer = "https://cognito-idp.${AWS::Region}.amazonaws.com/${PoolId}"
    variables["JWT_ISSUER"] = {"Fn::Sub": [issuer, {"PoolId": _pool_id()}]}
    variables["JWKS_URL"] = {"Fn::Sub": [issuer + "/.well-known/jwks.json", {"PoolId": _pool_id()}]}
    for name, entry in WORKFLOWS.items():
        variables[entry.arn_variable] = naming.state_machine_arn(name, stage)
    return variables


# -- key, tables ------------------------------------------------------------------------------------


def data_key() -> dict:
    root = _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
    return {
        "DataKey": {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "Family Contact Service: tables, logs and the alarm topic",
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdministersTheKeyThroughIam",
                            "Effect": "Allow",
                            "Principal": {"AWS": root},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {
                            "Sid": "LogsEncryptTheServiceLogGroups",
                            "Effect": "Allow",
                            "Principal": {"Service": _sub("logs.${AWS::Region}.amazonaws.com")},
                            "Action": [
                                "kms:Encrypt*",
                                "kms:Decrypt*",
                                "kms:ReEncrypt*",
                                "kms:GenerateDataKey*",
                                "kms:Describe*",
                            ],
                            "Resource": "*",
                            "Condition": {
                                "ArnLike": {
                                    "kms:EncryptionContext:aws:logs:arn": _sub(
                                        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
                                    )
                                }
                            },
                        },
                        {
                            "Sid": "AlarmsPublishToTheEncryptedTopic",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                        },
                    ],
                },
            },
        },
        "DataKeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": _sub(f"alias/{config.APP_NAME}-${{Stage}}"), "TargetKeyId": {"Ref": "DataKey"}},
        },
    }


def _key_schema(elements: list[dict]) -> list[dict]:
    """HASH first, as CloudFormation expects (PynamoDB keeps no order)."""
    ordered = sorted(elements, key=lambda element: element["KeyType"] != "HASH")
    return [{"AttributeName": e["AttributeName"], "KeyType": e["KeyType"]} for e in ordered]


def table_definition(model) -> dict:  # noqa: ANN001
    """A model's table as CloudFormation declares it, read from the model itself."""
    schema = model._get_schema()
    properties: dict[str, Any] = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": sorted(schema["attribute_definitions"], key=lambda a: a["AttributeName"]),
        "KeySchema": _key_schema(schema["key_schema"]),
    }
    indexes = [
        {
            "IndexName": index["index_name"],
            "KeySchema": _key_schema(index["key_schema"]),
            "Projection": index["projection"],
        }
        for index in schema["global_secondary_indexes"]
    ]
    if indexes:
        properties["GlobalSecondaryIndexes"] = sorted(indexes, key=lambda i: i["IndexName"])
    local = [
        {"IndexName": i["index_name"], "KeySchema": _key_schema(i["key_schema"]), "Projection": i["projection"]}
        for i in schema["local_secondary_indexes"]
    ]
    if local:
        properties["LocalSecondaryIndexes"] = sorted(local, key=lambda i: i["IndexName"])
    ttl = model._ttl_attribute()
    if ttl is not None:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl.attr_name, "Enabled": True}
    return properties


def tables(stage: str) -> dict:
    from chalicelib.storage.tables import all_models

    resources = {}
    for model in all_models():
        suffix = naming.table_suffix(model.Meta.table_name, config.stage())
        properties = table_definition(model)
        properties.update(
            {
                "TableName": f"{config.APP_NAME}-{stage}-{suffix}",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "DeletionProtectionEnabled": True,
                "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": "DataKey"}},
            }
        )
        resources[f"{naming.cfn_name(suffix)}Table"] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": properties,
        }
    return resources


# -- state machines ---------------------------------------------------------------------------------


def _log_group(name: dict | str) -> dict:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": name,
            "RetentionInDays": LOG_RETENTION_DAYS,
            "KmsKeyId": {"Fn::GetAtt": ["DataKey", "Arn"]},
        },
    }


def state_machines(app, stage: str) -> dict:
    from chalicelib.workflows.registry import WORKFLOWS

    by_name = {fn.name: fn for fn in naming.functions(app)}
    resources: dict[str, Any] = {}
    for name, entry in WORKFLOWS.items():
        steps = by_name[entry.steps_function]
        logical = f"{naming.cfn_name(name)}StateMachine"
        definition = json.loads(definition_path(name).read_text(encoding="utf-8"))
        substitutions: dict[str, Any] = entry.substitutions(function_arn="")
        substitutions[next(k for k, v in substitutions.items() if v == "")] = {"Fn::GetAtt": [steps.cfn_name, "Arn"]}
        resources[f"{logical}Logs"] = _log_group(
            _sub(f"/aws/vendedlogs/states/{naming.state_machine_name(name, stage)}")
        )
        resources[f"{logical}Role"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "states.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "InvokeItsStepsAndLog",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "InvokeTheStepsFunction",
                                    "Effect": "Allow",
                                    "Action": "lambda:InvokeFunction",
                                    "Resource": [
                                        {"Fn::GetAtt": [steps.cfn_name, "Arn"]},
                                        _sub(f"${{{steps.cfn_name}.Arn}}:*"),
                                    ],
                                },
                                {
                                    # Log delivery and X-Ray: actions with no resource-level permissions.
                                    "Sid": "DeliverLogsAndTraces",
                                    "Effect": "Allow",
                                    "Action": [
                                        "logs:CreateLogDelivery",
                                        "logs:GetLogDelivery",
                                        "logs:UpdateLogDelivery",
                                        "logs:DeleteLogDelivery",
                                        "logs:ListLogDeliveries",
                                        "logs:PutResourcePolicy",
                                        "logs:DescribeResourcePolicies",
                                        "logs:DescribeLogGroups",
                                        "xray:PutTraceSegments",
                                        "xray:PutTelemetryRecords",
                                        "xray:GetSamplingRules",
                                        "xray:GetSamplingTargets",
                                    ],
                                    "Resource": "*",
                                },
                            ],
                        },
                    }
                ],
            },
        }
        resources[logical] = {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "StateMachineName": naming.state_machine_name(name, stage),
                "StateMachineType": "STANDARD",
                "Definition": definition,
                "DefinitionSubstitutions": substitutions,
                "RoleArn": {"Fn::GetAtt": [f"{logical}Role", "Arn"]},
                "LoggingConfiguration": {
                    "Level": "ERROR",
                    "IncludeExecutionData": False,
                    "Destinations": [
                        {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [f"{logical}Logs", "Arn"]}}}
                    ],
                },
                "TracingConfiguration": {"Enabled": True},
            },
        }
    return resources


# -- identity ---------------------------------------------------------------------------------------


NAME_ATTRIBUTES = ("name", "given_name", "family_name")  # the claims `domain.people.name_from_claims` reads


def identity() -> dict:
    created = {"Condition": "CreateUserPool"}
    resources: dict[str, Any] = {
        "UserPool": {
            **created,
            "Type": "AWS::Cognito::UserPool",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "UserPoolName": _sub(f"{config.APP_NAME}-${{Stage}}"),
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
                "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
                # The name pages and PDFs show for a person (their email stays their identity);
                # given and family names are the alternative the sign-in also reads.
                "Schema": [
                    {"Name": attribute, "AttributeDataType": "String", "Mutable": True, "Required": False}
                    for attribute in NAME_ATTRIBUTES
                ],
                "MfaConfiguration": "OPTIONAL",
                "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": 12,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": False,
                        "TemporaryPasswordValidityDays": 3,
                    }
                },
                "DeletionProtection": "ACTIVE",
            },
        },
        "UserPoolClient": {
            **created,
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "UserPoolId": {"Ref": "UserPool"},
                "ClientName": "pages",
                "GenerateSecret": False,
                "AllowedOAuthFlowsUserPoolClient": True,
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email", "profile"],
                # What the ID token carries: the identity, and the name shown beside it.
                "ReadAttributes": ["email", "email_verified", *NAME_ATTRIBUTES],
                "SupportedIdentityProviders": ["COGNITO"],
                "CallbackURLs": [{"Fn::Join": ["", [public_base_url(), "/signin/callback"]]}],
                "LogoutURLs": [{"Fn::Join": ["", [public_base_url(), "/"]]}],
                "PreventUserExistenceErrors": "ENABLED",
                "IdTokenValidity": 60,
                "AccessTokenValidity": 60,
                "RefreshTokenValidity": 1,
                "TokenValidityUnits": {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"},
            },
        },
        "UserPoolDomain": {
            **created,
            "Type": "AWS::Cognito::UserPoolDomain",
            "Properties": {
                "UserPoolId": {"Ref": "UserPool"},
                "Domain": {
                    "Fn::If": [
                        "HasCognitoDomainPrefix",
                        {"Ref": "CognitoDomainPrefix"},
                        _sub(f"{config.APP_NAME}-${{Stage}}-${{AWS::AccountId}}"),
                    ]
                },
            },
        },
    }
    for group in ROLE_GROUPS:
        resources[f"{naming.cfn_name(group)}Group"] = {
            **created,
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"UserPoolId": {"Ref": "UserPool"}, "GroupName": group, "Description": f"The {group} role"},
        }
    return resources


# -- alarms -----------------------------------------------------------------------------------------


def _alarm(description: str, namespace: str, metric: str, dimensions: list[dict], statistic: str = "Sum") -> dict:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": statistic,
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
        },
    }


WORKFLOW_FAILURE_METRIC = "WorkflowFailures"
WORKFLOW_FAILURE_MESSAGE = "workflow failed"  # what review.record_failure logs at ERROR


def alarms(app, stage: str) -> dict:
    """Failed and timed-out executions per machine; Lambda errors and throttles per function; API
    5xx; and the failure step reached, counted by a metric filter on the steps function's log."""
    from chalicelib.workflows.registry import WORKFLOWS

    resources: dict[str, Any] = {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"DisplayName": "Family Contact alarms", "KmsMasterKeyId": {"Ref": "DataKey"}},
        },
        "AlarmSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}},
        },
        "Api5xxAlarm": _alarm(
            "The API answered with a 5xx",
            "AWS/ApiGateway",
            "5XXError",
            [{"Name": "ApiName", "Value": config.APP_NAME}, {"Name": "Stage", "Value": "api"}],
        ),
    }
    for name in WORKFLOWS:
        machine = f"{naming.cfn_name(name)}StateMachine"
        dimension = [{"Name": "StateMachineArn", "Value": {"Ref": machine}}]
        for metric, what in (("ExecutionsFailed", "failed"), ("ExecutionsTimedOut", "timed out")):
            resources[f"{machine}{metric}Alarm"] = _alarm(f"A {name} execution {what}", "AWS/States", metric, dimension)
    by_name = {fn.name: fn for fn in naming.functions(app)}
    for fn in by_name.values():
        dimension = [{"Name": "FunctionName", "Value": {"Ref": fn.cfn_name}}]
        for metric in ("Errors", "Throttles"):
            resources[f"{fn.cfn_name}{metric}Alarm"] = _alarm(
                f"{fn.name}: Lambda {metric.lower()}", "AWS/Lambda", metric, dimension
            )
    for fn_name in sorted({entry.steps_function for entry in WORKFLOWS.values()}):
        fn = by_name[fn_name]
        resources[f"{fn.cfn_name}WorkflowFailureFilter"] = {
            "Type": "AWS::Logs::MetricFilter",
            "DependsOn": [fn.log_group_cfn_name],
            "Properties": {
                "LogGroupName": _sub(f"/aws/lambda/${{{fn.cfn_name}}}"),
                "FilterPattern": f'{{ $.level = "ERROR" && $.message = "{WORKFLOW_FAILURE_MESSAGE}" }}',
                "MetricTransformations": [
                    {
                        "MetricNamespace": "FamilyContact",
                        "MetricName": WORKFLOW_FAILURE_METRIC,
                        "MetricValue": "1",
                        "DefaultValue": 0,
                    }
                ],
            },
        }
    resources["WorkflowFailureAlarm"] = _alarm(
        "A workflow reached its failure step (RecordFailure, then its Fail state)",
        "FamilyContact",
        WORKFLOW_FAILURE_METRIC,
        [],
    )
    return resources


# -- API --------------------------------------------------------------------------------------------


def _not_found_body() -> str:
    from chalicelib.web.http import unknown_path_body

    return json.dumps(unknown_path_body("$context.path"))


NOT_FOUND_RESPONSES = ("MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND")


def api() -> dict:
    """Stage throttling, tracing and the service's own 404 for unknown paths; binary answers whatever
    the Accept; the custom domain."""
    from chalicelib.web.http import API_BINARY_MEDIA_TYPES

    responses = {
        kind: {
            "statusCode": "404",
            "responseParameters": {"gatewayresponse.header.Content-Type": "'application/json'"},
            "responseTemplates": {"application/json": _not_found_body()},
        }
        for kind in NOT_FOUND_RESPONSES
    }
    return {
        "RestAPI": {
            "Properties": {
                "DefinitionBody": {
                    "x-amazon-apigateway-gateway-responses": responses,
                    "x-amazon-apigateway-binary-media-types": API_BINARY_MEDIA_TYPES,
                },
                "TracingEnabled": True,
                "MethodSettings": [
                    {
                        "ResourcePath": "/*",
                        "HttpMethod": "*",
                        "ThrottlingRateLimit": API_THROTTLE_RATE,
                        "ThrottlingBurstLimit": API_THROTTLE_BURST,
                        "MetricsEnabled": True,
                    }
                ],
            }
        },
        "CustomDomain": {
            "Type": "AWS::ApiGateway::DomainName",
            "Condition": "HasCustomDomain",
            "Properties": {
                "DomainName": {"Ref": "CustomDomainName"},
                "CertificateArn": {"Ref": "CertificateArn"},
                "EndpointConfiguration": {"Types": ["EDGE"]},
                "SecurityPolicy": "TLS_1_2",
            },
        },
        "CustomDomainMapping": {
            "Type": "AWS::ApiGateway::BasePathMapping",
            "Condition": "HasCustomDomain",
            "Properties": {
                "DomainName": {"Ref": "CustomDomain"},
                "RestApiId": {"Ref": "RestAPI"},
                "Stage": {"Ref": "RestAPI.Stage"},
            },
        },
    }


# -- the whole merge template -----------------------------------------------------------------------


def function_names(app, stage: str) -> dict:
    """Every function gets the name `config.function_name` gives it (the embedded runtime's too),
    so its role can name its log group without referring back to the function."""
    return {
        fn.cfn_name: {"Properties": {"FunctionName": f"{config.APP_NAME}-{stage}-{fn.name}"}}
        for fn in naming.functions(app)
    }


def function_logs(app) -> dict:
    """Chalice declares each function's log group; they are encrypted with the data key. (Chalice
    names the API handler's log group after `ApiHandler`, a resource it calls `APIHandler`.)"""
    return {
        fn.log_group_cfn_name: {
            "Properties": {
                "KmsKeyId": {"Fn::GetAtt": ["DataKey", "Arn"]},
                "LogGroupName": _sub(f"/aws/lambda/${{{fn.cfn_name}}}"),
            }
        }
        for fn in naming.functions(app)
    }


def build(app, stage: str) -> dict:
    from chalicelib.workflows.registry import WORKFLOWS

    params = parameters()
    params["Stage"] = {
        "Type": "String",
        "Default": stage,
        "AllowedValues": [stage],
        "Description": "The Chalice stage packaged",
    }
    conds = conditions() | {
        "HasCognitoDomainPrefix": {"Fn::Not": [{"Fn::Equals": [{"Ref": "CognitoDomainPrefix"}, ""]}]}
    }
    resources = (
        data_key()
        | tables(stage)
        | state_machines(app, stage)
        | identity()
        | alarms(app, stage)
        | api()
        | function_logs(app)
    )
    for logical, extra in function_names(app, stage).items():
        resources.setdefault(logical, {}).setdefault("Properties", {}).update(extra["Properties"])
    outputs = {
        "PublicBaseUrl": {"Value": public_base_url()},
        "UserPoolId": {"Value": {"Fn::If": ["CreateUserPool", {"Ref": "UserPool"}, {"Ref": "ExistingUserPoolId"}]}},
        "UserPoolClientId": {"Value": environment(stage, WORKFLOWS)["JWT_AUDIENCE"]},
        "CognitoDomain": {"Value": environment(stage, WORKFLOWS)["COGNITO_DOMAIN"]},
        "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
        "DataKeyArn": {"Value": {"Fn::GetAtt": ["DataKey", "Arn"]}},
    }
    for name in WORKFLOWS:
        outputs[f"{naming.cfn_name(name)}StateMachineArn"] = {"Value": {"Ref": f"{naming.cfn_name(name)}StateMachine"}}
    return {
        "Metadata": {
            "checkov": {"skip": [{"id": check, "comment": reason} for check, reason in sorted(CHECKOV_SKIPS.items())]}
        },
        "Parameters": params,
        "Conditions": conds,
        "Globals": {"Function": {"Environment": {"Variables": environment(stage, WORKFLOWS)}}},
        "Resources": resources,
        "Outputs": outputs,
    }
