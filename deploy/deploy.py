"""`make deploy`: the packaged template into a real AWS account (never run by the tests or CI).

Runs `aws cloudformation package` (uploads the zip to BUCKET and rewrites CodeUri) and
`aws cloudformation deploy`. Without a custom domain or PublicBaseUrl, the pages' address is
only known once the API exists: the first deploy is followed by a second that sets PublicBaseUrl
to the stack's EndpointURL output (without its trailing slash), so links, emails and the sign-in
callback use it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys

from deploy.package import build_dir


def _aws(*args: str, capture: bool = False) -> str:
    print("+ aws " + " ".join(shlex.quote(a) for a in args), flush=True)
    result = subprocess.run(["aws", *args], check=True, text=True, capture_output=capture)
    return result.stdout if capture else ""


def _outputs(stack: str) -> dict[str, str]:
    described = json.loads(
        _aws("cloudformation", "describe-stacks", "--stack-name", stack, "--output", "json", capture=True)
    )
    return {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0].get("Outputs", [])}


def deploy(stage: str, stack: str, bucket: str, parameters: list[str]) -> None:
    if not bucket:
        raise SystemExit("BUCKET=<an S3 bucket for the deployment artifacts> is needed")
    package = build_dir(stage) / "package"
    packaged = package / "packaged.json"
    _aws(
        "cloudformation", "package",
        "--template-file", str(package / "sam.json"),
        "--s3-bucket", bucket,
        "--s3-prefix", stack,
        "--output-template-file", str(packaged),
        "--use-json",
    )  # fmt: skip

    def run(overrides: list[str]) -> None:
        _aws(
            "cloudformation", "deploy",
            "--template-file", str(packaged),
            "--stack-name", stack,
            "--capabilities", "CAPABILITY_IAM",
            "--no-fail-on-empty-changeset",
            "--parameter-overrides", *overrides,
        )  # fmt: skip

    run(parameters)
    given = {p.split("=", 1)[0] for p in parameters}
    outputs = _outputs(stack)
    if not given & {"PublicBaseUrl", "CustomDomainName"} and outputs.get("PublicBaseUrl") == "https://localhost":
        run([*parameters, f"PublicBaseUrl={outputs['EndpointURL'].rstrip('/')}"])
        outputs = _outputs(stack)
    for key, value in sorted(outputs.items()):
        print(f"{key}: {value}")


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
