"""The emulator must not grade its own homework: it decides outcomes with its own code, never the product's."""

from __future__ import annotations

import ast
from pathlib import Path

import reconciler.emulator

# Reading botocore's model (aws_model) and the one exception hierarchy (errors) decide nothing about an outcome.
ALLOWED = {"reconciler.aws_model", "reconciler.errors"}
EMULATOR = Path(reconciler.emulator.__file__).parent


def product_imports(path: Path) -> set[str]:
    """The reconciler modules outside the emulator that `path` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
        found |= {name for name in names if name.split(".")[0] == "reconciler" and not name.startswith("reconciler.emulator")}
    return found


def test_no_emulator_module_imports_the_products_mcp_client_or_any_other_product_module() -> None:
    modules = sorted(EMULATOR.rglob("*.py"))
    assert len(modules) > 10  # the whole package is read
    imports = {str(path.relative_to(EMULATOR)): product_imports(path) - ALLOWED for path in modules}
    assert {path: names for path, names in imports.items() if names} == {}


def test_the_check_sees_an_import_of_the_product(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from reconciler.mcp.client import list_tools\n    import reconciler.kinds\n")
    assert product_imports(module) == {"reconciler.mcp.client", "reconciler.kinds"}
