"""The packaged template, built once per test session (per xdist worker), and the tools that judge it.

cfn-lint, aws-sam-translator and checkov live in `.venv-deploy` (the Makefile makes it): their
pins conflict with the service's. Without it a local run skips these tests; under CI they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_VENV = ROOT / ".venv-deploy" / "bin"
STAGE = "prod"


def deploy_tool(name: str) -> Path:
    path = DEPLOY_VENV / name
    if not path.exists():
        message = f"{path.relative_to(ROOT)} is missing: `make install` creates .venv-deploy"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory) -> Path:
    """`make package STAGE=prod`, once: the folder holding sam.json and deployment.zip."""
    from deploy.package import package

    return package(STAGE, tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="session")
def template(package_dir) -> dict:
    return json.loads((package_dir / "sam.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def translated(package_dir) -> dict:
    """The template as plain CloudFormation, as the SAM transform turns it in AWS."""
    target = package_dir / "cloudformation.json"
    subprocess.run(
        [str(deploy_tool("python")), str(ROOT / "deploy" / "translate.py"), str(package_dir / "sam.json"), str(target)],
        check=True,
    )
    return json.loads(target.read_text(encoding="utf-8"))


def resources_of(template: dict, kind: str) -> dict[str, dict]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == kind}
