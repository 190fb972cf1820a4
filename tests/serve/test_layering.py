"""The layering: serve is plain functions on a cube, and only service speaks HTTP."""

import ast
from pathlib import Path

import pytest

import methanemap

PACKAGE = Path(methanemap.__file__).parent
HTTP_PACKAGES = {"fastapi", "starlette"}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names a module imports."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if "service" not in p.parts),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_only_the_service_imports_the_web_framework(path):
    assert not imported_roots(path) & HTTP_PACKAGES
