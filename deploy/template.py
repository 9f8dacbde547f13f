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

# checkov checks a resource does not meet, each with its reason: kept on the resource itself
# (`Metadata.checkov.skip`), so any scanner that reads the template honours it.
NO_VPC = (
    "CKV_AWS_117",
    "The functions call only regional AWS APIs (DynamoDB, SES, Step Functions); a VPC would add NAT costs "
    "and cold-start time without isolating anything more.",
)
NO_RESERVED_CONCURRENCY = (
    "CKV_AWS_115",
    "Concurrency is limited at the API stage (throttling) and by the web ACL's per-address rate rule instead "
    "of per function, so the workflow steps never starve behind a reserved pool.",
)
ENVIRONMENT_HOLDS_NO_SECRETS = (
    "CKV_AWS_173",
    "Lambda environment variables hold names, ARNs and addresses only, no secrets; AWS encrypts them at rest "
    "with its own key.",
)
SYNCHRONOUS_NO_DLQ = {
    "api": (
        "CKV_AWS_116",
        "API Gateway invokes the API handler synchronously and hands its answer (or error) to the caller; "
        "a dead-letter queue only receives failed asynchronous invocations, so it would hold nothing.",
    ),
    "lambda": (
        "CKV_AWS_116",
        "Step Functions invokes the workflow steps synchronously and retries and catches their failures itself "
        "(every Task has Retry and Catch, ending in RecordFailure); a dead-letter queue would hold nothing.",
    ),
}
EMAIL_EVENTS_NO_DLQ = (
    "CKV_AWS_116",
    "SNS invokes the email events function asynchronously: a message it cannot read is logged and dropped by the "
    "code, a failed write is retried by Lambda, and the admin's email subscription to the same topic receives "
    "every event; a dead-letter queue would only hold family members' addresses.",
)
QUEUE_ENCRYPTED_BY_SQS = (
    "CKV_AWS_27",
    "The failed-jobs queue is encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which this check "
    "does not read; it holds only a scheduled event's envelope (time and rule), no personal data.",
)
NO_STAGE_CACHE = (
    "CKV_AWS_120",
    "Pages and the API answer per user; caching responses at the stage would serve one user's page to another.",
)


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

# The data (key, tables, user pool) outlives the stack, except when the stack's own create fails:
# the rollback then deletes what it made, so a retry finds no table of the same name in its way.
# (UpdateReplacePolicy has no such value: it stays Retain.)
RETAIN_EXCEPT_ON_CREATE = "RetainExceptOnCreate"


