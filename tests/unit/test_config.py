"""Unit tests for the stage's settings: names of the variables, defaults and a clear error for bad values."""

from __future__ import annotations

import pytest

from chalicelib import config

VARIABLES = (
    "FCS_STAGE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "PUBLIC_BASE_URL",
    "MAX_BODY_BYTES",
    "APPROVAL_LINK_TTL_SECONDS",
    "REFERRAL_REVIEW_STATE_MACHINE_ARN",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    config.settings.cache_clear()
    yield
    config.settings.cache_clear()


def test_without_variables_the_stage_is_prod_with_its_defaults() -> None:
    s = config.settings()
    assert (s.stage, s.is_local, s.region, s.max_body_bytes) == ("prod", False, "eu-west-2", 256 * 1024)


def test_each_setting_is_read_from_its_variable(monkeypatch) -> None:
    monkeypatch.setenv("FCS_STAGE", "local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://contact.example/")
    monkeypatch.setenv("MAX_BODY_BYTES", "1024")
    s = config.settings()
    assert (s.stage, s.is_local, s.region, s.public_base_url, s.max_body_bytes) == (
        "local",
        True,
        "eu-west-1",
        "https://contact.example",
        1024,
    )


def test_aws_region_wins_over_the_default_region(monkeypatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert config.settings().region == "us-east-1"


def test_an_empty_variable_counts_as_unset(monkeypatch) -> None:
    monkeypatch.setenv("FCS_STAGE", "")
    monkeypatch.setenv("MAX_BODY_BYTES", "")
    assert (config.stage(), config.settings().stage, config.settings().max_body_bytes) == ("prod", "prod", 256 * 1024)


def test_settings_are_read_once_until_the_cache_is_cleared(monkeypatch) -> None:
    first = config.settings()
    monkeypatch.setenv("MAX_BODY_BYTES", "10")
    assert config.settings() is first
    config.settings.cache_clear()
    assert config.settings().max_body_bytes == 10


@pytest.mark.parametrize("raw", ["ten", "1.5", "0x10"])
def test_a_number_that_is_not_whole_names_its_variable(monkeypatch, raw) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", raw)
    with pytest.raises(ValueError, match=f"MAX_BODY_BYTES must be a whole number, got '{raw}'"):
        config.settings()


def test_a_workflows_state_machine_arn_is_read_from_its_own_variable(monkeypatch) -> None:
    monkeypatch.setenv("REFERRAL_REVIEW_STATE_MACHINE_ARN", "arn:aws:states:eu-west-2:1:stateMachine:review")
    monkeypatch.delenv("REPORT_REVIEW_STATE_MACHINE_ARN", raising=False)  # set while a runtime runs
    s = config.settings()
    assert s.state_machine_arn("referral_review") == "arn:aws:states:eu-west-2:1:stateMachine:review"
    assert s.state_machine_arn("report_review") == ""


def test_names_follow_the_stage(monkeypatch) -> None:
    monkeypatch.setenv("FCS_STAGE", "dev")
    assert config.table_name("workers") == "family-contact-dev-workers"
    assert config.function_name("referral_workflow") == "family-contact-dev-referral_workflow"


def test_tracing_is_on_only_inside_lambda_in_a_deployed_stage(monkeypatch) -> None:
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    assert not config.tracing_enabled()  # prod, but not in Lambda: a script, the bench, a test

    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    assert config.tracing_enabled()

    monkeypatch.setenv("FCS_STAGE", "local")
    assert not config.tracing_enabled()


@pytest.mark.parametrize(("switch", "traced"), [("true", False), ("1", False), ("false", True), ("", True)])
def test_powertools_switch_turns_tracing_off_in_a_deployed_function(monkeypatch, switch, traced) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", switch)
    assert config.tracing_enabled() is traced
