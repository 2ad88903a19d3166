"""The packages' import arrows point down the stack (docs/architecture.md); `ast` keeps them true."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"vault", "graph", "ledger", "importers", "orgmap", "api", "mcp_server"}
ALLOWED: dict[str, set[str]] = {
    "vault": set(),
    "graph": {"vault"},
    "ledger": set(),
    "importers": {"ledger"},
    "orgmap": {"vault", "graph", "ledger", "importers"},
    "api": {"orgmap"},
    "mcp_server": {"orgmap"},
}
# The CLI is the top of the stack: `serve` and `mcp` put the two interfaces together.
CLI_EXTRA = {"api", "mcp_server"}


def _allowed(package: str, path: Path) -> set[str]:
    rel = path.relative_to(ROOT).as_posix()
    top = rel.startswith("orgmap/commands/") or rel == "orgmap/cli.py"
    return ALLOWED[package] | {package} | (CLI_EXTRA if top else set())


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_is_below_it(package: str) -> None:
    files = list((ROOT / package).rglob("*.py"))
    assert files, f"package {package} has no modules"
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in _imports(path) - _allowed(package, path)
    }
    assert not wrong, sorted(wrong)


def test_the_checker_sees_a_wrong_arrow(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from api import app\nimport graph.build\nimport json\n", encoding="utf-8")
    assert _imports(bad) == {"api", "graph"}
