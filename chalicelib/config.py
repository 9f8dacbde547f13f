"""Settings of the running stage, read once from the environment `.chalice/config.json` sets.

`settings()` reads them through pydantic-settings, imported on first use: `import app` stays
cheap. `stage()`, `table_name()` and `function_name()` are plain reads, usable at import time.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

APP_NAME = "family-contact"
LOCAL_STAGE = "local"
EMAIL_EVENTS_TOPIC = "email-events"  # Chalice's name of the SES events topic; the template refers to the real one
DEFAULT_STAGE = "prod"


def stage() -> str:
    # Local only when asked for: a deployment that forgot FCS_STAGE must not expose /dev routes.
    return os.environ.get("FCS_STAGE") or DEFAULT_STAGE


def table_name(suffix: str) -> str:
    """Table names are fixed per stage so PynamoDB models can name them at import time."""
    return f"{APP_NAME}-{stage()}-{suffix}"


def state_machine_arn_variable(workflow: str) -> str:
    """The environment variable holding a workflow's state machine ARN: `<WORKFLOW>_STATE_MACHINE_ARN`."""
    return f"{workflow.upper()}_STATE_MACHINE_ARN"


def function_name(handler: str) -> str:
    """The deployed name Chalice gives a `@app.lambda_function(name=handler)`."""
    return f"{APP_NAME}-{stage()}-{handler}"


def tracing_enabled() -> bool:
    """Whether handlers are traced to X-Ray (Powertools' Tracer): only inside Lambda in a deployed
    stage, unless POWERTOOLS_TRACE_DISABLED is true there. Never in the local stage (the embedded
    runtime and the tests) nor outside Lambda: there the X-Ray SDK is neither loaded nor needed."""
    if stage() == LOCAL_STAGE or not os.environ.get("LAMBDA_TASK_ROOT"):
        return False
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() not in {"1", "true", "t", "yes", "y", "on"}


@lru_cache(maxsize=1)
def _settings_model() -> type[BaseSettings]:
    """The settings model; each field is read from the upper-case variable of its name unless
    an alias says otherwise. An empty variable counts as unset."""
    from pydantic import AliasChoices, Field, field_validator
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class Settings(BaseSettings):
        model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, extra="ignore")

        stage: str = Field(DEFAULT_STAGE, validation_alias="FCS_STAGE")
        region: str = Field("eu-west-2", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
        public_base_url: str = "http://127.0.0.1:8000"
        mail_from: str = "Family Contact Service <no-reply@familycontact.example>"
        duty_supervisor_email: str = "supervisor@familycontact.example"
        admin_email: str = "admin@familycontact.example"
        hr_email: str = "hr@familycontact.example"
        # The monitored inbox replies go to: mail_from is a no-reply address.
        reply_to: str = Field("office@familycontact.example", validation_alias="REPLY_TO_EMAIL")
        # The SES configuration set every email is sent with: bounces and complaints are published
        # to the stage's topic and the address suppressed. The deployment names it `<app>-<stage>`.
        ses_configuration_set: str = f"{APP_NAME}-{LOCAL_STAGE}"
        jwt_issuer: str = "family-contact-local"
        jwt_audience: str = "family-contact-web"
        jwks_url: str = ""
        cognito_domain: str = ""
        local_jwt_public_key_path: str = ""
        approval_link_ttl_seconds: int = 7 * 24 * 3600
        max_body_bytes: int = 256 * 1024
        # A case is reviewed this many months after its first visit, then after each review; the
        # supervisors are reminded from this many days before the due day (and while overdue).
        case_review_period_months: int = Field(3, ge=1, le=24)
        case_review_reminder_days: int = Field(14, ge=0, le=90)
        # Each family member who agreed is reminded this many hours before a visit; one run of the
        # hourly job sends at most this many reminders (the rest go in the next run).
        family_reminder_lead_hours: int = Field(48, ge=1, le=168)
        family_reminder_max_sends: int = Field(200, ge=1, le=2000)

        @field_validator("public_base_url", "cognito_domain")
        @classmethod
        def _no_trailing_slash(cls, value: str) -> str:
            return value.rstrip("/")

        @property
        def is_local(self) -> bool:
            return self.stage == LOCAL_STAGE

        def state_machine_arn(self, workflow: str) -> str:
            """The ARN of one workflow's state machine, as the deployment gives it to every function."""
            return os.environ.get(state_machine_arn_variable(workflow), "")

    return Settings


def _variable(model: type[BaseSettings], field: str) -> str:
    """The environment variable a field is read from (the first, when it has several)."""
    alias = model.model_fields[field].validation_alias
    choices = getattr(alias, "choices", None)
    return str(choices[0] if choices else alias or field).upper()


@lru_cache(maxsize=1)
def settings() -> BaseSettings:
    """The stage's settings, read once (tests that change the environment call `settings.cache_clear()`)."""
    from pydantic import ValidationError

    model = _settings_model()
    try:
        return model()
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            name = _variable(model, str(error["loc"][0]))
            if error["type"].startswith("int_"):
                problems.append(f"{name} must be a whole number, got {error['input']!r}")
            else:
                problems.append(f"{name}: {error['msg']}")
        raise ValueError("; ".join(problems)) from None
