"""`make deploy`: the packaged template into an AWS account, through the AWS CLI of `.venv-deploy`.

Runs `aws cloudformation package` (uploads the zip to BUCKET and rewrites CodeUri) and
`aws cloudformation deploy --s3-bucket BUCKET`, which uploads the template there too: the template
is far above the 51,200 bytes CloudFormation takes inline. A first create that failed and rolled
back (ROLLBACK_COMPLETE) cannot be updated: the stack is deleted first, and since the data keeps
`RetainExceptOnCreate` nothing of that failed create is left to clash with the retry. Without a
custom domain or PublicBaseUrl, the pages' address is only known once the API exists: the first
deploy is followed by a second that sets PublicBaseUrl to the stack's EndpointURL output (without
its trailing slash), so links, emails and the sign-in callback use it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from deploy.package import ROOT, build_dir

# CloudFormation takes a template inline (TemplateBody) up to this many bytes; a larger one only
# from S3 (TemplateURL), which `aws cloudformation deploy --s3-bucket` uploads it to.
TEMPLATE_BODY_LIMIT = 51_200
# Outputs of a stack that was never given its address (the template's default).
UNSET_PUBLIC_BASE_URL = "https://localhost"


def aws_cli() -> str:
    """The project's own AWS CLI (`.venv-deploy`, made by `make install`), else the one on PATH."""
    own = ROOT / ".venv-deploy" / "bin" / "aws"
    if own.exists():
        return str(own)
    found = shutil.which("aws")
    if not found:
        raise SystemExit("no AWS CLI: `make install` puts one in .venv-deploy")
    return found


def _aws(*args: str, capture: bool = False) -> str:
    print("+ aws " + " ".join(shlex.quote(a) for a in args), flush=True)
    result = subprocess.run([aws_cli(), *args], check=True, text=True, capture_output=capture)
    return result.stdout if capture else ""


def stack_status(stack: str) -> str | None:
    """The stack's status, or None when there is no such stack."""
    result = subprocess.run(
        [aws_cli(), "cloudformation", "describe-stacks", "--stack-name", stack, "--output", "json"],
        text=True,
        capture_output=True,
    )
    if result.returncode != 0:
        if "does not exist" in result.stderr:
            return None
        raise SystemExit(result.stderr.strip())
    return json.loads(result.stdout)["Stacks"][0]["StackStatus"]


def outputs(stack: str) -> dict[str, str]:
    described = json.loads(
        _aws("cloudformation", "describe-stacks", "--stack-name", stack, "--output", "json", capture=True)
    )
    return {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0].get("Outputs", [])}


def package_template(template: Path, stack: str, bucket: str) -> Path:
    """`aws cloudformation package`: the zip uploaded to the bucket, the template naming it."""
    packaged = template.with_name("packaged.json")
    _aws(
        "cloudformation", "package",
        "--template-file", str(template),
        "--s3-bucket", bucket,
        "--s3-prefix", stack,
        "--output-template-file", str(packaged),
        "--use-json",
    )  # fmt: skip
    return packaged


def deploy_command(template: Path, stack: str, bucket: str, overrides: list[str]) -> list[str]:
    """`aws cloudformation deploy` with the template passed through the bucket, whatever its size."""
    command = [
        "cloudformation", "deploy",
        "--template-file", str(template),
        "--stack-name", stack,
        "--s3-bucket", bucket,
        "--s3-prefix", stack,
        "--capabilities", "CAPABILITY_IAM",
        "--no-fail-on-empty-changeset",
    ]  # fmt: skip
    if overrides:
        command += ["--parameter-overrides", *overrides]
    return command


def clear_failed_create(stack: str) -> None:
    """A stack whose first create rolled back can only be deleted; its data went with the rollback."""
    if stack_status(stack) == "ROLLBACK_COMPLETE":
        print(f"{stack}: the first create failed and rolled back; deleting it before creating it again")
        _aws("cloudformation", "delete-stack", "--stack-name", stack)
        _aws("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack)


def set_sms_spend_limit(limit_usd: int | None = None) -> None:
    """The account's monthly SMS spend limit (not a CloudFormation resource): SNS sends no text past
    it. Reminders go as transactional texts (delivered first, never held back as marketing)."""
    from deploy.template import SMS_MONTHLY_SPEND_LIMIT_USD

    limit = SMS_MONTHLY_SPEND_LIMIT_USD if limit_usd is None else limit_usd
    _aws("sns", "set-sms-attributes", "--attributes", f"MonthlySpendLimit={limit},DefaultSMSType=Transactional")


def deploy(
    stage: str,
    stack: str,
    bucket: str,
    parameters: list[str],
    template: Path | None = None,
    prepare: Callable[[Path], None] | None = None,
) -> dict[str, str]:
    """Package, deploy, and deploy again with PublicBaseUrl when the stack had no address; returns
    the stack's outputs. `prepare` may rewrite the packaged template in place before it is deployed
    (the tests' rehearsal turns it into what moto can create)."""
    if not bucket:
        raise SystemExit("BUCKET=<an S3 bucket for the deployment artifacts> is needed")
    packaged = package_template(template or build_dir(stage) / "package" / "sam.json", stack, bucket)
    if prepare:
        prepare(packaged)
    clear_failed_create(stack)
    _aws(*deploy_command(packaged, stack, bucket, parameters))
    set_sms_spend_limit()
    given = {p.split("=", 1)[0] for p in parameters}
    found = outputs(stack)
    if not given & {"PublicBaseUrl", "CustomDomainName"} and found.get("PublicBaseUrl") == UNSET_PUBLIC_BASE_URL:
        address = found["EndpointURL"].rstrip("/")
        _aws(*deploy_command(packaged, stack, bucket, [*parameters, f"PublicBaseUrl={address}"]))
        found = outputs(stack)
    for key, value in sorted(found.items()):
        print(f"{key}: {value}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--bucket", default="")
    parser.add_argument("--parameters", default="", help="Key=Value pairs separated by spaces")
    args = parser.parse_args(argv)
    deploy(args.stage, args.stack, args.bucket, shlex.split(args.parameters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
