"""SAM template -> plain CloudFormation, as the SAM transform does in AWS (run in .venv-deploy).

`python deploy/translate.py sam.json cfn.json`. Every role in the template is explicit, so no
managed policy is looked up and no AWS credentials are needed.
"""

from __future__ import annotations

import json
import os
import sys


class NoManagedPolicies:
    def load(self) -> dict:
        return {}


REHEARSAL_CODE_URI = "s3://rehearsal-artifacts/deployment.zip"


def translate(template: dict, region: str = "eu-west-2") -> dict:
    """The functions' local `CodeUri` becomes an S3 one, as `aws cloudformation package` makes it."""
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    from samtranslator.translator.transform import transform

    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and not str(properties.get("CodeUri", "")).startswith(
            "s3://"
        ):
            properties["CodeUri"] = REHEARSAL_CODE_URI
    return transform(template, {"AWS::Region": region}, NoManagedPolicies())


def main(argv: list[str]) -> int:
    source, target = argv
    with open(source, encoding="utf-8") as f:
        template = json.load(f)
    with open(target, "w", encoding="utf-8") as f:
        json.dump(translate(template), f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