def data_key() -> dict:
    root = _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
    return {
        "DataKey": {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": RETAIN_EXCEPT_ON_CREATE,
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
            "DeletionPolicy": RETAIN_EXCEPT_ON_CREATE,
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
            "DeletionPolicy": RETAIN_EXCEPT_ON_CREATE,
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
# The stage's own throttling (above the web ACL's per-address rule) answers as the service does.
THROTTLED_RETRY_AFTER_SECONDS = 1


def throttled_body() -> str:
    """What the stage's throttling answers with its 429: the service's own error body."""
    from chalicelib.errors import TooManyRequests

    error = TooManyRequests("The service is busy. Wait a second and try again.")
    return json.dumps(error.body())


def api() -> dict:
    """Stage throttling (its 429 in the service's error body), tracing and the service's own 404 for unknown paths; binary answers whatever
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
    responses["THROTTLED"] = {
        "statusCode": "429",
        "responseParameters": {
            "gatewayresponse.header.Content-Type": "'application/json'",
            "gatewayresponse.header.Retry-After": f"'{THROTTLED_RETRY_AFTER_SECONDS}'",
        },
        "responseTemplates": {"application/json": throttled_body()},
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


# -- security: staff MFA, the web ACL, API access logs ------------------------------------------------

API_STAGE = "api"  # Chalice's api_gateway_stage in .chalice/config.json
# Per client address, over WAF's 5-minute window. Generous: a council's staff may share one address.
WAF_RATE_LIMIT = 2000
WAF_RATE_BODY_KEY = "too-many-requests"
WAF_RETRY_AFTER_SECONDS = 300
WAF_MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
# Rules of the common set counted, not blocked: the service takes bodies up to 256 KiB (a report's
# 20,000 characters of observations), where SizeRestrictions_BODY blocks above 8 KiB.
WAF_COUNTED_RULES = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}


def staff_sign_in() -> dict:
    """Every staff member signs in with a second factor (an authenticator app's TOTP), and Cognito's
    threat protection (the Plus plan) blocks compromised credentials and risky sign-ins."""
    return {
        "UserPool": {
            "Properties": {
                "MfaConfiguration": "ON",
                "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                "UserPoolTier": "PLUS",
                "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
            }
        }
    }


def rate_limited_body() -> str:
    """What the web ACL's rate rule answers with its 429: the service's own error body."""
    from chalicelib.errors import TooManyRequests

    error = TooManyRequests("Too many requests from your address. Wait a few minutes and try again.")
    return json.dumps(error.body())


def _visibility(name: str) -> dict:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def web_acl(stage: str) -> dict:
    """A regional web ACL on the API's stage: AWS's managed common and known-bad-inputs rules, and a
    per-address rate rule whose block is a 429 with the service's error body."""
    rules: list[dict] = []
    for priority, group in enumerate(WAF_MANAGED_RULE_GROUPS):
        statement: dict[str, Any] = {"VendorName": "AWS", "Name": group}
        if group in WAF_COUNTED_RULES:
            statement["RuleActionOverrides"] = [
                {"Name": rule, "ActionToUse": {"Count": {}}} for rule in WAF_COUNTED_RULES[group]
            ]
        rules.append(
            {
                "Name": group,
                "Priority": priority,
                "Statement": {"ManagedRuleGroupStatement": statement},
                "OverrideAction": {"None": {}},
                "VisibilityConfig": _visibility(group),
            }
        )
    rules.append(
        {
            "Name": "RequestsPerAddress",
            "Priority": len(rules),
            "Statement": {"RateBasedStatement": {"Limit": WAF_RATE_LIMIT, "AggregateKeyType": "IP"}},
            "Action": {
                "Block": {
                    "CustomResponse": {
                        "ResponseCode": 429,
                        "CustomResponseBodyKey": WAF_RATE_BODY_KEY,
                        "ResponseHeaders": [{"Name": "Retry-After", "Value": str(WAF_RETRY_AFTER_SECONDS)}],
                    }
                }
            },
            "VisibilityConfig": _visibility("RequestsPerAddress"),
        }
    )
    return {
        "WebAcl": {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {
                "Name": _sub(f"{config.APP_NAME}-${{Stage}}"),
                "Description": "Family Contact Service API: managed rules and a per-address rate limit",
                "Scope": "REGIONAL",
                "DefaultAction": {"Allow": {}},
                "CustomResponseBodies": {
                    WAF_RATE_BODY_KEY: {"ContentType": "APPLICATION_JSON", "Content": rate_limited_body()}
                },
                "Rules": rules,
                "VisibilityConfig": _visibility(f"{config.APP_NAME}-{stage}"),
            },
        },
        "WebAclAssociation": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Properties": {
                # `RestAPI.Stage`: SAM's reference to the stage it creates, so the stage exists first.
                "ResourceArn": _sub(
                    "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${RestAPI}/stages/${RestAPI.Stage}"
                ),
                "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]},
            },
        },
    }


# One line per request; the resource path (`/approve/{link}`), never the path itself, which
# would put approval link ids in the log.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "wafStatus": "$context.waf.status",
}


def api_access_logs(stage: str) -> dict:
    """The stage's access log, and the account's API Gateway logging role it needs (an account has
    one; the role is retained so other APIs that log through it keep logging)."""
    return {
        "ApiAccessLogs": _log_group(_sub(f"/aws/apigateway/{config.APP_NAME}-${{Stage}}-access")),
        "ApiGatewayLoggingRole": {
            "Type": "AWS::IAM::Role",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "apigateway.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [
                    _sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
                ],
            },
        },
        "ApiGatewayAccount": {
            "Type": "AWS::ApiGateway::Account",
            "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayLoggingRole", "Arn"]}},
        },
        "RestAPI": {
            "DependsOn": ["ApiGatewayAccount"],
            "Properties": {
                "AccessLogSetting": {
                    "DestinationArn": {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]},
                    "Format": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
                }
            },
        },
    }


