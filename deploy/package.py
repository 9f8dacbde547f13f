"""`make package STAGE=prod`: one SAM template and the deployment zip, in build/<stage>/package/.

Writes the merge template (deploy/template.py) and runs `chalice package --merge-template`.
Chalice builds the zip from requirements.txt; it keeps its wheel cache under .chalice/deployments
(ignored by git), so a second run reuses it and needs no network. boto3, botocore and s3transfer
are taken out of the zip afterwards: Lambda's Python runtime ships them, and no feature here needs
a newer one (PynamoDB pulls botocore in as a dependency).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")


def build_dir(stage: str) -> Path:
    return ROOT / "build" / stage


def write_merge_template(stage: str, folder: Path) -> Path:
    """In a child process, so the models are imported with the packaged stage's table names."""
    path = folder / "merge.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    code = (
        "import json, sys\n"
        "from app import app\n"
        "from deploy.template import build\n"
        f"json.dump(build(app, {stage!r}), sys.stdout, indent=1, sort_keys=True)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_env(stage), check=True, capture_output=True, text=True
    ).stdout
    path.write_text(output, encoding="utf-8")
    return path


def _env(stage: str) -> dict:
    env = dict(os.environ, FCS_STAGE=stage)
    env.setdefault("AWS_DEFAULT_REGION", "eu-west-2")  # chalice package asks for one; the template uses AWS::Region
    return env


def strip_runtime_provided(zip_path: Path) -> None:
    kept = zip_path.with_suffix(".tmp")
    with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(kept, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            top = item.filename.split("/", 1)[0]
            package = top.split("-", 1)[0] if top.endswith((".dist-info", ".data")) else top
            if package in RUNTIME_PROVIDED:
                continue
            target.writestr(item, source.read(item.filename))
    kept.replace(zip_path)


def package(stage: str, folder: Path | None = None) -> Path:
    """Build the template and zip; returns the folder holding sam.json and deployment.zip."""
    folder = folder or build_dir(stage)
    merge = write_merge_template(stage, folder)
    out = folder / "package"
    shutil.rmtree(out, ignore_errors=True)
    chalice = Path(sys.executable).with_name("chalice")
    # One packaging at a time: Chalice's wheel cache under .chalice/deployments is shared.
    with _lock():
        _chalice_package(chalice, stage, merge, out)
    strip_runtime_provided(out / "deployment.zip")
    template = json.loads((out / "sam.json").read_text(encoding="utf-8"))
    (out / "sam.json").write_text(json.dumps(template, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out


@contextmanager
def _lock():
    import fcntl

    path = ROOT / "build" / ".package.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _chalice_package(chalice: Path, stage: str, merge: Path, out: Path) -> None:
    subprocess.run(
        [str(chalice), "package", "--stage", stage, "--merge-template", str(merge), str(out)],
        cwd=ROOT,
        env=_env(stage),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args(argv)
    out = package(args.stage)
    print(f"{out.relative_to(ROOT)}/sam.json and deployment.zip written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
