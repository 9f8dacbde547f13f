"""What each Lambda function may call: the one map its IAM policy file is generated from.

`CALLS` names, per function (Chalice's name), the AWS actions its code calls and the symbolic
resources it calls them on. The test suite keeps it honest: `tests/aws_calls.py` records the
botocore calls each function's code makes under the embedded runtime, and `make test` fails
unless recorded and granted are the same set. `python -m deploy.permissions` (`make policies`)
writes `.chalice/policy-<stage>-<function>.json` and points `.chalice/config.json` at them.

Symbolic resources: `table:<suffix>`, `index:<suffix>/<index>`, `stateMachine:<workflow>`,
`execution:<workflow>`, `identity:sender` (the SES identity MailFrom sends as),
`configuration-set:sender` (the stage's SES configuration set every email names),
`queue:failed-jobs`, `phone-number` (an SMS sent straight to a number: SNS has no resource for
it, so the grant is every resource that is not a topic) and `*` for the task-token actions, which
IAM does not scope to a resource.

`ON_FAILURE` is what Lambda itself does with a function's role when the function fails: it sends
the failed event of a scheduled job to the dead-letter queue. No code calls it, so it is granted
beside `CALLS` and left out of the comparison with recorded calls.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chalicelib import config
from chalicelib.workflows.registry import WORKFLOWS
from deploy.naming import PACKAGED_STAGES

CHALICE_DIR = Path(__file__).resolve().parents[1] / ".chalice"

# Actions that act on data: never on a `*` resource (task tokens excepted, see above).
DATA_SERVICES = ("dynamodb", "ses", "states", "lambda", "kms", "sns", "sqs", "s3", "secretsmanager", "ssm")
TASK_TOKEN_ACTIONS = {"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}
# Every registered workflow's state machine and executions: started on the request path and by the
# recovery sweep, which also lists the running executions and reads how any other one stands.
STATE_MACHINES = [f"stateMachine:{name}" for name in sorted(WORKFLOWS)]
EXECUTIONS = [f"execution:{name}" for name in sorted(WORKFLOWS)]

CALLS: dict[str, dict[str, list[str]]] = {
    "api_handler": {
        "dynamodb:BatchGetItem": [
            "table:referrals",
            "table:report-versions",
            "table:reports",
            "table:visits",
            "table:workers",
        ],
        "dynamodb:ConditionCheckItem": ["table:referrals", "table:reports", "table:visits"],
        "dynamodb:DeleteItem": ["table:monthly-figures", "table:referral-drafts", "table:sessions"],
        "dynamodb:GetItem": [
            "table:approval-links",
            "table:family-links",
            "table:case-review-schedules",
            "table:clearances",
            "table:idempotency",
            "table:incidents",
            "table:monthly-figures",
            "table:referral-drafts",
            "table:referral-references",
            "table:referrals",
            "table:report-versions",
            "table:reports",
            "table:sessions",
            "table:visits",
            "table:worker-schedules",
            "table:workers",
        ],
        "dynamodb:PutItem": [
            "table:audit",
            "table:case-review-schedules",
            "table:case-reviews",
            "table:clearance-history",
            "table:clearances",
            "table:idempotency",
            "table:incidents",
            "table:monthly-figures",
            "table:owed-callbacks",
            "table:referral-drafts",
            "table:referral-references",
            "table:referrals",
            "table:report-versions",
            "table:reports",
            "table:sessions",
            "table:visits",
            "table:worker-emails",
            "table:workers",
        ],
        "dynamodb:Query": [
            "index:approval-links/by_subject",
            "index:audit/by_case",
            "index:audit/by_day",
            "index:case-review-schedules/by_due",
            "index:family-links/by_visit",
            "index:incidents/by_referral",
            "index:incidents/by_status",
            "index:incidents/by_visit",
            "index:referral-drafts/by_owner",
            "index:referrals/by_reference",
            "index:referrals/by_referrer",
            "index:referrals/by_status",
            "index:referrals/end_requests_waiting",
            "index:reports/by_status",
            "index:sessions/by_email",
            "index:visits/at_risk_unsent",
            "index:visits/by_month",
            "index:visits/by_referral",
            "index:visits/by_worker",
            "index:workers/by_email",
            "index:workers/directory",
            "table:audit",
            "table:case-reviews",
            "table:clearance-history",
            "table:clearances",
            "table:family-contacts",
            "table:family-reminders",
            "table:monthly-figures",
            "table:report-versions",
        ],
        "dynamodb:UpdateItem": [
            "table:approval-links",
            "table:family-contacts",
            "table:family-links",
            "table:family-reminders",
            "table:incidents",
            "table:monthly-figures",
            "table:referrals",
            "table:reports",
            "table:visits",
            "table:worker-schedules",
        ],
        "ses:SendEmail": ["configuration-set:sender", "identity:sender"],
        # A revision sent before the report's review kept its wait: is the review still running?
        "states:DescribeExecution": ["execution:report_review"],
        "states:SendTaskSuccess": ["*"],
        "states:StartExecution": STATE_MACHINES,
    },
    # Each workflow's steps function (the registry's `steps_function`): what its subject's steps call.
    "referral_workflow": {
        "dynamodb:ConditionCheckItem": ["table:referrals"],
        "dynamodb:GetItem": ["table:referrals"],
        "dynamodb:PutItem": ["table:approval-links", "table:audit"],
        "dynamodb:Query": ["index:approval-links/by_subject"],
        "dynamodb:UpdateItem": ["table:approval-links", "table:referrals"],
        "ses:SendEmail": ["configuration-set:sender", "identity:sender"],
    },
    "report_workflow": {
        "dynamodb:ConditionCheckItem": ["table:reports"],
        "dynamodb:GetItem": ["table:report-versions", "table:reports", "table:visits"],
        "dynamodb:PutItem": ["table:approval-links", "table:audit"],
        "dynamodb:Query": ["index:approval-links/by_subject"],
        "dynamodb:UpdateItem": ["table:approval-links", "table:reports", "table:visits"],
        "ses:SendEmail": ["configuration-set:sender", "identity:sender"],
    },
    "incident_workflow": {
        "dynamodb:ConditionCheckItem": ["table:incidents"],
        "dynamodb:GetItem": ["table:incidents"],
        "dynamodb:PutItem": ["table:approval-links", "table:audit"],
        "dynamodb:Query": ["index:approval-links/by_subject"],
        "dynamodb:UpdateItem": ["table:approval-links", "table:incidents", "table:monthly-figures"],
        "ses:SendEmail": ["configuration-set:sender", "identity:sender"],
    },
    "recover_workflows": {
        # With the visit cancellations a suspended or closed case still owes (`case_status`).
        "dynamodb:BatchGetItem": ["table:workers"],
        "dynamodb:ConditionCheckItem": ["table:referrals"],
        "dynamodb:DeleteItem": ["table:job-positions", "table:monthly-figures", "table:owed-callbacks"],
        "dynamodb:GetItem": ["table:job-positions", "table:referrals"],
        "dynamodb:PutItem": ["table:audit", "table:job-positions", "table:visits"],
        "dynamodb:Query": [
            "index:approval-links/by_subject",
            "index:incidents/by_status",
            "index:referrals/by_status",
            "index:referrals/cancellations_owed",
            "index:reports/by_status",
            "index:visits/by_referral",
            "table:owed-callbacks",
        ],
        "dynamodb:UpdateItem": ["table:monthly-figures", "table:referrals"],
        "ses:SendEmail": ["configuration-set:sender", "identity:sender"],
        "states:DescribeExecution": EXECUTIONS,
        "states:ListExecutions": STATE_MACHINES,
        "states:SendTaskSuccess": ["*"],
        "states:StartExecution": STATE_MACHINES,
    },
    "compliance_scan": {
        "dynamodb:BatchGetItem": ["table:workers"],
        "dynamodb:DeleteItem": ["table:monthly-figures"],
        "dynamodb:GetItem": ["table:compliance-ledger"],
        # The workforce: the tally in a status change's transaction, the marks of the visits it
        # flags or clears, and the snapshot the dashboard reads.
        "dynamodb:PutItem": ["table:audit", "table:compliance-ledger", "table:monthly-figures", "table:workers"],
        "dynamodb:Query": [
            "index:clearances/by_expiry_month",
            "index:compliance-ledger/by_day",
            "index:visits/at_risk_unsent",
            "index:visits/by_worker",
            "table:monthly-figures",
        ],
        "dynamodb:UpdateItem": ["table:compliance-ledger", "table:monthly-figures", "table:visits"],
        "ses:SendEmail": ["configuration-set:sender", "identity:sender"],
    },
    "case_reviews_due": {
        "dynamodb:BatchGetItem": ["table:referrals"],
        "dynamodb:PutItem": ["table:audit"],
        "dynamodb:Query": ["index:case-review-schedules/by_due"],
        "dynamodb:UpdateItem": ["table:case-review-schedules"],
        "ses:SendEmail": ["configuration-set:sender", "identity:sender"],
    },
    "family_reminders": {
        "dynamodb:BatchGetItem": [
            "table:family-contacts",
            "table:family-reminders",
            "table:referrals",
            "table:workers",
        ],
        "dynamodb:PutItem": ["table:audit", "table:family-links", "table:family-reminders"],
        "dynamodb:Query": ["index:visits/by_month"],
        "dynamodb:UpdateItem": ["table:family-contacts", "table:family-reminders", "table:monthly-figures"],
        "ses:SendEmail": ["configuration-set:sender", "identity:sender"],
        "sns:Publish": ["phone-number"],
    },
    # The one-off backfill of the dashboard's counters (run by hand, never scheduled).
    "dashboard_backfill": {
        "dynamodb:BatchGetItem": ["table:report-versions"],
        "dynamodb:BatchWriteItem": ["table:monthly-figures"],
        "dynamodb:Query": [
            "index:incidents/by_status",
            "index:referrals/by_status",
            "index:reports/by_status",
            "index:visits/by_referral",
            "index:workers/directory",
            "table:monthly-figures",
        ],
        "dynamodb:Scan": ["table:family-reminders", "table:monthly-figures", "table:visits"],
    },
    # The monthly digest to the admin: the month's counters, the workforce snapshot, its send marker.
    "dashboard_digest": {
        "dynamodb:GetItem": ["table:monthly-figures"],
        "dynamodb:PutItem": ["table:job-positions"],
        "dynamodb:Query": ["table:monthly-figures"],
        "dynamodb:UpdateItem": ["table:job-positions"],
        "ses:SendEmail": ["configuration-set:sender", "identity:sender"],
    },
    "email_events": {
        "dynamodb:GetItem": ["table:referrals"],
        "dynamodb:PutItem": ["table:audit", "table:idempotency"],
        "dynamodb:Query": ["table:family-reminders"],
        "dynamodb:UpdateItem": ["table:family-contacts", "table:family-reminders", "table:monthly-figures"],
    },
}

# Lambda sends a scheduled job's failed event to the dead-letter queue with the function's role.
FAILED_JOBS_QUEUE = "failed-jobs"
ON_FAILURE: dict[str, dict[str, list[str]]] = {
    "recover_workflows": {"sqs:SendMessage": [f"queue:{FAILED_JOBS_QUEUE}"]},
    "compliance_scan": {"sqs:SendMessage": [f"queue:{FAILED_JOBS_QUEUE}"]},
    "case_reviews_due": {"sqs:SendMessage": [f"queue:{FAILED_JOBS_QUEUE}"]},
    "family_reminders": {"sqs:SendMessage": [f"queue:{FAILED_JOBS_QUEUE}"]},
    "dashboard_digest": {"sqs:SendMessage": [f"queue:{FAILED_JOBS_QUEUE}"]},
}


def granted_calls() -> dict[str, set[str]]:
    """function -> {"<action> <resource>"}, the form `tests/aws_calls.py` records in."""
    return {
        function: {f"{action} {resource}" for action, resources in calls.items() for resource in resources}
        for function, calls in CALLS.items()
    }


def _arn(resource: str, stage: str) -> dict | str:
    if resource == "*":
        return "*"
    kind, _, name = resource.partition(":")
    prefix = f"{config.APP_NAME}-{stage}-"
    partition = "arn:${AWS::Partition}"
    where = "${AWS::Region}:${AWS::AccountId}"
    if kind == "table":
        return {"Fn::Sub": f"{partition}:dynamodb:{where}:table/{prefix}{name}"}
    if kind == "index":
        table, _, index = name.partition("/")
        return {"Fn::Sub": f"{partition}:dynamodb:{where}:table/{prefix}{table}/index/{index}"}
    if kind == "stateMachine":
        return {"Fn::Sub": f"{partition}:states:{where}:stateMachine:{prefix}{name}"}
    if kind == "execution":
        return {"Fn::Sub": f"{partition}:states:{where}:execution:{prefix}{name}:*"}
    if kind == "identity":
        return {"Fn::Sub": f"{partition}:ses:{where}:identity/${{MailIdentity}}"}
    if kind == "configuration-set":
        return {"Fn::Sub": f"{partition}:ses:{where}:configuration-set/{config.APP_NAME}-{stage}"}
    if kind == "queue":
        return {"Fn::Sub": f"{partition}:sqs:{where}:{prefix}{name}"}
    raise ValueError(f"Unknown symbolic resource {resource!r}")


def _statement_id(action: str) -> str:
    service, _, name = action.partition(":")
    return f"{service.capitalize()}{name}"


def policy(function: str, stage: str) -> dict:
    """The function's policy document: its calls, its own logs and traces, and the data key."""
    calls = CALLS.get(function, {}) | ON_FAILURE.get(function, {})
    statements = []
    by_resources: dict[tuple, list[str]] = {}
    for action, resources in sorted(calls.items()):
        by_resources.setdefault(tuple(sorted(resources)), []).append(action)
    for resources, actions in sorted(by_resources.items(), key=lambda item: item[1]):
        statement = {
            "Sid": _statement_id(actions[0]) + ("AndMore" if len(actions) > 1 else ""),
            "Effect": "Allow",
            "Action": sorted(actions),
        }
        if resources == ("phone-number",):
            # A text sent to a number names no resource: allowed on anything but a topic.
            statement["NotResource"] = [{"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}]
        else:
            statement["Resource"] = [_arn(resource, stage) for resource in resources]
        statements.append(statement)
    if any(action.startswith("dynamodb:") for action in calls):
        statements.append(
            {
                "Sid": "UseTheDataKeyThroughDynamoDB",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                "Resource": [{"Fn::GetAtt": ["DataKey", "Arn"]}],
                "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"}}},
            }
        )
    statements.append(
        {
            "Sid": "WriteItsOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                {
                    "Fn::Sub": f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{config.APP_NAME}-{stage}-{function}:*"
                }
            ],
        }
    )
    statements.append(
        {
            "Sid": "SendTraces",  # X-Ray has no resource-level permissions
            "Effect": "Allow",
            "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            "Resource": "*",
        }
    )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_file(function: str, stage: str) -> str:
    return f"policy-{stage}-{function}.json"


def generated(functions: list[str]) -> dict[Path, str]:
    """Every file `make policies` writes, with its text: a policy file per packaged stage and
    function, and `.chalice/config.json` pointing each stage's functions (exactly these) at them."""
    config_path = CHALICE_DIR / "config.json"
    chalice_config = json.loads(config_path.read_text(encoding="utf-8"))
    files = {}
    for stage in PACKAGED_STAGES:
        entries = chalice_config["stages"][stage].setdefault("lambda_functions", {})
        for stale in set(entries) - set(functions):
            del entries[stale]
        for function in functions:
            path = CHALICE_DIR / policy_file(function, stage)
            files[path] = json.dumps(policy(function, stage), indent=2) + "\n"
            entries.setdefault(function, {})["iam_policy_file"] = path.name
    files[config_path] = json.dumps(chalice_config, indent=2) + "\n"
    return files


def write(functions: list[str]) -> list[Path]:
    """Write every policy file and point `.chalice/config.json` at them; returns the files."""
    files = generated(functions)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)


def main() -> int:
    from app import app
    from deploy.naming import functions

    for path in write([fn.name for fn in functions(app)]):
        print(path.relative_to(CHALICE_DIR.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