# -- operations: backups, email events, alarms, dashboard, failed jobs ---------------------------------

DAILY_BACKUP_DAYS = 35
MONTHLY_BACKUP_DAYS = 365


def backups(stage: str) -> dict:
    """An AWS Backup plan over every table, besides point-in-time recovery: daily backups kept
    35 days, monthly ones kept a year, in a vault encrypted with the data key."""
    from chalicelib.storage.tables import all_models

    tables_arns = [
        {"Fn::GetAtt": [f"{naming.cfn_name(naming.table_suffix(model.Meta.table_name, config.stage()))}Table", "Arn"]}
        for model in all_models()
    ]
    return {
        "BackupVault": {
            "Type": "AWS::Backup::BackupVault",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BackupVaultName": _sub(f"{config.APP_NAME}-${{Stage}}"),
                "EncryptionKeyArn": {"Fn::GetAtt": ["DataKey", "Arn"]},
            },
        },
        "BackupPlan": {
            "Type": "AWS::Backup::BackupPlan",
            "Properties": {
                "BackupPlan": {
                    "BackupPlanName": _sub(f"{config.APP_NAME}-${{Stage}}"),
                    "BackupPlanRule": [
                        {
                            "RuleName": "Daily",
                            "TargetBackupVault": {"Ref": "BackupVault"},
                            "ScheduleExpression": "cron(0 2 * * ? *)",
                            "StartWindowMinutes": 60,
                            "CompletionWindowMinutes": 360,
                            "Lifecycle": {"DeleteAfterDays": DAILY_BACKUP_DAYS},
                        },
                        {
                            "RuleName": "Monthly",
                            "TargetBackupVault": {"Ref": "BackupVault"},
                            "ScheduleExpression": "cron(0 3 1 * ? *)",
                            "StartWindowMinutes": 60,
                            "CompletionWindowMinutes": 360,
                            "Lifecycle": {"DeleteAfterDays": MONTHLY_BACKUP_DAYS},
                        },
                    ],
                }
            },
        },
        "BackupRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "backup.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [
                    _sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
                    _sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"),
                ],
            },
        },
        "BackupSelection": {
            "Type": "AWS::Backup::BackupSelection",
            "Properties": {
                "BackupPlanId": {"Ref": "BackupPlan"},
                "BackupSelection": {
                    "SelectionName": "tables",
                    "IamRoleArn": {"Fn::GetAtt": ["BackupRole", "Arn"]},
                    "Resources": tables_arns,
                },
            },
        },
    }


def email_configuration_set_name(stage: str) -> str:
    return f"{config.APP_NAME}-{stage}"


# SES reviews an account at a 5% bounce rate and a 0.1% complaint rate: alarm well before.
BOUNCE_RATE_ALARM = 0.03
COMPLAINT_RATE_ALARM = 0.0005


def email_events(stage: str) -> dict:
    """The configuration set every email is sent with: bounced and complained-of addresses are
    suppressed, and each bounce and complaint is published to a topic the admin reads."""
    return {
        "EmailConfigurationSet": {
            "Type": "AWS::SES::ConfigurationSet",
            "Properties": {
                "Name": email_configuration_set_name(stage),
                "SuppressionOptions": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
                "ReputationOptions": {"ReputationMetricsEnabled": True},
                "SendingOptions": {"SendingEnabled": True},
                "DeliveryOptions": {"TlsPolicy": "REQUIRE"},
            },
        },
        "EmailEventsTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "DisplayName": "Family Contact email bounces and complaints",
                "KmsMasterKeyId": {"Ref": "DataKey"},
            },
        },
        "EmailEventsTopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "EmailEventsTopic"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "SesPublishesThisAccountsEmailEvents",
                            "Effect": "Allow",
                            "Principal": {"Service": "ses.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": "EmailEventsTopic"},
                            "Condition": {"StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    ],
                },
            },
        },
        "EmailEventsSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "EmailEventsTopic"},
                "Protocol": "email",
                "Endpoint": {"Ref": "AdminEmail"},
            },
        },
        "EmailEventsDestination": {
            "Type": "AWS::SES::ConfigurationSetEventDestination",
            "DependsOn": ["EmailEventsTopicPolicy"],
            "Properties": {
                "ConfigurationSetName": {"Ref": "EmailConfigurationSet"},
                "EventDestination": {
                    "Name": "bounces-and-complaints",
                    "Enabled": True,
                    "MatchingEventTypes": ["bounce", "complaint"],
                    "SnsDestination": {"TopicARN": {"Ref": "EmailEventsTopic"}},
                },
            },
        },
    }


