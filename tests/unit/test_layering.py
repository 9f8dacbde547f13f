"""The local runtime stays outside what ships: `app.py` and `chalicelib/` never import `local/`,
and the dev routes reach the app only through `local.dev_routes.register`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import json_printed_by

ROOT = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_nothing_that_ships_imports_the_local_package():
    shipped = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    arrows = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in shipped
        for module in sorted(_imported_modules(path))
        if module == "local" or module.startswith("local.")
    ]
    assert arrows == []
    assert not (ROOT / "chalicelib" / "local").exists()
    assert not (ROOT / "chalicelib" / "api" / "dev.py").exists()


def _routes_after(code: str, stage: str) -> dict:
    program = (
        "import json\n"
        "from app import app\n"
        "before = sorted(app.routes)\n"
        f"{code}\n"
        "print(json.dumps({'before': before, 'after': {p: sorted({e.view_function.__module__ for e in m.values()}) "
        "for p, m in app.routes.items()}}))\n"
    )
    return json_printed_by(program, stage)


def test_register_adds_the_dev_routes_and_demo_sign_in_once_to_the_local_app():
    seen = _routes_after(
        "from local.dev_routes import register\nregister(app)\nregister(app)  # a second call changes nothing",
        "local",
    )
    # app.py alone: neither the dev routes nor any sign-in (the hosted one is for the deployed stages)
    assert not [path for path in seen["before"] if path.startswith(("/dev", "/signin", "/signout"))]
    after = seen["after"]
    for path in ("/dev/outbox", "/dev/token", "/dev/jobs/{name}", "/signin", "/signout"):
        assert after[path] == ["local.dev_routes"], path
    assert "/signin/callback" not in after


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_register_refuses_a_packaged_stage(stage):
    seen = _routes_after(
        "from local.dev_routes import register\n"
        "try:\n    register(app)\nexcept RuntimeError:\n    pass\nelse:\n    raise SystemExit('registered')",
        stage,
    )
    assert seen["after"]["/signin"] == ["chalicelib.api.signin"]
    assert "/signin/callback" in seen["after"]
    assert not [path for path in seen["after"] if path.startswith("/dev")]
