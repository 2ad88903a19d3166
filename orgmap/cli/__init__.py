"""The `orgmap` command: a thin argparse front whose subcommands live in `orgmap.cli.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from orgmap.cli.common import CommandError, printable
from orgmap.config import NotAVault

__all__ = ["COMMANDS", "build_parser", "main"]

# Each command comes from a module in orgmap.cli.commands exposing `register(subparsers)`; MODULES names the module
# where it is not the command's own name (one module may register several commands).
COMMANDS: tuple[str, ...] = (
    "check", "show", "owners", "dependencies", "dependents", "find", "portfolio", "export",
    "top", "spend", "costs", "reconcile", "runs", "unattributed", "budget", "pauses", "allow", "alerts", "changes",
    "change", "anomalies", "ingest", "import", "demo", "serve", "mcp", "migrate-store",
)
MODULES = {"import": "ingest", "reconcile": "costs", "migrate-store": "migrate_store",
           **dict.fromkeys(("owners", "dependencies", "dependents", "find", "portfolio"), "graph"),
           **dict.fromkeys(("spend", "unattributed", "changes", "alerts"), "spend")}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orgmap",
        description="The company map of AI agents: owners, dependencies, spend, run-rate and what changed.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in dict.fromkeys(MODULES.get(n, n) for n in COMMANDS):
        importlib.import_module(f"orgmap.cli.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (NotAVault, CommandError) as exc:
        print(f"orgmap: {printable(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("orgmap: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