def email_events_subscriber(app) -> dict:
    """The function subscribed to the email events topic (`app.email_events`). Chalice builds the
    topic's ARN from a name (`Fn::Sub`); this topic's name is made by CloudFormation, so the merge
    replaces that `Fn::Sub` text with the topic's own ARN (a merge keeps Chalice's keys, so a `Ref`
    beside it would not do). SAM adds the subscription and the permission for SNS to invoke it."""
    from deploy.naming import Function

    return {
        function.cfn_name: {
            "Properties": {
                "Events": {
                    function.subscription_cfn_name: {
                        "Type": "SNS",
                        "Properties": {"Topic": _sub("${EmailEventsTopic}")},
                    }
                }
            }
        }
        for source in app.event_sources
        if getattr(source, "topic", None) == config.EMAIL_EVENTS_TOPIC
        for function in [Function(source.name, "sns")]
    }


def email_events_key_statement() -> dict:
    """SES publishes to the topic encrypted with the data key."""
    return {
        "Sid": "SesPublishesToTheEncryptedEmailEventsTopic",
        "Effect": "Allow",
        "Principal": {"Service": "ses.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
    }


def email_environment(stage: str) -> dict:
    """The setting each function's sender reads (`settings().ses_configuration_set`)."""
    return {"SES_CONFIGURATION_SET": {"Ref": "EmailConfigurationSet"}}


API_LATENCY_P99_MS = 5000  # well under API Gateway's 29 s and the API handler's 25 s


def _threshold_alarm(description: str, threshold: float, periods: int = 1, **metric: Any) -> dict:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            **metric,
            "EvaluationPeriods": periods,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
        },
    }


# Texts to families cost money per message: SNS stops sending at the account's monthly limit
# (`deploy.deploy` sets it; it is not a CloudFormation resource), and the alarm warns well before.
SMS_MONTHLY_SPEND_LIMIT_USD = 20
SMS_SPEND_ALARM_SHARE = 0.8


def operations_alarms(stage: str) -> dict:
    """Throttled reads and writes per table; the API's p99 latency; SES's bounce and complaint
    rates; a scheduled job's failed event in the dead-letter queue."""
    from chalicelib.storage.tables import all_models

    resources: dict[str, Any] = {}
    for model in all_models():
        suffix = naming.table_suffix(model.Meta.table_name, config.stage())
        table = f"{naming.cfn_name(suffix)}Table"

        def metric(id_: str, name: str, table: str = table) -> dict:
            return {
                "Id": id_,
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/DynamoDB",
                        "MetricName": name,
                        "Dimensions": [{"Name": "TableName", "Value": {"Ref": table}}],
                    },
                    "Period": 300,
                    "Stat": "Sum",
                },
            }

        resources[f"{table}ThrottlesAlarm"] = _threshold_alarm(
            f"The {suffix} table throttled reads or writes",
            1,
            Metrics=[
                metric("reads", "ReadThrottleEvents"),
                metric("writes", "WriteThrottleEvents"),
                {"Id": "throttles", "Expression": "reads + writes", "Label": "Throttled requests", "ReturnData": True},
            ],
        )
    api = [{"Name": "ApiName", "Value": config.APP_NAME}, {"Name": "Stage", "Value": API_STAGE}]
    resources["ApiLatencyP99Alarm"] = _threshold_alarm(
        f"The API's p99 latency stayed at {API_LATENCY_P99_MS} ms or more for 15 minutes",
        API_LATENCY_P99_MS,
        3,
        Namespace="AWS/ApiGateway",
        MetricName="Latency",
        Dimensions=api,
        ExtendedStatistic="p99",
        Period=300,
    )
    for metric_name, threshold, what in (
        ("Reputation.BounceRate", BOUNCE_RATE_ALARM, "bounce"),
        ("Reputation.ComplaintRate", COMPLAINT_RATE_ALARM, "complaint"),
    ):
        resources[f"Email{what.capitalize()}RateAlarm"] = _threshold_alarm(
            f"SES's {what} rate reached {threshold:.2%} (SES reviews the account well above it)",
            threshold,
            Namespace="AWS/SES",
            MetricName=metric_name,
            Dimensions=[],
            Statistic="Maximum",
            Period=3600,
        )
    resources["SmsSpendAlarm"] = _threshold_alarm(
        f"Text messages this month cost {SMS_SPEND_ALARM_SHARE:.0%} of the ${SMS_MONTHLY_SPEND_LIMIT_USD} limit, "
        "after which SNS sends no more reminders by text",
        SMS_MONTHLY_SPEND_LIMIT_USD * SMS_SPEND_ALARM_SHARE,
        Namespace="AWS/SNS",
        MetricName="SMSMonthToDateSpentUSD",
        Dimensions=[],
        Statistic="Maximum",
        Period=3600,
    )
    resources["FailedJobsAlarm"] = _threshold_alarm(
        "A scheduled job failed after Lambda's retries: its event is in the failed-jobs queue",
        1,
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailedJobsQueue", "QueueName"]}}],
        Statistic="Maximum",
        Period=300,
    )
    return resources


