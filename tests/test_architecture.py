"""The house's rules, read from every import with `ast` (docs/architecture.md):

- the floors: vault and ledger and importers know nothing of ours; graph knows vault; the service (`orgmap/`)
  composes them; the doors (api, mcp_server, the CLI) sit on top;
- the service knows no door: `orgmap/` outside `orgmap/cli/` imports neither api, mcp_server nor the CLI, and the
  demo (`orgmap/demo/`) uses the service as any caller would;
- the HTTP API and the MCP server see only the service's public surface: `Service`/`ServiceSlot` (the slot also from
  the light `orgmap.service_slot`), the answer types, the arguments' closed sets and patterns, and the domain
  errors; never each other;
- only the ledger and the composition root (`orgmap/service.py`) reach the event store.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"vault", "graph", "ledger", "importers", "orgmap", "api", "mcp_server"}
SERVICE_ROOMS = {"vault", "graph", "ledger", "importers", "orgmap"}
# Each room (a folder of the repo, most specific first) and the packages its modules may import.
ROOMS: list[tuple[str, set[str]]] = [
    ("orgmap/cli/", OURS),  # the top: `serve` and `mcp` put both network doors over one service
    ("orgmap/demo/", {"orgmap"}),
    ("orgmap/", SERVICE_ROOMS),
    ("vault/", {"vault"}),
    ("graph/", {"graph", "vault"}),
    ("ledger/", {"ledger"}),
    ("importers/", {"importers"}),
    ("api/", {"api", "orgmap"}),
    ("mcp_server/", {"mcp_server", "orgmap"}),
]
# What of the service the network doors may use: module -> names (None: any name of that module).
PUBLIC_SURFACE: dict[str, set[str] | None] = {
    "orgmap.service": {"Service", "ServiceSlot"},
    "orgmap.service_slot": {"ServiceSlot", "ServiceUnavailable"},  # the same slot, without importing the service
    "orgmap.answer_types": None,
    "orgmap.arguments": None,
    "orgmap.errors": None,
}
STORE_MODULES = {"ledger.store", "ledger.sqlite_store", "ledger.sql_store", "ledger.postgres_store", "ledger.dialect",
                 "ledger.schema"}
STORE_USERS = ("ledger/", "orgmap/service.py")


def _imports(path: Path) -> set[tuple[str, str | None]]:
    """(module, imported name or None) for every absolute import of ours in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.update((node.module, alias.name) for alias in node.names)
    return {(module, name) for module, name in found if module.split(".")[0] in OURS}


def _room(rel: str) -> str:
    """The room a module lives in: the most specific prefix of ROOMS."""
    return next(prefix for prefix, _ in ROOMS if rel.startswith(prefix))


def _modules() -> list[Path]:
    return sorted(p for package in OURS for p in (ROOT / package).rglob("*.py"))


def _wrong(path: Path, root: Path = ROOT) -> list[str]:
    """Every import of the module at `path` that breaks a rule, said in a line."""
    rel = path.relative_to(root).as_posix()
    allowed = dict(ROOMS)[_room(rel)]
    wrong = []
    for module, name in _imports(path):
        package = module.split(".")[0]
        if package not in allowed:
            wrong.append(f"{rel} imports {module}")
        elif rel.startswith("orgmap/") and not rel.startswith("orgmap/cli/") and module.startswith("orgmap.cli"):
            wrong.append(f"{rel} imports the CLI ({module})")
        elif rel.startswith("orgmap/") and not rel.startswith("orgmap/demo/") and module.startswith("orgmap.demo") \
                and not rel.startswith("orgmap/cli/"):
            wrong.append(f"{rel} imports the demo ({module})")
        elif rel.startswith(("api/", "mcp_server/")) and package == "orgmap":
            names = PUBLIC_SURFACE.get(module, set())
            if names is not None and (name is None or name not in names):
                wrong.append(f"{rel} imports {module}.{name or '*'}, not the service's public surface")
        if module in STORE_MODULES and not rel.startswith(STORE_USERS):
            wrong.append(f"{rel} imports the event store ({module})")
    return wrong


@pytest.mark.parametrize("room", [prefix for prefix, _ in ROOMS])
def test_each_room_imports_only_what_its_rules_allow(room: str) -> None:
    files = [p for p in _modules() if _room(p.relative_to(ROOT).as_posix()) == room]
    assert files, f"room {room} has no modules"
    wrong = [w for path in files for w in _wrong(path)]
    assert not wrong, wrong


def test_the_checker_sees_each_kind_of_wrong_import(tmp_path: Path) -> None:
    """Each rule catches a file that breaks it (a rule that cannot fail proves nothing)."""
    cases = {
        "graph/x.py": ("from api import app\nimport json\n", "graph/x.py imports api"),
        "importers/x.py": ("from ledger import Ledger\n", "importers/x.py imports ledger"),
        "orgmap/x.py": ("from orgmap.cli.common import ask\n", "orgmap/x.py imports the CLI (orgmap.cli.common)"),
        "orgmap/y.py": ("import api.app\n", "orgmap/y.py imports api.app"),
        "orgmap/z.py": ("from orgmap.demo.data import generate\n", "orgmap/z.py imports the demo (orgmap.demo.data)"),
        "api/x.py": ("from orgmap.intake import Intake\n",
                     "api/x.py imports orgmap.intake.Intake, not the service's public surface"),
        "mcp_server/x.py": ("from orgmap.service import VaultService\n",
                            "mcp_server/x.py imports orgmap.service.VaultService, not the service's public surface"),
        "orgmap/w.py": ("from ledger.sqlite_store import SQLiteStore\n",
                        "orgmap/w.py imports the event store (ledger.sqlite_store)"),
    }
    for rel, (source, expected) in cases.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        assert expected in _wrong(path, tmp_path), rel
    ok = tmp_path / "api" / "ok.py"
    ok.write_text("from orgmap.service import Service, ServiceSlot\nfrom orgmap.errors import NotFound\n")
    assert _wrong(ok, tmp_path) == []

