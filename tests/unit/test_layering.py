"""The layers stay apart. The local runtime stays outside what ships: `app.py` and `chalicelib/`
never import `local/`, and the dev routes reach the app only through `local.dev_routes.register`.
Storage alone knows the tables: no service names a model class but for type hints."""

from __future__ import annotations

import ast
import importlib
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


# -- storage alone knows the tables ----------------------------------------------------------------


def _is_model(module: str, name: str) -> bool:
    from pynamodb.models import Model

    found = getattr(importlib.import_module(module), name, None)
    return isinstance(found, type) and issubclass(found, Model)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of the nodes inside `if TYPE_CHECKING:` blocks (imports for type hints only)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                inside.update(id(child) for child in ast.walk(statement))
    return inside


def models_named_in(source: str) -> list[str]:
    """The storage model classes a module names outside type hints: imported by name
    (`from chalicelib.storage.visits import Visit`) or reached through a storage module
    (`from chalicelib.storage import visits as store` ... `store.Visit`)."""
    tree = ast.parse(source)
    hints = _type_checking_only(tree)
    storage_modules: dict[str, str] = {}  # the name bound in the module -> the storage module
    named: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level != 0 or not node.module:
            continue
        if node.module == "chalicelib.storage":
            for alias in node.names:
                storage_modules[alias.asname or alias.name] = f"chalicelib.storage.{alias.name}"
        elif node.module.startswith("chalicelib.storage.") and id(node) not in hints:
            named += [f"{node.module}.{alias.name}" for alias in node.names if _is_model(node.module, alias.name)]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in storage_modules
            and id(node) not in hints
            and _is_model(storage_modules[node.value.id], node.attr)
        ):
            named.append(f"{storage_modules[node.value.id]}.{node.attr}")
    return named


def test_the_check_sees_a_model_named_outside_type_hints():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from chalicelib.storage import referrals as store\n"
        "from chalicelib.storage.visits import Visit, visits_of_worker\n"
        "if TYPE_CHECKING:\n"
        "    from chalicelib.storage.reports import Report\n"
        "def f(tx):\n"
        "    from chalicelib.storage.approval_links import ApprovalLink\n"
        "    return store.Referral.status, store.in_status\n"
    )
    assert sorted(models_named_in(source)) == [
        "chalicelib.storage.approval_links.ApprovalLink",
        "chalicelib.storage.referrals.Referral",
        "chalicelib.storage.visits.Visit",
    ]


def test_no_service_names_a_storage_model_but_for_type_hints():
    services = sorted((ROOT / "chalicelib" / "services").rglob("*.py"))
    named = [
        f"{path.relative_to(ROOT)} names {model}"
        for path in services
        for model in models_named_in(path.read_text(encoding="utf-8"))
    ]
    assert named == []