def failed_jobs(app, stage: str) -> dict:
    """A scheduled job that still fails after Lambda's two retries leaves its event in a queue
    (kept 14 days) and raises an alarm, instead of vanishing."""
    from deploy.permissions import FAILED_JOBS_QUEUE

    resources: dict[str, Any] = {
        "FailedJobsQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": f"{config.APP_NAME}-{stage}-{FAILED_JOBS_QUEUE}",
                "MessageRetentionPeriod": 14 * 24 * 3600,
                "SqsManagedSseEnabled": True,
            },
        }
    }
    for fn in naming.functions(app):
        if fn.kind == "schedule":
            resources[fn.cfn_name] = {
                "Properties": {
                    "DeadLetterQueue": {"Type": "SQS", "TargetArn": {"Fn::GetAtt": ["FailedJobsQueue", "Arn"]}}
                }
            }
    return resources


def dashboard(app, stage: str) -> dict:
    """One CloudWatch dashboard: the API, the functions, the workflows, the tables, email and the WAF."""
    from chalicelib.workflows.registry import WORKFLOWS

    region = "${AWS::Region}"
    api = ["ApiName", config.APP_NAME, "Stage", API_STAGE]

    def widget(title: str, metrics: list, stat: str = "Sum", x: int = 0, y: int = 0) -> dict:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {"title": title, "region": region, "stat": stat, "period": 300, "metrics": metrics},
        }

    functions = naming.functions(app)
    machines = [f"{naming.cfn_name(name)}StateMachine" for name in WORKFLOWS]
    widgets = [
        widget("API requests and errors", [["AWS/ApiGateway", m, *api] for m in ("Count", "4XXError", "5XXError")]),
        widget(
            "API latency p50 / p99 (ms)",
            [["AWS/ApiGateway", "Latency", *api, {"stat": s}] for s in ("p50", "p99")],
            x=12,
        ),
        widget(
            "Lambda errors", [["AWS/Lambda", "Errors", "FunctionName", f"${{{fn.cfn_name}}}"] for fn in functions], y=6
        ),
        widget(
            "Lambda duration p99 (ms)",
            [["AWS/Lambda", "Duration", "FunctionName", f"${{{fn.cfn_name}}}"] for fn in functions],
            "p99",
            12,
            6,
        ),
        widget(
            "Workflow executions failed or timed out",
            [
                ["AWS/States", m, "StateMachineArn", f"${{{machine}}}"]
                for machine in machines
                for m in ("ExecutionsFailed", "ExecutionsTimedOut")
            ],
            y=12,
        ),
        widget(
            "Email bounce and complaint rates",
            [["AWS/SES", "Reputation.BounceRate"], ["AWS/SES", "Reputation.ComplaintRate"]],
            "Maximum",
            12,
            12,
        ),
        widget(
            "Web ACL: requests blocked",
            [["AWS/WAFV2", "BlockedRequests", "WebACL", f"{config.APP_NAME}-{stage}", "Region", region, "Rule", "ALL"]],
            y=18,
        ),
        widget(
            "Tables: throttled requests",
            [
                [
                    "AWS/DynamoDB",
                    m,
                    "TableName",
                    f"${{{naming.cfn_name(naming.table_suffix(model.Meta.table_name, config.stage()))}Table}}",
                ]
                for model in _models()
                for m in ("ReadThrottleEvents", "WriteThrottleEvents")
            ],
            x=12,
            y=18,
        ),
    ]
    return {
        "Dashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": _sub(f"{config.APP_NAME}-${{Stage}}"),
                "DashboardBody": _sub(json.dumps({"widgets": widgets})),
            },
        }
    }


