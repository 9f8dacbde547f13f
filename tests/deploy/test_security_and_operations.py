"""What a service holding children's data needs in its template: MFA, the web ACL, access logs,
backups, email bounces and complaints, alarms, the dashboard, sizing and failed jobs."""

from __future__ import annotations

import json

from tests.deploy.conftest import resources_of


def _one(template: dict, kind: str) -> tuple[str, dict]:
    (found,) = resources_of(template, kind).items()
    return found


# -- security ---------------------------------------------------------------------------------------


def test_staff_sign_in_with_totp_and_threat_protection(template):
    _, pool = _one(template, "AWS::Cognito::UserPool")
    properties = pool["Properties"]
    assert properties["MfaConfiguration"] == "ON"
    assert properties["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert properties["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert properties["UserPoolTier"] == "PLUS"  # threat protection is a Plus feature


def _web_acl(template: dict) -> dict:
    return _one(template, "AWS::WAFv2::WebACL")[1]["Properties"]


def test_the_web_acl_runs_the_managed_common_and_known_bad_inputs_rules(template):
    acl = _web_acl(template)
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]: rule
        for rule in acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert set(managed) == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    for rule in managed.values():
        assert rule["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
        assert rule["OverrideAction"] == {"None": {}}  # the group's own blocks stand
    # only the body size rule is counted: the service takes bodies up to its own limit
    overrides = managed["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert overrides["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    assert len({rule["Priority"] for rule in acl["Rules"]}) == len(acl["Rules"])


def test_the_rate_rule_blocks_per_address_with_a_429_and_the_service_error_body(template):
    from chalicelib.errors import TooManyRequests

    acl = _web_acl(template)
    (rate,) = [rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"]]
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rate["Statement"]["RateBasedStatement"]["Limit"] >= 100
    response = rate["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert {"Name": "Retry-After", "Value": "300"} in response["ResponseHeaders"]
    body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    answered = json.loads(body["Content"])
    assert set(answered) == {"error"} and set(answered["error"]) == {"code", "message"}
    assert answered["error"]["code"] == TooManyRequests.code
    assert answered == TooManyRequests(answered["error"]["message"]).body()  # what the app answers with a 429


def test_the_web_acl_is_associated_with_the_api_stage(template, translated):
    _, association = _one(template, "AWS::WAFv2::WebACLAssociation")
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("::/restapis/${RestAPI}/stages/${RestAPI.Stage}")
    # after the SAM transform, the reference is to the stage SAM creates, which therefore exists first
    stage = next(iter(resources_of(translated, "AWS::ApiGateway::Stage")))
    assert translated["Resources"]["WebAclAssociation"]["Properties"]["ResourceArn"]["Fn::Sub"].endswith(
        "/stages/${" + stage + "}"
    )


def test_the_api_stage_writes_access_logs_without_link_ids_through_the_account_role(template, translated):
    api = template["Resources"]["RestAPI"]
    setting = api["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    fields = json.loads(setting["Format"])
    assert {"requestId", "status", "resourcePath", "ip"} <= set(fields)
    assert "$context.path" not in setting["Format"]  # the path would hold approval link ids
    group = template["Resources"]["ApiAccessLogs"]["Properties"]
    assert group["RetentionInDays"] >= 365 and group["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    account = template["Resources"]["ApiGatewayAccount"]
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLoggingRole", "Arn"]}
    # the stage is created after the account's logging role is set (else API Gateway refuses the log)
    assert "ApiGatewayAccount" in translated["Resources"]["RestAPI"]["DependsOn"]
    (stage,) = resources_of(translated, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}


# -- operations -------------------------------------------------------------------------------------


def test_the_backup_plan_keeps_daily_backups_35_days_and_monthly_ones_a_year_of_every_table(template):
    _, plan = _one(template, "AWS::Backup::BackupPlan")
    rules = {rule["RuleName"]: rule for rule in plan["Properties"]["BackupPlan"]["BackupPlanRule"]}
    assert rules["Daily"]["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert rules["Daily"]["Lifecycle"] == {"DeleteAfterDays": 35}
    assert rules["Monthly"]["ScheduleExpression"] == "cron(0 3 1 * ? *)"
    assert rules["Monthly"]["Lifecycle"] == {"DeleteAfterDays": 365}
    vault_name, vault = _one(template, "AWS::Backup::BackupVault")
    assert vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert all(rule["TargetBackupVault"] == {"Ref": vault_name} for rule in rules.values())
    _, selection = _one(template, "AWS::Backup::BackupSelection")
    selected = {arn["Fn::GetAtt"][0] for arn in selection["Properties"]["BackupSelection"]["Resources"]}
    assert selected == set(resources_of(template, "AWS::DynamoDB::Table"))


def test_every_email_goes_through_a_configuration_set_that_suppresses_and_reports_bounces(template):
    from deploy.permissions import CALLS

    name, configuration_set = _one(template, "AWS::SES::ConfigurationSet")
    assert configuration_set["Properties"]["SuppressionOptions"] == {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}
    _, destination = _one(template, "AWS::SES::ConfigurationSetEventDestination")
    event = destination["Properties"]["EventDestination"]
    assert destination["Properties"]["ConfigurationSetName"] == {"Ref": name}
    assert event["Enabled"] is True and sorted(event["MatchingEventTypes"]) == ["bounce", "complaint"]
    topic = event["SnsDestination"]["TopicARN"]["Ref"]
    (policy,) = [
        p
        for p in resources_of(template, "AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": topic}]
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"} and statement["Action"] == "sns:Publish"
    subscribed = {
        json.dumps(s["Properties"]["Endpoint"])
        for s in resources_of(template, "AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": topic}
    }
    assert subscribed == {json.dumps({"Ref": "AdminEmail"})}
    key_statements = template["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s["Principal"] == {"Service": "ses.amazonaws.com"} for s in key_statements)  # the topic is encrypted
    # the sender names the set on every SendEmail, and may
    assert template["Globals"]["Function"]["Environment"]["Variables"]["SES_CONFIGURATION_SET"] == {"Ref": name}
    assert configuration_set["Properties"]["Name"] == "family-contact-prod"
    for function, calls in CALLS.items():
        if "ses:SendEmail" in calls:
            assert "configuration-set:sender" in calls["ses:SendEmail"], function


def _alarms(template: dict) -> list[dict]:
    return [a["Properties"] for a in resources_of(template, "AWS::CloudWatch::Alarm").values()]


def test_alarms_on_email_rates_table_throttles_api_p99_latency_and_failed_jobs(template):
    alarms = _alarms(template)
    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    by_metric = {(a.get("Namespace"), a.get("MetricName")): a for a in alarms if "MetricName" in a}
    assert 0 < by_metric[("AWS/SES", "Reputation.BounceRate")]["Threshold"] < 0.05
    assert 0 < by_metric[("AWS/SES", "Reputation.ComplaintRate")]["Threshold"] < 0.001
    latency = by_metric[("AWS/ApiGateway", "Latency")]
    assert latency["ExtendedStatistic"] == "p99" and latency["Threshold"] < 29_000
    assert by_metric[("AWS/SQS", "ApproximateNumberOfMessagesVisible")]["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailedJobsQueue", "QueueName"]}}
    ]
    throttled = set()
    for alarm in alarms:
        for metric in alarm.get("Metrics", []):
            stat = metric.get("MetricStat", {}).get("Metric", {})
            if stat.get("Namespace") == "AWS/DynamoDB":
                throttled.add((stat["MetricName"], stat["Dimensions"][0]["Value"]["Ref"]))
    tables = set(resources_of(template, "AWS::DynamoDB::Table"))
    assert throttled == {(m, t) for t in tables for m in ("ReadThrottleEvents", "WriteThrottleEvents")}


def test_one_dashboard_shows_the_api_functions_workflows_tables_email_and_the_web_acl(template):
    from app import app
    from deploy.naming import functions

    _, dashboard = _one(template, "AWS::CloudWatch::Dashboard")
    body = json.loads(dashboard["Properties"]["DashboardBody"]["Fn::Sub"])
    metrics = [m for widget in body["widgets"] for m in widget["properties"]["metrics"]]
    namespaces = {m[0] for m in metrics}
    assert {"AWS/ApiGateway", "AWS/Lambda", "AWS/States", "AWS/DynamoDB", "AWS/SES", "AWS/WAFV2"} <= namespaces
    shown = {m[3] for m in metrics if m[0] == "AWS/Lambda"}
    assert {"${" + fn.cfn_name + "}" for fn in functions(app)} <= shown
    referenced = {ref.strip("${}") for ref in shown}
    assert referenced <= set(template["Resources"])


def test_functions_are_sized_the_pdf_and_api_at_512_mb_and_the_api_under_29_seconds(template):
    from app import app
    from deploy.naming import functions

    for fn in functions(app):
        properties = template["Resources"][fn.cfn_name]["Properties"]
        assert properties["MemorySize"] >= 256, fn.name
        if fn.kind == "api":  # the API handler renders the PDFs too
            assert properties["MemorySize"] >= 512
            assert properties["Timeout"] < 29  # API Gateway answers 504 at 29 s
        else:
            assert properties["Timeout"] >= 60, fn.name


def test_each_scheduled_job_has_a_failure_destination_its_role_may_send_to(template):
    from app import app
    from deploy.naming import functions

    queue = template["Resources"]["FailedJobsQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    scheduled = [fn for fn in functions(app) if fn.kind == "schedule"]
    assert len(scheduled) >= 2
    for fn in scheduled:
        resource = template["Resources"][fn.cfn_name]
        assert resource["Properties"]["DeadLetterQueue"] == {
            "Type": "SQS",
            "TargetArn": {"Fn::GetAtt": ["FailedJobsQueue", "Arn"]},
        }
        role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = [
            s for p in template["Resources"][role]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]
        ]
        allowed = [s for s in statements if "sqs:SendMessage" in s["Action"]]
        assert [s["Resource"] for s in allowed] == [
            [{"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + queue["QueueName"]}]
        ], fn.name
    for fn in functions(app):
        if fn.kind != "schedule":
            assert "DeadLetterQueue" not in template["Resources"][fn.cfn_name]["Properties"], fn.name


def test_an_alarm_warns_before_the_sms_spend_limit_the_deployment_sets(template, monkeypatch):
    from deploy import deploy
    from deploy.template import SMS_MONTHLY_SPEND_LIMIT_USD

    by_metric = {(a.get("Namespace"), a.get("MetricName")): a for a in _alarms(template) if "MetricName" in a}
    spend = by_metric[("AWS/SNS", "SMSMonthToDateSpentUSD")]
    assert 0 < spend["Threshold"] < SMS_MONTHLY_SPEND_LIMIT_USD and spend["Statistic"] == "Maximum"

    # `make deploy` sets the limit itself (it is not a CloudFormation resource).
    called: list[tuple[str, ...]] = []
    monkeypatch.setattr(deploy, "_aws", lambda *args, capture=False: called.append(args) or "")
    deploy.set_sms_spend_limit()
    assert called == [
        (
            "sns",
            "set-sms-attributes",
            "--attributes",
            f"MonthlySpendLimit={SMS_MONTHLY_SPEND_LIMIT_USD},DefaultSMSType=Transactional",
        )
    ]
