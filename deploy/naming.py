"""The names the deployment gives things: Chalice's functions, tables, state machines, ARNs."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import config

API_HANDLER = "api_handler"
PACKAGED_STAGES = ("dev", "prod")


@dataclass(frozen=True)
class Function:
    name: str  # the Chalice name: api_handler, a lambda_function's or a schedule's name
    kind: str  # "api", "lambda", "schedule" or "sns" (subscribed to a topic)

    @property
    def cfn_name(self) -> str:
        """The logical id Chalice's SAM template gives this function."""
        from chalice.utils import to_cfn_resource_name

        return "APIHandler" if self.kind == "api" else to_cfn_resource_name(self.name)

    @property
    def log_group_cfn_name(self) -> str:
        """Chalice's log group of the function (declared when the stage sets log_retention_in_days)."""
        from chalice.utils import to_cfn_resource_name

        return f"{to_cfn_resource_name(self.name)}LogGroup"

    @property
    def role_cfn_name(self) -> str:
        from chalice.utils import to_cfn_resource_name

        return f"{to_cfn_resource_name(self.name)}Role"

    @property
    def subscription_cfn_name(self) -> str:
        """The SAM event of an "sns" function: Chalice names it after `<name>-sns-subscription`."""
        from chalice.utils import to_cfn_resource_name

        return to_cfn_resource_name(f"{self.name}-sns-subscription")


def functions(app) -> list[Function]:
    """Every Lambda function Chalice packages for the app, in a stable order."""
    found = [Function(API_HANDLER, "api")] if app.routes else []
    found += [Function(fn.name, "lambda") for fn in app.pure_lambda_functions]
    found += [
        Function(source.name, "schedule") for source in app.event_sources if hasattr(source, "schedule_expression")
    ]
    found += [Function(source.name, "sns") for source in app.event_sources if hasattr(source, "topic")]
    return found


def cfn_name(text: str) -> str:
    """`approval-links` or `referral_review` -> `ApprovalLinks`, `ReferralReview`."""
    return "".join(part.capitalize() for part in text.replace("-", "_").split("_"))


def table_suffix(table_name: str, stage: str) -> str:
    prefix = f"{config.APP_NAME}-{stage}-"
    return table_name[len(prefix) :] if table_name.startswith(prefix) else table_name


def state_machine_name(workflow: str, stage: str) -> str:
    """Fixed, so every function's ARN variable is built without a reference to the machine."""
    return f"{config.APP_NAME}-{stage}-{workflow}"


def state_machine_arn(workflow: str, stage: str) -> dict:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:"
        + state_machine_name(workflow, stage)
    }