def _models() -> list:
    from chalicelib.storage.tables import all_models

    return list(all_models())


def checkov_skips(app) -> dict:
    """Each resource's checkov skips, with their reasons, on the resource itself."""
    skips: dict[str, list[tuple[str, str]]] = {"RestAPI": [NO_STAGE_CACHE], "FailedJobsQueue": [QUEUE_ENCRYPTED_BY_SQS]}
    for fn in naming.functions(app):
        reasons = [NO_VPC, NO_RESERVED_CONCURRENCY, ENVIRONMENT_HOLDS_NO_SECRETS]
        if fn.kind in SYNCHRONOUS_NO_DLQ:
            reasons.append(SYNCHRONOUS_NO_DLQ[fn.kind])
        if fn.kind == "sns":
            reasons.append(EMAIL_EVENTS_NO_DLQ)
        skips[fn.cfn_name] = reasons
    return {
        logical: {
            "Metadata": {"checkov": {"skip": [{"id": check, "comment": reason} for check, reason in sorted(reasons)]}}
        }
        for logical, reasons in skips.items()
    }


def _merge(target: dict, extra: dict) -> dict:
    """`extra` merged into `target`, dicts key by key; any other value of `extra` replaces."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
    return target


def security_and_operations(app, stage: str) -> dict:
    """Everything of this section, ready to merge into the resources."""
    resources: dict[str, Any] = {}
    for part in (
        staff_sign_in(),
        web_acl(stage),
        api_access_logs(stage),
        backups(stage),
        email_events(stage),
        email_events_subscriber(app),
        operations_alarms(stage),
        failed_jobs(app, stage),
        dashboard(app, stage),
        checkov_skips(app),
    ):
        _merge(resources, part)
    return resources


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
    _merge(resources, security_and_operations(app, stage))
    resources["DataKey"]["Properties"]["KeyPolicy"]["Statement"].append(email_events_key_statement())
    outputs = {
        "PublicBaseUrl": {"Value": public_base_url()},
        "UserPoolId": {"Value": {"Fn::If": ["CreateUserPool", {"Ref": "UserPool"}, {"Ref": "ExistingUserPoolId"}]}},
        "UserPoolClientId": {"Value": environment(stage, WORKFLOWS)["JWT_AUDIENCE"]},
        "CognitoDomain": {"Value": environment(stage, WORKFLOWS)["COGNITO_DOMAIN"]},
        "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
        "DataKeyArn": {"Value": {"Fn::GetAtt": ["DataKey", "Arn"]}},
        "EmailEventsTopicArn": {"Value": {"Ref": "EmailEventsTopic"}},
        "FailedJobsQueueUrl": {"Value": {"Ref": "FailedJobsQueue"}},
        "DashboardName": {"Value": {"Ref": "Dashboard"}},
    }
    for name in WORKFLOWS:
        outputs[f"{naming.cfn_name(name)}StateMachineArn"] = {"Value": {"Ref": f"{naming.cfn_name(name)}StateMachine"}}
    return {
        "Parameters": params,
        "Conditions": conds,
        "Globals": {
            "Function": {"Environment": {"Variables": environment(stage, WORKFLOWS) | email_environment(stage)}}
        },
        "Resources": resources,
        "Outputs": outputs,
    }
