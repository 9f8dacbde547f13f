"""Settings of the running stage, read once from the environment `.chalice/config.json` sets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

APP_NAME = "family-contact"
LOCAL_STAGE = "local"


def stage() -> str:
    # Local only when asked for: a deployment that forgot FCS_STAGE must not expose /dev routes.
    return os.environ.get("FCS_STAGE") or "prod"


def table_name(suffix: str) -> str:
    """Table names are fixed per stage so PynamoDB models can name them at import time."""
    return f"{APP_NAME}-{stage()}-{suffix}"


def state_machine_arn_variable(workflow: str) -> str:
    """The environment variable holding a workflow's state machine ARN: `<WORKFLOW>_STATE_MACHINE_ARN`."""
    return f"{workflow.upper()}_STATE_MACHINE_ARN"


def function_name(handler: str) -> str:
    """The deployed name Chalice gives a `@app.lambda_function(name=handler)`."""
    return f"{APP_NAME}-{stage()}-{handler}"


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    public_base_url: str
    mail_from: str
    duty_supervisor_email: str
    admin_email: str
    hr_email: str
    jwt_issuer: str
    jwt_audience: str
    jwks_url: str
    cognito_domain: str
    local_jwt_public_key_path: str
    approval_link_ttl_seconds: int
    max_body_bytes: int

    @property
    def is_local(self) -> bool:
        return self.stage == LOCAL_STAGE

    def state_machine_arn(self, workflow: str) -> str:
        """The ARN of one workflow's state machine, as the deployment gives it to every function."""
        return os.environ.get(state_machine_arn_variable(workflow), "")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ.get
    return Settings(
        stage=stage(),
        region=env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "eu-west-2",
        public_base_url=env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        mail_from=env("MAIL_FROM", "Family Contact Service <no-reply@familycontact.example>"),
        duty_supervisor_email=env("DUTY_SUPERVISOR_EMAIL", "supervisor@familycontact.example"),
        admin_email=env("ADMIN_EMAIL", "admin@familycontact.example"),
        hr_email=env("HR_EMAIL", "hr@familycontact.example"),
        jwt_issuer=env("JWT_ISSUER", "family-contact-local"),
        jwt_audience=env("JWT_AUDIENCE", "family-contact-web"),
        jwks_url=env("JWKS_URL", ""),
        cognito_domain=env("COGNITO_DOMAIN", "").rstrip("/"),
        local_jwt_public_key_path=env("LOCAL_JWT_PUBLIC_KEY_PATH", ""),
        approval_link_ttl_seconds=_int("APPROVAL_LINK_TTL_SECONDS", 7 * 24 * 3600),
        max_body_bytes=_int("MAX_BODY_BYTES", 256 * 1024),
    )
