"""The permissions map the policy files come from, and the comparison `make test --aws-calls` makes."""

from __future__ import annotations

from tests.aws_calls import actions, compare


def test_every_packaged_function_has_an_entry_in_the_permissions_map():
    from app import app
    from deploy.naming import functions
    from deploy.permissions import CALLS

    assert {fn.name for fn in functions(app)} == set(CALLS)


def test_the_committed_policy_files_and_chalice_config_are_what_make_policies_writes():
    # Derived from the registry and the app's functions: a new workflow's function gets its
    # policy file and its `lambda_functions` entry from `make policies`, never by hand.
    from app import app
    from deploy.naming import functions
    from deploy.permissions import CHALICE_DIR, generated

    files = generated([fn.name for fn in functions(app)])
    for path, text in files.items():
        assert path.exists() and path.read_text(encoding="utf-8") == text, f"run `make policies`: {path.name}"
    assert set(CHALICE_DIR.glob("policy-*.json")) == {p for p in files if p.name.startswith("policy-")}


def test_a_transaction_needs_the_single_item_action_of_each_part():
    params = {
        "TransactItems": [
            {"Put": {"TableName": "family-contact-local-audit"}},
            {"Update": {"TableName": "family-contact-local-referrals"}},
            {"ConditionCheck": {"TableName": "family-contact-local-approval-links"}},
        ]
    }
    assert actions("dynamodb", "TransactWriteItems", params) == [
        ("dynamodb:PutItem", "table:audit"),
        ("dynamodb:UpdateItem", "table:referrals"),
        ("dynamodb:ConditionCheckItem", "table:approval-links"),
    ]


def test_a_query_on_an_index_needs_the_index():
    params = {"TableName": "family-contact-local-referrals", "IndexName": "by_status"}
    assert actions("dynamodb", "Query", params) == [("dynamodb:Query", "index:referrals/by_status")]


def test_a_call_not_granted_and_a_grant_never_used_are_both_reported():
    granted = {"api_handler": {"dynamodb:GetItem table:referrals", "dynamodb:DeleteItem table:referrals"}}
    recorded = {"api_handler": {"dynamodb:GetItem table:referrals", "ses:SendEmail identity:sender"}}
    assert compare(granted, recorded) == [
        "api_handler: calls ses:SendEmail identity:sender but its policy does not allow it",
        "api_handler: allowed dynamodb:DeleteItem table:referrals but no test's code called it",
    ]
    assert compare(granted, {"api_handler": set(granted["api_handler"])}) == []


def test_no_data_action_in_the_map_is_granted_on_every_resource():
    from deploy.permissions import CALLS, TASK_TOKEN_ACTIONS

    for function, calls in CALLS.items():
        for action, resources in calls.items():
            assert action in TASK_TOKEN_ACTIONS or "*" not in resources, (function, action)


def test_an_email_sent_through_a_configuration_set_needs_the_set_as_well_as_the_identity():
    params = {"FromEmailAddress": "Family Contact <no-reply@x.example>", "ConfigurationSetName": "family-contact-local"}
    assert actions("ses", "SendEmail", params) == [
        ("ses:SendEmail", "identity:sender"),
        ("ses:SendEmail", "configuration-set:sender"),
    ]


def test_lambda_s_own_sends_to_the_failed_jobs_queue_are_granted_but_not_compared_with_recorded_calls():
    from deploy.permissions import ON_FAILURE, granted_calls, policy

    assert set(ON_FAILURE) == {
        "recover_workflows",
        "compliance_scan",
        "case_reviews_due",
        "family_reminders",
        "dashboard_digest",
    }
    assert not [call for calls in granted_calls().values() for call in calls if call.startswith("sqs:")]
    for function in ON_FAILURE:
        actions_granted = {a for s in policy(function, "prod")["Statement"] for a in s["Action"]}
        assert "sqs:SendMessage" in actions_granted
